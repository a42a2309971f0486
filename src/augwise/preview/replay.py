"""Replays of training samples for the HTML report, as PNG data URIs.

:class:`Replayer` renders sample ``i`` of epoch ``e`` through the engine's own pipeline
(same parameters ``(seed, e, i)``, same fused decode/resize/warp) without the
standardisation, so the report shows exactly what training sees.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.geometry import single_matrix, transform_matrices
from augwise.core.kernels import value_range_of
from augwise.core.params import BatchParams, TransformParams
from augwise.core.pixels import fit_side, to_uint8
from augwise.core.sampling import RandomStreams
from augwise.loader.pipeline import ArrayPipeline, FilePipeline, Pipeline
from augwise.preview.grid import describe


@dataclass(frozen=True)
class Shot:
    """One rendered image for the report: a PNG data URI and its caption."""

    uri: str
    caption: str
    fill: float | None = None


@dataclass(frozen=True)
class ReplayRow:
    """An original (as resized for the model) and its augmented versions."""

    label: str
    name: str
    original: Shot
    versions: list[Shot]


def png_uri(img: np.ndarray) -> str:
    """A ``data:image/png;base64`` URI of an ``(H, W, C)`` uint8/uint16 image (RGB order)."""
    arr = np.asarray(img)
    if arr.dtype == np.uint16:
        arr = (arr >> 8).astype(np.uint8)
    elif arr.dtype != np.uint8:
        arr = np.clip(np.rint(arr), 0, 255).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    elif arr.ndim == 3 and arr.shape[2] >= 3:
        code = cv2.COLOR_RGBA2BGRA if arr.shape[2] == 4 else cv2.COLOR_RGB2BGR
        arr = cv2.cvtColor(np.ascontiguousarray(arr), code)
    ok, buf = cv2.imencode(".png", arr)
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
        raise ValueError("could not encode a preview image")
    return "data:image/png;base64," + base64.b64encode(buf.tobytes()).decode("ascii")


class Replayer:
    """Renders training samples exactly as the training iterator would (default mode).

    Sample ``i`` of epoch ``e`` gets the parameters ``(seed, e, i)`` and goes through the
    same fused decode/resize/warp as in training; standardisation is left out so the
    images can be shown.
    """

    def __init__(self, config: AugmentConfig, seed: int, *, x: np.ndarray | None = None,
                 paths: list[str] | None = None, target_size: tuple[int, int] | None = None,
                 color_mode: str = "rgb", interpolation: str = "nearest",
                 keep_aspect_ratio: bool = False) -> None:
        cfg = config.augmentation_only().replace(keras_compat=False, output_dtype=None,
                                                 data_format="channels_last")
        streams = RandomStreams(seed)
        self.pipelines: list[Pipeline] = []
        for augment in (False, True):
            if x is not None:
                self.pipelines.append(ArrayPipeline(x, cfg, lambda: None, streams, augment))
            else:
                if paths is None or target_size is None:
                    raise ValueError("Replayer needs x, or paths and target_size")
                self.pipelines.append(FilePipeline(
                    paths, cfg, lambda: None, streams, augment, target_size=target_size,
                    color_mode=color_mode, interpolation=interpolation,
                    keep_aspect_ratio=keep_aspect_ratio, on_error="skip", max_image_pixels=None,
                ))
        if isinstance(self.pipelines[0], FilePipeline) and isinstance(
                self.pipelines[1], FilePipeline):
            # one log of skipped files for both: each is skipped (and logged) once
            self.pipelines[1].skipped = self.pipelines[0].skipped
        self.hw = self.pipelines[1].hwc[:2]
        self.value_range = value_range_of(x) if x is not None else (0.0, 255.0)

    def _eight_bit(self, img: np.ndarray) -> np.ndarray:
        vr = (0.0, 65535.0) if img.dtype == np.uint16 else self.value_range
        return to_uint8(img, vr)

    def original(self, index: int) -> np.ndarray | None:
        batch = self.pipelines[0].run(0, np.array([index]))
        return self._eight_bit(batch.stage[0]) if batch.kept[0] else None

    def params(self, epoch: int, indices: np.ndarray) -> BatchParams:
        return self.pipelines[1].params(epoch, indices)

    def render(self, epoch: int, index: int) -> tuple[np.ndarray, TransformParams] | None:
        batch = self.pipelines[1].run(epoch, np.array([index]))
        if not batch.kept[0]:
            return None
        return self._eight_bit(batch.stage[0]), batch.params.at(0)


def replay_rows(replayer: Replayer, samples: list[tuple[int, str, str]], versions: int,
                fill_of: Callable[[np.ndarray], np.ndarray], side: int = 128) -> list[ReplayRow]:
    """For each ``(index, label, name)``: the original and ``versions`` epochs of it."""
    rows = []
    h, w = replayer.hw
    for index, label, name in samples:
        original = replayer.original(index)
        if original is None:
            continue
        shots = []
        for epoch in range(versions):
            out = replayer.render(epoch, index)
            if out is None:
                continue
            img, p = out
            fill = float(fill_of(single_matrix(p, h, w)[None])[0])
            caption = describe(p) + (f"\nfill {100 * fill:.0f}%" if fill > 0 else "")
            shots.append(Shot(png_uri(fit_side(img, side)), caption, fill))
        rows.append(ReplayRow(label, name, Shot(png_uri(fit_side(original, side)), "original"),
                              shots))
    return rows


def worst_fill(replayer: Replayer, samples: list[tuple[int, str, str]], epochs: int,
               count: int, fill_of: Callable[[np.ndarray], np.ndarray],
               side: int = 128) -> list[tuple[str, str, Shot]]:
    """The ``count`` (sample, epoch) draws with the largest fill fraction, rendered."""
    if not samples:
        return []
    h, w = replayer.hw
    idx = np.array([s[0] for s in samples])
    scored: list[tuple[float, int, int]] = []
    for epoch in range(epochs):
        mats = transform_matrices(replayer.params(epoch, idx), h, w)
        for k, f in enumerate(fill_of(mats)):
            scored.append((float(f), epoch, k))
    scored.sort(key=lambda t: -t[0])
    out = []
    for f, epoch, k in scored[:count]:
        if f <= 0:
            break
        rendered = replayer.render(epoch, int(idx[k]))
        if rendered is None:
            continue
        img, p = rendered
        _, label, name = samples[k]
        out.append((label, name, Shot(png_uri(fit_side(img, side)),
                                      f"epoch {epoch}: {describe(p)}\nfill {100 * f:.0f}%", f)))
    return out
