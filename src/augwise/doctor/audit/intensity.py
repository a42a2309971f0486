"""Per-image intensity outliers and what they do to featurewise statistics.

The featurewise mean/std that ``fit()`` computes are pulled by a few very bright or very
dark images; the median and IQR (``featurewise_method='median_iqr'``) are not.  The
check reports both, with and without the outliers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from augwise.doctor.audit.quality import ROBUST_Z, robust_z
from augwise.doctor.checks import Skip, check
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit

PULL = 0.05  # mean shift (in stds) or std change (relative) that counts as pulled
_IQR_TO_STD = 1.3489795003921634


def _native(v: np.ndarray, value_range: tuple[float, float], scale_only: bool = False) -> Any:
    lo, hi = value_range
    k = (hi - lo) / 255.0
    return (v * k if scale_only else lo + v * k).tolist()


def featurewise_stats(ctx: Context, exclude: np.ndarray | None = None) -> dict[str, Any]:
    """Per-channel mean/std (as fit() computes them) and median/IQR-std, native units."""
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
    vr = ctx.value_range
    return {k: _native(np.asarray(v), vr, scale_only=k in ("std", "iqr_std"))
            for k, v in stats.items()}


@check("intensity.outliers", "data", "Intensity outliers and featurewise statistics")
def outliers(ctx: Context) -> Hit | None:
    rows = ctx.rows("train")
    if rows.sum() < 10:
        raise Skip("fewer than 10 readable training images")
    means = ctx.table["mean"].to_numpy().astype(np.float64)
    z = np.zeros(len(means))
    z[rows] = robust_z(means[rows])
    out = rows & (np.abs(z) > ROBUST_Z)
    if not out.any():
        return None
    full = featurewise_stats(ctx)
    clean = featurewise_stats(ctx, exclude=out)
    shift = float(np.max(np.abs(full["mean"] - clean["mean"]) / np.maximum(clean["std"], 1e-6)))
    ratio = float(np.max(np.abs(full["std"] / np.maximum(clean["std"], 1e-6) - 1.0)))
    pulled = shift >= PULL or ratio >= PULL
    cfg = ctx.config
    uses = cfg.featurewise_center or cfg.featurewise_std_normalization
    robust_ok = "iqr_std" in full and bool(np.all(full["iqr_std"] > 0.1 * full["std"]))
    evidence = {
        "outliers": int(out.sum()), "bright": int((out & (z > 0)).sum()),
        "dark": int((out & (z < 0)).sum()), "threshold_robust_z": ROBUST_Z,
        "mean_shift_in_std": shift, "std_change": ratio,
        "with_outliers": native_stats(ctx, full),
        "without_outliers": native_stats(ctx, clean),
        "featurewise_in_config": uses, "featurewise_method": cfg.featurewise_method,
    }
    names = ctx.names(out)
    title = (f"{int(out.sum())} image(s) have outlying brightness (robust z > {ROBUST_Z:g}); "
             f"they move the featurewise mean by {shift:.2f} std and the std by {ratio:.0%}")
    if uses and cfg.featurewise_method == "mean_std" and pulled and robust_ok:
        return Hit("warning", title, "use featurewise_method='median_iqr' (robust to them), "
                   "or remove the outliers before fit()", evidence=evidence, files=names,
                   patch={"featurewise_method": "median_iqr"},
                   detail="fit() averages every pixel, so a few extreme images shift the "
                   "normalisation applied to all the others.")
    return Hit("info", title, "check them; if you normalise featurewise, prefer "
               "featurewise_method='median_iqr'", evidence=evidence, files=names)
