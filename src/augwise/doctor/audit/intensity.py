"""Per-image intensity outliers and what they do to featurewise statistics.

The featurewise mean/std that ``fit()`` computes are pulled by a few very bright or very
dark images; the median and IQR (``featurewise_method='median_iqr'``) are not.  The
check reports both, with and without the outliers.
"""

from __future__ import annotations

import numpy as np

from augwise.doctor.checks import Skip, check
from augwise.doctor.context import Context
from augwise.doctor.evidence import ROBUST_Z, featurewise_stats, native_stats, robust_z
from augwise.doctor.findings import Hit

PULL = 0.05  # mean shift (in stds) or std change (relative) that counts as pulled


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
