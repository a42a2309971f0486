"""Image sizes against each other and against ``target_size``."""

from __future__ import annotations

import numpy as np

from augwise.doctor.checks import check, need_files
from augwise.doctor.context import Context
from augwise.doctor.evidence import quantiles
from augwise.doctor.findings import Hit, pct

AREA_FACTOR = 4.0  # size outlier: area 4x larger or smaller than the median
ASPECT_FACTOR = 1.5  # aspect outlier: aspect ratio 1.5x off the median's
OUTLIER_WARNING = 0.05
UPSCALE = 1.1  # an image is upscaled when target/size exceeds this on either axis
UPSCALE_STRONG = 1.5
SQUASH = 1.2  # aspect distortion from resizing to the target's aspect
SHARE_WARNING = 0.10


def _sizes(ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ok = ctx.ok
    h = ctx.table["height"].to_numpy()
    w = ctx.table["width"].to_numpy()
    return ok, h, w


@check("sizes.outliers", "data", "Image size and aspect-ratio outliers")
def outliers(ctx: Context) -> Hit | None:
    ok, h, w = _sizes(ctx)
    if ok.sum() < 3:
        return None
    area = (h * w)[ok]
    aspect = (w / h)[ok]
    med_area, med_aspect = float(np.median(area)), float(np.median(aspect))
    area_out = (area >= AREA_FACTOR * med_area) | (area <= med_area / AREA_FACTOR)
    aspect_out = np.abs(np.log(aspect / med_aspect)) >= np.log(ASPECT_FACTOR)
    out = area_out | aspect_out
    if not out.any():
        return None
    rows = np.flatnonzero(ok)[out]
    share = float(out.mean())
    return Hit(
        "warning" if share >= OUTLIER_WARNING else "info",
        f"{int(out.sum())} image(s) ({pct(share)}) are size or aspect outliers",
        "check them: thumbnails, panoramas and scans often belong to another source",
        evidence={"size_outliers": int(area_out.sum()), "aspect_outliers": int(aspect_out.sum()),
                  "median_size": [float(np.median(h[ok])), float(np.median(w[ok]))],
                  "median_aspect": med_aspect, "width": quantiles(w[ok]),
                  "height": quantiles(h[ok]), "aspect": quantiles(aspect)},
        files=ctx.table["name"].to_numpy()[rows].tolist(),
        detail=f"Outliers have an area {AREA_FACTOR:g}x above or below the median, or an "
        f"aspect ratio {ASPECT_FACTOR:g}x off the median's.")


@check("sizes.upscaled", "data", "Images smaller than target_size")
def upscaled(ctx: Context) -> Hit | None:
    need_files(ctx)
    ok, h, w = _sizes(ctx)
    th, tw = ctx.target_hw
    factor = np.maximum(th / h, tw / w)[ok]
    small = factor > UPSCALE
    if not small.any():
        return None
    strong = float((factor > UPSCALE_STRONG).mean())
    rows = np.flatnonzero(ok)[small]
    assumed = " (Keras' default; pass --target-size if you use another)" if (
        ctx.target_assumed) else ""
    med_h, med_w = float(np.median(h[ok])), float(np.median(w[ok]))
    return Hit(
        "warning" if strong >= SHARE_WARNING else "info",
        f"{int(small.sum())} image(s) ({pct(float(small.mean()))}) are upscaled to "
        f"target_size={th}x{tw}{assumed}, median factor {float(np.median(factor[small])):.1f}x",
        f"use a target_size near the data's median size ({med_h:.0f}x{med_w:.0f}) or replace "
        "the small images",
        evidence={"target_size": [th, tw], "target_size_assumed": ctx.target_assumed,
                  "upscaled": int(small.sum()), "share": float(small.mean()),
                  "share_over_1_5x": strong, "median_factor": float(np.median(factor[small])),
                  "max_factor": float(factor.max())},
        files=ctx.table["name"].to_numpy()[rows].tolist(),
        detail="Upscaling invents no detail: the model sees blurred or blocky pixels, and "
        "images of different sources look systematically different.")


@check("sizes.squashed", "data", "Aspect distortion when resizing to target_size")
def squashed(ctx: Context) -> Hit | None:
    need_files(ctx)
    if ctx.flow.keep_aspect_ratio:
        return None
    ok, h, w = _sizes(ctx)
    th, tw = ctx.target_hw
    distortion = np.exp(np.abs(np.log((w / h) / (tw / th))))[ok]
    bad = distortion >= SQUASH
    if not bad.any():
        return None
    share = float(bad.mean())
    rows = np.flatnonzero(ok)[bad]
    med_aspect = float(np.median((w / h)[ok]))
    return Hit(
        "warning" if share >= SHARE_WARNING else "info",
        f"{int(bad.sum())} image(s) ({pct(share)}) are squashed by {SQUASH:g}x or more when "
        f"resized to {th}x{tw}",
        f"pass keep_aspect_ratio=True to the flow, or a target_size with the data's aspect "
        f"({med_aspect:.2f} width/height)",
        evidence={"target_aspect": tw / th, "median_aspect": med_aspect, "squashed": int(
            bad.sum()), "share": share, "max_distortion": float(distortion.max())},
        files=ctx.table["name"].to_numpy()[rows].tolist(),
        flow_patch={"keep_aspect_ratio": True},
        detail="flow_from_directory resizes without keeping the aspect ratio unless asked, so "
        "circles become ellipses and proportions change between sources.")
