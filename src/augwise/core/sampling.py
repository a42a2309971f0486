"""Drawing transform parameters.

Default mode: the parameters of sample ``i`` in epoch ``e`` are a pure function of
``(seed, e, i)``.  Uniform numbers come from a ``numpy.random.Generator`` over a Philox
counter-based bit generator keyed by the seed, with the counter set from
``(epoch, block of sample indices, stream)``; each sample owns a fixed row of
:data:`SLOTS` uniforms and each transform a fixed slot, so adding or removing one
transform never changes the draws of another, and neither batch size, shuffling nor
the number of workers changes what a sample gets.

``keras_compat``: :func:`keras_random_transform` reproduces Keras' own draw order on the
global ``np.random`` state, the only place augwise touches it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from augwise.core.config import AugmentConfig, ShiftRange
from augwise.core.params import BatchParams, TransformParams
from augwise.core.transforms import SLOTS, draw_params

BLOCK = 256
_CACHE_BLOCKS = 1024

# streams: independent counters for each use of randomness
STREAM_PARAMS = 0
STREAM_SHUFFLE = 1
STREAM_SPLIT = 2
STREAM_NAMES = 3


def resolve_seed(seed: int | None) -> int:
    """``seed`` itself, or fresh OS entropy when None (differs per run, like Keras)."""
    if seed is None:
        entropy: Any = np.random.SeedSequence().entropy
        return int(entropy) & ((1 << 63) - 1)
    return int(seed)


def generator(seed: int, *counter: int) -> np.random.Generator:
    """A Generator keyed by ``seed`` at a counter position (up to 4 integers)."""
    values = [int(c) & ((1 << 64) - 1) for c in counter]
    values += [0] * (4 - len(values))
    key = int(seed) & ((1 << 128) - 1)
    return np.random.Generator(np.random.Philox(key=key, counter=np.array(values, np.uint64)))


class RandomStreams:
    """Counter-based random numbers for one seed, cached per block of samples."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._lock = threading.Lock()
        self._blocks: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()

    def __getstate__(self) -> dict[str, int]:
        return {"seed": self.seed}

    def __setstate__(self, state: dict[str, int]) -> None:
        self.__init__(state["seed"])  # type: ignore[misc]

    def _block(self, epoch: int, block: int) -> np.ndarray:
        key = (epoch, block)
        with self._lock:
            hit = self._blocks.get(key)
            if hit is not None:
                self._blocks.move_to_end(key)
                return hit
        table = generator(self.seed, STREAM_PARAMS, epoch, block).random((BLOCK, SLOTS))
        table.setflags(write=False)
        with self._lock:
            self._blocks[key] = table
            while len(self._blocks) > _CACHE_BLOCKS:
                self._blocks.popitem(last=False)
        return table

    def uniforms(self, epoch: int, indices: np.ndarray) -> np.ndarray:
        """``(len(indices), SLOTS)`` uniforms in [0, 1); row k depends on indices[k] only."""
        idx = np.asarray(indices, dtype=np.int64).ravel()
        out = np.empty((idx.size, SLOTS))
        blocks = idx // BLOCK
        if idx.size <= 64:  # a batch: row by row (a shuffled batch touches many blocks)
            tables: dict[int, np.ndarray] = {}
            offsets = (idx % BLOCK).tolist()
            for k, (b, r) in enumerate(zip(blocks.tolist(), offsets, strict=True)):
                table = tables.get(b)
                if table is None:
                    table = tables[b] = self._block(epoch, b)
                out[k] = table[r]
            return out
        order = np.argsort(blocks, kind="stable")
        sorted_blocks = blocks[order]
        starts = np.flatnonzero(np.diff(sorted_blocks)) + 1
        for rows in np.split(order, starts):
            out[rows] = self._block(epoch, int(blocks[rows[0]]))[idx[rows] % BLOCK]
        return out

    def permutation(self, epoch: int, n: int) -> np.ndarray:
        """The shuffled sample order of ``epoch``."""
        return generator(self.seed, STREAM_SHUFFLE, epoch).permutation(n)

    def integers(self, stream: int, epoch: int, high: int, size: int) -> np.ndarray:
        return generator(self.seed, stream, epoch).integers(0, high, size=size)


def params_from_uniforms(
    config: AugmentConfig, u: np.ndarray, height: int, width: int, channels: int
) -> BatchParams:
    """Map uniform rows to transform parameters (default-mode semantics).

    Each transform of :data:`~augwise.core.transforms.TRANSFORMS` draws its own
    parameters from its own slots; ``tx`` (horizontal) comes from
    ``width_shift_range`` scaled by ``width``, ``ty`` (vertical) from
    ``height_shift_range`` scaled by ``height``.
    """
    return BatchParams(**draw_params(config, u, height, width, channels))


def sample_params(
    config: AugmentConfig, rng: np.random.Generator, height: int, width: int, channels: int
) -> TransformParams:
    """One draw from ``rng`` (used by ``get_random_transform`` in default mode)."""
    u = rng.random((1, SLOTS))
    return params_from_uniforms(config, u, height, width, channels).at(0)


def keras_random_transform(
    config: AugmentConfig, img_shape: tuple[int, ...], seed: int | None = None
) -> dict[str, object]:
    """Keras 3.15's ``get_random_transform``, draw for draw, on the global ``np.random``."""
    if config.data_format == "channels_first":
        img_row_axis, img_col_axis = 1, 2
    else:
        img_row_axis, img_col_axis = 0, 1
    if seed is not None:
        np.random.seed(seed)
    theta: float = 0
    if config.rotation_range:
        theta = np.random.uniform(-config.rotation_range, config.rotation_range)
    tx = _keras_shift(config.height_shift_range, img_shape[img_row_axis])
    ty = _keras_shift(config.width_shift_range, img_shape[img_col_axis])
    shear: float = 0
    if config.shear_range:
        shear = np.random.uniform(-config.shear_range, config.shear_range)
    lo, hi = config.zoom_range
    if lo == 1 and hi == 1:
        zx, zy = 1.0, 1.0
    else:
        zx, zy = np.random.uniform(lo, hi, 2)
    flip_horizontal = (np.random.random() < 0.5) * config.horizontal_flip
    flip_vertical = (np.random.random() < 0.5) * config.vertical_flip
    channel_shift_intensity = None
    if config.channel_shift_range != 0:
        channel_shift_intensity = np.random.uniform(
            -config.channel_shift_range, config.channel_shift_range
        )
    brightness = None
    if config.brightness_range is not None:
        brightness = np.random.uniform(config.brightness_range[0], config.brightness_range[1])
    return {
        "theta": theta,
        "tx": tx,
        "ty": ty,
        "shear": shear,
        "zx": zx,
        "zy": zy,
        "flip_horizontal": flip_horizontal,
        "flip_vertical": flip_vertical,
        "channel_shift_intensity": channel_shift_intensity,
        "brightness": brightness,
    }


def _keras_shift(rng: ShiftRange, extent: int) -> Any:
    """Keras' shift draw: ``choice`` for ints and lists, ``uniform`` for floats."""
    given: Any = list(rng) if isinstance(rng, tuple) else rng
    if not given:
        return 0
    value: Any
    try:
        value = np.random.choice(given)
        value *= np.random.choice([-1, 1])
    except ValueError:
        value = np.random.uniform(-given, given)
    if np.max(given) < 1:
        value *= extent
    return value
