"""Preview grids: each original beside augmented versions, with their parameters.

The versions are replayed from the same per-sample parameter streams the loaders use
(sample ``i``, "epoch" ``k``), so a preview shows what training will see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.kernels import WarpSpec, apply_params, value_range_of
from augwise.core.params import TransformParams
from augwise.core.sampling import RandomStreams, params_from_uniforms


@dataclass(frozen=True)
class PreviewRow:
    """One original image and its augmented versions with their parameters."""

    original: np.ndarray  # (H, W, C)
    label: str
    versions: list[np.ndarray]
    params: list[TransformParams]


def describe(p: TransformParams) -> str:
    """A short human-readable summary of non-identity parameters."""
    parts = []
    if p.theta:
        parts.append(f"rot {p.theta:+.0f}°")
    if p.tx or p.ty:
        parts.append(f"shift {p.tx:+.1f},{p.ty:+.1f}px")
    if p.shear:
        parts.append(f"shear {p.shear:+.1f}°")
    if p.zx != 1 or p.zy != 1:
        parts.append(f"zoom {p.zx:.2f}x{p.zy:.2f}")
    if p.flip_horizontal:
        parts.append("hflip")
    if p.flip_vertical:
        parts.append("vflip")
    if p.channel_shift_intensity is not None:
        vals = p.channel_shift_intensity
        first = vals[0] if isinstance(vals, tuple) else vals
        parts.append(f"chan {first:+.0f}")
    if p.brightness is not None:
        parts.append(f"bright {p.brightness:.2f}")
    for op, value in p.policy_ops:
        if op != "identity":
            parts.append(f"{op} {value:+.2f}" if value else op)
    lines, line = [], ""
    for part in parts:
        if line and len(line) + len(part) > 24:
            lines.append(line)
            line = part
        else:
            line = f"{line}, {part}" if line else part
    if line:
        lines.append(line)
    return "\n".join(lines) or "identity"


def augment_versions(
    images: np.ndarray,
    config: AugmentConfig,
    versions: int,
    seed: int = 0,
    indices: np.ndarray | None = None,
) -> list[tuple[list[np.ndarray], list[TransformParams]]]:
    """``versions`` augmented copies of each ``(H, W, C)`` image, with their params."""
    if images.ndim != 4:
        raise ValueError(f"images must be (N, H, W, C), got shape {images.shape}")
    n, h, w, c = images.shape
    idx = np.arange(n) if indices is None else np.asarray(indices)
    streams = RandomStreams(seed)
    spec = WarpSpec.create(config.fill_mode, config.cval, config.interpolation_order)
    vr = value_range_of(images)
    out: list[tuple[list[np.ndarray], list[TransformParams]]] = [([], []) for _ in range(n)]
    for k in range(versions):
        batch = params_from_uniforms(config, streams.uniforms(k, idx), h, w, c)
        for i in range(n):
            p = batch.at(i)
            out[i][0].append(apply_params(images[i], p, spec, vr))
            out[i][1].append(p)
    return out


def _show(ax: plt.Axes, img: np.ndarray, value_range: tuple[float, float]) -> None:
    lo, hi = value_range
    arr = (img.astype(np.float64) - lo) / max(hi - lo, 1e-12)
    arr = np.clip(arr, 0, 1)
    if arr.shape[2] == 1:
        ax.imshow(arr[:, :, 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(arr[:, :, :3], interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


def render_grid(rows: list[PreviewRow], path: str | Path, title: str = "") -> Path:
    """Save a grid: one row per image, the original first (PNG)."""
    if not rows:
        raise ValueError("render_grid needs at least one row")
    cols = 1 + max(len(r.versions) for r in rows)
    fig, axes = plt.subplots(
        len(rows), cols, figsize=(1.9 * cols, 2.1 * len(rows)), squeeze=False
    )
    vr = value_range_of(np.stack([r.original for r in rows]))
    for r, row in enumerate(rows):
        _show(axes[r][0], row.original, vr)
        axes[r][0].set_title(f"{row.label}\noriginal", fontsize=7)
        for k in range(1, cols):
            ax = axes[r][k]
            if k - 1 < len(row.versions):
                _show(ax, row.versions[k - 1], vr)
                ax.set_title(describe(row.params[k - 1]), fontsize=5.5, wrap=True)
            else:
                ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
