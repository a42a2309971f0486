"""Pure image kernels (default mode): one OpenCV warp, then a per-channel colour map.

Every function here is a pure function of its inputs: the input array is never
written, outputs are new arrays unless a ``dst`` buffer is passed explicitly.
Images are ``(H, W, C)``; callers convert ``channels_first`` at the edges.

``fill_mode="constant"`` has Keras' hard edge (scipy's ``mode="constant"``): an output
pixel whose source position lies outside the source rectangle ``[0, W-1] x [0, H-1]``
is ``cval``, every other one is interpolated from the image alone, never blended with
``cval``.  Every warp below samples so that ``cval`` cannot reach a kept pixel
(:func:`sampling_border`), then sets the pixels outside to ``cval``
(:func:`outside_masks`, :func:`fill_outside`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
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
# a source position further than this (pixels) outside the source rectangle takes cval
# under fill_mode="constant"; it absorbs matrix rounding (cos(90 deg) = 6e-17)
EDGE_TOLERANCE = 1e-6

ValueRange = tuple[float, float]
# (x0, y0, x1, y1): the source positions a constant-fill warp keeps (inclusive)
Bounds = tuple[float, float, float, float]


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


def resize_method(flag: int) -> int:
    """The ``cv2.resize`` method for interpolation ``flag``: nearest samples the source
    pixel under each output pixel's centre (``INTER_NEAREST_EXACT``, as Pillow and
    ``warpAffine`` do; plain ``INTER_NEAREST`` is shifted by up to one source pixel).

    >>> resize_method(cv2.INTER_NEAREST) == cv2.INTER_NEAREST_EXACT
    True
    """
    return cv2.INTER_NEAREST_EXACT if flag == cv2.INTER_NEAREST else flag


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
    m = np.ascontiguousarray(matrix[:2], dtype=np.float64)
    out = dst if dst is not None else np.empty((h, w, src.shape[2]), src.dtype)
    _warp_affine(src, m, out, spec, sampling_border(spec))
    if spec.border == cv2.BORDER_CONSTANT:
        fill_outside(out[None], outside_masks(m[None], h, w, source_bounds(src)), spec.cval)
    return out


# -- hot-path variants of warp (same results, fewer checks) ----------------------------

# source pixels an interpolation reads before / after floor(x), plus one for rounding
_REACH = {cv2.INTER_NEAREST: (1, 1), cv2.INTER_LINEAR: (1, 2), cv2.INTER_CUBIC: (2, 3)}
_BAND_BORDERS = (cv2.BORDER_REPLICATE, cv2.BORDER_CONSTANT)
_NARROW = (cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_AREA)  # read at most x and x+1


def warp_flags(spec: WarpSpec) -> int:
    """OpenCV flags for ``spec`` with an output-to-input matrix (as :func:`warp`)."""
    interp = cv2.INTER_LINEAR if spec.interpolation == cv2.INTER_AREA else spec.interpolation
    return interp | cv2.WARP_INVERSE_MAP


def sampling_border(spec: WarpSpec, src: np.ndarray | None = None,
                    bounds: Bounds | None = None) -> int:
    """The border OpenCV samples ``src`` with: the fill mode's, except that constant fill
    replicates the edge wherever ``cval`` could reach a kept pixel (a kernel wider than
    bilinear, or ``bounds`` beyond ``src``).  Bilinear and nearest kernels give a pixel
    kept inside the image a weight of exactly 0 on any tap outside it."""
    if spec.border != cv2.BORDER_CONSTANT:
        return spec.border
    if spec.interpolation in _NARROW and (
        bounds is None or src is None or _within(bounds, source_bounds(src))
    ):
        return cv2.BORDER_CONSTANT
    return cv2.BORDER_REPLICATE


def _within(inner: Bounds, outer: Bounds) -> bool:
    return (inner[0] >= outer[0] and inner[1] >= outer[1]
            and inner[2] <= outer[2] and inner[3] <= outer[3])


def source_bounds(src: np.ndarray) -> Bounds:
    """The whole source rectangle ``(0, 0, W - 1, H - 1)`` of an ``(H, W, ...)`` image."""
    return (0.0, 0.0, float(src.shape[1] - 1), float(src.shape[0] - 1))


def frame_bounds(fit: np.ndarray, height: int, width: int) -> Bounds:
    """The rectangle ``[0, width - 1] x [0, height - 1]`` of a target frame, in source
    pixels, through ``fit`` (target to source, axis-aligned: a crop, resize or shrink).

    >>> frame_bounds(np.array([[2.0, 0, 0.5], [0, 2.0, 0.5], [0, 0, 1]]), 4, 4)
    (0.5, 0.5, 6.5, 6.5)
    """
    xs = (float(fit[0, 2]), float(fit[0, 0] * (width - 1) + fit[0, 2]))
    ys = (float(fit[1, 2]), float(fit[1, 1] * (height - 1) + fit[1, 2]))
    return (min(xs), min(ys), max(xs), max(ys))


def outside_masks(m23: np.ndarray, out_h: int, out_w: int, bounds: Bounds) -> np.ndarray | None:
    """Which output pixels of ``(n, 2, 3)`` output-to-input matrices sample a position
    outside ``bounds`` (by more than :data:`EDGE_TOLERANCE`): bool ``(n, out_h, out_w)``,
    or None when no pixel of any image does.

    The kept positions of a row form one interval (the kept region is convex), found per
    row from the matrix; the four output corners decide the common case of no pixel
    outside at all.

    >>> shift = np.array([[[1.0, 0, 0.5], [0, 1.0, 0]]])  # samples half a pixel right
    >>> outside_masks(shift, 1, 4, (0.0, 0.0, 3.0, 0.0)).astype(int).tolist()
    [[[0, 0, 0, 1]]]
    """
    m = np.asarray(m23, dtype=np.float64).reshape(-1, 2, 3)
    lo = np.array([[bounds[0]], [bounds[1]]]) - EDGE_TOLERANCE  # (2, 1): x, y
    hi = np.array([[bounds[2]], [bounds[3]]]) + EDGE_TOLERANCE
    at = m @ _corners(out_h, out_w)  # (n, 2, 4) source positions of the output corners
    if ((at >= lo) & (at <= hi)).all():
        return None
    if len(m) == 1 and min(abs(m[0, 0, 0]), abs(m[0, 1, 0])) > _TINY:
        first, last = _kept_columns_one(m[0], out_h, out_w, lo[:, 0], hi[:, 0])
    else:
        first, last = _kept_columns(m, out_h, out_w, lo, hi)
    index = np.int16 if out_w < np.iinfo(np.int16).max else np.int32
    start = np.ceil(first).astype(index).reshape(-1, 1)  # (n * out_h, 1)
    stop = np.floor(last).astype(index).reshape(-1, 1)
    cols = np.arange(out_w, dtype=index)
    mask = np.less(cols, start)
    mask |= np.greater(cols, stop)
    return mask.reshape(len(m), out_h, out_w)


def _kept_columns(m: np.ndarray, out_h: int, out_w: int, lo: np.ndarray,
                  hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per image and row, the (real) range of output columns whose source position lies
    within ``[lo, hi]`` on both axes, clipped to ``[-1, out_w]``: ``(n, out_h)`` each."""
    # per image, source axis and output row: position = coef * u + offset, u the column
    coef = m[:, :, 0:1]
    offset = m[:, :, 1:2] * _rows(out_h)
    offset += m[:, :, 2:3]
    with np.errstate(divide="ignore", invalid="ignore"):
        # inf or nan where coef is 0 (the position does not change along the row: all of
        # it is kept or none; nan, a position exactly on the bound, keeps)
        a = (lo - offset) / coef
        b = (hi - offset) / coef
    first = np.fmax(np.minimum(a, b), -1.0).max(axis=1)
    last = np.fmin(np.maximum(a, b), float(out_w)).min(axis=1)
    np.minimum(first, float(out_w), out=first)
    np.maximum(last, -1.0, out=last)
    return first, last


