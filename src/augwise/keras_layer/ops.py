"""The engine's transforms on Keras tensors, batched: draws, matrices, colour.

The draws are the registry's own (:data:`augwise.core.transforms.TRANSFORMS`) run with
:class:`KerasOps` instead of NumPy, and so are the matrices
(:func:`augwise.core.geometry.affine_matrices`, then the flips); the colour step is
:func:`augwise.core.kernels.apply_colour` (channel shift, then brightness about the range
floor, both clipped to the value range).
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from augwise.core.arrayops import ArrayOps
from augwise.core.config import AugmentConfig
from augwise.core.geometry import affine_matrices, flip_matrices_of
from augwise.core.transforms import SLOTS, draw_params
from augwise.keras_layer.support import INTERPOLATIONS

ValueRange = tuple[float, float]


class KerasOps(ArrayOps):
    """:class:`~augwise.core.arrayops.ArrayOps` on backend tensors (``keras.ops``)."""

    def full(self, like: Any, value: float) -> Any:
        return ops.full((ops.shape(like)[0],), value, dtype="float32")

    def where(self, cond: Any, a: float, b: float) -> Any:
        return ops.where(cond, a, b)

    def index(self, u: Any, k: int) -> Any:
        return ops.minimum(ops.cast(ops.floor(u * k), "int32"), k - 1)

    def to_float(self, x: Any) -> Any:
        return ops.cast(x, "float32")

    def take(self, values: tuple[float, ...], index: Any) -> Any:
        return ops.take(ops.convert_to_tensor(values, dtype="float32"), index)

    def columns(self, u: Any, cols: list[int]) -> Any:
        return ops.take(u, ops.convert_to_tensor(cols, dtype="int32"), axis=1)

    def flag(self, cond: Any, on: bool) -> Any:
        return ops.logical_and(cond, on)

    def deg2rad(self, x: Any) -> Any:
        return ops.deg2rad(x)

    def cos(self, x: Any) -> Any:
        return ops.cos(x)

    def sin(self, x: Any) -> Any:
        return ops.sin(x)

    def constant(self, rows: list[list[float]]) -> Any:
        return ops.convert_to_tensor(rows, dtype="float32")

    def matrices(self, rows: list[list[Any]], like: Any) -> Any:
        full = [[ops.full_like(like, float(e), dtype="float32")
                 if isinstance(e, (int, float)) else ops.cast(e, "float32") for e in row]
                for row in rows]
        return ops.stack([ops.stack(row, axis=-1) for row in full], axis=-2)

    def matmul(self, a: Any, b: Any) -> Any:
        return ops.matmul(a, b)


KERAS_OPS = KerasOps()


def draw(config: AugmentConfig, n: int, height: int, width: int, channels: int,
         seed: Any) -> dict[str, Any]:
    """Every transform's parameters for ``n`` images, as tensors (the layer refuses
    policies before this).

    ``seed``: a ``keras.random.SeedGenerator`` (or an int).  The slot layout is the
    engine's, so each transform draws from its own uniforms.
    """
    u = keras.random.uniform((n, SLOTS), seed=seed)
    return draw_params(config, u, height, width, channels, xp=KERAS_OPS)


def matrices(params: dict[str, Any], height: int, width: int) -> Any:
    """``(n, 3, 3)`` output-to-input matrices of ``params``: the engine's own
    :func:`~augwise.core.geometry.affine_matrices` then flips, on tensors.

    ``params`` holds ``theta``, ``tx``, ``ty``, ``shear``, ``zx``, ``zy`` (float
    tensors) and ``flip_horizontal``, ``flip_vertical`` (bool tensors).
    """
    affine = affine_matrices(params["theta"], params["tx"], params["ty"], params["shear"],
                             params["zx"], params["zy"], height, width, xp=KERAS_OPS)
    flips = flip_matrices_of(params["flip_horizontal"], params["flip_vertical"], height,
                             width, xp=KERAS_OPS)
    return ops.matmul(affine, flips)


def warp(images: Any, m: Any, config: AugmentConfig) -> Any:
    """One resample of channels-last ``images`` through the ``(n, 3, 3)`` matrices ``m``."""
    n = ops.shape(m)[0]
    rows = ops.reshape(m, (n, 9))[:, :6]
    transform = ops.concatenate([rows, ops.zeros((n, 2), dtype=rows.dtype)], axis=1)
    return ops.image.affine_transform(
        images, ops.cast(transform, "float32"),
        interpolation=INTERPOLATIONS[config.interpolation_order],
        fill_mode=config.fill_mode, fill_value=config.cval, data_format="channels_last",
    )


def colour(images: Any, params: dict[str, Any], value_range: ValueRange) -> Any:
    """Channel shift, then brightness about the range floor, each clipped to the range."""
    lo, hi = value_range
    out = images
    shift = params.get("channel_shift")
    if shift is not None:
        out = ops.clip(out + ops.cast(shift, out.dtype)[:, None, None, :], lo, hi)
    bright = params.get("brightness")
    if bright is not None:
        out = ops.clip(lo + (out - lo) * ops.cast(bright, out.dtype)[:, None, None, None], lo, hi)
    return out


def augment(images: Any, params: dict[str, Any], config: AugmentConfig,
            value_range: ValueRange) -> Any:
    """Apply drawn (or given) ``params`` to a channels-last batch: one warp, then colour."""
    height, width = images.shape[1], images.shape[2]
    out = images
    if config.has_geometry:
        out = warp(out, matrices(params, height, width), config)
    if config.has_colour:
        out = colour(out, params, value_range)
    return out
