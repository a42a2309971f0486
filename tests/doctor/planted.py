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


# -- planted copies (near-duplicate precision / recall) -----------------------------------

COPY_KINDS = ("exact", "reencoded", "resized", "shifted 1 px", "shifted 2 px", "brightened",
              "cropped")
LOOKALIKE = "same shape, other item"  # not a copy: must not be grouped with its source


def shifted(img: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """``img`` moved by (dx, dy) pixels, the uncovered border filled with 0."""
    out = np.zeros_like(img)
    h, w = img.shape[:2]
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        img[max(-dy, 0):h + min(-dy, 0), max(-dx, 0):w + min(-dx, 0)]
    return out


def make_copy(kind: str, img: np.ndarray, other: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """A copy of the grey ``img`` (H, W) of one kind; ``other``: an item of the same class
    (whose inside fills ``img``'s silhouette for :data:`LOOKALIKE`)."""
    h, w = img.shape
    if kind == "exact":
        return img.copy()
    if kind == "reencoded":
        data = jpeg_bytes(img, quality=int(rng.integers(70, 91)))
        return np.asarray(Image.open(io.BytesIO(data)))
    if kind == "resized":  # down or up, then back: another resampling of the same photo
        f = float(rng.choice([rng.uniform(0.65, 0.8), rng.uniform(1.4, 2.0)]))
        mid = cv2.resize(img, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA
                         if f < 1 else cv2.INTER_CUBIC)
        return cv2.resize(mid, (w, h), interpolation=cv2.INTER_LINEAR if f < 1
                          else cv2.INTER_AREA)
    if kind.startswith("shifted"):
        k = int(kind.split()[1])
        dx, dy = [(k, 0), (-k, 0), (0, k), (0, -k), (k, k), (-k, k)][int(rng.integers(0, 6))]
        return shifted(img, dx, dy)
    if kind == "brightened":
        f = float(rng.choice([rng.uniform(0.7, 0.85), rng.uniform(1.15, 1.35)]))
        return np.clip(img.astype(np.float32) * f, 0, 255).astype(np.uint8)
    if kind == "cropped":  # 1-2 px cut from each side, resized back
        c = int(rng.integers(1, 3))
        return cv2.resize(img[c:h - c, c:w - c], (w, h), interpolation=cv2.INTER_LINEAR)
    if kind == LOOKALIKE:  # the other item's inside, upside down: a print no image has
        return np.where(img > 12, np.maximum(other[::-1], 13), 0).astype(np.uint8)
    raise ValueError(f"unknown copy kind {kind!r}")


def plant_copies(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                 y_test: np.ndarray, per_kind: int, seed: int = 0, conflicts: int = 0,
                 ) -> tuple[dict[str, np.ndarray], list[tuple[str, int, str, int]]]:
    """Arrays with planted copies and their truth ``(kind, train row, split, row)``.

    Grey ``(N, H, W)`` images.  For each kind, ``per_kind`` training images get a copy:
    every fourth in the test split (leakage), the others in training; ``conflicts`` more
    exact copies carry another label.  Rows index the returned arrays."""
    rng = np.random.default_rng(seed)
    kinds = [*COPY_KINDS, LOOKALIKE]
    textured = np.flatnonzero(x_train.reshape(len(x_train), -1).std(axis=1) >= 20)
    sources = rng.choice(textured, per_kind * len(kinds) + conflicts, replace=False)
    xs = {"train": [x_train], "test": [x_test]}
    ys = {"train": [y_train], "test": [y_test]}
    size = {"train": len(x_train), "test": len(x_test)}
    truth = []
    plan = [(k, j) for k in kinds for j in range(per_kind)]
    plan += [("conflicting label", j) for j in range(conflicts)]
    for (kind, j), src in zip(plan, sources.tolist(), strict=True):
        same = np.flatnonzero(y_train == y_train[src])
        other = x_train[int(rng.choice(same[same != src]))]
        label = int(y_train[src])
        if kind == "conflicting label":
            img, split = x_train[src].copy(), "train"
            label = int(rng.choice([c for c in np.unique(y_train) if c != label]))
        else:
            img = make_copy(kind, x_train[src], other, rng)
            split = "test" if j % 4 == 0 else "train"
        xs[split].append(img[None])
        ys[split].append(np.array([label]))
        truth.append((kind, src, split, size[split]))
        size[split] += 1
    out = {"x_train": np.concatenate(xs["train"]), "y_train": np.concatenate(ys["train"]),
           "x_test": np.concatenate(xs["test"]), "y_test": np.concatenate(ys["test"])}
    return out, truth
