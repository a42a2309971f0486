"""The one conversion of an image to 8 bits, and the one thumbnail shrink.

>>> to_uint8(np.array([0.0, 0.5, 1.0]), (0.0, 1.0)).tolist()
[0, 128, 255]
"""

from __future__ import annotations

import cv2
import numpy as np

EIGHT_BIT = (0.0, 255.0)


def to_uint8(img: np.ndarray, value_range: tuple[float, float] = EIGHT_BIT) -> np.ndarray:
    """``img`` mapped from ``value_range`` to 0..255, rounded and clipped, as uint8.

    A uint8 ``img`` is returned as it is (no copy); values already in 0..255 are only
    rounded and clipped.

        >>> to_uint8(np.array([-3.0, 12.4, 300.0])).tolist()
        [0, 12, 255]
    """
    if img.dtype == np.uint8:
        return img
    values = img.astype(np.float64)
    lo, hi = value_range
    if (lo, hi) != EIGHT_BIT:
        values = (values - lo) / max(hi - lo, 1e-12) * 255.0
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


def fit_side(img: np.ndarray, side: int) -> np.ndarray:
    """``img`` shrunk (area) so that its longer side is at most ``side``.

        >>> fit_side(np.zeros((40, 80, 3), np.uint8), 20).shape
        (10, 20, 3)
    """
    h, w = img.shape[:2]
    if max(h, w) <= side:
        return img
    s = side / max(h, w)
    out = cv2.resize(img, (max(1, round(w * s)), max(1, round(h * s))),
                     interpolation=cv2.INTER_AREA)
    return out.reshape(out.shape[0], out.shape[1], -1) if img.ndim == 3 else out
