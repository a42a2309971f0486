"""``ImageDataGenerator.fit``: streaming statistics, and Keras' in-memory version."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.sampling import RandomStreams, resolve_seed
from augwise.core.standardize import standardize_batch
from augwise.core.stats import FeaturewiseStats, ZcaWhitener, fit_statistics
from augwise.core.validate import check_finite, check_not_empty, native_order
from augwise.loader.array_iterator import NumpyArrayIterator
from augwise.loader.engine import DEFAULT_ENGINE
from augwise.loader.file_iterators import FileIterator
from augwise.loader.pipeline import ArrayPipeline, Pipeline

CHUNK = 64


class _Transforming(Protocol):
    config: AugmentConfig

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray: ...


def _pre_featurewise(config: AugmentConfig) -> AugmentConfig:
    """The standardisation steps that run before the featurewise ones."""
    return config.replace(
        featurewise_center=False, featurewise_std_normalization=False, zca_whitening=False
    )


def _pipeline(config: AugmentConfig, x: Any, augment: bool, seed: int) -> tuple[Pipeline, int]:
    cfg = config.augmentation_only().replace(output_dtype=None)
    streams = RandomStreams(seed)
    if isinstance(x, FileIterator):
        # the iterator's files, read as it reads them, in default mode and without its cache
        pipe = DEFAULT_ENGINE.file_pipeline(
            x.filepaths, cfg.replace(data_format=x.data_format), lambda: None, streams,
            augment, None, x.options, None,
        )
        return pipe, x.n
    arr = x.x if isinstance(x, NumpyArrayIterator) else _checked(np.asarray(x))
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"fit() needs numeric images, got dtype {arr.dtype}")
    axis = 1 if config.data_format == "channels_first" else 3
    if arr.shape[axis] not in {1, 3, 4}:
        warnings.warn(
            f"Expected input to be images (as Numpy array) following the data format "
            f'convention "{config.data_format}" (channels on axis {axis}), i.e. expected '
            f"either 1, 3 or 4 channels on axis {axis}. However, it was passed an array with "
            f"shape {arr.shape} ({arr.shape[axis]} channels).",
            stacklevel=4,
        )
    return ArrayPipeline(arr, cfg, lambda: None, streams, augment), len(arr)


def _checked(x: np.ndarray) -> np.ndarray:
    """``x`` if it is a non-empty rank-4 array of finite values (raises otherwise)."""
    if x.ndim != 4:
        raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
    check_not_empty("x", x)
    check_finite("x", x)
    return native_order(x)


def fit_stream(
    config: AugmentConfig, x: Any, augment: bool, rounds: int, seed: int | None
) -> FeaturewiseStats:
    """Statistics over ``x`` in chunks; memory does not grow with the dataset."""
    resolved = resolve_seed(seed if seed is not None else config.seed)
    pipe, n = _pipeline(config, x, augment, resolved)
    pre = _pre_featurewise(config)

    def batches() -> Iterator[np.ndarray]:
        for r in range(rounds if augment else 1):
            for start in range(0, n, CHUNK):
                res = pipe.run(r, np.arange(start, min(n, start + CHUNK)))
                xb = res.x.astype(np.float32, copy=False)
                if pre.standardizes:
                    xb = standardize_batch(xb, pre, None)
                yield xb

    axis = 1 if pipe.config.data_format == "channels_first" else 3
    return fit_statistics(
        batches,
        channel_axis=axis,
        center=config.featurewise_center,
        scale=config.featurewise_std_normalization,
        zca=config.zca_whitening,
        zca_epsilon=config.zca_epsilon,
        zca_rank=config.zca_rank,
        method=config.featurewise_method,
        seed=resolved,
    )


def fit_arrays_keras(
    gen: _Transforming, x: np.ndarray, augment: bool, rounds: int, seed: int | None
) -> FeaturewiseStats:
    """Keras 3.15's ``fit`` verbatim (whole array in memory, global ``np.random``)."""
    cfg = gen.config
    channel_axis = 1 if cfg.data_format == "channels_first" else 3
    row_axis, col_axis = (2, 3) if cfg.data_format == "channels_first" else (1, 2)
    x = _checked(np.asarray(x, dtype=cfg.dtype))
    if x.shape[channel_axis] not in {1, 3, 4}:
        warnings.warn(
            f"Expected input to be images (as Numpy array) following the data format "
            f'convention "{cfg.data_format}" (channels on axis {channel_axis}), i.e. expected '
            f"either 1, 3 or 4 channels on axis {channel_axis}. However, it was passed an "
            f"array with shape {x.shape} ({x.shape[channel_axis]} channels).",
            stacklevel=3,
        )
    if seed is not None:
        np.random.seed(seed)
    x = np.copy(x)
    if cfg.rescale:
        x *= cfg.rescale
    if augment:
        ax = np.zeros((rounds * x.shape[0], *x.shape[1:]), dtype=cfg.dtype)
        for r in range(rounds):
            for i in range(x.shape[0]):
                ax[i + r * x.shape[0]] = gen.random_transform(x[i])
        x = ax
    mean = std = None
    zca = None
    shape = [1, 1, 1]
    shape[channel_axis - 1] = x.shape[channel_axis]
    if cfg.featurewise_center:
        mean = np.reshape(np.mean(x, axis=(0, row_axis, col_axis)), shape)
        x -= mean
    if cfg.featurewise_std_normalization:
        std = np.reshape(np.std(x, axis=(0, row_axis, col_axis)), shape)
        x /= std + 1e-6
    if cfg.zca_whitening:
        n = len(x)
        flat_x = np.reshape(x, (n, -1))
        u, s, _ = np.linalg.svd(flat_x.T, full_matrices=False)
        s_inv = np.sqrt(n) / (s + cfg.zca_epsilon)
        zca = ZcaWhitener(components=u, scale=s_inv, dense=(u * s_inv).dot(u.T))
    return FeaturewiseStats(mean=mean, std=std, zca=zca, count=len(x))


__all__ = ["fit_arrays_keras", "fit_stream"]
