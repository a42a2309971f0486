"""How each transform of the registry translates into Keras' layers, albumentations and
torchvision: one table per target, and the plan it gives for a config.

A :class:`Plan` is a list of :class:`Step` (a class of the target library and its
keyword arguments) with the comments that say where the target cannot express
``ImageDataGenerator``'s semantics.  :func:`augwise.export.emit_code` writes it as code,
:func:`augwise.export.build_pipeline` builds it: both from the same steps, so the code
builds the object.

>>> from augwise.core.config import AugmentConfig
>>> plan = make_plan(AugmentConfig(rotation_range=20, horizontal_flip=True), "albumentations")
>>> [s.name for s in plan.steps]
['Affine', 'HorizontalFlip']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2

from augwise.core.config import AugmentConfig
from augwise.core.kernels import BORDERS, ORDER_TO_CV
from augwise.core.transforms import active_transforms, shift_limit

TARGETS = ("keras", "albumentations", "torchvision", "keras-layer")
LIBRARY_TARGETS = TARGETS[:3]
# pixel shifts become fractions of this size unless an image size is given (Keras' default
# target_size)
DEFAULT_IMAGE_SIZE = (256, 256)


@dataclass(frozen=True)
class Expr:
    """A keyword value written as the code ``code`` that evaluates to ``value``."""

    code: str
    value: Any


@dataclass
class Step:
    """One transform object of the target: its class name and keyword arguments."""

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    covers: list[str] = field(default_factory=list)  # registry names it carries
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    """A target's pipeline for a config: steps, general notes and what it cannot carry."""

    target: str
    steps: tuple[Step, ...]
    notes: tuple[str, ...]
    missing: dict[str, str]  # transform -> why it is not expressible


@dataclass(frozen=True)
class Context:
    image_size: tuple[int, int]  # (height, width): turns pixel shifts into fractions
    size_given: bool
    seed: int | None


Piece = tuple[str, dict[str, Any], list[str]]  # (step name, kwargs, notes)
Rule = Callable[[AugmentConfig, Context], Piece | str]  # a str: why it is not expressible


STANDARDISATION_NOTE = ("rescale and standardisation are preprocessing, not augmentation: "
                       "not exported (apply them in your model or dataset)")
SHEAR_ROWS = ("IDG's shear also scales rows by cos(shear) (13 % at 30 degrees): not "
              "reproduced, this shear only slants")


# -- shared conversions --------------------------------------------------------------


def _no_list(name: str, rng: Any) -> tuple[Any, list[str]]:
    """A list of allowed shifts as its largest value, with the note that says so."""
    if not isinstance(rng, tuple):
        return rng, []
    top = max(rng)
    return float(top), [f"{name}={list(rng)}: a list of allowed shifts is not expressible; "
                        f"±{top:g} drawn uniformly instead"]


def _fraction(name: str, rng: Any, extent: int, ctx: Context) -> tuple[float, list[str]]:
    """A shift range (any of IDG's three forms) as a fraction of ``extent``."""
    rng, notes = _no_list(name, rng)
    if not shift_limit(rng, extent):
        return 0.0, notes  # no shift on this axis (the other one moves)
    size = "" if ctx.size_given else " (set image_size to your images' size)"
    if isinstance(rng, int):
        notes.append(f"{name}={rng}: IDG draws whole pixels in ±0..{rng - 1}; here a "
                     f"uniform fraction of {extent} px{size}")
    elif rng >= 1:
        notes.append(f"{name}={rng:g} pixels as a fraction of {extent} px{size}")
    else:
        return float(rng), notes
    fraction = round(shift_limit(rng, extent) / extent, 6)
    if fraction > 1:
        notes.append(f"{name}: a shift of {fraction:g} images is more than the target "
                     "takes (at most 1, the whole image): clipped to 1")
        fraction = 1.0
    return fraction, notes


