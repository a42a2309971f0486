"""Exposure and content: dark, washed-out, low-contrast, nearly uniform and blurry images.

All measured on the 8-bit grey version of each image (at most 128 px): ``p1``/``p99``
are its 1st/99th percentiles, ``entropy`` the Shannon entropy of its 256-level histogram,
``sharpness`` the Crete et al. (2007) re-blur measure (0: blurry, 1: sharp).
"""

from __future__ import annotations

import numpy as np

from augwise.doctor.checks import check
from augwise.doctor.context import Context
from augwise.doctor.evidence import ROBUST_Z, robust_z
from augwise.doctor.findings import Hit, pct

DARK_P99 = 0.2 * 255  # even the brightest 1% of pixels are below 20% of the range
BRIGHT_P1 = 0.8 * 255  # even the darkest 1% of pixels are above 80% of the range
LOW_CONTRAST = 0.1 * 255  # p99 - p1 below 10% of the range
UNIFORM_STD = 2.0  # grey-level standard deviation of a nearly uniform image
TEXTURED_STD = 5.0  # below this the sharpness of an image is not measurable
UNIFORM_ENTROPY = 0.2  # bits: one grey level covers about 97% of the image
BLURRY = 0.55  # and the sharpness itself below this (a 9-px blur removes < 55% of the edges)
SHARE_WARNING = 0.01


def _col(ctx: Context, name: str) -> np.ndarray:
    return ctx.table[name].to_numpy().astype(np.float64)


def _hit(ctx: Context, mask: np.ndarray, title: str, fix: str, detail: str,
         evidence: dict[str, float]) -> Hit | None:
    if not mask.any():
        return None
    share = float(mask.sum() / max(int(ctx.ok.sum()), 1))
    return Hit("warning" if share >= SHARE_WARNING else "info",
               f"{int(mask.sum())} {title} ({pct(share)})", fix,
               evidence={"images": int(mask.sum()), "share": share, **evidence},
               files=ctx.names(mask), detail=detail)


def _exposed(ctx: Context) -> np.ndarray:
    """Neither nearly black nor washed out (those have their own checks)."""
    return (_col(ctx, "p99") >= DARK_P99) & (_col(ctx, "p1") <= BRIGHT_P1)


def _uniform(ctx: Context) -> np.ndarray:
    return (_col(ctx, "std") < UNIFORM_STD) | (_col(ctx, "entropy") < UNIFORM_ENTROPY)


@check("quality.dark", "data", "Nearly black images")
def dark(ctx: Context) -> Hit | None:
    p99 = _col(ctx, "p99")
    mask = ctx.ok & (p99 < DARK_P99)
    return _hit(ctx, mask, "nearly black image(s)", "check the exposure or the decoding; remove "
                "the ones that show nothing", f"Their 99th percentile is below {DARK_P99:.0f}/255",
                {"threshold_p99": DARK_P99,
                 "median_p99_of_flagged": float(np.median(p99[mask])) if mask.any() else 0.0})


@check("quality.bright", "data", "Washed-out images")
def bright(ctx: Context) -> Hit | None:
    p1 = _col(ctx, "p1")
    mask = ctx.ok & (p1 > BRIGHT_P1)
    return _hit(ctx, mask, "washed-out image(s)", "check them: over-exposed or blank scans",
                f"Their 1st percentile is above {BRIGHT_P1:.0f}/255", {"threshold_p1": BRIGHT_P1})


@check("quality.low_contrast", "data", "Low-contrast images")
def low_contrast(ctx: Context) -> Hit | None:
    p1, p99 = _col(ctx, "p1"), _col(ctx, "p99")
    mask = ctx.ok & (p99 - p1 < LOW_CONTRAST) & _exposed(ctx) & ~_uniform(ctx)
    return _hit(ctx, mask, "low-contrast image(s)", "check them; if they are legitimate, "
                "samplewise_std_normalization evens out contrast",
                f"99% of their pixels span fewer than {LOW_CONTRAST:.0f} of 255 levels",
                {"threshold_span": LOW_CONTRAST})


@check("quality.low_information", "data", "Nearly uniform images")
def low_information(ctx: Context) -> Hit | None:
    mask = ctx.ok & _uniform(ctx) & _exposed(ctx)
    return _hit(ctx, mask, "nearly uniform image(s)", "remove them (blank frames, placeholders, "
                "failed crops)", f"Grey-level std below {UNIFORM_STD:g} or histogram entropy "
                f"below {UNIFORM_ENTROPY:g} bit", {"threshold_std": UNIFORM_STD,
                                                   "threshold_entropy_bits": UNIFORM_ENTROPY})


@check("quality.blurry", "data", "Blurry images")
def blurry(ctx: Context) -> Hit | None:
    sharp, std = _col(ctx, "sharpness"), _col(ctx, "std")
    usable = ctx.ok & (std >= TEXTURED_STD) & (sharp > 0) & _exposed(ctx)
    if usable.sum() < 10:
        return None
    z = np.full(len(sharp), np.nan)
    z[usable] = robust_z(sharp[usable])
    mask = usable & (z < -ROBUST_Z) & (sharp < BLURRY)
    med = float(np.median(sharp[usable]))
    return _hit(ctx, mask, "blurry image(s)", "check them: out-of-focus, motion-blurred or "
                "upscaled from a small source", f"Their sharpness is below {BLURRY:g} and a "
                f"robust z-score below -{ROBUST_Z:g} from the data's median",
                {"median_sharpness": med, "threshold_robust_z": -ROBUST_Z,
                 "threshold_sharpness": BLURRY,
                 "median_sharpness_of_flagged": float(np.median(sharp[mask])) if mask.any()
                 else 0.0})
