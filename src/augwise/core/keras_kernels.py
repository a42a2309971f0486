"""Keras 3.15's legacy transform kernels, reproduced for ``keras_compat=True``.

These are faithful re-implementations (scipy resampling, the swapped centre, channel
shift clipped to the image's own range, brightness through an 8-bit PIL image) so that
``keras_compat`` output matches Keras numerically.  Default mode never uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance
from scipy import ndimage


def apply_affine_transform(
    x: np.ndarray,
    theta: float = 0,
    tx: float = 0,
    ty: float = 0,
    shear: float = 0,
    zx: float = 1,
    zy: float = 1,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    order: int = 1,
) -> np.ndarray:
    """Keras' ``apply_affine_transform`` (matrix, centre and axis swap included)."""
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    matrix: np.ndarray | None = None
    if theta != 0:
        t = np.deg2rad(theta)
        matrix = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        matrix = shift if matrix is None else np.dot(matrix, shift)
    if shear != 0:
        s = np.deg2rad(shear)
        shear_m = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
        matrix = shear_m if matrix is None else np.dot(matrix, shear_m)
    if zx != 1 or zy != 1:
        zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        matrix = zoom if matrix is None else np.dot(matrix, zoom)
    if matrix is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    o_x, o_y = float(h) / 2 - 0.5, float(w) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    matrix = np.dot(np.dot(offset, matrix), reset)
    x = np.rollaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    channel_images = [
        ndimage.affine_transform(
            x_channel, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval
        )
        for x_channel in x
    ]
    out = np.stack(channel_images, axis=0)
    return np.rollaxis(out, 0, channel_axis + 1)


def apply_channel_shift(x: np.ndarray, intensity: float, channel_axis: int = 0) -> np.ndarray:
    """One scalar added to every channel, clipped to the image's own min and max."""
    x = np.rollaxis(x, channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    channel_images = [np.clip(c + intensity, min_x, max_x) for c in x]
    out = np.stack(channel_images, axis=0)
    return np.rollaxis(out, 0, channel_axis + 1)


def flip_axis(x: np.ndarray, axis: int) -> np.ndarray:
    x = np.asarray(x).swapaxes(axis, 0)
    x = x[::-1, ...]
    return x.swapaxes(0, axis)


def array_to_img(x: np.ndarray, scale: bool, dtype: str = "float32") -> Image.Image:
    """Keras' ``array_to_img`` for channels-last data."""
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got {x.shape}")
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {x.shape[2]}")


def img_to_array(img: Image.Image, data_format: str = "channels_last",
                 dtype: str = "float32") -> np.ndarray:
    """Keras' ``img_to_array``."""
    x = np.asarray(img, dtype=dtype)
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        if data_format == "channels_first":
            x = x.reshape((1, x.shape[0], x.shape[1]))
        else:
            x = x.reshape((x.shape[0], x.shape[1], 1))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def apply_brightness_shift(x: np.ndarray, brightness: float, scale: bool = True) -> np.ndarray:
    """Brightness through an 8-bit PIL image, as Keras does (channels-last assumed)."""
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    img = array_to_img(x, scale=bool(local_scale or scale))
    img = ImageEnhance.Brightness(img).enhance(brightness)
    out = img_to_array(img)
    if not scale and local_scale:
        out = out / 255 * (x_max - x_min) + x_min
    return out


def apply_transform(
    x: np.ndarray,
    params: Mapping[str, Any],
    *,
    data_format: str,
    fill_mode: str,
    cval: float,
    interpolation_order: int,
) -> np.ndarray:
    """Keras' ``ImageDataGenerator.apply_transform`` for a single image."""
    if data_format == "channels_first":
        row, col, chan = 1, 2, 0
    else:
        row, col, chan = 0, 1, 2
    x = apply_affine_transform(
        x,
        params.get("theta", 0),
        params.get("tx", 0),
        params.get("ty", 0),
        params.get("shear", 0),
        params.get("zx", 1),
        params.get("zy", 1),
        row_axis=row,
        col_axis=col,
        channel_axis=chan,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )
    if params.get("channel_shift_intensity") is not None:
        x = apply_channel_shift(x, params["channel_shift_intensity"], chan)
    if params.get("flip_horizontal", False):
        x = flip_axis(x, col)
    if params.get("flip_vertical", False):
        x = flip_axis(x, row)
    if params.get("brightness") is not None:
        x = apply_brightness_shift(x, params["brightness"], False)
    return x