def _pixels(name: str, rng: Any, extent: int, ctx: Context) -> tuple[int, list[str]]:
    """A shift range as whole pixels (albumentations' ``translate_px``)."""
    rng, notes = _no_list(name, rng)
    if not shift_limit(rng, extent):
        return 0, notes
    if not isinstance(rng, int) and rng < 1:
        size = "" if ctx.size_given else " (set image_size to your images' size)"
        notes.append(f"{name}={rng:g} of {extent} px{size}, drawn in whole pixels")
    elif not isinstance(rng, int):
        notes.append(f"{name}={rng:g} px: drawn in whole pixels")
    return round(shift_limit(rng, extent)), notes


def _fraction_form(rng: Any) -> bool:
    """A fraction of the image (or no shift at all)."""
    return (isinstance(rng, float) and rng < 1) or rng == 0


def _zoom_scale(cfg: AugmentConfig) -> tuple[float, float]:
    """IDG's zoom z (input pixels per output pixel, < 1 magnifies) as a scale 1/z."""
    lo, hi = cfg.zoom_range
    return (round(1 / hi, 6), round(1 / lo, 6))


ZOOM_DRAW = ("IDG draws the zoom z uniformly (z < 1 magnifies); this draws the scale 1/z "
             "uniformly: same range, a different distribution")
ONE_WARP = ("IDG resamples once (rotation, shift, shear and zoom fused in one matrix); "
            "each geometric layer here resamples again, and their order differs")
CHANNEL_NONE = "channel_shift_range: no per-channel additive shift in {lib}"
POLICY_NONE = "policy={policy!r}: augwise's own op set; no equivalent in {lib}"


# -- Keras 3 layers ------------------------------------------------------------------


def _keras_interp(cfg: AugmentConfig) -> tuple[str, list[str]]:
    if cfg.interpolation_order == 0:
        return "nearest", []
    notes = [] if cfg.interpolation_order == 1 else [
        f"interpolation_order={cfg.interpolation_order}: Keras' layers warp bilinearly"]
    return "bilinear", notes


def _keras_fill(cfg: AugmentConfig) -> dict[str, Any]:
    interp, _ = _keras_interp(cfg)
    return {"fill_mode": cfg.fill_mode, "interpolation": interp, "fill_value": cfg.cval}


def _keras_rotation(cfg: AugmentConfig, ctx: Context) -> Piece:
    factor = round(cfg.rotation_range / 360, 8)
    return ("RandomRotation", {"factor": (-factor, factor), **_keras_fill(cfg)},
            ["factor is a fraction of a full turn: degrees / 360"])


def _keras_shift(width: bool) -> Rule:
    def rule(cfg: AugmentConfig, ctx: Context) -> Piece:
        h, w = ctx.image_size
        name = "width_shift_range" if width else "height_shift_range"
        value, notes = _fraction(name, getattr(cfg, name), w if width else h, ctx)
        key = "width_factor" if width else "height_factor"
        return ("RandomTranslation", {key: (-value, value), **_keras_fill(cfg)}, notes)

    return rule


def _keras_shear(cfg: AugmentConfig, ctx: Context) -> Piece:
    factor = math.tan(math.radians(cfg.shear_range))
    notes = [f"shear_range={cfg.shear_range:g} degrees as the shear factor "
             f"tan({cfg.shear_range:g}°) = {factor:.4g}, drawn uniformly (IDG draws the angle)",
             SHEAR_ROWS]
    if factor > 1:
        notes.append("Keras' shear factor is at most 1 (45°): clipped")
        factor = 1.0
    return ("RandomShear", {"x_factor": round(factor, 6), **_keras_fill(cfg)}, notes)


def _keras_zoom(cfg: AugmentConfig, ctx: Context) -> Piece:
    lo, hi = cfg.zoom_range
    factor = (round(lo - 1, 6), round(hi - 1, 6))
    notes = ["zoom_range (lo, hi) is RandomZoom's factor (lo - 1, hi - 1); each axis its "
             "own factor, as in IDG"]
    if factor[1] > 1:
        notes.append(f"zoom_range's upper end {hi:g} is past RandomZoom's largest zoom-out "
                     "(factor 1, zoom 2): clipped to 2")
        factor = (min(factor[0], 1.0), 1.0)
    return ("RandomZoom", {"height_factor": factor, "width_factor": factor,
                           **_keras_fill(cfg)}, notes)


