"""Decoding image files to ``(H, W, C)`` arrays.

JPEG goes through libjpeg-turbo (simplejpeg), decoded straight to the wanted colour
space and, when the target is at most half the image, at a reduced DCT scale (1/2,
1/4 or 1/8: the SIMD paths).  Everything else (PNG, BMP, TIFF, 16-bit, palette, CMYK
JPEG, the first frame of GIF and WebP) goes through Pillow.  EXIF orientation is
applied.  Images above ``max_pixels`` are refused before any pixel is decoded.  With
``DecodeSpec.reduce`` the decoded image is then area-averaged down to the smallest size
that still holds the target's resolution times the zoom magnification: the first of
two resampling stages (see :func:`reduce_decoded`).
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import simplejpeg
from PIL import Image, ImageOps, UnidentifiedImageError

from augwise.core.files import UnreadableFile, read_regular
from augwise.core.geometry import keep_aspect_box
from augwise.core.keras_kernels import img_to_array
from augwise.core.kernels import area_reduce
from augwise.core.validate import short_repr

COLOR_MODES = ("rgb", "rgba", "grayscale")
CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's own decompression-bomb threshold
_JPEG_MAGIC = b"\xff\xd8\xff"
_SJ_COLOURS = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "GRAY"}
_PIL_RESAMPLE = {
    "nearest": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "hamming": Image.Resampling.HAMMING,
    "box": Image.Resampling.BOX,
    "lanczos": Image.Resampling.LANCZOS,
}
INTERPOLATIONS = tuple(_PIL_RESAMPLE)
REDUCE_MODES = (None, "exact", "fast")


class ImageDecodeError(ValueError):
    """A file that is not a readable image; ``path`` names it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot load image {path!r}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Decoded:
    """A decoded image and how its pixel grid relates to the full-resolution file."""

    array: np.ndarray  # (H, W, C), uint8 or uint16
    full_hw: tuple[int, int]  # size of the image at full resolution
    scale: tuple[float, float]  # (y, x) full-resolution pixels per array pixel
    stored: bool = False  # from a decoded-image cache in RAM (not freshly decoded)


@dataclass(frozen=True)
class DecodeSpec:
    """What to decode: colour mode, the target (to pick a reduced JPEG scale) and limits."""

    color_mode: str = "rgb"
    target_hw: tuple[int, int] | None = None
    keep_aspect_ratio: bool = False
    magnification: float = 1.0  # extra resolution wanted (e.g. 1/min zoom)
    max_pixels: int | None = DEFAULT_MAX_PIXELS
    exif: bool = True
    # area-average down to what the target needs (antialiasing): None (off), "exact" (the
    # only resample: close to INTER_AREA) or "fast" (a warp follows: see area_reduce)
    reduce: str | None = None

    def __post_init__(self) -> None:
        if self.color_mode not in COLOR_MODES:
            raise ValueError(f"color_mode must be one of {COLOR_MODES}, got {self.color_mode!r}")
        if self.reduce not in REDUCE_MODES:
            raise ValueError(f"reduce must be one of {REDUCE_MODES}, got {self.reduce!r}")
        # plain Python values, so that equal specs print alike (the decoded-image cache
        # keys entries by this repr) and hash
        try:
            if self.target_hw is not None:
                height, width = (int(v) for v in self.target_hw)
                object.__setattr__(self, "target_hw", (height, width))
            object.__setattr__(self, "magnification", float(self.magnification))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"target_hw must be (height, width) in pixels and magnification "
                             f"a number, got {self.target_hw!r} and {self.magnification!r}"
                             ) from exc
        object.__setattr__(self, "max_pixels", check_max_pixels(self.max_pixels))
        object.__setattr__(self, "keep_aspect_ratio", bool(self.keep_aspect_ratio))
        object.__setattr__(self, "exif", bool(self.exif))


def check_max_pixels(value: Any) -> int | None:
    """``max_image_pixels`` as an int > 0, or None (no limit).

    >>> check_max_pixels(10_000)
    10000
    """
    if value is None:
        return None
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"max_image_pixels must be an int > 0 or None (no limit), got {short_repr(value)}"
        )
    if value <= 0:
        raise ValueError(f"max_image_pixels must be an int > 0 or None (no limit), got {value}")
    return int(value)


def read_bytes(path: str, max_bytes: int | None = None) -> bytes:
    """The whole file (one ``read`` of its size), refusing what is not a regular file
    (a FIFO would block, ``/dev/zero`` never ends) and files over ``max_bytes``."""
    try:
        return read_regular(path, max_bytes)
    except UnreadableFile as exc:
        raise ImageDecodeError(path, exc.reason) from exc


