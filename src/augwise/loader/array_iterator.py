"""``flow()``: batches from in-memory arrays."""

from __future__ import annotations

import os
import warnings
from typing import Any, Protocol

import numpy as np

from augwise.core.config import DATA_FORMATS, AugmentConfig
from augwise.core.sampling import RandomStreams
from augwise.core.stats import FeaturewiseStats
from augwise.core.validate import (
    check_bool,
    check_choice,
    check_finite,
    check_not_empty,
    short_repr,
)
from augwise.io.sources import check_subset, first_subset, split_problem, stratified_subset
from augwise.loader.iterators import Iterator, warn_channels
from augwise.loader.keras_pipeline import KerasArrayPipeline
from augwise.loader.labels import ArrayTargets
from augwise.loader.pipeline import SAVE_FORMATS, ArrayPipeline, SaveSpec


class GeneratorLike(Protocol):
    """What an iterator needs from its ``ImageDataGenerator``."""

    config: AugmentConfig

    def current_stats(self) -> FeaturewiseStats | None: ...


def save_spec(
    save_to_dir: Any, save_prefix: str, save_format: str, channels: int | None = None,
    keras_compat: bool = False,
) -> SaveSpec | None:
    """The checked ``save_to_dir`` options (None: nothing is saved), for images of
    ``channels`` channels when given (Keras' ``array_to_img`` takes 1, 3 or 4)."""
    if save_to_dir is None or save_to_dir is False or (
        isinstance(save_to_dir, str) and not save_to_dir
    ):
        return None
    if not isinstance(save_to_dir, (str, os.PathLike)):
        raise TypeError(f"save_to_dir must be a folder path or None, got "
                        f"{short_repr(save_to_dir)}")
    if not os.path.isdir(os.fspath(save_to_dir)):
        raise ValueError(f"save_to_dir={short_repr(save_to_dir)} is not an existing folder")
    if not isinstance(save_prefix, str):
        raise TypeError(f"save_prefix must be a string, got {short_repr(save_prefix)}")
    if not isinstance(save_format, str) or save_format.lower() not in SAVE_FORMATS:
        raise ValueError(
            f"save_format must be one of {', '.join(SAVE_FORMATS)}, got {short_repr(save_format)}"
        )
    writable = (1, 3, 4) if keras_compat else (1, 2, 3, 4)
    if channels is not None and channels not in writable:
        raise ValueError(
            f"save_to_dir writes images of {', '.join(map(str, writable))} channels "
            f"{'(keras_compat) ' if keras_compat else ''}and these have {channels}: "
            "leave save_to_dir out"
        )
    no_alpha = ("jpeg", "jpg", "ppm") + (("bmp",) if channels == 2 else ())
    if channels in (2, 4) and save_format.lower() in no_alpha:
        raise ValueError(
            f"save_format={save_format!r} cannot store the alpha channel of {channels}-channel "
            "images: use save_format='png'"
        )
    return SaveSpec(os.fspath(save_to_dir), save_prefix, save_format)


def check_samples(n: int, source: str, why: str, keras_compat: bool) -> None:
    """Refuse an iterator without samples, saying ``why`` (the step that dropped the last
    ones, and the fix); ``keras_compat`` keeps Keras' empty iterator, with a warning."""
    if n:
        return
    message = f"{source} has 0 samples: {why}"
    if keras_compat:
        warnings.warn(
            message + ". keras_compat returns the empty iterator, as Keras does", stacklevel=5
        )
        return
    raise ValueError(message)


def _length(name: str, value: Any) -> int:
    """``len(value)``, or a ``TypeError`` naming ``name`` when it has none."""
    try:
        return len(value)
    except TypeError:
        raise TypeError(
            f"{name} must be an array with one entry per image, got {short_repr(value)}"
        ) from None


def _per_image(name: str, value: Any) -> np.ndarray:
    """``value`` as an array of one entry per image (a string has a length, but is one)."""
    array = np.asarray(value)
    if array.ndim == 0:
        raise TypeError(
            f"{name} must be an array with one entry per image, got {short_repr(value)}"
        )
    return array


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
        self.data_format = (
            config.data_format if data_format is None
            else check_choice("data_format", data_format, DATA_FORMATS)
        )
        self.dtype = config.replace(dtype=config.dtype if dtype is None else dtype).dtype
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
                if _length("x[0]", x) != _length("x[1] (extra inputs)", xx):
                    raise ValueError(
                        "All of the arrays in `x` should have the same length. Found a pair "
                        f"with: len(x[0]) = {len(x)}, len(x[?]) = {len(xx)}"
                    )
        else:
            x_misc = []
        if y is not None and _length("x", x) != _length("y", y):
            raise ValueError(
                "`x` (images tensor) and `y` (labels) should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}"
            )
        if sample_weight is not None and _length("x", x) != _length("sample_weight",
                                                                    sample_weight):
            raise ValueError(
                "`x` (images tensor) and `sample_weight` should have the same length. "
                f"Found: x.shape = {np.asarray(x).shape}, "
                f"sample_weight.shape = {np.asarray(sample_weight).shape}"
            )
        check_bool("shuffle", shuffle)
        check_bool("ignore_class_split", ignore_class_split)
        check_bool("use_multiprocessing", use_multiprocessing)
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(
                "x (the input data) should have rank 4, (images, "
                + ("channels, height, width" if self.data_format == "channels_first"
                   else "height, width, channels")
                + f"). You passed an array with shape {x.shape}"
            )
        check_not_empty("x", x)
        x = self._numbers(x, config.keras_compat)
        # NaN or inf would spread to every batch (and, through fit(), every statistic)
        check_finite("x", x)
        if y is not None:
            y = _per_image("y", y)
            check_finite("y", y)
        if sample_weight is not None:
            sample_weight = _per_image("sample_weight", sample_weight)
            if sample_weight.dtype.kind not in "fiub":
                raise TypeError(
                    f"sample_weight must hold numbers, got dtype {sample_weight.dtype}"
                )
            check_finite("sample_weight", sample_weight)
        if subset is not None:
            rows = self._subset_rows(x, y, config, subset, ignore_class_split)
            check_samples(
                len(rows), "flow()", split_problem(subset, config.validation_split,
                                                   f"the {len(x)} images"), config.keras_compat,
            )
            x = x[rows]
            x_misc = [np.asarray(xx)[rows] for xx in x_misc]
            if y is not None:
                y = y[rows]
            if sample_weight is not None:
                sample_weight = sample_weight[rows]
        self.x = x
        self.x_misc = x_misc
        warn_channels(self.x, self.data_format)
        self.y = y
        self.sample_weight = sample_weight
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.subset = subset
        channels = self.x.shape[1 if self.data_format == "channels_first" else 3]
        save = save_spec(save_to_dir, save_prefix, save_format, channels, config.keras_compat)
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

    def _numbers(self, x: np.ndarray, keras_compat: bool) -> np.ndarray:
        """``x`` itself (default mode), or cast to ``dtype`` as Keras does (keras_compat);
        a ``TypeError`` when it does not hold numbers."""
        if not keras_compat:
            if x.dtype.kind not in "fiub":
                raise TypeError(f"x must hold numbers, got dtype {x.dtype}")
            return x
        try:
            return np.asarray(x, dtype=self.dtype)
        except (TypeError, ValueError):
            raise TypeError(f"x must hold numbers, got dtype {x.dtype}") from None

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
