"""Fidelity beside speed: PSNR and SSIM of each runner's images against a reference.

The images are the benchmark's 500x375 JPEGs resized to 224x224 (a 2.2x minification).

* **identity** (no augmentation): the reference is the decoded file area-averaged to
  224x224 (``cv2.resize(..., INTER_AREA)``);
* **augmented** (the benchmark's reference config): each image gets the transform that
  augwise drew for it; the reference applies that transform to the full-resolution
  decoded image at 4x the output resolution (bilinear from a source that is then
  magnified, so nothing aliases) and box-averages 4x4 blocks down to 224x224.  Keras
  is given the same transform through its own ``apply_transform`` after its own resize,
  which is how its ``ImageDataGenerator`` works.

SSIM is scikit-image's (``structural_similarity``, Gaussian window, as Wang et al.);
it is optional: without scikit-image the table has PSNR only.

>>> rows = measure_quality(tree, images=16)              # doctest: +SKIP
>>> rows[0]["runner"], rows[0]["psnr"] > 30              # doctest: +SKIP
('augwise', True)
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from augwise.bench.workloads import REFERENCE_CONFIG, TARGET

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "box", "hamming", "lanczos")
QUICK_INTERPOLATIONS = ("nearest", "bilinear")
SUPERSAMPLE = 4
MAX_PSNR = 100.0  # identical images: reported as 100 dB (JSON has no infinity)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio of two 8-bit images in dB (at most ``MAX_PSNR``).

    >>> psnr(np.zeros((2, 2)), np.full((2, 2), 255.0))
    0.0
    """
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return MAX_PSNR if mse == 0 else min(MAX_PSNR, 10.0 * math.log10(255.0**2 / mse))


def ssim(a: np.ndarray, b: np.ndarray) -> float | None:
    """Mean SSIM of two 8-bit ``(H, W, C)`` images (scikit-image); None without it."""
    try:
        from skimage.metrics import structural_similarity
    except ImportError:
        return None
    return float(
        structural_similarity(
            np.asarray(a, np.float64), np.asarray(b, np.float64), channel_axis=-1,
            data_range=255.0, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
        )
    )


