"""Per-image measurements: a few numbers, two hashes and a 32x32 thumbnail per image.

Runs in worker processes (files) or the calling thread (arrays), so everything here is a
pure function of its inputs.  Statistics are computed on an 8-bit copy no larger than
:data:`WORK_SIDE` pixels (JPEGs are DCT-reduced while decoding), which bounds the cost
and memory of any image.  A chunk of images returns one :class:`Chunk`: columns of
numbers, per-class sums of thumbnails (for the class-mean images) and per-channel
histograms (for robust statistics), never the images themselves, except the few
thumbnails asked for in ``keep``.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from augwise.core.files import UnreadableFile, read_regular
from augwise.core.pixels import fit_side, to_uint8
from augwise.io.decode import (
    CHANNELS,
    DecodeSpec,
    ImageDecodeError,
    decode_bytes,
    max_file_bytes,
)

THUMB = 32  # grey thumbnail side: class means, perceptual hash, near-duplicate check
WORK_SIDE = 128  # statistics are computed at most at this size
KEEP_SIDE = 64  # kept colour thumbnails (fill-artefact measurement)

NUMBERS = (
    "bytes", "height", "width", "bit_depth", "mean", "std", "p1", "p99", "entropy",
    "sharpness", "chroma", "alpha_fraction", "exif_orientation",
)
TEXTS = ("error_kind", "error", "warning", "format", "mode", "byte_hash", "pixel_hash")
EXTENSION_FORMATS = {
    "jpg": ("JPEG", "MPO"), "jpeg": ("JPEG", "MPO"), "png": ("PNG",), "bmp": ("BMP", "DIB"),
    "ppm": ("PPM",), "tif": ("TIFF",), "tiff": ("TIFF",),
}
_BIT_DEPTH = {"1": 1, "I;16": 16, "I;16B": 16, "I;16L": 16, "I;16N": 16, "I": 32, "F": 32}


@dataclass
class ClassSum:
    """Running sums of one class's grey thumbnails (and of its even-indexed half)."""

    total: np.ndarray
    half: np.ndarray
    count: int = 0
    half_count: int = 0

    @classmethod
    def empty(cls) -> ClassSum:
        return cls(np.zeros((THUMB, THUMB)), np.zeros((THUMB, THUMB)))

    def add(self, thumb: np.ndarray, even: bool) -> None:
        self.total += thumb
        self.count += 1
        if even:
            self.half += thumb
            self.half_count += 1

    def merge(self, other: ClassSum) -> None:
        self.total += other.total
        self.half += other.half
        self.count += other.count
        self.half_count += other.half_count


@dataclass
class Chunk:
    """Measurements of consecutive rows ``indices``."""

    indices: np.ndarray
    numbers: np.ndarray  # (n, len(NUMBERS)) float64, NaN where not measured
    texts: dict[str, list[str]]
    ext_ok: np.ndarray  # bool
    phash: np.ndarray  # uint64
    thumbs: np.ndarray  # (n, THUMB, THUMB) uint8
    channel_mean: np.ndarray  # (n, C) float32, 8-bit units
    channel_sq: np.ndarray  # (n, C) float32
    hist: np.ndarray  # (C, 256) per-channel histogram of the statistics rows, per-image weights
    class_sums: dict[int, ClassSum] = field(default_factory=dict)
    kept: dict[int, np.ndarray] = field(default_factory=dict)

    @classmethod
    def allocate(cls, indices: np.ndarray, channels: int) -> Chunk:
        n = len(indices)
        return cls(
            indices=np.asarray(indices, np.int64),
            numbers=np.full((n, len(NUMBERS)), np.nan),
            texts={k: [""] * n for k in TEXTS},
            ext_ok=np.ones(n, bool),
            phash=np.zeros(n, np.uint64),
            thumbs=np.zeros((n, THUMB, THUMB), np.uint8),
            channel_mean=np.full((n, channels), np.nan, np.float32),
            channel_sq=np.full((n, channels), np.nan, np.float32),
            hist=np.zeros((channels, 256)),
        )

    def set(self, i: int, name: str, value: float) -> None:
        self.numbers[i, NUMBERS.index(name)] = value


