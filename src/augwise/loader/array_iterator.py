"""``flow()``: batches from in-memory arrays."""

from __future__ import annotations

import os
from typing import Any, ClassVar, Protocol

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.stats import FeaturewiseStats
from augwise.core.validate import (
    check_finite,
    check_fits,
    check_not_empty,
    native_order,
    short_repr,
)
from augwise.io.sources import split_problem, subset_rows
from augwise.loader.engine import AnyEngine, engine_for
from augwise.loader.iterators import FlowIterator, warn_channels
from augwise.loader.labels import ArrayTargets
from augwise.loader.options import FlowOptions
from augwise.loader.pipeline import SAVE_FORMATS, SaveSpec


class GeneratorLike(Protocol):
    """What an iterator needs from its ``ImageDataGenerator``."""

    config: AugmentConfig

    def current_stats(self) -> FeaturewiseStats | None: ...


class _NoAugmentation:
    """What an iterator built with ``image_data_generator=None`` uses: as in Keras, images
    are only loaded and resized (the defaults of ``ImageDataGenerator()``)."""

    def __init__(self) -> None:
        self.config = AugmentConfig()

    def current_stats(self) -> FeaturewiseStats | None:
        return None


def generator_of(image_data_generator: Any) -> GeneratorLike:
    """The generator an iterator reads its config from: ``image_data_generator``, or no
    augmentation for None; a ``TypeError`` for anything else."""
    if image_data_generator is None:
        return _NoAugmentation()
    if not isinstance(getattr(image_data_generator, "config", None), AugmentConfig) or not \
            callable(getattr(image_data_generator, "current_stats", None)):
        raise TypeError(
            "image_data_generator must be an augwise ImageDataGenerator or None, got "
            f"{short_repr(image_data_generator)}"
        )
    return image_data_generator


def save_spec(
    save_to_dir: Any, save_prefix: str, save_format: str, channels: int | None = None,
    writable: tuple[int, ...] = (1, 2, 3, 4), mode: str = "",
) -> SaveSpec | None:
    """The checked ``save_to_dir`` options (None: nothing is saved), for images of
    ``channels`` channels when given (``writable``: the channel counts the engine saves,
    named ``mode`` in the error)."""
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
    seps = {os.sep, os.altsep or os.sep, "\0"}
    if any(c in save_prefix for c in seps) or len(os.fsencode(save_prefix)) > 200:
        raise ValueError(
            f"save_prefix={short_repr(save_prefix)} must be a plain file-name prefix (no path "
            "separator or NUL, at most 200 bytes): the images go into save_to_dir itself"
        )
    if not isinstance(save_format, str) or save_format.lower() not in SAVE_FORMATS:
        raise ValueError(
            f"save_format must be one of {', '.join(SAVE_FORMATS)}, got {short_repr(save_format)}"
        )
    if channels is not None and channels not in writable:
        raise ValueError(
            f"save_to_dir writes images of {', '.join(map(str, writable))} channels "
            f"{mode}and these have {channels}: "
            "leave save_to_dir out"
        )
    no_alpha = ("jpeg", "jpg", "ppm") + (("bmp",) if channels == 2 else ())
    if channels in (2, 4) and save_format.lower() in no_alpha:
        raise ValueError(
            f"save_format={save_format!r} cannot store the alpha channel of {channels}-channel "
            "images: use save_format='png'"
        )
    return SaveSpec(os.fspath(save_to_dir), save_prefix, save_format)


def check_samples(n: int, source: str, why: str, engine: AnyEngine) -> None:
    """Refuse an iterator without samples, saying ``why`` (the step that dropped the last
    ones, and the fix); ``keras_compat`` keeps Keras' empty iterator, with a warning."""
    if not n:
        engine.no_samples(f"{source} has 0 samples: {why}")


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


