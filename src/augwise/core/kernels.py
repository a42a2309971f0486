"""Pure image kernels (default mode): one OpenCV warp, then a per-channel colour map.

Every function here is a pure function of its inputs: the input array is never
written, outputs are new arrays unless a ``dst`` buffer is passed explicitly.
Images are ``(H, W, C)``; callers convert ``channels_first`` at the edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from augwise.core.geometry import single_matrix
from augwise.core.params import TransformParams
from augwise.core.policies import apply_colour_ops

BORDERS = {
    "nearest": cv2.BORDER_REPLICATE,
    "constant": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT,
    "wrap": cv2.BORDER_WRAP,
}
ORDER_TO_CV = {
    0: cv2.INTER_NEAREST,
    1: cv2.INTER_LINEAR,
    2: cv2.INTER_CUBIC,
    3: cv2.INTER_CUBIC,
    4: cv2.INTER_LANCZOS4,
    5: cv2.INTER_LANCZOS4,
}
NAME_TO_CV = {
    "nearest": cv2.INTER_NEAREST,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "lanczos": cv2.INTER_LANCZOS4,
    "box": cv2.INTER_AREA,
    "hamming": cv2.INTER_AREA,
}
# quality rank used to pick one method for a fused resize + transform
_RANK = {
    cv2.INTER_NEAREST: 0,
    cv2.INTER_AREA: 1,
    cv2.INTER_LINEAR: 1,
    cv2.INTER_CUBIC: 2,
    cv2.INTER_LANCZOS4: 3,
}
WARP_DTYPES = (np.uint8, np.uint16, np.int16, np.float32, np.float64)

ValueRange = tuple[float, float]


@dataclass(frozen=True)
class WarpSpec:
    """How to resample: OpenCV interpolation flag, border mode and fill value."""

    interpolation: int = cv2.INTER_LINEAR
    border: int = cv2.BORDER_REPLICATE
    cval: float = 0.0

    @classmethod
    def create(cls, fill_mode: str, cval: float, interpolation_order: int) -> WarpSpec:
        return cls(ORDER_TO_CV[interpolation_order], BORDERS[fill_mode], float(cval))

    def with_interpolation(self, flag: int) -> WarpSpec:
        return WarpSpec(flag, self.border, self.cval)


def fused_interpolation(resize_name: str, interpolation_order: int) -> int:
    """One method for a fused resize + transform: the better of the two requested."""
    resize_flag = NAME_TO_CV[resize_name]
    order_flag = ORDER_TO_CV[interpolation_order]
    if resize_flag == cv2.INTER_AREA:
        resize_flag = cv2.INTER_LINEAR
    return resize_flag if _RANK[resize_flag] >= _RANK[order_flag] else order_flag


def warpable(x: np.ndarray) -> np.ndarray:
    """``x`` itself if OpenCV can warp its dtype, else a float32 copy."""
    if x.dtype.type in WARP_DTYPES:
        return x
    return x.astype(np.float32)


def warp(
    src: np.ndarray,
    matrix: np.ndarray,
    out_hw: tuple[int, int],
    spec: WarpSpec,
    dst: np.ndarray | None = None,
) -> np.ndarray:
    """Resample ``src`` (H, W, C) so that output pixel p shows ``src[matrix @ p]``.

    ``matrix`` is 3x3 or 2x3 (output to input).  Writes into ``dst`` when given (it must
    have shape ``out_hw + (C,)`` and ``src``'s dtype).
    """
    h, w = out_hw
    channels = src.shape[2]
    m = np.ascontiguousarray(matrix[:2], dtype=np.float64)
    flags = spec.interpolation | cv2.WARP_INVERSE_MAP
    if spec.interpolation == cv2.INTER_AREA:
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    border_value = (spec.cval,) * 4
    if dst is not None:
        out = cv2.warpAffine(
            src, m, (w, h), dst=dst, flags=flags, borderMode=spec.border, borderValue=border_value
        )
        if out.ndim == 2 or not np.shares_memory(out, dst):
            dst[...] = out.reshape(dst.shape)
        return dst
    out = cv2.warpAffine(src, m, (w, h), flags=flags, borderMode=spec.border,
                         borderValue=border_value)
    return out.reshape(h, w, channels)


def value_range_of(x: np.ndarray) -> ValueRange:
    """The nominal value range of image data.

    Integer types use their full range; float data in [0, 1] or [0, 255] uses that
    range, anything else its own min and max.
    """
    if x.dtype == np.uint8:
        return (0.0, 255.0)
    if x.dtype == np.uint16:
        return (0.0, 65535.0)
    if x.size == 0:
        return (0.0, 1.0)
    lo, hi = float(np.min(x)), float(np.max(x))
    if lo >= 0 and hi <= 1:
        return (0.0, 1.0)
    if lo >= 0 and hi <= 255:
        return (0.0, 255.0)
    return (lo, hi)


def colour_lut(
    channels: int,
    shift: np.ndarray | None,
    brightness: float | None,
    value_range: ValueRange = (0.0, 255.0),
) -> np.ndarray:
    """A ``(256, 1, C)`` uint8 table applying channel shift then brightness."""
    lo, hi = value_range
    levels = np.arange(256, dtype=np.float64)[:, None]
    values = np.repeat(levels, channels, axis=1)
    if shift is not None:
        values = np.clip(values + np.asarray(shift, dtype=np.float64)[None, :channels], lo, hi)
    if brightness is not None:
        values = np.clip(lo + (values - lo) * brightness, lo, hi)
    return np.rint(values).astype(np.uint8).reshape(256, 1, channels)


def apply_colour(
    x: np.ndarray,
    shift: np.ndarray | None,
    brightness: float | None,
    value_range: ValueRange,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Per-channel additive shift then multiplicative brightness about the range floor.

    Both clip to ``value_range``.  uint8 goes through one lookup table.
    """
    target = out if out is not None else np.empty_like(x)
    if shift is None and brightness is None:
        if target is not x:
            target[...] = x
        return target
    channels = x.shape[2]
    if x.dtype == np.uint8 and channels <= 4:
        lut = colour_lut(channels, shift, brightness, value_range)
        if channels == 1:
            res = cv2.LUT(x[:, :, 0], lut[:, :, 0].reshape(256))
            target[...] = res.reshape(target.shape)
        else:
            target[...] = cv2.LUT(x, lut.reshape(1, 256, channels))
        return target
    lo, hi = value_range
    values = x.astype(np.float64)
    if shift is not None:
        values = np.clip(values + np.asarray(shift, dtype=np.float64)[:channels], lo, hi)
    if brightness is not None:
        values = np.clip(lo + (values - lo) * brightness, lo, hi)
    if np.issubdtype(x.dtype, np.integer):
        values = np.rint(values)
    target[...] = values.astype(x.dtype)
    return target


def channel_shift_values(params: TransformParams, channels: int) -> np.ndarray | None:
    """The per-channel shift of ``params`` (a scalar applies to every channel)."""
    s = params.channel_shift_intensity
    if s is None:
        return None
    if isinstance(s, tuple):
        arr = np.asarray(s, dtype=np.float64)
        if arr.size != channels:
            arr = np.resize(arr, channels)
        return arr
    return np.full(channels, float(s))


def apply_params(
    image: np.ndarray,
    params: TransformParams,
    spec: WarpSpec,
    value_range: ValueRange | None = None,
) -> np.ndarray:
    """Apply one sample's parameters to an ``(H, W, C)`` image (default semantics).

    >>> img = np.zeros((4, 6, 1), np.uint8); img[:, 0] = 255
    >>> out = apply_params(img, TransformParams(flip_horizontal=True), WarpSpec())
    >>> int(out[0, -1, 0])
    255
    """
    if image.ndim != 3:
        raise ValueError(f"image must be (H, W, C), got shape {image.shape}")
    h, w, c = image.shape
    src = warpable(image)
    if params.is_identity_geometry:
        out = src.copy()
    else:
        out = warp(src, single_matrix(params, h, w), (h, w), spec)
    vr = value_range if value_range is not None else value_range_of(image)
    if params.channel_shift_intensity is not None or params.brightness is not None:
        out = apply_colour(out, channel_shift_values(params, c), params.brightness, vr, out=out)
    if params.policy_ops:
        out = apply_colour_ops(out, params.policy_ops, vr)
    if out.dtype != image.dtype:
        out = out.astype(image.dtype)
    return out
