"""Lint of the value pipeline: rescale, preprocessing_function, featurewise statistics,
brightness and channel shifts, against the data's actual value range."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from augwise.core.config import callable_path
from augwise.doctor.checks import Skip, check
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit

SCALES = 0.1  # a function whose output span is below 10% of its input's rescales
SHIFT_LARGE = 0.25  # channel_shift_range above 25% of the value range
SHIFT_NEGLIGIBLE = 0.005


def sample_input(ctx: Context) -> np.ndarray:
    """A training image as ``preprocessing_function`` receives it: ``(H, W, C)`` float32
    at the target size, in the data's own units."""
    th, tw = ctx.target_hw
    lo, hi = ctx.value_range
    if ctx.train.x is not None and len(ctx.train.x):
        return np.asarray(ctx.train.x[0], np.float32)
    if not ctx.scan.kept:
        raise Skip("no readable training image to call it on")
    img = ctx.scan.kept[min(ctx.scan.kept)]
    res = cv2.resize(img, (tw, th), interpolation=cv2.INTER_LINEAR).reshape(th, tw, -1)
    return np.asarray(lo + res.astype(np.float32) / 255.0 * (hi - lo), np.float32)


def call_preprocessing(ctx: Context) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(input, output or None, error) of the config's preprocessing_function on a sample."""
    fn = ctx.config.preprocessing_function
    if fn is None:
        raise Skip("no preprocessing_function")
    x = sample_input(ctx)
    try:
        out = np.asarray(fn(x.copy()), dtype=np.float64)
    except Exception as exc:
        return x, None, f"{type(exc).__name__}: {exc}"
    return x, out, ""


def _is_model_preprocess(fn: Callable[..., Any]) -> bool:
    path = callable_path(fn) or f"{getattr(fn, '__module__', '')}:{getattr(fn, '__name__', '')}"
    return "applications" in path or path.endswith("preprocess_input")


def _span(a: np.ndarray) -> float:
    return float(np.max(a) - np.min(a)) if a.size else 0.0


@check("config.preprocessing_function", "config", "preprocessing_function on a sample image")
def preprocessing_function(ctx: Context) -> Hit | None:
    x, out, error = call_preprocessing(ctx)
    problem = ""
    if out is None:
        problem = f"raises {error}"
    elif out.shape != x.shape:
        problem = f"changes the shape {x.shape} -> {out.shape}"
    elif not np.isfinite(out).all():
        problem = "returns NaN or infinite values"
    if not problem:
        return None
    return Hit("error", f"preprocessing_function {problem} on a training image",
               "fix the function: it gets one (H, W, C) float32 image and must return the same "
               "shape", evidence={"input_shape": list(x.shape), "problem": problem})


@check("config.double_rescale", "config", "Double rescaling")
def double_rescale(ctx: Context) -> Hit | None:
    cfg = ctx.config
    if not cfg.rescale:
        return None
    lo, hi = ctx.value_range
    evidence: dict[str, Any] = {"rescale": cfg.rescale, "data_range": [lo, hi]}
    why = ""
    if cfg.preprocessing_function is not None:
        x, out, _ = call_preprocessing(ctx)
        if out is not None and out.size:
            evidence["preprocessing_output_range"] = [float(out.min()), float(out.max())]
            evidence["model_input_range"] = [float(out.min() * cfg.rescale),
                                             float(out.max() * cfg.rescale)]
            if _span(out) < SCALES * _span(x):
                why = "preprocessing_function already scales the values, then rescale scales again"
        if not why and _is_model_preprocess(cfg.preprocessing_function):
            why = ("preprocessing_function is a pretrained model's preprocess_input, which "
                   "expects 0-255 inputs and sets the model's own scale; rescale then changes it")
    if not why and hi <= 1.0 and abs(cfg.rescale) < 0.5 and ctx.train.x is not None:
        why = "the images are already in [0, 1]"
        evidence["model_input_range"] = [lo * cfg.rescale, hi * cfg.rescale]
    if not why:
        return None
    rng = evidence.get("model_input_range")
    shown = f" (model inputs span {rng[0]:.3g}..{rng[1]:.3g})" if rng else ""
    return Hit("error", f"rescale={cfg.rescale:.4g} is applied twice: {why}{shown}",
               "drop rescale (rescale=None)", evidence=evidence, patch={"rescale": None},
               detail="The standardisation order is preprocessing_function -> rescale -> "
               "centring; a second scaling shrinks the inputs by the same factor again.")


