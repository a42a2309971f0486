"""``flow_from_directory`` and ``flow_from_dataframe`` iterators.

Nothing is left out silently: entries of a class-folder tree that are not samples are
in ``iterator.ignored_files`` (printed as a summary line and logged), class folders
without images warn, and a class whose every file was skipped by ``on_error="skip"``
warns when that is found out.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.machine import total_memory
from augwise.core.validate import check_choice
from augwise.io.cache import DecodedCache, make_cache
from augwise.io.dataframe import prepare_dataframe
from augwise.io.decode import CHANNELS
from augwise.io.sources import (
    Listing,
    keras_split,
    list_directory,
    split_problem,
    subset_rows,
)
from augwise.loader.array_iterator import GeneratorLike, check_samples, generator_of, save_spec
from augwise.loader.engine import AnyEngine, engine_for
from augwise.loader.iterators import FlowIterator, Made
from augwise.loader.labels import DATAFRAME_CLASS_MODES, FILE_CLASS_MODES, FileTargets
from augwise.loader.options import FlowOptions

log = logging.getLogger("augwise")
_SHOWN_IGNORED = 5  # paths named in the log line about ignored entries


def _check_batch_memory(
    batch_size: int, target_size: tuple[int, int], channels: int, itemsize: int
) -> None:
    """Refuse batches larger than the machine's memory up front, not at the first batch."""
    need = batch_size * target_size[0] * target_size[1] * channels * itemsize
    ram = total_memory()
    if ram and need > ram:
        raise ValueError(
            f"target_size={target_size} with batch_size={batch_size} needs "
            f"{need / 2**30:,.1f} GiB for one batch ({batch_size} x {target_size[0]} x "
            f"{target_size[1]} x {channels} values x {itemsize} bytes), more than this "
            f"machine's memory ({ram / 2**30:,.1f} GiB): use a smaller target_size or batch_size"
        )


def _warn_empty_classes(names: Sequence[str], where: str, fix: str) -> None:
    if names:
        shown = ", ".join(repr(n) for n in names[:10]) + (" ..." if len(names) > 10 else "")
        warnings.warn(
            f"{len(names)} class(es) have no images in {where}: {shown}. They stay classes "
            f"(a model output that never sees a label); {fix}.",
            stacklevel=4,
        )


def _why_no_files(listing: Listing, subset: str | None, fraction: float) -> str:
    """Why a class-folder listing gave no samples, with the fix."""
    return listing.layout_problem() or split_problem(
        subset, fraction, "the images (it takes int(validation_split x the images) of each "
        "class folder, 0 for every class)"
    )