def max_file_bytes(max_pixels: int | None) -> int | None:
    """The largest image file read for ``max_pixels`` (None: no bound): 8 bytes a pixel,
    what an uncompressed 16-bit RGBA image takes, and at least 64 MiB."""
    return None if max_pixels is None else max(64 << 20, 8 * max_pixels + (1 << 20))


def load_image(path: str, spec: DecodeSpec) -> Decoded:
    """Read and decode ``path``; raises :class:`ImageDecodeError` naming the file."""
    return decode_bytes(read_bytes(path, max_file_bytes(spec.max_pixels)), path, spec)


def decode_bytes(data: bytes, path: str, spec: DecodeSpec) -> Decoded:
    """Decode ``data`` (the bytes of ``path``) as ``spec`` asks."""
    if not data:
        raise ImageDecodeError(path, "the file is empty (0 bytes)")
    decoded = _decode_jpeg(data, path, spec) if data.startswith(_JPEG_MAGIC) else None
    if decoded is None:
        decoded = _decode_pillow(data, path, spec)
    return reduce_decoded(decoded, spec) if spec.reduce else decoded


def _check_size(path: str, height: int, width: int, spec: DecodeSpec) -> None:
    if spec.max_pixels is not None and height * width > spec.max_pixels:
        raise ImageDecodeError(
            path,
            f"{width}x{height} = {width * height} pixels exceeds max_image_pixels="
            f"{spec.max_pixels} (possible decompression bomb)",
        )


def needed_size(height: int, width: int, spec: DecodeSpec) -> tuple[float, float]:
    """``(h, w)``: the whole image's size at which the target's crop box holds the
    target's resolution times ``spec.magnification`` (inf without a target)."""
    if spec.target_hw is None:
        return (math.inf, math.inf)
    th, tw = spec.target_hw
    if spec.keep_aspect_ratio:
        _, _, cw, ch = keep_aspect_box(height, width, th, tw)
    else:
        cw, ch = width, height
    return (
        th * spec.magnification * height / max(ch, 1),
        tw * spec.magnification * width / max(cw, 1),
    )


def reduction_factor(height: int, width: int, spec: DecodeSpec) -> int:
    """Largest DCT scale in {1, 2, 4, 8} that keeps the target's resolution."""
    need_h, need_w = needed_size(height, width, spec)
    factor = 1
    for k in (2, 4, 8):
        if width / k >= need_w and height / k >= need_h:
            factor = k
    return factor


def reduce_decoded(dec: Decoded, spec: DecodeSpec) -> Decoded:
    """``dec`` area-averaged to the smallest size that still covers what the target
    needs (:func:`needed_size`, rounded up); ``dec`` itself when it is less than 1.5x
    larger on both axes (there one bilinear resample is as faithful, and cheaper).

    This is the first of two resampling stages: the warp that follows samples a source
    of at most ``magnification`` times the target's resolution, so a minifying resize
    does not alias, and a decoded-image cache holds the small image.

    >>> big = Decoded(np.zeros((375, 500, 3), np.uint8), (375, 500), (1.0, 1.0))
    >>> reduce_decoded(big, DecodeSpec(target_hw=(224, 224), reduce="exact")).array.shape
    (224, 224, 3)
    """
    fh, fw = dec.full_hw
    need_h, need_w = needed_size(fh, fw, spec)
    h, w = dec.array.shape[:2]
    # a few 1e-9 of slack so that an exact fit does not round up to one more pixel
    new_h = min(h, max(1, math.ceil(need_h - 1e-6)))
    new_w = min(w, max(1, math.ceil(need_w - 1e-6)))
    if round(h / new_h) == 1 and round(w / new_w) == 1:
        return dec  # under 1.5x: the warp's own interpolation does not alias; one resample
    small = area_reduce(dec.array, (new_h, new_w), exact=spec.reduce == "exact")
    sy, sx = dec.scale
    return Decoded(small, dec.full_hw, (sy * h / new_h, sx * w / new_w))