@check("config.featurewise_without_fit", "config", "Featurewise options without fit()")
def featurewise_without_fit(ctx: Context) -> Hit | None:
    cfg = ctx.config
    if not cfg.needs_fit:
        return None
    flags = [f for f in ("featurewise_center", "featurewise_std_normalization", "zca_whitening")
             if getattr(cfg, f)]
    evidence = {"options": flags, "fitted": ctx.setup.fitted}
    if ctx.setup.fitted:
        return None
    if ctx.setup.fitted is False:
        return Hit("error", f"{', '.join(flags)} set but the generator was never fit()",
                   "call gen.fit(training_images) (augwise: also iterators) before flowing",
                   evidence=evidence, detail="Keras only warns and trains on unnormalised data; "
                   "augwise raises at the first batch.")
    if ctx.keras:
        return Hit("warning", f"{', '.join(flags)} need gen.fit(): Keras silently skips them "
                   "without it", "make sure gen.fit(training_images) runs before flow*()",
                   evidence=evidence)
    return Hit("info", f"{', '.join(flags)} need gen.fit() before flow*() (augwise raises "
               "otherwise)", "call gen.fit(training_images or a directory iterator)",
               evidence=evidence)


@check("config.brightness_unit_range", "config", "brightness_range on [0, 1] inputs")
def brightness_unit_range(ctx: Context) -> Hit | None:
    cfg = ctx.config
    if cfg.brightness_range is None:
        return None
    lo, hi = ctx.value_range
    if ctx.train.x is None or hi > 1.0:
        return None
    if not ctx.keras:
        return None
    return Hit("error", "brightness_range on images in [0, 1]: Keras turns them black",
               "pass 0-255 images to flow() and rescale=1/255, or use augwise (brightness on "
               "the data's own range)", evidence={"data_range": [lo, hi],
                                                  "brightness_range": list(cfg.brightness_range)},
               detail="Keras applies brightness through an 8-bit PIL image, so values in [0, 1] "
               "become 0 or 1 out of 255.")


@check("config.brightness_deltas", "config", "brightness_range given as deltas")
def brightness_deltas(ctx: Context) -> Hit | None:
    cfg = ctx.config
    note = ctx.setup.note("brightness_range")
    if note is not None:
        lo, hi = note.given
        return Hit("error", f"brightness_range={note.given} looks like ±deltas; it is a range "
                   "of multiplicative factors", f"use brightness_range=[{1 + lo:g}, {1 + hi:g}]",
                   evidence={"given": note.given, "factors": note.used},
                   patch={"brightness_range": [1 + lo, 1 + hi]},
                   detail="A factor of 1 leaves an image unchanged; negative factors are "
                   "meaningless (Keras does not check them).")
    if cfg.brightness_range is None:
        return None
    lo, hi = cfg.brightness_range
    if hi <= 0.5:
        return Hit("error", f"brightness_range=({lo:g}, {hi:g}) darkens every image to at most "
                   f"{hi:.0%} of its brightness: factors, not deltas",
                   f"use brightness_range=[{1 - hi:g}, {1 + hi:g}]",
                   evidence={"brightness_range": [lo, hi]},
                   patch={"brightness_range": [1 - hi, 1 + hi]})
    if hi < 1.0 or lo > 1.0:
        direction = "darkens" if hi < 1.0 else "brightens"
        return Hit("warning", f"brightness_range=({lo:g}, {hi:g}) only {direction} images",
                   "centre the range on 1 (e.g. [0.8, 1.2]) unless that is intended",
                   evidence={"brightness_range": [lo, hi]})
    return None


@check("config.channel_shift_scale", "config", "channel_shift_range against the value range")
def channel_shift_scale(ctx: Context) -> Hit | None:
    csr = ctx.config.channel_shift_range
    if not csr:
        return None
    lo, hi = ctx.value_range
    span = hi - lo
    ratio = csr / span
    evidence = {"channel_shift_range": csr, "value_range": [lo, hi], "share_of_range": ratio}
    if ratio > SHIFT_LARGE:
        new = round(0.1 * span, 4)
        return Hit("warning", f"channel_shift_range={csr:g} shifts colours by up to "
                   f"{ratio:.0%} of the value range", f"use about channel_shift_range={new:g} "
                   "(10% of the range)", evidence=evidence, patch={"channel_shift_range": new},
                   detail="The shift is in pixel units of the data before rescale.")
    if ratio < SHIFT_NEGLIGIBLE:
        return Hit("info", f"channel_shift_range={csr:g} is {ratio:.2%} of the value range "
                   f"{lo:g}..{hi:g}: no visible effect", f"it is in pixel units: for a "
                   f"{csr:.0%} shift use {csr * span:g}", evidence=evidence)
    return None