def _decode(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot read {path}")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _files(root: Path, images: int) -> list[str]:
    files = sorted(str(p) for p in root.glob("*/*.jpg"))[:images]
    if not files:
        raise ValueError(f"no JPEG files under {root}")
    return files


def reference_identity(path: str, target: tuple[int, int] = TARGET) -> np.ndarray:
    """The decoded file area-averaged to ``target`` (height, width)."""
    return cv2.resize(_decode(path), (target[1], target[0]), interpolation=cv2.INTER_AREA)


def reference_augmented(path: str, matrix: np.ndarray, fill_mode: str, cval: float,
                        target: tuple[int, int] = TARGET) -> np.ndarray:
    """``matrix`` (3x3, target frame, output -> input pixels) applied to the full image
    at ``SUPERSAMPLE``x the output resolution, then box-averaged down to ``target``."""
    from augwise.core.geometry import resize_matrix

    full = _decode(path)
    th, tw = target
    s = SUPERSAMPLE
    fit = resize_matrix((0.0, 0.0, float(full.shape[1]), float(full.shape[0])), th, tw)
    up = np.array([[1 / s, 0, 0.5 / s - 0.5], [0, 1 / s, 0.5 / s - 0.5], [0, 0, 1]])
    m = (fit @ matrix @ up)[:2]
    border = {"nearest": cv2.BORDER_REPLICATE, "constant": cv2.BORDER_CONSTANT,
              "reflect": cv2.BORDER_REFLECT, "wrap": cv2.BORDER_WRAP}[fill_mode]
    big = cv2.warpAffine(full, m, (tw * s, th * s), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=border, borderValue=(cval, cval, cval))
    return cv2.resize(big, (tw, th), interpolation=cv2.INTER_AREA)


def _augwise_batch(root: Path, files: Sequence[str], config: dict[str, Any],
                   interpolation: str) -> tuple[np.ndarray, list[Any]]:
    import augwise

    gen = augwise.ImageDataGenerator(**config)
    it = gen.flow_from_directory(
        str(root), target_size=TARGET, batch_size=len(files), shuffle=False, seed=0,
        interpolation=interpolation, class_mode=None,
    )
    index = {os.path.join(str(root), f): i for i, f in enumerate(it.filenames)}
    x = np.asarray(it[0])
    params = it.batch_params(0)
    rows = [index[f] for f in files]
    return x[rows], [params[r] for r in rows]


def _keras(files: Sequence[str], interpolation: str, params: Sequence[Any] | None,
           config: dict[str, Any]) -> list[np.ndarray] | None:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        with contextlib.redirect_stdout(sys.stderr):
            import keras
            from keras.src.legacy.preprocessing.image import ImageDataGenerator
    except ImportError:
        return None
    gen = ImageDataGenerator(**config)
    out = []
    for i, f in enumerate(files):
        img = keras.utils.load_img(f, target_size=TARGET, interpolation=interpolation)
        x = np.asarray(img, np.float32)
        if params is not None:
            d = params[i].to_dict()
            d.pop("policy_ops", None)
            x = gen.apply_transform(x, d)
        out.append(x)
    return out


def _row(runner: str, mode: str, interpolation: str, got: Sequence[np.ndarray],
         refs: Sequence[np.ndarray]) -> dict[str, Any]:
    p = [psnr(np.clip(np.rint(g), 0, 255), r) for g, r in zip(got, refs, strict=True)]
    s = [ssim(np.clip(np.rint(g), 0, 255), r) for g, r in zip(got, refs, strict=True)]
    s_known = [v for v in s if v is not None]
    return {
        "runner": runner, "mode": mode, "interpolation": interpolation,
        "psnr": float(np.mean(p)),
        "ssim": float(np.mean(s_known)) if s_known and len(s_known) == len(s) else None,
        "images": len(p),
    }


def measure_quality(root: str | os.PathLike[str], images: int = 64,
                    interpolations: Sequence[str] = INTERPOLATIONS,
                    keras: bool = True) -> list[dict[str, Any]]:
    """PSNR/SSIM rows (runner, mode, interpolation) on ``images`` files of ``root``."""
    root = Path(root)
    files = _files(root, images)
    ident_refs = [reference_identity(f) for f in files]
    aug_config = {k: v for k, v in REFERENCE_CONFIG.items() if k != "rescale"}
    rows: list[dict[str, Any]] = []
    aug_refs: list[np.ndarray] | None = None
    for interp in interpolations:
        x, _ = _augwise_batch(root, files, {}, interp)
        rows.append(_row("augwise", "identity", interp, list(x), ident_refs))
        xa, params = _augwise_batch(root, files, aug_config, interp)
        if aug_refs is None:
            from augwise.core.geometry import single_matrix

            aug_refs = [
                reference_augmented(f, single_matrix(p, *TARGET), aug_config["fill_mode"], 0.0)
                for f, p in zip(files, params, strict=True)
            ]
        rows.append(_row("augwise", "augmented", interp, list(xa), aug_refs))
        if keras:
            k_id = _keras(files, interp, None, {})
            if k_id is not None:
                rows.append(_row("keras", "identity", interp, k_id, ident_refs))
                k_aug = _keras(files, interp, params, aug_config) or []
                rows.append(_row("keras", "augmented", interp, k_aug, aug_refs))
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    import argparse
    import json

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root")
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    rows = measure_quality(a.root, a.images)
    for r in rows:
        ssim_ = "-" if r["ssim"] is None else f"{r['ssim']:.4f}"
        print(f"{r['runner']:8s} {r['mode']:9s} {r['interpolation']:8s} "
              f"PSNR {r['psnr']:6.2f} dB  SSIM {ssim_}")
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