@dataclass(frozen=True)
class Task:
    """One chunk of work: rows, their files (or images), labels and what to keep."""

    indices: np.ndarray
    labels: np.ndarray  # global class index, -1 unlabelled
    stats_rows: np.ndarray  # bool: row counts towards class means and histograms
    keep: frozenset[int]
    color_mode: str
    max_pixels: int | None
    paths: tuple[str, ...] = ()
    images: np.ndarray | None = None  # arrays: (n, H, W, C)
    value_range: tuple[float, float] = (0.0, 255.0)


def phash64(thumb: np.ndarray) -> int:
    """64-bit DCT perceptual hash of a 32x32 grey image (bit 0 always 0)."""
    coeffs = cv2.dct(np.asarray(thumb, np.float32))[:8, :8].ravel()[1:]
    bits = coeffs > np.partition(coeffs, 31)[31]  # the median of the 63 AC coefficients
    return int(np.packbits(np.concatenate([[False], bits])).view(">u8")[0])


def sharpness(grey: np.ndarray) -> float:
    """Crete et al. (2007) no-reference sharpness in [0, 1] of the blurrier direction.

    The share of neighbour differences that a 9-pixel box blur removes: a sharp image
    loses most of its edge contrast to the blur, an already blurred one little.  It does
    not depend on contrast or on how many edges the image has.
    """
    g = grey.astype(np.float32)
    out = []
    for axis, ksize in ((0, (1, 9)), (1, (9, 1))):
        if g.shape[axis] < 2:
            return 0.0
        blurred = cv2.blur(g, ksize)
        df = np.abs(np.diff(g, axis=axis))
        db = np.abs(np.diff(blurred, axis=axis))
        total = float(df.sum())
        out.append(float(np.maximum(df - db, 0).sum()) / total if total > 0 else 0.0)
    return min(out)


def measure_pixels(chunk: Chunk, i: int, img8: np.ndarray, task: Task) -> None:
    """Fill row ``i`` of ``chunk`` from an 8-bit ``(H, W, C)`` image."""
    work = np.ascontiguousarray(fit_side(img8, WORK_SIDE))
    c = work.shape[2]
    colour = work if c == 3 else np.ascontiguousarray(work[:, :, :3])
    grey = np.ascontiguousarray(work[:, :, 0]) if c < 3 else cv2.cvtColor(
        colour, cv2.COLOR_RGB2GRAY)
    counts = np.bincount(grey.ravel(), minlength=256).astype(np.float64)
    p = counts / counts.sum()
    cdf = np.cumsum(p)
    nz = p[p > 0]
    g_mean, g_std = (float(v[0, 0]) for v in cv2.meanStdDev(grey))
    var = g_std**2
    chunk.set(i, "mean", g_mean)
    chunk.set(i, "std", g_std)
    chunk.set(i, "p1", float(np.searchsorted(cdf, 0.01)))
    chunk.set(i, "p99", float(np.searchsorted(cdf, 0.99)))
    chunk.set(i, "entropy", float(-(nz * np.log2(nz)).sum()))
    chunk.set(i, "sharpness", sharpness(grey) if var > 1e-6 else 0.0)
    if c >= 3:
        r, gr, b = cv2.split(colour)
        chroma = cv2.mean(cv2.absdiff(r, gr))[0] + cv2.mean(cv2.absdiff(gr, b))[0]
        chunk.set(i, "chroma", chroma / 2.0)
    else:
        chunk.set(i, "chroma", 0.0)
    means, stds = cv2.meanStdDev(work if c <= 4 else colour)
    chunk.channel_mean[i] = means[:c, 0]
    chunk.channel_sq[i] = stds[:c, 0] ** 2 + means[:c, 0] ** 2
    thumb = cv2.resize(grey.astype(np.float32), (THUMB, THUMB), interpolation=cv2.INTER_AREA)
    chunk.thumbs[i] = to_uint8(thumb)
    chunk.phash[i] = np.uint64(phash64(thumb))
    row = int(chunk.indices[i])
    if task.stats_rows[i]:
        npix = grey.size
        for k in range(c):
            chunk.hist[k] += np.bincount(work[:, :, k].ravel(), minlength=256) / npix
        label = int(task.labels[i])
        chunk.class_sums.setdefault(label, ClassSum.empty()).add(thumb, row % 2 == 0)
    if row in task.keep:
        chunk.kept[row] = fit_side(work, KEEP_SIDE).copy()


