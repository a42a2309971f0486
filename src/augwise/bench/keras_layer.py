"""The Keras layer on CPU: speed against the engine and Keras' own layers, and what one
interpolation instead of one per layer does to image quality (issue 12).

Speed: images/s of ``augwise.keras.ImageDataAugmentation`` (training mode, torch
backend), of the engine (``flow`` over the same arrays) and of the equivalent stack of
Keras layers (``augwise.export.build_pipeline(config, "keras")``), on 224x224x3 float32
batches of the reference config's augmentation.  Quality: PSNR (dB) of a warp followed
by its inverse against the original, in the central half of the image (no fill): fused
(one ``affine_transform`` each way) against stacked (rotation, shift, shear and zoom one
``affine_transform`` each, then their inverses).
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from augwise.bench.quality import psnr
from augwise.bench.workloads import BATCH_SIZE, WORKLOADS
from augwise.core.presets import CLASSIC_BALANCED

SIZE = 224
# the geometric parameters of the PSNR probe (the reference config's scale)
PROBE = {"theta": 15.0, "tx": 12.5, "ty": -9.0, "shear": 10.0, "zx": 0.9, "zy": 1.1}


def _photo(n: int, size: int, seed: int = 0) -> np.ndarray:
    """Synthetic 8-bit photos: smooth structure at several scales plus fine texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    out = np.empty((n, size, size, 3), np.float32)
    for i in range(n):
        f = rng.uniform(3, 30, (3, 3))
        img = sum(np.sin(xx / f[c, 0] + yy / f[c, 1] + i) * 60 / (c + 1)
                  for c in range(3))[:, :, None] + rng.normal(0, 8, (size, size, 3))
        out[i] = np.clip(127 + img * np.array([1.0, 0.8, 0.6]), 0, 255).round()
    return out


def _rate(fn: Any, x: np.ndarray, repeats: int) -> float:
    fn(x[:BATCH_SIZE])  # warm-up
    started = time.perf_counter()
    for _ in range(repeats):
        for i in range(0, len(x), BATCH_SIZE):
            fn(x[i:i + BATCH_SIZE])
    return repeats * len(x) / (time.perf_counter() - started)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR over the central half of the images (where no fill reaches)."""
    q = slice(SIZE // 4, 3 * SIZE // 4)
    return psnr(a[:, q, q], b[:, q, q])


def _round_trip_psnr(x: np.ndarray) -> dict[str, float]:
    from keras import ops

    from augwise.core.config import AugmentConfig
    from augwise.keras_layer.ops import matrices, warp

    n = len(x)
    cfg = AugmentConfig(rotation_range=1, fill_mode="nearest")
    identity = {"theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0}

    def tensors(values: dict[str, float]) -> dict[str, Any]:
        out = {k: ops.full((n,), float(v)) for k, v in values.items()}
        return out | {k: ops.zeros((n,), dtype="bool")
                      for k in ("flip_horizontal", "flip_vertical")}

    fused = matrices(tensors(PROBE), SIZE, SIZE)
    steps = [matrices(tensors({**identity, **{k: v for k, v in PROBE.items() if k in keys}}),
                      SIZE, SIZE) for keys in (("theta",), ("tx", "ty"), ("shear",),
                                               ("zx", "zy"))]
    img = ops.convert_to_tensor(x)
    once = warp(warp(img, fused, cfg), ops.linalg.inv(fused), cfg)
    stacked = img
    for m in steps:  # output-to-input matrices: the last factor's warp runs first
        stacked = warp(stacked, m, cfg)
    for m in reversed(steps):
        stacked = warp(stacked, ops.linalg.inv(m), cfg)
    return {"fused": _psnr(np.asarray(once), x), "stacked": _psnr(np.asarray(stacked), x),
            "fused_interpolations": 2, "stacked_interpolations": 2 * len(steps)}


def measure_keras_layer(quick: bool = False) -> dict[str, Any]:
    """Images/s of the layer, the engine and the Keras stack, and the round-trip PSNR."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    from augwise.core.config import AugmentConfig
    from augwise.export import build_pipeline
    from augwise.keras_api.generator import ImageDataGenerator
    from augwise.keras_layer.layer import ImageDataAugmentation

    images = WORKLOADS["keras_layer224"].images(quick)
    repeats = 1 if quick else 2
    x = _photo(images, SIZE)
    config = AugmentConfig(**CLASSIC_BALANCED)
    layer = ImageDataAugmentation(config, seed=0)
    stack = build_pipeline(config, "keras", image_size=(SIZE, SIZE), seed=0)
    # one iterator over the same arrays, as training uses it: each call is its next batch
    batches = ImageDataGenerator(**CLASSIC_BALANCED).flow(
        x, batch_size=BATCH_SIZE, shuffle=False, seed=0)

    def engine(batch: np.ndarray) -> None:
        next(batches)

    rates = {
        "keras_layer": _rate(lambda b: layer(b, training=True), x, repeats),
        "engine": _rate(engine, x, repeats),
        "keras_stack": _rate(lambda b: stack(b, training=True), x, repeats),
    }
    return {"images": images, "size": SIZE, "batch_size": BATCH_SIZE,
            "backend": keras.backend.backend(), "config": CLASSIC_BALANCED,
            "images_per_s": rates, "psnr_round_trip": _round_trip_psnr(x[:8]),
            "probe": PROBE}


def keras_layer_markdown(res: dict[str, Any]) -> str:
    """The layer's table for ``bench.md``."""
    rates = res["images_per_s"]
    psnr = res["psnr_round_trip"]
    return "\n".join([
        f"Keras layer, {res['size']}x{res['size']}x3 float32 batches of {res['batch_size']} "
        f"on CPU ({res['backend']} backend, {res['images']} images; see "
        "`augwise.bench.keras_layer`):",
        "",
        "| runner | images/s |",
        "|---|---|",
        *(f"| {name} | {rate:,.1f} |" for name, rate in rates.items()),
        "",
        f"warp then inverse warp, PSNR vs original (central half): fused "
        f"({psnr['fused_interpolations']} interpolations) {psnr['fused']:.2f} dB, stacked "
        f"({psnr['stacked_interpolations']} interpolations) {psnr['stacked']:.2f} dB.",
    ])
