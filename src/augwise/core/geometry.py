"""Affine matrices, vectorised over a batch.

All matrices are 3x3 in ``(x, y) = (column, row)`` pixel-centre coordinates and map an
**output** pixel to the **input** position it samples (OpenCV's ``WARP_INVERSE_MAP``
convention, and Keras' own).  The fused warp of one image is::

    resize_matrix(source box -> target) @ augment_matrix(params) @ flip_matrix(params)

so decoding, cropping, resizing, the random affine and the flips cost one resample.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from augwise.core.arrayops import NUMPY_OPS, ArrayOps
from augwise.core.params import BatchParams, TransformParams
from augwise.core.policies import policy_matrix


def affine_matrices(theta: Any, tx: Any, ty: Any, shear: Any, zx: Any, zy: Any,
                    height: int, width: int, xp: ArrayOps = NUMPY_OPS) -> Any:
    """``(n, 3, 3)`` matrices of rotation, shift, shear and zoom about the true centre,
    from ``(n,)`` columns of parameters (degrees, pixels, zoom factors).

    ``tx`` moves along x (columns), ``ty`` along y (rows), both in pixels; a positive
    shift samples further right/down, so the content moves left/up, as in Keras.
    ``xp``: the array functions (NumPy here; the Keras layer passes its tensor ops).
    """
    theta, shear = xp.deg2rad(theta), xp.deg2rad(shear)
    cos_t, sin_t = xp.cos(theta), xp.sin(theta)
    rot = xp.matrices([[cos_t, -sin_t, 0.0], [sin_t, cos_t, 0.0], [0.0, 0.0, 1.0]], theta)
    shift = xp.matrices([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]], theta)
    sh = xp.matrices([[1.0, -xp.sin(shear), 0.0], [0.0, xp.cos(shear), 0.0],
                      [0.0, 0.0, 1.0]], theta)
    zoom = xp.matrices([[zx, 0.0, 0.0], [0.0, zy, 0.0], [0.0, 0.0, 1.0]], theta)
    core = xp.matmul(xp.matmul(xp.matmul(rot, shift), sh), zoom)
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    centre = xp.constant([[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]])
    back = xp.constant([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
    return xp.matmul(xp.matmul(centre, core), back)


def flip_matrices_of(horizontal: Any, vertical: Any, height: int, width: int,
                     xp: ArrayOps = NUMPY_OPS) -> Any:
    """``(n, 3, 3)`` output-frame flips from ``(n,)`` bool columns (applied after the
    affine, as Keras does)."""
    return xp.matrices([[xp.where(horizontal, -1.0, 1.0), 0.0,
                         xp.where(horizontal, width - 1.0, 0.0)],
                        [0.0, xp.where(vertical, -1.0, 1.0),
                         xp.where(vertical, height - 1.0, 0.0)],
                        [0.0, 0.0, 1.0]], horizontal)


def augment_matrices(params: BatchParams, height: int, width: int) -> np.ndarray:
    """:func:`affine_matrices` of a batch's parameters."""
    return np.asarray(affine_matrices(params.theta, params.tx, params.ty, params.shear,
                                      params.zx, params.zy, height, width))


def flip_matrices(params: BatchParams, height: int, width: int) -> np.ndarray:
    """:func:`flip_matrices_of` a batch's parameters."""
    return np.asarray(flip_matrices_of(params.flip_horizontal, params.flip_vertical,
                                       height, width))


def resize_matrix(
    box: tuple[float, float, float, float], out_height: int, out_width: int
) -> np.ndarray:
    """Map target pixels onto the source rectangle ``box = (x0, y0, width, height)``.

    Pixel centres are aligned as in ``cv2.resize``: target pixel ``u`` samples source
    position ``x0 + (u + 0.5) * box_width / out_width - 0.5``.
    """
    x0, y0, bw, bh = box
    sx, sy = bw / out_width, bh / out_height
    return np.array(
        [[sx, 0.0, x0 + 0.5 * sx - 0.5], [0.0, sy, y0 + 0.5 * sy - 0.5], [0.0, 0.0, 1.0]]
    )


def transform_matrices(params: BatchParams, height: int, width: int) -> np.ndarray:
    """Augmentation in the target frame, ``(n, 3, 3)``: the affine, the flips, then the
    geometric ops of a policy."""
    out = augment_matrices(params, height, width) @ flip_matrices(params, height, width)
    if params.policy_ops is not None:
        for i, ops in enumerate(params.policy_ops):
            if ops:
                out[i] = out[i] @ policy_matrix(ops, height, width)
    return out


def single_matrix(params: TransformParams, height: int, width: int) -> np.ndarray:
    """:func:`transform_matrices` for one image."""
    return transform_matrices(BatchParams.stack([params], 1), height, width)[0]


def keep_aspect_box(
    src_height: int, src_width: int, out_height: int, out_width: int
) -> tuple[int, int, int, int]:
    """Keras' centre crop with the target aspect ratio (``keep_aspect_ratio=True``).

    Returns ``(x0, y0, width, height)`` in source pixels, computed exactly as Keras'
    ``load_img`` does (integer division included), except that the box keeps at least
    one pixel per side (Keras' integer division can give 0 for a sliver target).
    """
    crop_h = max(1, min(src_height, (src_width * out_height) // out_width))
    crop_w = max(1, min(src_width, (src_height * out_width) // out_height))
    return ((src_width - crop_w) // 2, (src_height - crop_h) // 2, crop_w, crop_h)


def scale_box(
    box: tuple[float, float, float, float], sx: float, sy: float
) -> tuple[float, float, float, float]:
    """A source box expressed in an image scaled by ``(sx, sy)`` (e.g. DCT-reduced)."""
    x0, y0, w, h = box
    return (x0 * sx, y0 * sy, w * sx, h * sy)
