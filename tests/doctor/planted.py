"""Planted datasets: small images with known properties, written as class folders or arrays."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

SCENE_HW = (48, 64)


def scene(h: int, w: int, seed: int) -> np.ndarray:
    """A distinct, isotropic, textured RGB 'photo' (no canonical orientation)."""
    r = np.random.default_rng(seed)
    img = np.zeros((h, w, 3), np.float32)
    for sigma, amp in ((8, 90), (3, 50), (1, 25)):
        g = cv2.GaussianBlur(r.normal(0, 1, (h, w, 3)).astype(np.float32), (0, 0), sigma)
        img += amp * g / (g.std() + 1e-6)
    for _ in range(4):
        centre = (int(r.integers(0, w)), int(r.integers(0, h)))
        colour = tuple(float(v) for v in r.uniform(-150, 150, 3))
        cv2.circle(img, centre, int(r.integers(4, 12)), colour, -1)
    return np.clip(img + 128, 0, 255).astype(np.uint8)


def letter(ch: str, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """A white glyph on black with a little jitter (grey, (size, size))."""
    img = np.zeros((size, size), np.uint8)
    scale, thick = rng.uniform(0.9, 1.1), int(rng.integers(2, 4))
    (tw, th), _ = cv2.getTextSize(ch, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    x = (size - tw) // 2 + int(rng.integers(-2, 3))
    y = (size + th) // 2 + int(rng.integers(-2, 3))
    cv2.putText(img, ch, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, thick, cv2.LINE_AA)
    return img


def arrow(direction: str, rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """A filled triangle pointing left or right."""
    img = np.zeros((size, size), np.uint8)
    cx, cy = (size // 2 + rng.integers(-2, 3, 2)).tolist()
    n = int(rng.integers(9, 12))
    pts = np.array([[cx - n, cy], [cx + n // 2, cy - n], [cx + n // 2, cy + n]])
    if direction == "right":
        pts[:, 0] = 2 * cx - pts[:, 0]
    cv2.fillPoly(img, [pts.astype(np.int32)], 255)
    return img


def blob(rng: np.random.Generator, size: int = 32) -> np.ndarray:
    """Smooth random texture: no orientation at all."""
    g = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 2.5)
    return ((g - g.min()) / (g.max() - g.min()) * 255).astype(np.uint8)


def arrays(makers: dict[str, Callable[[np.random.Generator], np.ndarray]], per_class: int,
           seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(x (N, H, W, 1) uint8, y int)`` with ``per_class`` images of each maker."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for k, make in enumerate(makers.values()):
        for _ in range(per_class):
            xs.append(make(rng))
            ys.append(k)
    return np.stack(xs)[..., None], np.asarray(ys)


def save(path: Path, img: np.ndarray, **kwargs: object) -> Path:
    """Write ``img`` (H, W[, C]) with Pillow; the format follows the extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arr = img[:, :, 0] if img.ndim == 3 and img.shape[2] == 1 else img
    Image.fromarray(arr).save(path, **kwargs)
    return path


def scene_tree(root: Path, classes: Sequence[str] = ("a", "b", "c"), per_class: int = 14,
               seed: int = 0, hw: tuple[int, int] = SCENE_HW) -> Path:
    """Class folders of distinct scenes, alternately PNG and JPEG."""
    for c, name in enumerate(classes):
        for i in range(per_class):
            ext = "png" if i % 2 else "jpg"
            kwargs = {"quality": 95} if ext == "jpg" else {}
            save(root / name / f"img_{i:03d}.{ext}", scene(*hw, seed * 1000 + c * 100 + i),
                 **kwargs)
    return root


def jpeg_bytes(img: np.ndarray, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", **kwargs)
    return buf.getvalue()
