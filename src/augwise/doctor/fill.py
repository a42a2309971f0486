"""What the geometric transforms invent and throw away, measured from sampled draws.

For each active geometric transform alone, and for the whole config, parameters are
drawn from the engine's own streams at the target size and their output->input
matrices applied to the output pixel grid:

* **fill fraction**: share of output pixels that map outside the source image, i.e.
  pixels the fill mode invents (mean and 95th percentile over draws);
* **visible fill**: share of output pixels that are invented *and* differ visibly (more
  than 10% of the value range) from the image's own border colour, measured by warping
  sampled thumbnails with the configured fill mode: nearest-fill streaks of a black
  background are invisible, streaks of a garment touching the edge are not;
* **content lost**: share of the image's content (pixels that differ from a uniform
  border, or all pixels when the border is not uniform) that leaves the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from augwise.core.config import FILL_MODES, AugmentConfig
from augwise.core.geometry import transform_matrices
from augwise.core.kernels import WarpSpec, warp
from augwise.core.sampling import RandomStreams, params_from_uniforms
from augwise.core.transforms import active_transforms
from augwise.results.fill import ALL, FillReport, FillStat

DRAWS = 512  # parameter draws for the fill fraction
IMAGES = 48  # thumbnails warped for the visible fill and content loss
DRAWS_PER_IMAGE = 8
GRID = 64  # output lattice (per side) used for the fill fraction
VISIBLE = 0.1 * 255  # difference from the border colour that counts as visible (8-bit)
UNIFORM_BORDER = 0.04 * 255  # border MAD below this: a uniform background


@dataclass(frozen=True)
class Thumb:
    """A sampled image at the target aspect, with its border colour and content mask."""

    image: np.ndarray  # (h, w, C) uint8
    border: np.ndarray  # (C,) median border colour
    uniform: bool
    content: np.ndarray  # bool (h, w)


def prepare_thumbs(images: Sequence[np.ndarray], target_hw: tuple[int, int]) -> list[Thumb]:
    """Resize kept thumbnails to the target aspect (at most 64 px) and find their borders."""
    th, tw = target_hw
    s = min(1.0, 64.0 / max(th, tw))
    size = (max(4, round(tw * s)), max(4, round(th * s)))
    out = []
    for img in list(images)[:IMAGES]:
        r = cv2.resize(img, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], -1)
        ring = np.concatenate([r[0], r[-1], r[:, 0], r[:, -1]]).astype(np.float64)
        border = np.median(ring, axis=0)
        mad = float(np.max(np.median(np.abs(ring - border), axis=0)))
        uniform = mad <= UNIFORM_BORDER
        diff = np.abs(r.astype(np.float64) - border).max(axis=2)
        content = diff > VISIBLE if uniform else np.ones(diff.shape, bool)
        out.append(Thumb(r, border, uniform, content))
    return out


def _matrices(config: AugmentConfig, hw: tuple[int, int], n: int, seed: int) -> np.ndarray:
    u = RandomStreams(seed).uniforms(0, np.arange(n))
    params = params_from_uniforms(config, u, hw[0], hw[1], 1)
    return transform_matrices(params, hw[0], hw[1])


def _outside(points: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    h, w = hw
    x, y = points[..., 0, :], points[..., 1, :]
    return (x < -0.5) | (x > w - 0.5) | (y < -0.5) | (y > h - 0.5)


def matrix_fill(mats: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Share of output pixels that ``(n, 3, 3)`` output->input matrices take from outside
    an ``hw`` source."""
    h, w = hw
    gh, gw = min(h, GRID), min(w, GRID)
    ys, xs = np.meshgrid((np.arange(gh) + 0.5) * h / gh - 0.5,
                         (np.arange(gw) + 0.5) * w / gw - 0.5, indexing="ij")
    grid = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)])
    return np.asarray(_outside(mats @ grid, hw).mean(axis=1))


def fill_fractions(config: AugmentConfig, hw: tuple[int, int], n: int = DRAWS,
                   seed: int = 0) -> np.ndarray:
    """Share of output pixels outside the source, per draw (geometry only)."""
    return matrix_fill(_matrices(config, hw, n, seed), hw)