def _header(chunk: Chunk, i: int, data: bytes, path: str, max_pixels: int | None) -> str | None:
    """Format, mode and size from the header; the error kind if it cannot be read."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt, mode = im.format or "", im.mode
            width, height = im.size
            chunk.texts["format"][i] = fmt
            chunk.texts["mode"][i] = mode
            chunk.set(i, "width", width)
            chunk.set(i, "height", height)
            chunk.set(i, "bit_depth", _BIT_DEPTH.get(mode, 8))
            ext = os.path.splitext(path)[1].lower().lstrip(".")
            chunk.ext_ok[i] = fmt in EXTENSION_FORMATS.get(ext, (fmt,))
            orientation = 1
            if b"Exif" in data[:65536]:
                orientation = int(im.getexif().get(0x0112, 1) or 1)
            chunk.set(i, "exif_orientation", orientation)
            if max_pixels is not None and width * height > max_pixels:
                chunk.texts["error"][i] = (
                    f"{width}x{height} = {width * height} pixels exceeds max_image_pixels="
                    f"{max_pixels}"
                )
                return "too_large"
            has_alpha = mode in ("RGBA", "LA", "PA") or (
                mode == "P" and "transparency" in im.info
            )
            if has_alpha:
                alpha = np.asarray(im.convert("RGBA"))[:, :, 3]
                chunk.set(i, "alpha_fraction", float((alpha < 250).mean()))
            else:
                chunk.set(i, "alpha_fraction", 0.0)
    except UnidentifiedImageError:
        chunk.texts["error"][i] = "not an image file (unrecognised format)"
        return "not_image"
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        chunk.texts["error"][i] = f"corrupt header ({exc})"
        return "corrupt"
    return None


def measure_file(chunk: Chunk, i: int, path: str, task: Task) -> None:
    """Row ``i``: read, hash, decode and measure one file; errors become the row's verdict."""
    try:
        data = read_regular(path, max_file_bytes(task.max_pixels))
    except UnreadableFile as exc:
        chunk.texts["error_kind"][i] = "unreadable"
        chunk.texts["error"][i] = exc.reason
        return
    chunk.set(i, "bytes", len(data))
    chunk.texts["byte_hash"][i] = hashlib.blake2b(data, digest_size=16).hexdigest()
    if not data:
        chunk.texts["error_kind"][i] = "zero_byte"
        chunk.texts["error"][i] = "the file is empty (0 bytes)"
        return
    kind = _header(chunk, i, data, path, task.max_pixels)
    if kind is not None:
        chunk.texts["error_kind"][i] = kind
        return
    spec = DecodeSpec(color_mode=task.color_mode, target_hw=(WORK_SIDE, WORK_SIDE),
                      max_pixels=task.max_pixels)
    try:
        dec = decode_bytes(data, path, spec)
    except ImageDecodeError as exc:
        chunk.texts["error_kind"][i] = "corrupt"
        chunk.texts["error"][i] = exc.reason
        return
    arr = dec.array
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{dec.full_hw}{arr.shape}{arr.dtype}".encode())
    digest.update(np.ascontiguousarray(arr).tobytes())
    chunk.texts["pixel_hash"][i] = digest.hexdigest()
    chunk.set(i, "height", dec.full_hw[0])
    chunk.set(i, "width", dec.full_hw[1])
    vr = (0.0, 65535.0) if arr.dtype == np.uint16 else (0.0, 255.0)
    measure_pixels(chunk, i, to_uint8(arr, vr), task)


def run_task(task: Task) -> Chunk:
    """Measure every row of ``task`` (the worker entry point)."""
    channels = CHANNELS[task.color_mode] if task.images is None else task.images.shape[3]
    chunk = Chunk.allocate(task.indices, channels)
    for i in range(len(task.indices)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if task.images is None:
                measure_file(chunk, i, task.paths[i], task)
            else:
                img = task.images[i]
                arr = np.ascontiguousarray(img)
                digest = hashlib.blake2b(arr.tobytes(), digest_size=16).hexdigest()
                chunk.texts["pixel_hash"][i] = chunk.texts["byte_hash"][i] = digest
                chunk.set(i, "height", img.shape[0])
                chunk.set(i, "width", img.shape[1])
                chunk.set(i, "alpha_fraction", 0.0)
                measure_pixels(chunk, i, to_uint8(arr, task.value_range), task)
        if caught:
            chunk.texts["warning"][i] = str(caught[0].message)[:300]
    return chunk
