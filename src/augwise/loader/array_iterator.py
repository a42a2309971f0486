"""``flow()``: batches from in-memory arrays."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.sampling import RandomStreams
from augwise.core.stats import FeaturewiseStats
from augwise.io.sources import check_subset, first_subset, stratified_subset
from augwise.loader.iterators import Iterator, warn_channels
from augwise.loader.keras_pipeline import KerasArrayPipeline
from augwise.loader.labels import ArrayTargets
from augwise.loader.pipeline import ArrayPipeline, SaveSpec


class GeneratorLike(Protocol):
    """What an iterator needs from its ``ImageDataGenerator``."""

    config: AugmentConfig

    def current_stats(self) -> FeaturewiseStats | None: ...


def save_spec(save_to_dir: Any, save_prefix: str, save_format: str) -> SaveSpec | None:
    if not save_to_dir:
        return None
    import os

    if not os.path.isdir(os.fspath(save_to_dir)):
        raise ValueError(f"save_to_dir={save_to_dir!r} is not an existing folder")
    if not isinstance(save_prefix, str):
        raise TypeError(f"save_prefix must be a string, got {save_prefix!r}")
    return SaveSpec(os.fspath(save_to_dir), save_prefix, str(save_format))


class NumpyArrayIterator(Iterator):
    """Iterator over ``x`` (rank 4), optional ``y``, ``sample_weight`` and extra inputs."""

    def __init__(
        self,
        x: Any,
        y: Any,
        image_data_generator: GeneratorLike,
        batch_size: int = 32,
        shuffle: bool = False,
        sample_weight: Any = None,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        ignore_class_split: bool = False,
        dtype: str | None = None,
        *,
        workers: int | None = None,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> None:
        config = image_data_generator.config
        self.image_data_generator = image_data_generator
        self.data_format = data_format or config.data_format
        self.dtype = dtype or config.dtype
        check_subset(subset)
        if isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError(
                    "x given as a tuple or list must be (images, extra_inputs), "
                    f"got {len(x)} elements"
                )
            x_misc = [np.asarray(x[1])] if not isinstance(x[1], list) else [
                np.asarray(xx) for xx in x[1]
            ]
            x = x[0]
            for xx in x_misc:
                if len(x) != len(xx):
                    raise ValueError(
                        "All of the arrays in `x` should have the same length. Found a pair "
                        f"with: len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}"
                    )
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}"
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        if subset is not None:
            rows = self._subset_rows(x, y, config, subset, ignore_class_split)
            x = np.asarray(x)[rows]
            x_misc = [np.asarray(xx)[rows] for xx in x_misc]
            if y is not None:
                y = np.asarray(y)[rows]
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[rows]
        if config.keras_compat:
            self.x = np.asarray(x, dtype=self.dtype)
        else:
            self.x = np.asarray(x)
            if self.x.dtype.kind not in "fiub":
                raise TypeError(f"x must hold numbers, got dtype {self.x.dtype}")
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(
                "Input data in `NumpyArrayIterator` should have rank 4. You passed an array "
                f"with shape {self.x.shape}"
            )
        warn_channels(self.x, self.data_format)
        self.y = np.asarray(y) if y is not None else None
        self.sample_weight = np.asarray(sample_weight) if sample_weight is not None else None
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.subset = subset
        save = save_spec(save_to_dir, save_prefix, save_format)
        cfg = config.replace(data_format=self.data_format, dtype=self.dtype)
        stats = image_data_generator.current_stats
        pipeline: ArrayPipeline | KerasArrayPipeline
        if cfg.keras_compat:
            pipeline = KerasArrayPipeline(self.x, cfg, stats, save)
        else:
            augment = subset != "validation" or cfg.augment_validation
            pipeline = ArrayPipeline(self.x, cfg, stats, RandomStreams(0), augment, save)
        super().__init__(
            self.x.shape[0],
            batch_size,
            shuffle,
            seed,
            config=cfg,
            pipeline=pipeline,
            targets=ArrayTargets(self.y, self.x_misc, self.sample_weight),
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )

    @staticmethod
    def _subset_rows(
        x: Any, y: Any, config: AugmentConfig, subset: str, ignore_class_split: bool
    ) -> np.ndarray:
        n = len(x)
        fraction = config.validation_split
        if config.validation_split_mode == "stratified" and not config.keras_compat:
            labels: Any = np.asarray(y) if y is not None else np.zeros(n)
            if labels.ndim > 1:
                labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
            seed = config.seed if config.seed is not None else 0
            return stratified_subset(labels, fraction, subset, seed)
        split_idx = int(n * fraction)
        if y is not None and not ignore_class_split:
            ya = np.asarray(y)
            if not np.array_equal(np.unique(ya[:split_idx]), np.unique(ya[split_idx:])):
                raise ValueError(
                    "Training and validation subsets have different number of classes after "
                    "the split. If your numpy arrays are sorted by the label, you might want "
                    "to shuffle them (or use validation_split_mode='stratified')."
                )
        return first_subset(n, fraction, subset)