class FileIterator(FlowIterator):
    """Shared set-up of the two file iterators (Keras' ``BatchFromFilesMixin``).

    Keyword arguments besides the data: :class:`~augwise.loader.options.FlowOptions`
    fields (Keras' defaults), or pass ``options``."""

    defaults: ClassVar[dict[str, Any]] = {}
    engine: AnyEngine

    def _set_processing_attrs(
        self,
        image_data_generator: GeneratorLike | None,
        options: FlowOptions | None,
        flow: dict[str, Any],
    ) -> tuple[AugmentConfig, FlowOptions]:
        opts = FlowOptions.create(
            flow, self.defaults if options is None else options, caller=type(self).__name__
        )
        self._generator = generator_of(image_data_generator)
        config = self._generator.config
        self.engine = engine_for(config)
        self.image_data_generator = image_data_generator
        self.target_size = opts.target_size
        self.keep_aspect_ratio = opts.keep_aspect_ratio
        self.color_mode = opts.color_mode
        self.data_format = opts.data_format or config.data_format
        self.dtype = config.replace(
            dtype=config.dtype if opts.dtype is None else opts.dtype
        ).dtype
        c = CHANNELS[opts.color_mode]
        if self.data_format == "channels_last":
            self.image_shape: tuple[int, ...] = (*self.target_size, c)
        else:
            self.image_shape = (c, *self.target_size)
        self.save_to_dir = opts.save_to_dir
        self.save_prefix = opts.save_prefix
        self.save_format = opts.save_format
        self.interpolation = opts.interpolation
        self.split = keras_split(config.validation_split, opts.subset)
        self.subset = opts.subset
        return config.replace(data_format=self.data_format, dtype=self.dtype), opts

    def _start(
        self, config: AugmentConfig, options: FlowOptions, paths: Sequence[str],
        targets: FileTargets,
    ) -> None:
        itemsize = 1 if config.output_dtype == "uint8" else np.dtype(config.dtype).itemsize
        _check_batch_memory(
            options.batch_size, self.target_size, CHANNELS[self.color_mode], itemsize
        )
        save = save_spec(
            self.save_to_dir, self.save_prefix, self.save_format, CHANNELS[self.color_mode]
        )
        self.cache = make_cache(options.cache, options.cache_limit_bytes)
        engine, cache = self.engine, self.cache
        stats = self._generator.current_stats
        augment = self.subset != "validation" or config.augment_validation
        super().__init__(
            len(paths),
            options,
            config=config,
            engine=engine,
            pipeline=lambda streams: engine.file_pipeline(
                paths, config, stats, streams, augment, save, options, cache
            ),
            targets=targets,
        )

    cache: DecodedCache | None
    empty_classes: list[str]
    _class_paths: dict[str, set[str]] | None = None
    _skips_seen = 0

    def _deliver(self, made: Made) -> Any:
        batch = super()._deliver(made)
        self._check_lost_classes()
        return batch

    def _check_lost_classes(self) -> None:
        """Warn (once per class) when ``on_error="skip"`` has skipped every file of a class."""
        skipped = self.skipped
        if len(skipped) == self._skips_seen:
            return
        self._skips_seen = len(skipped)
        if self._class_paths is None:
            self._class_paths = self._paths_by_class()
        lost = [
            name for name, paths in self._class_paths.items()
            if paths and name not in self.empty_classes and paths <= skipped.keys()
        ]
        if lost:
            self.empty_classes = [*self.empty_classes, *lost]
            warnings.warn(
                f"every file of class(es) {', '.join(map(repr, lost))} was skipped as "
                "unreadable (on_error='skip'): they are classes with 0 images; see "
                "iterator.skipped for the files and reasons",
                stacklevel=2,
            )

    def _paths_by_class(self) -> dict[str, set[str]]:
        indices: dict[str, int] = getattr(self, "class_indices", {})
        names = {i: name for name, i in indices.items()}
        by_class: dict[str, set[str]] = {name: set() for name in indices}
        labels = getattr(self, "classes", None)
        if labels is None:
            return by_class
        for path, label in zip(self._filepaths, labels, strict=True):
            for i in label if isinstance(label, (list, tuple)) else [label]:
                by_class[names[int(i)]].add(path)
        return by_class

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
        image_data_generator: GeneratorLike | None,
        *,
        options: FlowOptions | None = None,
        **flow: Any,
    ) -> None:
        config, opts = self._set_processing_attrs(image_data_generator, options, flow)
        check_choice("class_mode", opts.class_mode, FILE_CLASS_MODES)
        subset = opts.subset
        self.directory = os.fspath(directory) if isinstance(directory, os.PathLike) else directory
        self.class_mode = opts.class_mode
        listing = list_directory(
            self.directory,
            opts.classes,
            follow_links=opts.follow_links,
            include_hidden=self.engine.keras_listing,
            keras_warnings=self.engine.keras_listing,
        )
        filenames, labels = listing.filenames, listing.classes
        if subset is not None:
            seed_split = config.seed if config.seed is not None else 0
            rows = subset_rows(labels, config.validation_split, self.engine.split_mode(config),
                               seed_split, subset, per_class=True)
            filenames = [filenames[i] for i in rows]
            labels = labels[rows]
        self.hidden_skipped = listing.hidden_skipped
        self.ignored_files = listing.ignored
        self.empty_classes = list(listing.empty_classes)
        self.class_indices = listing.class_indices
        self.num_classes = len(self.class_indices)
        self.filenames = filenames
        self.samples = len(filenames)
        self.classes = np.asarray(labels, dtype=np.int32)
        check_samples(
            self.samples, f"flow_from_directory({self.directory!r})",
            _why_no_files(listing, subset, config.validation_split), self.engine,
        )
        if opts.verbose:
            print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
            if listing.ignored:
                print(listing.ignored_summary() + " See .ignored_files for each.")
        self._report_listing(listing.ignored, listing.revisited)
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        targets = FileTargets(
            opts.class_mode, self.classes, self.num_classes, None, None, np.dtype(config.dtype)
        )
        self._start(config, opts, self._filepaths, targets)

    def _report_listing(self, ignored: dict[str, str], revisited: int) -> None:
        if ignored:
            shown = "; ".join(f"{p}: {why}" for p, why in list(ignored.items())[:_SHOWN_IGNORED])
            more = len(ignored) - _SHOWN_IGNORED
            log.warning(
                "augwise: %d entries under %s are not samples: %s%s",
                len(ignored), self.directory, shown, f"; and {more} more" if more > 0 else "",
            )
        _warn_empty_classes(
            self.empty_classes, f"{self.directory!r}",
            "add images, remove the folders, or pass classes=[...] without them",
        )
        if revisited:
            warnings.warn(
                f"follow_links=True reached {revisited} files under {self.directory!r} more "
                "than once through symbolic links (a link loop?); keras_compat keeps them as "
                "Keras does, default mode lists each folder once",
                stacklevel=4,
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

    defaults: ClassVar[dict[str, Any]] = {"data_format": "channels_last", "dtype": "float32"}

    def __init__(
        self,
        dataframe: Any,
        directory: Any = None,
        image_data_generator: GeneratorLike | None = None,
        x_col: str = "filename",
        y_col: Any = "class",
        weight_col: str | None = None,
        *,
        options: FlowOptions | None = None,
        **flow: Any,
    ) -> None:
        config, opts = self._set_processing_attrs(image_data_generator, options, flow)
        class_mode = opts.class_mode
        if directory is not None and not isinstance(directory, (str, os.PathLike)):
            raise TypeError(f"directory must be a path or None, got {directory!r}")
        self.directory = os.fspath(directory) if directory else ""
        self.class_mode = class_mode
        self.x_col, self.y_col, self.weight_col = x_col, y_col, weight_col
        prepared = prepare_dataframe(
            dataframe,
            self.directory,
            x_col=x_col,
            y_col=y_col,
            weight_col=weight_col,
            classes=opts.classes,
            class_mode=class_mode,
            validate_filenames=opts.validate_filenames,
            validation_split=config.validation_split,
            subset=opts.subset,
            split_mode=self.engine.split_mode(config),
            split_seed=config.seed if config.seed is not None else 0,
            keras_compat=self.engine.keras_listing,
        )
        self.invalid_filenames = prepared.invalid
        self.duplicate_rows = prepared.duplicates
        self.empty_classes = list(prepared.empty_classes)
        _warn_empty_classes(
            self.empty_classes, "the dataframe", "add rows for them or leave them out of classes"
        )
        has_classes = class_mode not in ("input", "multi_output", "raw", None)
        if has_classes:
            self.class_indices = prepared.class_indices
            self.classes = prepared.classes
        self.filenames = prepared.filenames
        self._sample_weight = prepared.sample_weight
        self._targets = prepared.targets
        self.samples = len(self.filenames)
        check_samples(
            self.samples, "flow_from_dataframe", prepared.why_empty or "no row is left",
            self.engine,
        )
        if opts.verbose:
            validated = "validated" if opts.validate_filenames else "non-validated"
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
        self._start(config, opts, self._filepaths, targets)

    @property
    def labels(self) -> Any:
        if self.class_mode in {"multi_output", "raw"}:
            return self._targets
        return self.classes

    @property
    def sample_weight(self) -> np.ndarray | None:
        return self._sample_weight


__all__ = ["DataFrameIterator", "DirectoryIterator", "FileIterator"]