def _has_exif(data: bytes) -> bool:
    """Whether the JPEG ``data`` holds an Exif APP1 segment before its first scan.

    Walks the marker segments from the start (a few steps, where searching the first
    64 KiB for ``Exif`` read most of a small file on every decode); a header it cannot
    walk (stray bytes between segments, which the JPEG decoder refuses anyway) falls back
    to that search.

    >>> _has_exif(bytes.fromhex("ffd8ffe1000a457869660000aaaaffda"))
    True
    >>> _has_exif(bytes.fromhex("ffd8ffe000044a46ffda") + b"Exif")
    False
    """
    pos, end = 2, len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return data.find(b"Exif", 0, 65536) >= 0  # not a marker: not walkable
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker in (0xDA, 0xD9):  # start of scan, end of image: no more headers
            return False
        elif 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
        else:
            if marker == 0xE1 and data.startswith(b"Exif\x00\x00", pos + 4):
                return True
            pos += 2 + ((data[pos + 2] << 8) | data[pos + 3])
    return False


def _exif_orientation(data: bytes) -> int:
    if not _has_exif(data):
        return 1
    try:
        with Image.open(io.BytesIO(data)) as img:
            return int(img.getexif().get(0x0112, 1))
    except (OSError, ValueError, UnidentifiedImageError):
        return 1


def _decode_jpeg(data: bytes, path: str, spec: DecodeSpec) -> Decoded | None:
    try:
        height, width, colorspace, _ = simplejpeg.decode_jpeg_header(data)
    except ValueError as exc:
        raise ImageDecodeError(path, f"corrupt JPEG header ({exc})") from exc
    if colorspace in ("CMYK", "YCCK"):
        return None
    _check_size(path, height, width, spec)
    orientation = _exif_orientation(data) if spec.exif else 1
    if orientation != 1:
        return None  # Pillow applies the orientation (rare: most datasets strip EXIF)
    k = reduction_factor(height, width, spec)
    try:
        arr = simplejpeg.decode_jpeg(
            data,
            colorspace=_SJ_COLOURS[spec.color_mode],
            min_height=math.ceil(height / k),
            min_width=math.ceil(width / k),
            min_factor=k,
        )
    except ValueError as exc:
        raise ImageDecodeError(path, f"corrupt or truncated JPEG ({exc})") from exc
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return Decoded(array=arr, full_hw=(height, width), scale=(float(k), float(k)))


def _to_mode(img: Image.Image, color_mode: str) -> np.ndarray:
    """Convert a Pillow image to the colour mode, scaling 16/32-bit data properly."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        raw = np.asarray(img)
        if color_mode == "grayscale":
            return np.clip(raw, 0, 65535).astype(np.uint16)[:, :, None]
        if mode == "F" or (mode == "I" and raw.size and raw.max() <= 255):
            eight = np.clip(raw, 0, 255).astype(np.uint8)
        else:
            eight = (np.clip(raw, 0, 65535).astype(np.uint32) >> 8).astype(np.uint8)
        img = Image.fromarray(eight, "L")
        mode = "L"
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    target = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}[color_mode]
    if img.mode != target:
        img = img.convert(target)
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return arr


def _decode_pillow(data: bytes, path: str, spec: DecodeSpec) -> Decoded:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            _check_size(path, height, width, spec)
            opened.load()
            img: Image.Image = opened
            if spec.exif:
                img = ImageOps.exif_transpose(opened)
            arr = _to_mode(img, spec.color_mode)
    except ImageDecodeError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageDecodeError(path, "not an image file (unrecognised format)") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own limit, checked on open (its warning counts when warnings are errors)
        raise ImageDecodeError(path, f"possible decompression bomb ({exc})") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageDecodeError(path, f"corrupt or truncated image ({exc})") from exc
    return Decoded(array=np.ascontiguousarray(arr), full_hw=arr.shape[:2], scale=(1.0, 1.0))


def keras_load_img(
    path: str,
    color_mode: str,
    target_size: tuple[int, int] | None,
    interpolation: str,
    keep_aspect_ratio: bool,
    data_format: str,
    dtype: str,
) -> np.ndarray:
    """Keras 3.15's ``load_img`` + ``img_to_array``, for ``keras_compat``."""
    img: Image.Image = Image.open(io.BytesIO(read_bytes(os.fspath(path))))
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        wh = (target_size[1], target_size[0])
        if img.size != wh:
            resample = _PIL_RESAMPLE[interpolation]
            if keep_aspect_ratio:
                width, height = img.size
                x0, y0, cw, ch = keep_aspect_box(height, width, target_size[0], target_size[1])
                img = img.resize(wh, resample, box=(x0, y0, x0 + cw, y0 + ch))
            else:
                img = img.resize(wh, resample)
    x = img_to_array(img, data_format=data_format, dtype=dtype)
    if hasattr(img, "close"):
        img.close()
    return x
