"""Lint of the geometric transforms against the data: flips and rotations against its
orientation, what the fill mode invents, what leaves the frame, zoom's aspect, shear units."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.sampling import RandomStreams, params_from_uniforms
from augwise.doctor import fill
from augwise.doctor.audit.orientation import MAJORITY
from augwise.doctor.checks import Skip, check
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit, pct
from augwise.results.fill import FillReport

ROTATION_RATIO = 1.0  # rotation moves class means further than the nearest other class
ROTATION_TARGET = 0.75  # the patched rotation stays at 3/4 of that
VISIBLE_P95 = 0.05  # worst 5% of draws show at least 5% invented, visible pixels
FILL_P95 = 0.10
LOST_WARNING = 0.5  # share of draws losing over a quarter of the content
LOST_INFO = 0.1
ZOOM_WARNING = 1.25  # 95th percentile of the zx/zy aspect change
ZOOM_INFO = 1.1
SHEAR_PIXELS = 0.5


def _flip(ctx: Context, name: str, transform: str, words: str) -> Hit | None:
    if not getattr(ctx.config, name):
        return None
    o = ctx.orientation
    if o is None:
        raise Skip("not enough images per class for orientation evidence")
    share = o.oriented_fraction(transform)
    oriented = o.oriented_classes(transform)
    swaps = o.label_swaps(transform)
    evidence: dict[str, Any] = {
        "oriented_share": share,
        "oriented_classes": {c.name: c.asymmetry[transform] for c in oriented},
        "asymmetry": {c.name: c.asymmetry[transform] for c in o.classes},
        "label_swaps": swaps,
    }
    if swaps:
        pairs = ", ".join(f"{a} -> {b}" for a, b in swaps.items())
        return Hit("error", f"{name} turns one class into another ({pairs})",
                   f"set {name}=False", evidence=evidence, patch={name: False},
                   detail="The flipped mean image of these classes matches another class's "
                   "mean, so flipping changes the label while keeping it.")
    if share >= MAJORITY:
        return Hit("warning", f"{name} against the data: {pct(share)} of images are in classes "
                   f"with a canonical {words} orientation", f"set {name}=False",
                   evidence=evidence, patch={name: False},
                   detail="Flipped images never occur at test time, so the model spends "
                   "capacity on them and loses the orientation cue.")
    if oriented:
        names = ", ".join(c.name for c in oriented[:5])
        return Hit("info", f"{name} is plausible for {pct(1 - share)} of images; "
                   f"{len(oriented)} class(es) have a canonical {words} orientation ({names})",
                   "keep it if the model should handle mirrored views of those classes",
                   evidence=evidence)
    return None


@check("config.horizontal_flip", "config", "horizontal_flip against the data's orientation")
def horizontal_flip(ctx: Context) -> Hit | None:
    return _flip(ctx, "horizontal_flip", "horizontal_flip", "left-right")


@check("config.vertical_flip", "config", "vertical_flip against the data's orientation")
def vertical_flip(ctx: Context) -> Hit | None:
    return _flip(ctx, "vertical_flip", "vertical_flip", "up-down")


@check("config.rotation", "config", "rotation_range against the data's orientation")
def rotation(ctx: Context) -> Hit | None:
    r = ctx.config.rotation_range
    if not r:
        return None
    o = ctx.orientation
    if o is None or len(o.classes) < 2:
        raise Skip("needs two classes with enough images to compare rotations with")
    share = o.oriented_fraction("rotation_90")
    ratio = o.median_rotation_ratio(r)
    if ratio is None or share < MAJORITY or ratio <= ROTATION_RATIO:
        return None
    steps = [float(d) for d in range(5, int(r), 5)]
    fitting = [d for d in steps if (o.median_rotation_ratio(d) or 0.0) <= ROTATION_TARGET]
    new = max(fitting) if fitting else 0.0
    table = {f"{d:g}": o.median_rotation_ratio(d) for d in [*steps, r]}
    return Hit("warning", f"rotation_range={r:g} against the data's upright orientation: a "
               f"{r:g}° rotation moves class-mean images {ratio:.1f}x as far as the nearest "
               "other class", f"use rotation_range={new:g}" if new else "drop rotation_range",
               evidence={"oriented_share": share, "median_ratio": ratio,
                         "ratio_by_degrees": table, "per_class": o.rotation_ratio(r)},
               patch={"rotation_range": new},
               detail="The ratio compares how far rotating a class's mean image moves it with "
               "the distance to the nearest other class's mean: above 1, rotated images look "
               "less like their class than a neighbouring class does.")


def _fill_table(report: FillReport) -> list[dict[str, Any]]:
    return [s.to_dict() for s in report.stats]


@check("config.fill_artefacts", "config", "Pixels invented by fill_mode")
def fill_artefacts(ctx: Context) -> Hit | None:
    report = ctx.fill
    if report is None:
        return None
    whole = report.get("all")
    if whole is None:
        return None
    evidence: dict[str, Any] = {
        "fill_mode": report.fill_mode, "fill_mean": whole.fill_mean, "fill_p95": whole.fill_p95,
        "visible_mean": whole.visible_mean, "visible_p95": whole.visible_p95,
        "per_transform": _fill_table(report), "uniform_border_share": report.uniform_border,
        "alternatives_visible_mean": report.alternatives, "images": report.images,
    }
    lo, hi = ctx.value_range
    best = min(report.alternatives, key=report.alternatives.__getitem__, default=None)
    patch: dict[str, Any] = {}
    if best is not None and best != report.fill_mode and (
        report.alternatives[best] <= 0.5 * whole.visible_mean
    ):
        patch = {"fill_mode": best}
        cval = round(lo + report.border_value / 255.0 * (hi - lo), 4)
        if best == "constant" and cval != ctx.config.cval:
            patch["cval"] = cval
    worst = max((s for s in report.stats if s.transform != "all"),
                key=lambda s: s.visible_mean)
    if whole.visible_p95 >= VISIBLE_P95:
        fix = f"reduce {worst.transform} (the largest source of visible fill)"
        if patch and best is not None:
            shown = f", cval={cval:g}" if best == "constant" else ""
            fix = (f"use fill_mode='{best}'{shown} (visible fill "
                   f"{pct(report.alternatives[best])} instead of {pct(whole.visible_mean)})")
        return Hit("warning", f"fill_mode='{report.fill_mode}' invents visible content: "
                   f"{pct(whole.visible_mean)} of output pixels on average, "
                   f"{pct(whole.visible_p95)} in the worst 5% of draws (fill {pct(whole.fill_mean)}"
                   f" / p95 {pct(whole.fill_p95)})", fix, evidence=evidence, patch=patch,
                   detail="Visible fill: pixels outside the source image that the fill mode "
                   "paints differently from the image's own border (streaks of 'nearest', "
                   "mirrored parts of 'reflect'/'wrap', or a cval unlike the background).")
    if whole.fill_p95 >= FILL_P95 and not report.images:
        return Hit("info", f"the transforms fill {pct(whole.fill_mean)} of output pixels on "
                   f"average ({pct(whole.fill_p95)} at p95); no readable image to see what the "
                   "fill looks like", "check the preview grid once the images load",
                   evidence=evidence)
    if whole.fill_p95 >= FILL_P95:
        return Hit("info", f"the transforms fill {pct(whole.fill_mean)} of output pixels on "
                   f"average ({pct(whole.fill_p95)} at p95), but the fill matches the images' "
                   f"border (visible: {pct(whole.visible_mean)})", "nothing to do",
                   evidence=evidence)
    return None


def scaled(config: AugmentConfig, name: str, factor: float) -> AugmentConfig | None:
    """``config`` with the magnitude of ``name`` multiplied by ``factor`` (None if the form
    of that argument cannot be scaled)."""
    value = getattr(config, name)
    if name == "zoom_range":
        lo, hi = value
        return config.replace(zoom_range=(1 - (1 - lo) * factor, 1 + (hi - 1) * factor))
    if isinstance(value, float) and name != "policy":
        return config.replace(**{name: round(value * factor, 4)})
    return None


@check("config.out_of_frame", "config", "Content pushed out of the frame")
def out_of_frame(ctx: Context) -> Hit | None:
    report = ctx.fill
    whole = report.get("all") if report else None
    if report is None or whole is None or whole.lost_over_quarter < LOST_INFO:
        return None
    evidence: dict[str, Any] = {
        "draws_losing_over_25pct": whole.lost_over_quarter, "lost_median": whole.lost_median,
        "lost_p90": whole.lost_p90,
        "per_transform": {s.transform: {"lost_median": s.lost_median,
                                        "draws_losing_over_25pct": s.lost_over_quarter}
                          for s in report.stats if s.transform != "all"},
    }
    title = (f"{pct(whole.lost_over_quarter)} of draws push over a quarter of the image's "
             f"content out of the frame (median loss {pct(whole.lost_median)})")
    if whole.lost_over_quarter < LOST_WARNING:
        return Hit("info", title, "fine if the label survives partial views; otherwise reduce "
                   "shifts and zoom-in", evidence=evidence)
    singles = sorted((s for s in report.stats if s.transform != "all"),
                     key=lambda s: -s.lost_median)
    cfg = ctx.config
    patch: dict[str, Any] = {}
    for s in singles:
        candidate = cfg
        for _ in range(3):
            smaller = scaled(candidate, s.transform, 0.5)
            if smaller is None:
                break
            candidate = smaller
            check_report = fill.measure(candidate, ctx.thumbs, ctx.target_hw, ctx.value_range,
                                        seed=ctx.seed, alternatives=False)
            lost = check_report.get("all") if check_report else None
            if lost is None or lost.lost_over_quarter < LOST_WARNING:
                break
        if candidate is not cfg:
            patch[s.transform] = getattr(candidate, s.transform)
            break
    fix = ("use " + ", ".join(f"{k}={v}" for k, v in patch.items())) if patch else (
        "reduce the shift and zoom-in ranges")
    return Hit("warning", title, fix, evidence=evidence, patch=patch,
               detail="Content is the pixels that differ from a uniform border (the object), "
               "or the whole image when the border is not uniform.")


@check("config.zoom_aspect", "config", "Zoom distorting the aspect ratio")
def zoom_aspect(ctx: Context) -> Hit | None:
    lo, hi = ctx.config.zoom_range
    if lo == 1 and hi == 1:
        return None
    p95 = _zoom_aspect_p95(ctx.config.zoom_range)
    if p95 < ZOOM_INFO:
        return None
    evidence = {"zoom_range": [lo, hi], "aspect_change_p95": p95}
    z = _zoom_for(ZOOM_INFO)
    centre = (lo + hi) / 2
    new = [round(centre - z, 3), round(centre + z, 3)]
    return Hit("warning" if p95 >= ZOOM_WARNING else "info",
               f"zoom_range={[lo, hi]} stretches one axis against the other by up to {p95:.2f}x "
               "(95th percentile): width and height zoom are drawn independently",
               f"use zoom_range={new} (aspect change <= {ZOOM_INFO:g}x) if shapes matter",
               evidence=evidence, patch={"zoom_range": new} if p95 >= ZOOM_WARNING else {},
               detail="Keras (and augwise) draw zx and zy separately, so zoom also squashes.")


def _zoom_aspect_p95(zoom: tuple[float, float]) -> float:
    cfg = AugmentConfig(zoom_range=zoom)
    u = RandomStreams(0).uniforms(0, np.arange(4000))
    p = params_from_uniforms(cfg, u, 32, 32, 1)
    ratio = np.maximum(p.zx / p.zy, p.zy / p.zx)
    return float(np.quantile(ratio, 0.95))


def _zoom_for(limit: float) -> float:
    """Half-width of a zoom range centred on 1 whose p95 aspect change is ``limit``."""
    lo, hi = 0.0, 0.5
    for _ in range(20):
        mid = (lo + hi) / 2
        if _zoom_aspect_p95((1 - mid, 1 + mid)) > limit:
            hi = mid
        else:
            lo = mid
    return math.floor(lo * 1000) / 1000


@check("config.shear_units", "config", "shear_range in degrees")
def shear_units(ctx: Context) -> Hit | None:
    s = ctx.config.shear_range
    if not s:
        return None
    h = max(ctx.target_hw)
    pixels = float(np.sin(np.deg2rad(s)) * h / 2.0)
    if s >= 1.0 and pixels >= SHEAR_PIXELS:
        return None
    return Hit("warning", f"shear_range={s:g} is in degrees: it moves pixels by at most "
               f"{pixels:.2f} px at {ctx.target_hw[0]}x{ctx.target_hw[1]} (no visible effect)",
               f"drop it (same effect), or for a {s:g}-radian shear use shear_range="
               f"{np.rad2deg(s):.1f}", evidence={"shear_range_degrees": s,
                                                 "max_displacement_px": pixels},
               patch={"shear_range": 0.0},
               detail="Keras' shear_range is an angle in degrees (Keras 1 took radians, and "
               "many tutorials still pass 0.2).")