def _keras_flip(mode: str) -> Rule:
    def rule(cfg: AugmentConfig, ctx: Context) -> Piece:
        # one layer per axis: RandomFlip("horizontal_and_vertical") draws one coin for
        # both axes, where IDG flips each axis on its own
        return ("RandomFlip", {"mode": mode}, [])

    return rule


def _keras_brightness(cfg: AugmentConfig, ctx: Context) -> Piece:
    lo, hi = cfg.brightness_range or (1.0, 1.0)
    return ("RandomBrightness", {"factor": (round(lo - 1, 6), round(hi - 1, 6)),
                                 "value_range": (0, 255)},
            ["RandomBrightness adds factor * 255; IDG multiplies by the factor: "
             "not the same change"])


def _no(text: str, lib: str) -> Rule:
    def rule(cfg: AugmentConfig, ctx: Context) -> str:
        return text.format(lib=lib, policy=cfg.policy)

    return rule


KERAS: dict[str, Rule] = {
    "rotation_range": _keras_rotation,
    "width_shift_range": _keras_shift(width=True),
    "height_shift_range": _keras_shift(width=False),
    "shear_range": _keras_shear,
    "zoom_range": _keras_zoom,
    "horizontal_flip": _keras_flip("horizontal"),
    "vertical_flip": _keras_flip("vertical"),
    "channel_shift_range": _no(CHANNEL_NONE, "Keras' layers"),
    "brightness_range": _keras_brightness,
    "policy": _no(POLICY_NONE + " (nearest: keras.layers.RandAugment)", "Keras' layers"),
}


# -- albumentations 2.x --------------------------------------------------------------

# the names the emitted code spells the engine's OpenCV flags with (the flags themselves
# come from the engine's tables, so the export samples and fills as the engine does)
_CV_NAMES = ("INTER_NEAREST", "INTER_LINEAR", "INTER_CUBIC", "INTER_LANCZOS4",
             "BORDER_REPLICATE", "BORDER_CONSTANT", "BORDER_REFLECT", "BORDER_WRAP")


def _cv(value: int, kind: str) -> Expr:
    """The OpenCV constant ``value`` of ``kind`` ("INTER" or "BORDER") as code.

    >>> _cv(cv2.INTER_LANCZOS4, "INTER").code
    'cv2.INTER_LANCZOS4'
    """
    for name in _CV_NAMES:
        if name.startswith(kind + "_") and getattr(cv2, name) == value:
            return Expr(f"cv2.{name}", value)
    raise ValueError(f"no cv2.{kind}_* name for {value!r}")


def _affine_base(cfg: AugmentConfig) -> dict[str, Any]:
    return {"interpolation": _cv(ORDER_TO_CV[cfg.interpolation_order], "INTER"),
            "border_mode": _cv(BORDERS[cfg.fill_mode], "BORDER"), "fill": cfg.cval, "p": 1.0}


def _alb_rotation(cfg: AugmentConfig, ctx: Context) -> Piece:
    r = cfg.rotation_range
    return ("Affine", {**_affine_base(cfg), "rotate": (-r, r)}, [])


def _alb_shift(cfg: AugmentConfig, ctx: Context) -> Piece:
    h, w = ctx.image_size
    wr, hr = cfg.width_shift_range, cfg.height_shift_range
    if _fraction_form(wr) and _fraction_form(hr):
        x, y = float(wr), float(hr)  # type: ignore[arg-type]  # floats, as checked
        return ("Affine", {**_affine_base(cfg),
                           "translate_percent": {"x": (-x, x), "y": (-y, y)}}, [])
    px, notes = _pixels("width_shift_range", wr, w, ctx)
    py, more = _pixels("height_shift_range", hr, h, ctx)
    return ("Affine", {**_affine_base(cfg), "translate_px": {"x": (-px, px), "y": (-py, py)}},
            notes + more)


def _alb_shear(cfg: AugmentConfig, ctx: Context) -> Piece:
    s = cfg.shear_range
    return ("Affine", {**_affine_base(cfg), "shear": {"x": (-s, s), "y": (0.0, 0.0)}},
            ["shear in degrees, as IDG's", SHEAR_ROWS])