def _conjugate(mats: np.ndarray, target: tuple[int, int], small: tuple[int, int]) -> np.ndarray:
    sx, sy = small[1] / target[1], small[0] / target[0]
    a = np.array([[sx, 0, 0.5 * sx - 0.5], [0, sy, 0.5 * sy - 0.5], [0, 0, 1.0]])
    return np.asarray(a @ mats @ np.linalg.inv(a))


def visible_and_lost(config: AugmentConfig, thumbs: Sequence[Thumb], target: tuple[int, int],
                     cval8: float, seed: int = 0,
                     with_lost: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per draw: visible invented share of the output and lost share of the content."""
    if not thumbs:
        return np.zeros(0), np.zeros(0)
    small = thumbs[0].image.shape[:2]
    k = DRAWS_PER_IMAGE
    mats = _conjugate(_matrices(config, target, len(thumbs) * k, seed), target, small)
    spec = WarpSpec.create(config.fill_mode, cval8, 1)
    ys, xs = np.mgrid[0 : small[0], 0 : small[1]]
    grid = np.stack([xs.ravel(), ys.ravel(), np.ones(xs.size)]).astype(np.float64)
    visible: list[np.ndarray] = []
    lost: list[np.ndarray] = []
    for i, t in enumerate(thumbs):
        m = mats[i * k : (i + 1) * k]
        filled = _outside(m @ grid, small)  # (k, h*w)
        outs = np.stack([warp(t.image, mi, small, spec) for mi in m]).astype(np.float32)
        diff = np.abs(outs - t.border.astype(np.float32)).max(axis=3).reshape(k, -1)
        visible.append((filled & (diff > VISIBLE)).mean(axis=1))
        if with_lost and t.content.any():
            pts = grid[:, t.content.ravel()]
            lost.append(_outside(np.linalg.inv(m) @ pts, small).mean(axis=1))
    return np.concatenate(visible), np.concatenate(lost) if lost else np.zeros(0)


def _stat(name: str, value: Any, fill: np.ndarray, visible: np.ndarray,
          lost: np.ndarray) -> FillStat:
    def q(a: np.ndarray, p: float) -> float:
        return float(np.quantile(a, p)) if a.size else 0.0

    return FillStat(
        transform=name, value=value,
        fill_mean=float(fill.mean()) if fill.size else 0.0, fill_p95=q(fill, 0.95),
        visible_mean=float(visible.mean()) if visible.size else 0.0,
        visible_p95=q(visible, 0.95),
        lost_median=q(lost, 0.5), lost_p90=q(lost, 0.9),
        lost_over_quarter=float((lost > 0.25).mean()) if lost.size else 0.0,
    )


def measure(config: AugmentConfig, thumbs: Sequence[Thumb], target: tuple[int, int],
            value_range: tuple[float, float], seed: int = 0,
            alternatives: bool = True) -> FillReport | None:
    """Measure every active geometric transform of ``config`` (None if there is none)."""
    names = [s.name for s in active_transforms(config, fills=True)]
    if not names:
        return None
    lo, hi = value_range
    cval8 = float(np.clip((config.cval - lo) / max(hi - lo, 1e-12) * 255.0, 0, 255))
    geo = config.augmentation_only().replace(channel_shift_range=0.0, brightness_range=None)
    stats = []
    for name in [*names, ALL]:
        cfg = geo if name == ALL else config.alone(name)
        value = None if name == ALL else getattr(config, name)
        vis, lost = visible_and_lost(cfg, thumbs, target, cval8, seed)
        stats.append(_stat(name, value, fill_fractions(cfg, target, seed=seed), vis, lost))
    uniform = [t for t in thumbs if t.uniform]
    border = float(np.median([t.border.mean() for t in uniform])) if uniform else 0.0
    alt: dict[str, float] = {}
    if alternatives:
        for mode in FILL_MODES:
            cv = border if mode == "constant" else cval8
            cfg = geo.replace(fill_mode=mode, cval=lo + cv / 255.0 * (hi - lo))
            vis, _ = visible_and_lost(cfg, thumbs, target, cv, seed, with_lost=False)
            alt[mode] = float(vis.mean()) if vis.size else 0.0
    return FillReport(
        stats=stats, fill_mode=config.fill_mode, cval=config.cval, images=len(thumbs),
        uniform_border=len(uniform) / len(thumbs) if thumbs else 0.0,
        border_value=border, alternatives=alt,
    )
