"""Statistics of the scanned data that both checks and reports show.

Checks (``audit/*``) compute findings from them, reports (``report_json``,
``report_html``) print them; neither imports the other for them.

>>> import numpy as np
>>> robust_z(np.array([1.0, 1.0, 1.0, 10.0])).round(2).tolist()
[0.0, 0.0, 0.0, 2.15]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from augwise.doctor.context import Context

ROBUST_Z = 3.5  # modified z-score threshold (Iglewicz & Hoaglin)
_IQR_TO_STD = 1.3489795003921634


def robust_z(values: np.ndarray) -> np.ndarray:
    """Modified z-scores ``0.6745 (x - median) / MAD`` (mean absolute deviation if MAD=0)."""
    med = np.median(values)
    mad = np.median(np.abs(values - med))
    if mad <= 0:
        mad = np.mean(np.abs(values - med)) / 0.7979
    if mad <= 0:
        return np.zeros_like(values, dtype=np.float64)
    return np.asarray(0.6745 * (values - med) / mad, np.float64)


def quantiles(values: np.ndarray) -> dict[str, float]:
    """min, p5, median, p95 and max of ``values`` (empty for no values)."""
    if values.size == 0:
        return {}
    q = np.quantile(values, [0.0, 0.05, 0.5, 0.95, 1.0])
    return {"min": q[0], "p5": q[1], "median": q[2], "p95": q[3], "max": q[4]}


def class_counts(ctx: Context, split: str = "train") -> dict[str, int]:
    """Readable images per class of ``split`` (every class of the split, zeros included)."""
    s = ctx.data.get(split)
    if s is None:
        return {}
    labels = ctx.table.loc[ctx.rows(split), "label"].to_numpy()
    names = ctx.class_names
    counts = {n: 0 for n in s.class_names}
    for label, n in zip(*np.unique(labels[labels >= 0], return_counts=True), strict=True):
        counts[names[int(label)]] = int(n)
    return counts


def featurewise_stats(ctx: Context, exclude: np.ndarray | None = None) -> dict[str, Any]:
    """Per-channel mean/std (as fit() computes them) and median/IQR-std, 8-bit units."""
    rows = ctx.rows("train")
    if exclude is not None:
        rows = rows & ~exclude
    mean = np.nanmean(ctx.scan.channel_mean[rows].astype(np.float64), axis=0)
    sq = np.nanmean(ctx.scan.channel_sq[rows].astype(np.float64), axis=0)
    std = np.sqrt(np.maximum(sq - mean**2, 0.0))
    out: dict[str, Any] = {"mean": mean, "std": std}
    hist = ctx.scan.hist
    if exclude is None and hist.sum() > 0:
        cdf = np.cumsum(hist, axis=1) / hist.sum(axis=1, keepdims=True)
        q = [np.array([np.searchsorted(c, p) for c in cdf], np.float64)
             for p in (0.25, 0.5, 0.75)]
        out["median"] = q[1]
        out["iqr_std"] = (q[2] - q[0]) / _IQR_TO_STD
    return out


def native_stats(ctx: Context, stats: dict[str, Any]) -> dict[str, Any]:
    """``stats`` (8-bit units) in the data's own value range, as lists."""
    lo, hi = ctx.value_range
    k = (hi - lo) / 255.0
    return {key: (np.asarray(v) * k if key in ("std", "iqr_std")
                  else lo + np.asarray(v) * k).tolist() for key, v in stats.items()}