def _alb_zoom(cfg: AugmentConfig, ctx: Context) -> Piece:
    scale = _zoom_scale(cfg)
    return ("Affine", {**_affine_base(cfg), "scale": {"x": scale, "y": scale},
                       "keep_ratio": False},
            ["scale = 1 / IDG's zoom (IDG's zoom < 1 magnifies); each axis its own factor",
             ZOOM_DRAW])


def _half_flip(name: str) -> Rule:
    """A flip of half the images (albumentations' and torchvision's ``p=0.5``)."""

    def rule(cfg: AugmentConfig, ctx: Context) -> Piece:
        return (name, {"p": 0.5}, [])

    return rule


def _alb_channel(cfg: AugmentConfig, ctx: Context) -> Piece:
    c = cfg.channel_shift_range
    notes = ["limits in uint8 pixel values (RGB images only)"]
    if c > 255:
        notes.append(f"channel_shift_range={c:g} is past albumentations' largest shift "
                     "(255, which already saturates a uint8 image): clipped to 255")
        c = 255.0
    return ("RGBShift", {f"{k}_shift_limit": (-c, c) for k in "rgb"} | {"p": 1.0}, notes)


def _alb_brightness(cfg: AugmentConfig, ctx: Context) -> Piece:
    lo, hi = cfg.brightness_range or (1.0, 1.0)
    return ("MultiplicativeNoise", {"multiplier": (lo, hi), "per_channel": False,
                                    "elementwise": False, "p": 1.0},
            ["one factor per image, as IDG's brightness_range"])


ALBUMENTATIONS: dict[str, Rule] = {
    "rotation_range": _alb_rotation,
    "width_shift_range": _alb_shift,
    "height_shift_range": _alb_shift,
    "shear_range": _alb_shear,
    "zoom_range": _alb_zoom,
    "horizontal_flip": _half_flip("HorizontalFlip"),
    "vertical_flip": _half_flip("VerticalFlip"),
    "channel_shift_range": _alb_channel,
    "brightness_range": _alb_brightness,
    "policy": _no(POLICY_NONE, "albumentations"),
}


# -- torchvision v2 ------------------------------------------------------------------


def _tv_base(cfg: AugmentConfig) -> tuple[dict[str, Any], list[str]]:
    notes = []
    if cfg.fill_mode != "constant":
        notes.append(f"fill_mode={cfg.fill_mode!r} is not expressible: torchvision fills "
                     f"with the constant {cfg.cval:g}")
    interp = "nearest" if cfg.interpolation_order == 0 else "bilinear"
    if cfg.interpolation_order > 1:
        notes.append(f"interpolation_order={cfg.interpolation_order}: RandomAffine "
                     "warps bilinearly at best")
    return {"interpolation": interp, "fill": cfg.cval}, notes


def _tv_rotation(cfg: AugmentConfig, ctx: Context) -> Piece:
    base, notes = _tv_base(cfg)
    return ("RandomAffine", {**base, "degrees": (-cfg.rotation_range, cfg.rotation_range)},
            notes)


def _tv_shift(cfg: AugmentConfig, ctx: Context) -> Piece:
    h, w = ctx.image_size
    base, notes = _tv_base(cfg)
    x, more = _fraction("width_shift_range", cfg.width_shift_range, w, ctx)
    y, most = _fraction("height_shift_range", cfg.height_shift_range, h, ctx)
    return ("RandomAffine", {**base, "translate": (x, y)},
            notes + more + most + ["torchvision rounds each shift to whole pixels"])


def _tv_shear(cfg: AugmentConfig, ctx: Context) -> Piece:
    base, notes = _tv_base(cfg)
    s = cfg.shear_range
    return ("RandomAffine", {**base, "shear": (-s, s, 0.0, 0.0)},
            [*notes, "shear in degrees along x, as IDG's", SHEAR_ROWS])


