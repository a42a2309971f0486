"""The report's figures as PNG data URIs.

Drawn with matplotlib's object API (``Figure``), so no backend is selected and a
notebook's plotting backend stays as it is.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from augwise.doctor.orientation import ORIENTED, TRANSFORMS, Orientation
from augwise.results.fill import FillReport

MAX_POINTS = 5000


def uri(fig: Figure) -> str:
    """Render ``fig``; a PNG data URI."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def png_bytes_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def class_histogram(counts: Mapping[str, Mapping[str, int]]) -> str:
    """Grouped bars: images per class for each split."""
    classes = list(dict.fromkeys(c for split in counts.values() for c in split))
    fig = Figure(figsize=(max(5.0, 0.35 * len(classes) + 2), 3.2))
    ax = fig.subplots()
    width = 0.8 / max(len(counts), 1)
    x = np.arange(len(classes))
    for k, (split, by_class) in enumerate(counts.items()):
        ax.bar(x + k * width, [by_class.get(c, 0) for c in classes], width, label=split)
    ax.set_xticks(x + width * (len(counts) - 1) / 2)
    ax.set_xticklabels(classes, rotation=45 if len(classes) > 6 else 0, ha="right", fontsize=7)
    ax.set_ylabel("images")
    ax.legend(fontsize=7)
    ax.set_title("images per class", fontsize=9)
    fig.tight_layout()
    return uri(fig)


def _sample(rng: np.random.Generator, *arrays: np.ndarray) -> list[np.ndarray]:
    n = len(arrays[0])
    if n <= MAX_POINTS:
        return list(arrays)
    idx = rng.choice(n, MAX_POINTS, replace=False)
    return [a[idx] for a in arrays]


def sizes(height: np.ndarray, width: np.ndarray, target: tuple[int, int]) -> str:
    """Width against height (with the target size) and the aspect-ratio histogram."""
    h, w = _sample(np.random.default_rng(0), height, width)
    fig = Figure(figsize=(8.0, 3.2))
    a1, a2 = fig.subplots(1, 2)
    a1.scatter(w, h, s=6, alpha=0.4)
    a1.scatter([target[1]], [target[0]], marker="x", s=60, color="#c62828", label="target_size")
    if len(w) and max(w.max(), h.max()) / max(min(w.min(), h.min()), 1) > 20:
        a1.set_xscale("log")
        a1.set_yscale("log")
    a1.set_xlabel("width (px)")
    a1.set_ylabel("height (px)")
    a1.legend(fontsize=7)
    a1.set_title("image sizes", fontsize=9)
    a2.hist(np.log2(width / height), bins=40)
    a2.axvline(np.log2(target[1] / target[0]), color="#c62828", label="target aspect")
    a2.set_xlabel("log2(width / height)")
    a2.legend(fontsize=7)
    a2.set_title("aspect ratios", fontsize=9)
    fig.tight_layout()
    return uri(fig)


def intensity(mean: np.ndarray, std: np.ndarray, outliers: np.ndarray) -> str:
    """Per-image mean brightness (outliers marked) and contrast histograms."""
    fig = Figure(figsize=(8.0, 3.0))
    a1, a2 = fig.subplots(1, 2)
    a1.hist(mean, bins=50, range=(0, 255), color="#546e7a")
    if outliers.any():
        a1.hist(mean[outliers], bins=50, range=(0, 255), color="#c62828", label="outliers")
        a1.legend(fontsize=7)
    a1.set_xlabel("mean grey level (8-bit)")
    a1.set_title("per-image brightness", fontsize=9)
    a2.hist(std, bins=50, range=(0, 128), color="#546e7a")
    a2.set_xlabel("grey-level standard deviation")
    a2.set_title("per-image contrast", fontsize=9)
    fig.tight_layout()
    return uri(fig)


def orientation(o: Orientation) -> str:
    """Per-class asymmetry under each transform, with the threshold."""
    names = [c.name for c in o.classes]
    fig = Figure(figsize=(max(5.0, 0.45 * len(names) + 2), 3.2))
    ax = fig.subplots()
    width = 0.8 / len(TRANSFORMS)
    x = np.arange(len(names))
    for k, t in enumerate(TRANSFORMS):
        ax.bar(x + k * width, [c.asymmetry[t] for c in o.classes], width,
               label=t.replace("_", " "))
    ax.axhline(ORIENTED, color="#c62828", lw=1, ls="--", label="oriented above")
    ax.set_xticks(x + width)
    ax.set_xticklabels(names, rotation=45 if len(names) > 6 else 0, ha="right", fontsize=7)
    ax.set_ylabel("asymmetry of the class mean")
    ax.legend(fontsize=7)
    ax.set_title("how much each class-mean image changes under the transform", fontsize=9)
    fig.tight_layout()
    return uri(fig)


def fill_bars(report: FillReport) -> str:
    """Fill fraction (mean, p95) and visible fill per transform."""
    stats = report.stats
    names = [s.transform for s in stats]
    x = np.arange(len(names))
    fig = Figure(figsize=(max(5.0, 0.9 * len(names) + 2), 3.0))
    ax = fig.subplots()
    ax.bar(x - 0.27, [100 * s.fill_mean for s in stats], 0.27, label="filled, mean")
    ax.bar(x, [100 * s.fill_p95 for s in stats], 0.27, label="filled, p95")
    ax.bar(x + 0.27, [100 * s.visible_mean for s in stats], 0.27, label="visible, mean")
    ax.set_xticks(x)
    ax.set_xticklabels(names, fontsize=7, rotation=20, ha="right")
    ax.set_ylabel("% of output pixels")
    ax.legend(fontsize=7)
    ax.set_title(f"pixels invented by fill_mode='{report.fill_mode}'", fontsize=9)
    fig.tight_layout()
    return uri(fig)
