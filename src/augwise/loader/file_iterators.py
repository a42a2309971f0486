"""``flow_from_directory`` and ``flow_from_dataframe`` iterators."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.sampling import RandomStreams
from augwise.io.cache import DecodedCache, make_cache
from augwise.io.dataframe import prepare_dataframe
from augwise.io.decode import CHANNELS, COLOR_MODES, DEFAULT_MAX_PIXELS, INTERPOLATIONS
from augwise.io.sources import check_subset, keras_split, list_directory, stratified_subset
from augwise.loader.array_iterator import GeneratorLike, save_spec
from augwise.loader.iterators import Iterator
from augwise.loader.keras_pipeline import KerasFilePipeline
from augwise.loader.labels import DATAFRAME_CLASS_MODES, FILE_CLASS_MODES, FileTargets
from augwise.loader.pipeline import FilePipeline


def _target_size(value: Any) -> tuple[int, int]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
        or min(value) < 1
    ):
        raise ValueError(f"target_size must be (height, width) of positive ints, got {value!r}")
    return (int(value[0]), int(value[1]))


class FileIterator(Iterator):
    """Shared set-up of the two file iterators (Keras' ``BatchFromFilesMixin``)."""

    def _set_processing_attrs(
        self,
        image_data_generator: GeneratorLike,
        target_size: Any,
        color_mode: str,
        data_format: str | None,
        save_to_dir: Any,
        save_prefix: str,
        save_format: str,
        subset: str | None,
        interpolation: str,
        keep_aspect_ratio: bool,
        dtype: str | None,
    ) -> AugmentConfig:
        config = image_data_generator.config
        self.image_data_generator = image_data_generator
        self.target_size = _target_size(target_size)
        self.keep_aspect_ratio = bool(keep_aspect_ratio)
        if color_mode not in COLOR_MODES:
            raise ValueError(
                f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or "grayscale".'
            )
        if interpolation not in INTERPOLATIONS:
            raise ValueError(
                f"Invalid interpolation method {interpolation} specified. Supported methods "
                f"are {', '.join(INTERPOLATIONS)}"
            )
        self.color_mode = color_mode
        self.data_format = data_format or config.data_format
        self.dtype = dtype or config.dtype
        c = CHANNELS[color_mode]
        if self.data_format == "channels_last":
            self.image_shape: tuple[int, ...] = (*self.target_size, c)
        else:
            self.image_shape = (c, *self.target_size)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        check_subset(subset)
        self.split = keras_split(config.validation_split, subset)
        self.subset = subset
        return config.replace(data_format=self.data_format, dtype=self.dtype)

    def _start(
        self,
        config: AugmentConfig,
        paths: Sequence[str],
        targets: FileTargets,
        batch_size: int,
        shuffle: bool,
        seed: int | None,
        *,
        on_error: str,
        max_image_pixels: int | None,
        workers: int | None,
        use_multiprocessing: bool,
        max_queue_size: int,
        cache: Any = None,
        cache_limit_bytes: int | None = None,
    ) -> None:
        save = save_spec(self.save_to_dir, self.save_prefix, self.save_format)
        decoded_cache = make_cache(cache, cache_limit_bytes)
        if decoded_cache is not None and config.keras_compat:
            raise ValueError("cache= needs default mode (keras_compat=False)")
        self.cache = decoded_cache
        stats = self.image_data_generator.current_stats
        pipeline: FilePipeline | KerasFilePipeline
        if config.keras_compat:
            pipeline = KerasFilePipeline(
                paths,
                config,
                stats,
                save,
                target_size=self.target_size,
                color_mode=self.color_mode,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
            )
        else:
            augment = self.subset != "validation" or config.augment_validation
            pipeline = FilePipeline(
                paths,
                config,
                stats,
                RandomStreams(0),
                augment,
                target_size=self.target_size,
                color_mode=self.color_mode,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
                on_error=on_error,
                max_image_pixels=max_image_pixels,
                save=save,
                cache=decoded_cache,
            )
        super().__init__(
            len(paths),
            batch_size,
            shuffle,
            seed,
            config=config,
            pipeline=pipeline,
            targets=targets,
            workers=workers,
            use_multiprocessing=use_multiprocessing,
            max_queue_size=max_queue_size,
        )

    cache: DecodedCache | None

    def cache_info(self) -> dict[str, int] | None:
        """Decoded-image cache counters (hits, misses, evictions, entries, bytes), or None."""
        return None if self.cache is None else self.cache.stats()

    @property
    def filepaths(self) -> list[str]:
        """Absolute (or directory-joined) paths of the samples."""
        return self._filepaths

    _filepaths: list[str]


class DirectoryIterator(FileIterator):
    """Iterator over a class-folder tree (``flow_from_directory``)."""

    allowed_class_modes = frozenset(FILE_CLASS_MODES)

    def __init__(
        self,
        directory: Any,
        image_data_generator: GeneratorLike,
        target_size: Any = (256, 256),
        color_mode: str = "rgb",
        classes: Sequence[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        dtype: str | None = None,
        *,
        on_error: str = "raise",
        max_image_pixels: int | None = DEFAULT_MAX_PIXELS,
        workers: int | None = None,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
        verbose: bool = True,
        cache: Any = None,
        cache_limit_bytes: int | None = None,
    ) -> None:
        config = self._set_processing_attrs(
            image_data_generator, target_size, color_mode, data_format, save_to_dir,
            save_prefix, save_format, subset, interpolation, keep_aspect_ratio, dtype,
        )
        self.directory = os.fspath(directory) if isinstance(directory, os.PathLike) else directory
        if class_mode not in self.allowed_class_modes:
            raise ValueError(
                f"Invalid class_mode: {class_mode}; expected one of: {self.allowed_class_modes}"
            )
        self.class_mode = class_mode
        stratified = (
            not config.keras_compat and config.validation_split_mode == "stratified"
        )
        listing = list_directory(
            self.directory,
            classes,
            follow_links=follow_links,
            split=None if stratified else self.split,
            include_hidden=config.keras_compat,
            keras_warnings=config.keras_compat,
        )
        filenames, labels = listing.filenames, listing.classes
        if stratified and subset is not None:
            seed_split = config.seed if config.seed is not None else 0
            rows = stratified_subset(labels, config.validation_split, subset, seed_split)
            filenames = [filenames[i] for i in rows]
            labels = labels[rows]
        self.hidden_skipped = listing.hidden_skipped
        self.class_indices = listing.class_indices
        self.num_classes = len(self.class_indices)
        self.filenames = filenames
        self.samples = len(filenames)
        self.classes = np.asarray(labels, dtype=np.int32)
        if verbose:
            print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        targets = FileTargets(
            class_mode, self.classes, self.num_classes, None, None, np.dtype(config.dtype)
        )
        self._start(
            config, self._filepaths, targets, batch_size, shuffle, seed,
            on_error=on_error, max_image_pixels=max_image_pixels, workers=workers,
            use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size,
            cache=cache, cache_limit_bytes=cache_limit_bytes,
        )

    @property
    def labels(self) -> np.ndarray:
        return self.classes

    @property
    def sample_weight(self) -> None:
        return None


class DataFrameIterator(FileIterator):
    """Iterator over a dataframe of file names and labels (``flow_from_dataframe``)."""

    allowed_class_modes = frozenset(DATAFRAME_CLASS_MODES)

    def __init__(
        self,
        dataframe: Any,
        directory: Any = None,
        image_data_generator: GeneratorLike | None = None,
        x_col: str = "filename",
        y_col: Any = "class",
        weight_col: str | None = None,
        target_size: Any = (256, 256),
        color_mode: str = "rgb",
        classes: Sequence[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        data_format: str = "channels_last",
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        dtype: str = "float32",
        validate_filenames: bool = True,
        *,
        on_error: str = "raise",
        max_image_pixels: int | None = DEFAULT_MAX_PIXELS,
        workers: int | None = None,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
        verbose: bool = True,
        cache: Any = None,
        cache_limit_bytes: int | None = None,
    ) -> None:
        if image_data_generator is None:
            raise TypeError("image_data_generator is required")
        config = self._set_processing_attrs(
            image_data_generator, target_size, color_mode, data_format, save_to_dir,
            save_prefix, save_format, subset, interpolation, keep_aspect_ratio, dtype,
        )
        if directory is not None and not isinstance(directory, (str, os.PathLike)):
            raise TypeError(f"directory must be a path or None, got {directory!r}")
        self.directory = os.fspath(directory) if directory else ""
        self.class_mode = class_mode
        self.x_col, self.y_col, self.weight_col = x_col, y_col, weight_col
        split_mode = "first" if config.keras_compat else config.validation_split_mode
        prepared = prepare_dataframe(
            dataframe,
            self.directory,
            x_col=x_col,
            y_col=y_col,
            weight_col=weight_col,
            classes=classes,
            class_mode=class_mode,
            validate_filenames=validate_filenames,
            validation_split=config.validation_split,
            subset=subset,
            split_mode=split_mode,
            split_seed=config.seed if config.seed is not None else 0,
        )
        self.invalid_filenames = prepared.invalid
        has_classes = class_mode not in ("input", "multi_output", "raw", None)
        if has_classes:
            self.class_indices = prepared.class_indices
            self.classes = prepared.classes
        self.filenames = prepared.filenames
        self._sample_weight = prepared.sample_weight
        self._targets = prepared.targets
        self.samples = len(self.filenames)
        if verbose:
            validated = "validated" if validate_filenames else "non-validated"
            if has_classes:
                print(
                    f"Found {self.samples} {validated} image filenames belonging to "
                    f"{len(prepared.class_indices)} classes."
                )
            else:
                print(f"Found {self.samples} {validated} image filenames.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        targets = FileTargets(
            class_mode,
            prepared.classes,
            len(prepared.class_indices),
            prepared.targets,
            prepared.sample_weight,
            np.dtype(config.dtype),
        )
        self._start(
            config, self._filepaths, targets, batch_size, shuffle, seed,
            on_error=on_error, max_image_pixels=max_image_pixels, workers=workers,
            use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size,
            cache=cache, cache_limit_bytes=cache_limit_bytes,
        )

    @property
    def labels(self) -> Any:
        if self.class_mode in {"multi_output", "raw"}:
            return self._targets
        return self.classes

    @property
    def sample_weight(self) -> np.ndarray | None:
        return self._sample_weight