def _tv_zoom(cfg: AugmentConfig, ctx: Context) -> Piece:
    base, notes = _tv_base(cfg)
    return ("RandomAffine", {**base, "scale": _zoom_scale(cfg)},
            [*notes, "one scale for both axes: IDG's per-axis zoom is not expressible",
             ZOOM_DRAW])


def _tv_brightness(cfg: AugmentConfig, ctx: Context) -> Piece:
    lo, hi = cfg.brightness_range or (1.0, 1.0)
    return ("ColorJitter", {"brightness": (lo, hi)}, ["multiplicative, as IDG's"])


TORCHVISION: dict[str, Rule] = {
    "rotation_range": _tv_rotation,
    "width_shift_range": _tv_shift,
    "height_shift_range": _tv_shift,
    "shear_range": _tv_shear,
    "zoom_range": _tv_zoom,
    "horizontal_flip": _half_flip("RandomHorizontalFlip"),
    "vertical_flip": _half_flip("RandomVerticalFlip"),
    "channel_shift_range": _no(CHANNEL_NONE, "torchvision"),
    "brightness_range": _tv_brightness,
    "policy": _no(POLICY_NONE + " (nearest: v2.TrivialAugmentWide or v2.RandAugment)",
                  "torchvision"),
}

TABLES = {"keras": KERAS, "albumentations": ALBUMENTATIONS, "torchvision": TORCHVISION}
# required arguments of a class at their neutral values, for the transforms it does not carry
# classes written once per transform, never merged (two flips are two draws)
_ONE_PER_TRANSFORM = frozenset({"RandomFlip"})
NEUTRAL: dict[str, dict[str, Any]] = {
    "RandomTranslation": {"height_factor": 0.0, "width_factor": 0.0},
    "RandomAffine": {"degrees": 0.0},
}


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, got {target!r}")
    return target


def make_context(image_size: tuple[int, int] | None, seed: int | None) -> Context:
    if image_size is None:
        return Context(DEFAULT_IMAGE_SIZE, False, seed)
    if len(image_size) != 2 or min(image_size) < 1:
        raise ValueError(f"image_size must be (height, width) in pixels, got {image_size!r}")
    return Context((int(image_size[0]), int(image_size[1])), True, seed)


def make_plan(config: AugmentConfig, target: str, ctx: Context | None = None) -> Plan:
    """The steps of ``target`` for ``config``'s active transforms, in the registry's
    order; pieces aimed at the same class (albumentations' ``Affine``) merge."""
    ctx = ctx or make_context(None, None)
    if check_target(target) not in TABLES:
        raise ValueError(f"target {target!r} has no step plan: emit_code and build_pipeline "
                         "write and build it from the config directly")
    table = TABLES[target]
    steps: dict[str, Step] = {}
    missing: dict[str, str] = {}
    for spec in active_transforms(config):
        piece = table[spec.name](config, ctx)
        if isinstance(piece, str):
            missing[spec.name] = piece
            continue
        name, kwargs, notes = piece
        key = f"{name}/{spec.name}" if name in _ONE_PER_TRANSFORM else name
        step = steps.setdefault(key, Step(name, dict(NEUTRAL.get(name, {}))))
        step.kwargs.update(kwargs)
        step.covers.append(spec.name)
        step.notes.extend(n for n in notes if n not in step.notes)
    if target == "keras" and not steps:
        # an empty keras.Sequential cannot be called: keep the pipeline a working no-op
        steps["Identity"] = Step("Identity", notes=[
            "no transform of this config is expressible with Keras' layers: identity"])
    general = []
    geometric = sum(1 for s in steps.values() if s.name.startswith(
        ("RandomRotation", "RandomTranslation", "RandomShear", "RandomZoom")))
    if target == "keras" and geometric > 1:
        general.append(ONE_WARP)
    if target == "keras" and config.has_geometry:
        general.extend(_keras_interp(config)[1])
    if config.standardizes:
        general.append(STANDARDISATION_NOTE)
    if ctx.seed is not None and target == "keras":
        for k, step in enumerate(steps.values()):
            if step.name.startswith("Random"):
                step.kwargs["seed"] = ctx.seed + k
    return Plan(target, tuple(steps.values()), tuple(general), missing)