class NumpyArrayIterator(FlowIterator):
    """Iterator over ``x`` (rank 4), optional ``y``, ``sample_weight`` and extra inputs.

    The other keyword arguments are :class:`~augwise.loader.options.FlowOptions` fields
    (Keras' iterator defaults: ``shuffle=False``), or pass ``options``.

        >>> from augwise import ImageDataGenerator
        >>> x = np.zeros((5, 4, 4, 1), np.uint8)
        >>> len(NumpyArrayIterator(x, None, ImageDataGenerator(), batch_size=2))
        3
    """

    defaults: ClassVar[dict[str, Any]] = {"shuffle": False}

    def __init__(
        self,
        x: Any,
        y: Any,
        image_data_generator: GeneratorLike | None,
        *,
        sample_weight: Any = None,
        options: FlowOptions | None = None,
        **flow: Any,
    ) -> None:
        opts = FlowOptions.create(
            flow, self.defaults if options is None else options, caller=type(self).__name__
        )
        generator = generator_of(image_data_generator)
        config = generator.config
        engine = engine_for(config)
        self.image_data_generator = image_data_generator
        self.data_format = opts.data_format or config.data_format
        self.dtype = config.replace(dtype=config.dtype if opts.dtype is None else opts.dtype).dtype
        subset = opts.subset
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
        x = np.asarray(x)
        if x.ndim != 4:
            raise ValueError(
                "x (the input data) should have rank 4, (images, "
                + ("channels, height, width" if self.data_format == "channels_first"
                   else "height, width, channels")
                + f"). You passed an array with shape {x.shape}"
            )
        check_not_empty("x", x)
        check_fits("x", x, self.dtype)  # before a cast would turn the values into inf
        x = native_order(engine.images(x, self.dtype))
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
            rows = self._subset_rows(x, y, config, subset, opts.ignore_class_split, engine)
            check_samples(
                len(rows), "flow()", split_problem(subset, config.validation_split,
                                                   f"the {len(x)} images"), engine,
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
        self.save_to_dir = opts.save_to_dir
        self.save_prefix = opts.save_prefix
        self.save_format = opts.save_format
        self.subset = subset
        channels = self.x.shape[1 if self.data_format == "channels_first" else 3]
        save = save_spec(opts.save_to_dir, opts.save_prefix, opts.save_format, channels,
                         engine.save_channels, engine.save_note)
        cfg = config.replace(data_format=self.data_format, dtype=self.dtype)
        stats = generator.current_stats
        augment = subset != "validation" or cfg.augment_validation
        x_kept = self.x
        super().__init__(
            self.x.shape[0],
            opts,
            config=cfg,
            engine=engine,
            pipeline=lambda streams: engine.array_pipeline(
                x_kept, cfg, stats, streams, augment, save
            ),
            targets=ArrayTargets(self.y, self.x_misc, self.sample_weight),
        )

    @staticmethod
    def _subset_rows(
        x: Any, y: Any, config: AugmentConfig, subset: str, ignore_class_split: bool,
        engine: AnyEngine,
    ) -> np.ndarray:
        n = len(x)
        fraction = config.validation_split
        mode = engine.split_mode(config)
        seed = config.seed if config.seed is not None else 0
        if mode == "stratified":
            labels: Any = np.asarray(y) if y is not None else np.zeros(n)
            if labels.ndim > 1:
                labels = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
            return subset_rows(labels, fraction, mode, seed, subset)
        split_idx = int(n * fraction)
        if y is not None and not ignore_class_split:
            ya = np.asarray(y)
            if not np.array_equal(np.unique(ya[:split_idx]), np.unique(ya[split_idx:])):
                raise ValueError(
                    "Training and validation subsets have different number of classes after "
                    "the split. If your numpy arrays are sorted by the label, you might want "
                    "to shuffle them (or use validation_split_mode='stratified')."
                )
        return subset_rows(np.zeros(n), fraction, mode, seed, subset)


__all__ = ["NumpyArrayIterator"]
