"""What every check sees: the data, its scan, the config and the shared analyses.

Analyses used by several checks (duplicates, orientation, fill measurement) are computed
once, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from augwise.core.config import AugmentConfig
from augwise.doctor.duplicates import Duplicates, find_duplicates
from augwise.doctor.fill import Thumb, prepare_thumbs
from augwise.doctor.fill import measure as measure_fill
from augwise.doctor.options import KERAS_DEFAULT_TARGET, FlowOptions
from augwise.doctor.orientation import Orientation, analyse
from augwise.doctor.scan import ScanResult
from augwise.doctor.setup import Setup
from augwise.io.datasets import DataSet, Split
from augwise.results.fill import FillReport


@dataclass
class Context:
    """Inputs of the checks (read-only by convention)."""

    data: DataSet
    scan: ScanResult
    setup: Setup
    flow: FlowOptions
    seed: int = 0

    @property
    def config(self) -> AugmentConfig:
        return self.setup.config

    @property
    def keras(self) -> bool:
        """True when Keras' own ImageDataGenerator trains the model."""
        return self.setup.engine == "keras"

    @property
    def table(self) -> pd.DataFrame:
        return self.scan.table

    @cached_property
    def ok(self) -> np.ndarray:
        return self.scan.ok

    def rows(self, split: str | None = None, ok: bool = True) -> np.ndarray:
        """Boolean mask of rows (of ``split``; decoded only when ``ok``)."""
        mask = np.ones(len(self.table), bool) if split is None else np.asarray(
            self.table["split"] == split, bool
        )
        return mask & self.ok if ok else mask

    @property
    def train(self) -> Split:
        return self.data.train

    @property
    def files(self) -> bool:
        return self.data.kind == "files"

    @cached_property
    def target_hw(self) -> tuple[int, int]:
        """The size the model sees: ``target_size``, Keras' default, or the array size."""
        if self.flow.target_size is not None:
            return self.flow.target_size
        if self.train.x is not None:
            return (int(self.train.x.shape[1]), int(self.train.x.shape[2]))
        return KERAS_DEFAULT_TARGET

    @property
    def target_assumed(self) -> bool:
        return self.flow.target_size is None and self.files

    @cached_property
    def value_range(self) -> tuple[float, float]:
        """Nominal value range of the training images as the generator receives them."""
        if self.train.x is None and self.flow.color_mode == "grayscale":
            depth = self.table.loc[self.rows("train"), "bit_depth"]
            if len(depth) and float(np.nanmax(depth)) >= 16:
                return (0.0, 65535.0)
        return self.scan.value_ranges.get("train", (0.0, 255.0))

    @cached_property
    def class_names(self) -> list[str]:
        return self.scan.class_names

    @cached_property
    def orientation(self) -> Orientation | None:
        return analyse(self.scan.class_sums, self.class_names)

    @cached_property
    def thumbs(self) -> list[Thumb]:
        kept = [self.scan.kept[k] for k in sorted(self.scan.kept)]
        return prepare_thumbs(kept, self.target_hw)

    @cached_property
    def fill(self) -> FillReport | None:
        return measure_fill(self.config, self.thumbs, self.target_hw, self.value_range,
                            seed=self.seed)

    @cached_property
    def duplicates(self) -> Duplicates:
        return find_duplicates(self.scan)

    def names(self, mask: np.ndarray) -> list[str]:
        return self.table.loc[mask, "name"].tolist()
