"""Affine matrices, vectorised over a batch.

All matrices are 3x3 in ``(x, y) = (column, row)`` pixel-centre coordinates and map an
**output** pixel to the **input** position it samples (OpenCV's ``WARP_INVERSE_MAP``
convention, and Keras' own).  The fused warp of one image is::

    resize_matrix(source box -> target) @ augment_matrix(params) @ flip_matrix(params)

so decoding, cropping, resizing, the random affine and the flips cost one resample.
"""

from __future__ import annotations

import numpy as np

from augwise.core.params import BatchParams, TransformParams
from augwise.core.policies import policy_matrix


def _eye(n: int) -> np.ndarray:
    return np.broadcast_to(np.eye(3), (n, 3, 3)).copy()


def augment_matrices(params: BatchParams, height: int, width: int) -> np.ndarray:
    """``(n, 3, 3)`` matrices of rotation, shift, shear and zoom about the true centre.

    ``tx`` moves along x (columns), ``ty`` along y (rows), both in pixels; a positive
    shift samples further right/down, so the content moves left/up, as in Keras.
    """
    n = len(params)
    theta = np.deg2rad(params.theta)
    shear = np.deg2rad(params.shear)
    cos_t, sin_t = np.cos(theta), np.sin(theta)
    rot = _eye(n)
    rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1] = cos_t, -sin_t, sin_t, cos_t
    shift = _eye(n)
    shift[:, 0, 2], shift[:, 1, 2] = params.tx, params.ty
    sh = _eye(n)
    sh[:, 0, 1], sh[:, 1, 1] = -np.sin(shear), np.cos(shear)
    zoom = _eye(n)
    zoom[:, 0, 0], zoom[:, 1, 1] = params.zx, params.zy
    core = rot @ shift @ sh @ zoom
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    centre = np.array([[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]])
    back = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
    return np.asarray(centre @ core @ back)


def flip_matrices(params: BatchParams, height: int, width: int) -> np.ndarray:
    """``(n, 3, 3)`` output-frame flips (applied after the affine, as Keras does)."""
    n = len(params)
    out = _eye(n)
    fh = params.flip_horizontal
    fv = params.flip_vertical
    out[fh, 0, 0] = -1.0
    out[fh, 0, 2] = width - 1.0
    out[fv, 1, 1] = -1.0
    out[fv, 1, 2] = height - 1.0
    return out


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
