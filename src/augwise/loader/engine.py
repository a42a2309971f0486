"""The two engines: augwise's default mode and ``keras_compat``, chosen once per config.

Everything that differs between the modes lives here, behind one object that the
iterators and the generator ask: how random parameters are drawn (counter-based streams
vs the global ``np.random``), the batch order, the pipelines and kernels, how arrays are
read, the split rule, files listed, empty iterators, ``save_to_dir`` and the single-image
methods of the generator.

>>> from augwise.core.config import AugmentConfig
>>> engine_for(AugmentConfig()).name, engine_for(AugmentConfig(keras_compat=True)).name
('augwise', 'keras')
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator as TypingIterator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.keras_kernels import apply_transform as keras_apply_transform
from augwise.core.kernels import WarpSpec, apply_params, value_range_of
from augwise.core.params import TransformParams
from augwise.core.sampling import (
    RandomStreams,
    generator,
    keras_random_transform,
    sample_params,
)
from augwise.core.standardize import keras_standardize, standardize_batch
from augwise.core.stats import FeaturewiseStats
from augwise.io.cache import DecodedCache
from augwise.loader.executor import Prefetcher
from augwise.loader.iterators import AnyPipeline, FlowIterator
from augwise.loader.keras_pipeline import (
    GLOBAL_RNG_LOCK,
    KerasArrayPipeline,
    KerasFilePipeline,
    KerasParams,
    KerasPipeline,
)
from augwise.loader.options import FlowOptions
from augwise.loader.pipeline import ArrayPipeline, FilePipeline, SaveSpec, StatsSource, after


class AugwiseEngine:
    """Default mode: batch ``b`` of epoch ``e`` is a pure function of ``(seed, e, b)``."""

    name = "augwise"
    replayable = True
    keras_listing = False  # list files as augwise does (no hidden files, GIF/WebP too)
    save_channels = (1, 2, 3, 4)
    save_note = ""
    fits_arrays_in_memory = False

    # -- construction ---------------------------------------------------------------

    def check_seed(self, seed: int) -> None:
        """Any seed >= 0 is fine (checked by :class:`FlowOptions`)."""

    def images(self, x: np.ndarray, dtype: str) -> np.ndarray:
        """``x`` itself (cast per batch, in the pipeline); a TypeError unless numbers."""
        if x.dtype.kind not in "fiub":
            raise TypeError(f"x must hold numbers, got dtype {x.dtype}")
        return x

    def no_samples(self, message: str) -> None:
        """An iterator without samples is an error (``message`` says why)."""
        raise ValueError(message)

    def split_mode(self, config: AugmentConfig) -> str:
        """How ``validation_split`` splits: the config's ``validation_split_mode``."""
        return config.validation_split_mode

    def array_pipeline(
        self, x: np.ndarray, config: AugmentConfig, stats: StatsSource,
        streams: RandomStreams, augment: bool, save: SaveSpec | None,
    ) -> ArrayPipeline:
        return ArrayPipeline(x, config, stats, streams, augment, save)

    def file_pipeline(
        self, paths: Sequence[str], config: AugmentConfig, stats: StatsSource,
        streams: RandomStreams, augment: bool, save: SaveSpec | None,
        options: FlowOptions, cache: DecodedCache | None,
    ) -> FilePipeline:
        return FilePipeline(
            paths, config, stats, streams, augment,
            target_size=options.target_size,
            color_mode=options.color_mode,
            interpolation=options.interpolation,
            keep_aspect_ratio=options.keep_aspect_ratio,
            on_error=options.on_error,
            max_image_pixels=options.max_image_pixels,
            save=save,
            cache=cache,
        )

    # -- batch order ----------------------------------------------------------------

    def getitem(self, it: FlowIterator, idx: int) -> Any:
        """Batch ``idx`` of the current epoch (negative: from the end)."""
        if idx < 0:
            idx += len(it)
            if idx < 0:
                raise IndexError(f"batch index out of range for length {len(it)}")
        with it.lock:
            it.total_batches_seen += 1
        return it._compute((it.epoch, idx))

    def next(self, it: FlowIterator) -> Any:
        """The next batch, prefetched on the worker threads."""
        with it.lock:
            if it._stream is None:
                it._stream = Prefetcher(
                    it._make,
                    it._keys(it.epoch, it.batch_index),
                    it._pool.get(),
                    it.max_queue_size if it.workers > 0 else 1,
                )
            stream = it._stream
            it.batch_index += 1
            it.total_batches_seen += 1
            if it.batch_index >= len(it):
                it.batch_index = 0
                it.epoch += 1
        return it._deliver(next(stream))

    def epoch_end(self, it: FlowIterator) -> None:
        """Move to the next epoch (its order and parameters follow from the seed)."""
        with it.lock:
            it.epoch += 1
            it.index_array = None
            it._drop_stream()

    def index_array(self, it: FlowIterator) -> np.ndarray:
        return it.order(it.epoch)

    def epoch_batches(self, it: FlowIterator, epoch: int) -> TypingIterator[Any]:
        keys = iter([(epoch, b) for b in range(len(it))])
        stream = Prefetcher(it._make, keys, it._pool.get(), it.max_queue_size)
        try:
            for made in stream:
                yield it._deliver(made)
        finally:
            stream.close()

    # -- the generator's single-image methods ----------------------------------------

    def standardize(
        self, x: Any, config: AugmentConfig, stats: FeaturewiseStats | None
    ) -> np.ndarray:
        """A standardised copy of one image (3-D) or of each image of a batch (4-D)."""
        arr = np.array(x, dtype=np.result_type(np.asarray(x).dtype, np.float32), copy=True)
        if arr.ndim == 3:
            return standardize_batch(arr[None], config, stats)[0]
        if arr.ndim == 4:
            return standardize_batch(arr, config, stats)
        raise ValueError(f"standardize expects a 3-D image or 4-D batch, got shape {arr.shape}")

    def random_transform(
        self, config: AugmentConfig, shape: tuple[int, ...], seed: int | None,
        rng: np.random.Generator, lock: threading.Lock,
    ) -> dict[str, Any]:
        """Parameters drawn from ``seed``'s stream, else from ``rng`` (under ``lock``)."""
        if config.data_format == "channels_first":
            c, h, w = shape
        else:
            h, w, c = shape
        if seed is not None:
            params = sample_params(config, generator(seed), h, w, c)
        else:
            with lock:
                params = sample_params(config, rng, h, w, c)
        return params.to_dict()

    def apply_transform(
        self, x: np.ndarray, transform_parameters: Any, config: AugmentConfig
    ) -> np.ndarray:
        params = (
            transform_parameters.checked()
            if isinstance(transform_parameters, TransformParams)
            else TransformParams.from_dict(transform_parameters)
        )
        spec = WarpSpec.create(config.fill_mode, config.cval, config.interpolation_order)
        hwc = x.transpose(1, 2, 0) if config.data_format == "channels_first" else x
        out = apply_params(np.ascontiguousarray(hwc), params, spec, value_range_of(hwc))
        return out.transpose(2, 0, 1) if config.data_format == "channels_first" else out


