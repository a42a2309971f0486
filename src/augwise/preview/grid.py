"""Preview grids: each original beside augmented versions, with their parameters.

The versions are replayed from the same per-sample parameter streams the loaders use
(sample ``i``, "epoch" ``k``), so a preview shows what training will see.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.kernels import WarpSpec, apply_params, value_range_of
from augwise.core.params import TransformParams
from augwise.core.sampling import RandomStreams, params_from_uniforms

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


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


def _show(ax: Axes, img: np.ndarray, value_range: tuple[float, float]) -> None:
    lo, hi = value_range
    arr = (img.astype(np.float64) - lo) / max(hi - lo, 1e-12)
    arr = np.clip(arr, 0, 1)
    if arr.shape[2] == 1:
        ax.imshow(arr[:, :, 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(arr[:, :, :3], interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])


CAPTION_PT = 8.5  # at FIGURE_DPI: 14 px text
FIGURE_DPI = 120


def _png(fig: Figure) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI)
    return buf.getvalue()


def show_inline() -> None:
    """Let a notebook display a returned figure as a PNG.

    The doctor draws with matplotlib's object API and never imports pyplot, so the
    notebook's inline backend may never register its figure formatter: register a PNG
    one (IPython only)."""
    import sys

    from matplotlib.figure import Figure

    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    formatter = getattr(shell, "display_formatter", None)
    if formatter is not None:
        formatter.formatters["image/png"].for_type(Figure, _png)


def grid_figure(rows: list[PreviewRow], title: str = "",
                captions: list[list[str]] | None = None) -> Figure:
    """A figure of the grid: one row per image, the original first, then its versions
    captioned with their parameters (or with ``captions[row][version]``)."""
    if not rows:
        raise ValueError("a preview grid needs at least one image")
    from matplotlib.figure import Figure

    cols = 1 + max(len(r.versions) for r in rows)
    texts = [captions[r] if captions is not None else [describe(p) for p in row.params]
             for r, row in enumerate(rows)]
    # each row: the image plus its tallest caption (about 0.2 inch a line)
    heights = [2.0 + 0.2 * max(t.count("\n") + 1 for t in [row.label + "\n.", *text])
               for row, text in zip(rows, texts, strict=True)]
    fig = Figure(figsize=(2.0 * cols, sum(heights) + 0.2 * (1 + len(title) // (24 * cols))),
                 dpi=FIGURE_DPI)
    axes = fig.subplots(len(rows), cols, squeeze=False,
                        gridspec_kw={"height_ratios": heights})
    vr = value_range_of(np.stack([r.original for r in rows]))
    for r, row in enumerate(rows):
        _show(axes[r][0], row.original, vr)
        axes[r][0].set_title(f"{row.label}\noriginal", fontsize=CAPTION_PT)
        for k in range(1, cols):
            ax = axes[r][k]
            if k - 1 < len(row.versions):
                _show(ax, row.versions[k - 1], vr)
                ax.set_title(texts[r][k - 1], fontsize=CAPTION_PT)
            else:
                ax.axis("off")
    if title:  # about 24 characters fit across a column
        fig.suptitle(textwrap.fill(title, 24 * cols), fontsize=CAPTION_PT + 1)
    fig.tight_layout()
    show_inline()
    return fig


def render_grid(rows: list[PreviewRow], path: str | Path, title: str = "",
                captions: list[list[str]] | None = None) -> Path:
    """Save a grid: one row per image, the original first (PNG)."""
    fig = grid_figure(rows, title, captions)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=FIGURE_DPI)
    return out


def pick_samples(labels: np.ndarray, count: int) -> list[int]:
    """``count`` sample indices, one per class first (labels < 0: unlabelled), in order.

    >>> pick_samples(np.array([0, 0, 1, 1, 2]), 4)
    [0, 2, 4, 1]
    """
    labels = np.asarray(labels)
    first = [int(np.flatnonzero(labels == c)[0]) for c in np.unique(labels[labels >= 0])]
    rest = [i for i in range(len(labels)) if i not in set(first)]
    return (first + rest)[:count]


@dataclass(frozen=True)
class ReplayedGrid:
    """Originals and their replayed epochs, with one caption per version."""

    rows: list[PreviewRow]
    captions: list[list[str]]
    skipped: list[str]  # samples the loader could not read


def replay_grid(config: AugmentConfig, data: Any, *, versions: int = 6, images: int = 6,
                seed: int | None = None, target_size: tuple[int, int] | None = None,
                color_mode: str = "rgb", interpolation: str = "nearest",
                keep_aspect_ratio: bool = False, x_col: str = "filename",
                y_col: str = "class", directory: str | None = None,
                class_names: list[str] | None = None) -> ReplayedGrid:
    """Replay ``images`` samples of ``data`` (anything the doctor reads) over ``versions``
    epochs: version ``k`` is what training shows in epoch ``k`` (seed, k, index).

    >>> grid = replay_grid(AugmentConfig(rotation_range=30), np.zeros((4, 8, 8, 1)),
    ...                    versions=2, images=1)
    >>> grid.captions[0][0].startswith("epoch 0\\nrot")
    True
    """
    from augwise.io.datasets import is_iterator, load_splits
    from augwise.preview.replay import Replayer

    if versions < 1 or images < 1:
        raise ValueError(f"versions and images must be >= 1, got {versions} and {images}")
    if is_iterator(data):
        target_size = target_size or getattr(data, "target_size", None)
        color_mode = getattr(data, "color_mode", color_mode)
        interpolation = getattr(data, "interpolation", interpolation)
        keep_aspect_ratio = getattr(data, "keep_aspect_ratio", keep_aspect_ratio)
        if seed is None:
            seed = getattr(data, "seed", None)
    split = load_splits("train", data, x_col=x_col, y_col=y_col, directory=directory)[0]
    if len(split) == 0:
        raise ValueError(f"no images to preview in {split.source or 'the data'}: a folder needs "
                         "class sub-folders of images, a CSV file names and labels")
    seed = (config.seed if config.seed is not None else 0) if seed is None else seed
    if split.kind == "arrays":
        replayer = Replayer(config, seed, x=split.x)
    else:
        size = tuple(target_size) if target_size is not None else (256, 256)
        replayer = Replayer(config, seed, paths=split.paths, target_size=(size[0], size[1]),
                            color_mode=color_mode, interpolation=interpolation,
                            keep_aspect_ratio=keep_aspect_ratio)
    rows: list[PreviewRow] = []
    captions: list[list[str]] = []
    skipped: list[str] = []
    for index in pick_samples(split.labels, len(split)):
        if len(rows) == images:
            break
        original = replayer.original(index)
        shots = [replayer.render(epoch, index) for epoch in range(versions)]
        if original is None or any(s is None for s in shots):
            skipped.append(split.names[index])
            continue
        label = int(split.labels[index])
        names = class_names if class_names is not None else split.class_names
        name = names[label] if 0 <= label < len(names) else ""
        rows.append(PreviewRow(original, f"{name}\n{split.names[index][-24:]}".strip(),
                               [s[0] for s in shots if s], [s[1] for s in shots if s]))
        captions.append([f"epoch {k}\n{describe(s[1])}" for k, s in enumerate(shots) if s])
    if not rows:
        raise ValueError(f"none of the {len(split)} images of {split.source or 'the data'} "
                         f"could be read ({len(skipped)} skipped)")
    return ReplayedGrid(rows, captions, skipped)