def _kept_columns_one(m: np.ndarray, out_h: int, out_w: int, lo: np.ndarray,
                      hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_kept_columns` of one image whose ``m[:, 0]`` has no zero (fewer steps)."""
    (a, b, c), (d, e, f) = m.tolist()
    rows = _rows(out_h)
    ends = []
    for coef, slope, shift, low, high in ((a, b, c, lo[0], hi[0]), (d, e, f, lo[1], hi[1])):
        along = rows * (-slope / coef)
        u0 = along + (low - shift) / coef
        u1 = along + (high - shift) / coef
        ends.append((u0, u1) if coef > 0 else (u1, u0))
    first = np.maximum(ends[0][0], ends[1][0])
    last = np.minimum(ends[0][1], ends[1][1])
    np.maximum(first, -1.0, out=first)
    np.minimum(first, float(out_w), out=first)
    np.maximum(last, -1.0, out=last)
    np.minimum(last, float(out_w), out=last)
    return first, last


_TINY = 1e-9  # a smaller coefficient takes the general path (no overflow to inf - inf)


@functools.lru_cache(maxsize=16)
def _corners(h: int, w: int) -> np.ndarray:
    """Homogeneous coordinates ``(3, 4)`` of the corner pixels of an ``h`` x ``w`` image."""
    out = np.array([[0.0, w - 1.0, 0.0, w - 1.0], [0.0, 0.0, h - 1.0, h - 1.0], [1.0] * 4])
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=16)
def _rows(h: int) -> np.ndarray:
    out = np.arange(h, dtype=np.float64)
    out.setflags(write=False)
    return out


def fill_outside(dst: np.ndarray, mask: np.ndarray | None, cval: float) -> None:
    """Set the pixels of ``dst`` ``(n, H, W, C)`` where ``mask`` ``(n, H, W)`` is True to
    ``cval`` (saturated to an integer dtype as OpenCV does); nothing if ``mask`` is None."""
    if mask is None:
        return
    n, h, w = mask.shape
    flat = dst.reshape(n * h, w, -1)
    value = _saturate(cval, dst.dtype)
    if not np.may_share_memory(flat, dst):  # not contiguous: numpy's (slower) masked write
        dst[mask] = value
        return
    res = cv2.copyTo(_filled(flat.shape, dst.dtype, value),
                     mask.reshape(n * h, w).view(np.uint8), flat)
    if not np.may_share_memory(res, flat):
        flat[...] = res.reshape(flat.shape)


def _saturate(value: float, dtype: np.dtype) -> float:
    """``value`` as OpenCV stores it in ``dtype`` (rounded and clipped for integers)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return float(min(max(round(value), info.min), info.max))
    limit = float(np.finfo(dtype).max)
    return min(max(value, -limit), limit)


_FILLED_CACHE_BYTES = 1 << 22


def _filled(shape: tuple[int, ...], dtype: np.dtype, value: float) -> np.ndarray:
    """A read-only array of ``value`` (kept for reuse when small)."""
    if math.prod(shape) * dtype.itemsize > _FILLED_CACHE_BYTES:
        return np.full(shape, value, dtype)
    return _filled_cached(shape, dtype.str, value)


@functools.lru_cache(maxsize=8)
def _filled_cached(shape: tuple[int, ...], dtype: str, value: float) -> np.ndarray:
    out = np.full(shape, value, np.dtype(dtype))
    out.setflags(write=False)
    return out


def _warp_affine(src: np.ndarray, m23: np.ndarray, dst: np.ndarray, spec: WarpSpec,
                 border: int) -> None:
    """One ``cv2.warpAffine`` into ``dst`` with ``border`` (no hard edge)."""
    h, w = dst.shape[:2]
    out = cv2.warpAffine(src, m23, (w, h), dst=dst, flags=warp_flags(spec),
                         borderMode=border, borderValue=(spec.cval,) * 4)
    if out is not dst and not np.may_share_memory(out, dst):
        dst[...] = out.reshape(dst.shape)


def _hard_edge(dst: np.ndarray, m23: np.ndarray, spec: WarpSpec, bounds: Bounds) -> None:
    if spec.border == cv2.BORDER_CONSTANT:
        h, w = dst.shape[:2]
        fill_outside(dst[None], outside_masks(m23[None], h, w, bounds), spec.cval)


def warp_into(src: np.ndarray, m23: np.ndarray, dst: np.ndarray, spec: WarpSpec,
              bounds: Bounds | None = None) -> None:
    """:func:`warp` into ``dst`` (H, W, C) for a float64 ``(2, 3)`` matrix, unchecked.

    ``bounds``: the source positions constant fill keeps (default: all of ``src``; a
    fused resize passes the target frame's rectangle, see :func:`frame_bounds`).
    """
    _warp_affine(src, m23, dst, spec, sampling_border(spec, src, bounds))
    _hard_edge(dst, m23, spec, source_bounds(src) if bounds is None else bounds)


def warp_batch(src: np.ndarray, m23: np.ndarray, moves: list[bool], dst: np.ndarray,
               spec: WarpSpec) -> None:
    """``dst[i]`` = :func:`warp_into` of ``src[i]`` by ``m23[i]`` (``(n, 2, 3)`` float64),
    or a copy of ``src[i]`` where ``moves[i]`` is False; one loop, nothing else per image
    (for small images, where Python overhead is the cost)."""
    h, w = dst.shape[1:3]
    flags, border, value = warp_flags(spec), sampling_border(spec), (spec.cval,) * 4
    warp_affine = cv2.warpAffine
    for i, move in enumerate(moves):
        d = dst[i]
        if not move:
            d[...] = src[i]
            continue
        out = warp_affine(src[i], m23[i], (w, h), dst=d, flags=flags, borderMode=border,
                          borderValue=value)
        if out is not d:
            d[...] = out.reshape(d.shape)
    if spec.border == cv2.BORDER_CONSTANT and any(moves):
        keep = np.flatnonzero(moves)
        mask = outside_masks(m23[keep], h, w, source_bounds(src[0]))
        if mask is not None:
            full = np.zeros((len(moves), h, w), dtype=bool)
            full[keep] = mask
            fill_outside(dst, full, spec.cval)


# cv2.remap keeps sample coordinates in int16: a mosaic must stay below this height
_MOSAIC_MAX_ROWS = 32000
_SUBPIXELS = 32  # cv2.INTER_TAB_SIZE: remap's sub-pixel resolution
# images up to this many pixels are warped a batch at a time (see remap_batch)
SMALL_IMAGE_PIXELS = 64 * 64


def warp_image(src: np.ndarray, m: np.ndarray, spec: WarpSpec) -> np.ndarray:
    """:func:`warp` of one image to its own size, by the same kernel the batch pipeline
    uses for an image of that size (so that replayed parameters reproduce a batch)."""
    h, w = src.shape[:2]
    if h * w < SMALL_IMAGE_PIXELS:
        out = np.empty_like(src)
        if remap_batch(src[None], np.asarray(m, np.float64)[None, :2], out[None], spec):
            return out
    return warp(src, m, (h, w), spec)


def remap_batch(src: np.ndarray, m23: np.ndarray, dst: np.ndarray, spec: WarpSpec) -> bool:
    """Warp a batch of small images ``src`` (n, h, w, C) by ``m23`` (n, 2, 3) into ``dst``
    with one ``cv2.remap`` per mosaic of images stacked vertically, instead of one
    ``warpAffine`` call per image (whose per-call cost dominates at 28x28).

    Only for ``nearest`` fill (the sample coordinates are clamped to each image, which is
    what replicating the edge does) with nearest or linear interpolation; returns False,
    doing nothing, otherwise.  Results match :func:`warp` up to interpolation rounding
    (OpenCV quantises map coordinates to 1/32 pixel, ``warpAffine`` its matrix terms).
    """
    if spec.border != cv2.BORDER_REPLICATE or spec.interpolation not in (
        cv2.INTER_LINEAR, cv2.INTER_NEAREST
    ):
        return False
    n, h, w, c = src.shape
    grid = _pixel_grid(h, w)
    per = max(1, _MOSAIC_MAX_ROWS // h)
    m64 = np.asarray(m23, dtype=np.float64)
    for start in range(0, n, per):
        stop = min(n, start + per)
        k = stop - start
        xy = np.matmul(m64[start:stop], grid)  # (k, 2, h*w) source coordinates
        # OpenCV's own 1/32-pixel grid, so that the tile offsets added below are exact and
        # an image's result does not depend on where it sits in the mosaic (in place: at
        # 28x28 the temporaries cost as much as the remap)
        np.clip(xy[:, 0], 0, w - 1, out=xy[:, 0])
        np.clip(xy[:, 1], 0, h - 1, out=xy[:, 1])
        xy *= _SUBPIXELS
        np.rint(xy, out=xy)
        q = xy.astype(np.float32)
        q *= np.float32(1 / _SUBPIXELS)
        sx = q[:, 0].reshape(k * h, w)
        sy = q[:, 1]
        sy += np.arange(0, k * h, h, dtype=np.float32)[:, None]
        sy32 = sy.reshape(k * h, w)
        mosaic = np.ascontiguousarray(src[start:stop]).reshape(k * h, w, c)
        out = dst[start:stop].reshape(k * h, w, c)
        if c == 1:
            mosaic, out = mosaic[:, :, 0], out[:, :, 0]
        res = cv2.remap(mosaic, sx, sy32, spec.interpolation, dst=out,
                        borderMode=cv2.BORDER_REPLICATE)
        if res is not out:
            out[...] = res.reshape(out.shape)
    return True


@functools.lru_cache(maxsize=16)
def _pixel_grid(h: int, w: int) -> np.ndarray:
    """Homogeneous pixel coordinates ``(3, h * w)`` (float64, row-major), read-only."""
    gy, gx = np.mgrid[0:h, 0:w].astype(np.float64)
    grid = np.stack([gx.ravel(), gy.ravel(), np.ones(h * w)])
    grid.setflags(write=False)
    return grid


def sampled_box(m23: np.ndarray, out_h: int, out_w: int, interpolation: int) -> tuple[int, ...]:
    """Source pixels ``(x0, y0, x1, y1)`` (inclusive, may lie outside the image) that a
    warp of ``m23`` to ``out_h`` x ``out_w`` can read."""
    (a, b, c), (d, e, f) = m23.tolist()
    u, v = out_w - 1, out_h - 1
    xs = (c, a * u + c, b * v + c, a * u + b * v + c)
    ys = (f, d * u + f, e * v + f, d * u + e * v + f)
    before, after = _REACH.get(interpolation, (4, 5))
    return (math.floor(min(xs)) - before, math.floor(min(ys)) - before,
            math.floor(max(xs)) + after, math.floor(max(ys)) + after)


def warp_cold(src: np.ndarray, m23: np.ndarray, dst: np.ndarray, spec: WarpSpec,
              bounds: Bounds | None = None) -> None:
    """:func:`warp_into` for a source that is not in the CPU cache (a row of a large array,
    a cached decode): same result, about twice as fast.

    The warp reads its source in a rotated, scattered order; a plain copy of the band of
    rows it samples streams that memory in at full bandwidth first.  (With ``reflect`` or
    ``wrap`` borders the whole image is copied, as samples can wrap to any row.)
    """
    h, w = dst.shape[:2]
    rows = src.shape[0]
    y0, y1 = 0, rows - 1
    if spec.border in _BAND_BORDERS:
        _, by0, _, by1 = sampled_box(m23, h, w, spec.interpolation)
        y0, y1 = min(max(by0, 0), rows - 1), max(min(by1, rows - 1), 0)
    band = src[y0 : y1 + 1].copy()
    m = m23
    if y0:
        m = m23.copy()
        m[1, 2] -= y0
    _warp_affine(band, m, dst, spec, sampling_border(spec, src, bounds))
    _hard_edge(dst, m23, spec, source_bounds(src) if bounds is None else bounds)


# a framed copy may be at most this many times the larger of the source and the output
_FRAME_MAX_AREA = 3


def warp_framed(src: np.ndarray, m23: np.ndarray, dst: np.ndarray, spec: WarpSpec,
                bounds: Bounds | None = None) -> None:
    """:func:`warp_into` with the same result (exact for uint8; other dtypes round sample
    coordinates in floating point, so a rare exact tie may flip), faster for uint8 when
    samples fall outside ``src``.

    OpenCV takes a slow per-pixel path wherever an output pixel reads outside the image.
    This copies exactly the source box the warp samples, with the sampling border added
    around it (``cv2.copyMakeBorder``, the same border rule), so that every sample
    is inside; the copy also streams a source that is not in the CPU cache.  Falls back to
    :func:`warp_cold` when the box misses the image or is much larger (huge shifts).
    """
    h, w = dst.shape[:2]
    rows, cols = src.shape[:2]
    x0, y0, x1, y1 = sampled_box(m23, h, w, spec.interpolation)
    outside = x0 >= cols or y0 >= rows or x1 < 0 or y1 < 0
    if outside or (x1 - x0 + 1) * (y1 - y0 + 1) > _FRAME_MAX_AREA * max(rows * cols, h * w):
        warp_cold(src, m23, dst, spec, bounds)
        return
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, cols - 1), min(y1, rows - 1)
    left, top = cx0 - x0, cy0 - y0
    right, bottom = x1 - cx1, y1 - cy1
    crop = src[cy0 : cy1 + 1, cx0 : cx1 + 1]
    border = sampling_border(spec, src, bounds)
    if border in _BAND_BORDERS:
        framed = cv2.copyMakeBorder(crop, top, bottom, left, right, border,
                                    value=(spec.cval,) * 4)
    else:  # reflect / wrap read the whole image: pad it and keep the box
        whole = cv2.copyMakeBorder(src, max(0, -y0), max(0, y1 - rows + 1), max(0, -x0),
                                   max(0, x1 - cols + 1), spec.border)
        oy, ox = y0 + max(0, -y0), x0 + max(0, -x0)
        framed = whole[oy : oy + y1 - y0 + 1, ox : ox + x1 - x0 + 1]
    if framed.ndim == 2:
        framed = framed[:, :, None]
    m = m23.copy()
    m[0, 2] -= x0
    m[1, 2] -= y0
    _warp_affine(framed, m, dst, spec, border)
    _hard_edge(dst, m23, spec, source_bounds(src) if bounds is None else bounds)


def shrink_factor(m: np.ndarray) -> int:
    """Integer area pre-shrink for a resample by ``m`` (output to input): the whole number
    of source pixels per output pixel along the less-reduced source axis (1: none)."""
    step_x = math.hypot(float(m[0, 0]), float(m[0, 1]))
    step_y = math.hypot(float(m[1, 0]), float(m[1, 1]))
    return max(1, int(min(step_x, step_y)))


def area_shrink(src: np.ndarray, f: int) -> np.ndarray:
    """Mean of each ``f`` x ``f`` block of ``src`` (H, W, C): OpenCV's exact-ratio area
    path; a last partial row or column of blocks averages the pixels it has.

    Source pixel ``x`` is at ``x / f + 0.5 / f - 0.5`` in the result (full blocks).
    """
    h, w = src.shape[:2]
    hf, wf = h // f, w // f
    out = np.empty((-(-h // f), -(-w // f), *src.shape[2:]), src.dtype)
    area = cv2.INTER_AREA
    if hf and wf:
        cv2.resize(src[: hf * f, : wf * f], (wf, hf), dst=out[:hf, :wf], interpolation=area)
    if w > wf * f and hf:
        cv2.resize(src[: hf * f, wf * f :], (1, hf), dst=out[:hf, wf:], interpolation=area)
    if h > hf * f and wf:
        cv2.resize(src[hf * f :, : wf * f], (wf, 1), dst=out[hf:, :wf], interpolation=area)
    if h > hf * f and w > wf * f:
        cv2.resize(src[hf * f :, wf * f :], (1, 1), dst=out[hf:, wf:], interpolation=area)
    return out


def area_reduce(src: np.ndarray, out_hw: tuple[int, int], exact: bool = True) -> np.ndarray:
    """``src`` (H, W, C) reduced to ``out_hw`` with an antialiasing filter close to area
    averaging, at a fraction of ``INTER_AREA``'s cost for non-integer ratios.

    Each axis is first resized bilinearly to the whole multiple ``k`` of its output size
    nearest to its ratio (a mild resample: at most 1.5x either way), then ``k``-pixel
    blocks are averaged.  ``exact=False`` rounds ``k`` down instead: an axis reduced by
    less than 2x is resized bilinearly alone (bilinear skips no source pixel below 2x;
    it is the cheap choice when a warp follows and smooths again).  For ``k <= 2`` the
    average is a bilinear resize by exactly 1/2 (it samples halfway between the two
    pixels: their mean), the fast path; larger ratios use OpenCV's integer area path.
    Pixel centres are aligned as in ``cv2.resize``.  On 500x375 photos reduced to
    224x224, ``exact`` is 60 dB from ``INTER_AREA`` (bilinear alone: 49 dB).

    >>> area_reduce(np.zeros((375, 500, 3), np.uint8), (224, 224)).shape
    (224, 224, 3)
    """
    h, w = src.shape[:2]
    oh, ow = out_hw
    whole: Callable[[float], int] = round if exact else (lambda r: int(r + 1e-9))
    ky, kx = max(1, whole(h / oh)), max(1, whole(w / ow))
    mid = src
    if (h, w) != (oh * ky, ow * kx):
        mid = cv2.resize(src, (ow * kx, oh * ky), interpolation=cv2.INTER_LINEAR)
    if (ky, kx) == (1, 1):
        out = mid
    elif ky <= 2 and kx <= 2 and (ky, kx) != (2, 2):
        out = cv2.resize(mid, (ow, oh), interpolation=cv2.INTER_LINEAR)
    else:
        out = cv2.resize(mid, (ow, oh), interpolation=cv2.INTER_AREA)
    return out if out.ndim == 3 else out[:, :, None]


def shrink_matrix(f: int) -> np.ndarray:
    """3x3 map from source pixels to :func:`area_shrink` pixels."""
    s = 1.0 / f
    return np.array([[s, 0.0, 0.5 * s - 0.5], [0.0, s, 0.5 * s - 0.5], [0.0, 0.0, 1.0]])


def whole_numbers(x: np.ndarray, chunk_values: int = 1 << 22) -> bool:
    """Whether every value of the float array ``x`` is a whole number (chunked over the
    first axis, stops at the first chunk that is not).  Float arrays of whole numbers in
    [0, 255] (uint8 images cast to float) are warped as uint8: exact on input, and about
    twice as fast."""
    flat = x.reshape(len(x), -1) if x.ndim > 1 else x.reshape(-1, 1)
    rows = max(1, chunk_values // max(1, flat.shape[1]))
    for start in range(0, len(flat), rows):
        block = flat[start : start + rows]
        if not np.array_equal(block, np.rint(block)):
            return False
    return True


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
    vr = value_range if value_range is not None else value_range_of(image)
    src = warpable(image)
    if src.dtype.kind == "f" and vr == (0.0, 255.0) and whole_numbers(src):
        src = src.astype(np.uint8)  # as the batch pipeline does
    if params.is_identity_geometry:
        out = src.copy()
    else:
        out = warp_image(src, single_matrix(params, h, w), spec)
    if params.channel_shift_intensity is not None or params.brightness is not None:
        out = apply_colour(out, channel_shift_values(params, c), params.brightness, vr, out=out)
    if params.policy_ops:
        out = apply_colour_ops(out, params.policy_ops, vr)
    if out.dtype != image.dtype:
        out = out.astype(image.dtype)
    return out
