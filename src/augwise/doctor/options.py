"""The ``flow*()`` arguments the doctor checks the data against.

>>> FlowOptions.create({"target_size": (64, 64), "shuffle": False}).target_size
(64, 64)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from augwise.core.validate import check_bool
from augwise.io.dataframe import CLASS_MODES
from augwise.io.decode import COLOR_MODES, INTERPOLATIONS
from augwise.io.sources import SUBSETS

KERAS_DEFAULT_TARGET = (256, 256)
ENGINES = ("augwise", "keras")


@dataclass(frozen=True)
class FlowOptions:
    """``flow_from_directory`` / ``flow_from_dataframe`` / ``flow`` arguments.

    ``target_size=None`` means "not given": file data is then checked at Keras' default
    (256, 256), arrays at their own size.  ``x_col``/``y_col``/``directory`` are read for
    dataframes and CSV files (paths relative to ``directory``, else to the CSV file).
    """

    target_size: tuple[int, int] | None = None
    color_mode: str = "rgb"
    class_mode: str | None = "categorical"
    batch_size: int = 32
    shuffle: bool = True
    subset: str | None = None
    interpolation: str = "nearest"
    keep_aspect_ratio: bool = False
    seed: int | None = None
    x_col: str = "filename"
    y_col: str = "class"
    directory: str | None = None
    workers: int | None = None
    max_queue_size: int = 10

    def __post_init__(self) -> None:
        ts = self.target_size
        if ts is not None:
            if (
                not isinstance(ts, (tuple, list))
                or len(ts) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in ts)
            ):
                raise ValueError(
                    f"target_size must be (height, width) of positive ints, got {ts!r}"
                )
            object.__setattr__(self, "target_size", (int(ts[0]), int(ts[1])))
        if self.color_mode not in COLOR_MODES:
            raise ValueError(f"color_mode must be one of {COLOR_MODES}, got {self.color_mode!r}")
        if self.class_mode not in CLASS_MODES:
            raise ValueError(f"class_mode must be one of {CLASS_MODES}, got {self.class_mode!r}")
        if not isinstance(self.batch_size, int) or isinstance(self.batch_size, bool) or (
            self.batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int, got {self.batch_size!r}")
        check_bool("shuffle", self.shuffle)
        if self.subset is not None and self.subset not in SUBSETS:
            raise ValueError(f"subset must be None or one of {SUBSETS}, got {self.subset!r}")
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"interpolation must be one of {INTERPOLATIONS}, got {self.interpolation!r}"
            )
        if self.seed is not None and (not isinstance(self.seed, int) or self.seed < 0):
            raise ValueError(f"seed must be a non-negative int or None, got {self.seed!r}")

    @property
    def channels(self) -> int:
        return {"rgb": 3, "rgba": 4, "grayscale": 1}[self.color_mode]

    @classmethod
    def create(cls, value: FlowOptions | Mapping[str, Any] | None) -> FlowOptions:
        """From a :class:`FlowOptions`, a mapping of flow arguments, or None."""
        if value is None:
            return cls()
        if isinstance(value, FlowOptions):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(f"flow must be a mapping of flow arguments, got {type(value).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"flow: unknown argument(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(known))}")
        kwargs = dict(value)
        if isinstance(kwargs.get("target_size"), list):
            kwargs["target_size"] = tuple(kwargs["target_size"])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["target_size"] = list(self.target_size) if self.target_size else None
        return out