class KerasCompatEngine:
    """``keras_compat=True``: Keras 3.15, bug for bug (global ``np.random``, its kernels,
    its listing and split rule, in-place standardisation)."""

    name = "keras"
    replayable = False
    keras_listing = True
    save_channels = (1, 3, 4)  # Keras' array_to_img
    save_note = "(keras_compat) "
    fits_arrays_in_memory = True  # Keras' fit(): the whole array, its random_transform

    # -- construction ---------------------------------------------------------------

    def check_seed(self, seed: int) -> None:
        if seed >= 2**32:
            raise ValueError(
                f"seed must be < 2**32 with keras_compat=True (Keras seeds NumPy's global "
                f"generator with it), got {seed}"
            )

    def images(self, x: np.ndarray, dtype: str) -> np.ndarray:
        """``x`` cast to ``dtype`` up front, as Keras does."""
        try:
            return np.asarray(x, dtype=dtype)
        except (TypeError, ValueError):
            raise TypeError(f"x must hold numbers, got dtype {x.dtype}") from None

    def no_samples(self, message: str) -> None:
        """Keras' empty iterator, with a warning."""
        warnings.warn(
            message + ". keras_compat returns the empty iterator, as Keras does", stacklevel=6
        )

    def split_mode(self, config: AugmentConfig) -> str:
        """Keras' split: the first ``validation_split`` of the samples (of each class)."""
        return "first"

    def array_pipeline(
        self, x: np.ndarray, config: AugmentConfig, stats: StatsSource,
        streams: RandomStreams, augment: bool, save: SaveSpec | None,
    ) -> AnyPipeline:
        return KerasArrayPipeline(x, config, stats, save)

    def file_pipeline(
        self, paths: Sequence[str], config: AugmentConfig, stats: StatsSource,
        streams: RandomStreams, augment: bool, save: SaveSpec | None,
        options: FlowOptions, cache: DecodedCache | None,
    ) -> AnyPipeline:
        if cache is not None:
            raise ValueError("cache= needs default mode (keras_compat=False)")
        return KerasFilePipeline(
            paths, config, stats, save,
            target_size=options.target_size,
            color_mode=options.color_mode,
            interpolation=options.interpolation,
            keep_aspect_ratio=options.keep_aspect_ratio,
            on_error=options.on_error,
        )

    # -- batch order: Keras' Iterator -----------------------------------------------

    def getitem(self, it: FlowIterator, idx: int) -> Any:
        pipeline = _keras_pipeline(it)
        with GLOBAL_RNG_LOCK:
            if it.seed is not None:
                np.random.seed(it.seed + it.total_batches_seen)
            it.total_batches_seen += 1
            if it.index_array is None:
                it.index_array = self.index_array(it)
            order = it.index_array
            end = min(it.n, it.batch_size * (idx + 1))
            index_array = order[it.batch_size * idx : end]
            params = pipeline.draw(index_array)
        return _finish(it, pipeline, index_array, params, order, end)

    def next(self, it: FlowIterator) -> Any:
        pipeline = _keras_pipeline(it)
        with GLOBAL_RNG_LOCK:
            index_array = next(it.index_generator)
            order, end = it._flow_window
            params = pipeline.draw(index_array)
        return _finish(it, pipeline, index_array, params, order, end)

    def epoch_end(self, it: FlowIterator) -> None:
        """Keras' reshuffle (from the global ``np.random``)."""
        it._set_index_array()

    def index_array(self, it: FlowIterator) -> np.ndarray:
        return np.random.permutation(it.n) if it.shuffle else np.arange(it.n)

    def epoch_batches(self, it: FlowIterator, epoch: int) -> TypingIterator[Any]:
        """The batches through ``it[i]``, one after the other (Keras' draws are global)."""
        for i in range(len(it)):
            yield it[i]

    # -- the generator's single-image methods ----------------------------------------

    def standardize(
        self, x: Any, config: AugmentConfig, stats: FeaturewiseStats | None
    ) -> np.ndarray:
        """Keras' ``standardize``: in place over the whole array."""
        return keras_standardize(x, config, stats)

    def random_transform(
        self, config: AugmentConfig, shape: tuple[int, ...], seed: int | None,
        rng: np.random.Generator, lock: threading.Lock,
    ) -> dict[str, Any]:
        """Keras' draws from the global ``np.random`` (seeded with ``seed`` if given)."""
        return keras_random_transform(config, shape, seed)

    def apply_transform(
        self, x: np.ndarray, transform_parameters: Any, config: AugmentConfig
    ) -> np.ndarray:
        if isinstance(transform_parameters, TransformParams):
            raw = transform_parameters.checked().to_dict()
        else:
            raw = transform_parameters
            if not isinstance(raw, Mapping):
                raise TypeError(f"transform_parameters must be a dict, got {type(raw).__name__}")
            # the values Keras reads must be valid; keys it ignores stay ignored
            TransformParams.from_dict({k: v for k, v in raw.items() if k in _PARAM_NAMES})
        return keras_apply_transform(
            x,
            raw,
            data_format=config.data_format,
            fill_mode=config.fill_mode,
            cval=config.cval,
            interpolation_order=config.interpolation_order,
        )


_PARAM_NAMES = frozenset(TransformParams.__dataclass_fields__)
AnyEngine = AugwiseEngine | KerasCompatEngine
DEFAULT_ENGINE = AugwiseEngine()
_KERAS = KerasCompatEngine()


def engine_for(config: AugmentConfig) -> AnyEngine:
    """The engine of ``config``: :class:`KerasCompatEngine` when ``keras_compat``."""
    return _KERAS if config.keras_compat else DEFAULT_ENGINE


def _keras_pipeline(it: FlowIterator) -> KerasPipeline:
    if not isinstance(it.pipeline, KerasPipeline):
        raise TypeError("keras_compat batches need a Keras pipeline")
    return it.pipeline


def _finish(
    it: FlowIterator, pipeline: KerasPipeline, index_array: np.ndarray, params: KerasParams,
    order: np.ndarray, end: int,
) -> Any:
    res = pipeline.apply(index_array, params, after(order, end))
    it.last_batch = res
    with GLOBAL_RNG_LOCK:
        pipeline.save_batch(res)
    return it.targets.batch(res.x, res.sources[res.kept])


__all__ = ["DEFAULT_ENGINE", "AnyEngine", "AugwiseEngine", "KerasCompatEngine", "engine_for"]
