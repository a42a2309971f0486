"""Colour modes: grey among colour, transparency, CMYK, 16-bit."""

from __future__ import annotations

from collections import Counter

import numpy as np

from augwise.doctor.checks import Skip, check, need_files
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit, pct

GREY_CHROMA = 1.0  # mean |R-G|,|G-B| below this (8-bit levels): the image is grey
CONCENTRATION = 2.0  # a class holds the minority colour kind at twice its overall share
MIN_CONCENTRATED = 5
ALPHA_MIN = 0.01  # share of transparent pixels worth reporting


@check("colour.mode_mix", "data", "Grey and colour images mixed")
def mode_mix(ctx: Context) -> Hit | None:
    ok = ctx.ok
    t = ctx.table.loc[ok]
    if (ctx.train.x is not None and ctx.train.x.shape[3] == 1) or (
        ctx.files and ctx.flow.color_mode == "grayscale"
    ):
        raise Skip("the images are loaded as grayscale")
    grey = t["chroma"].to_numpy() < GREY_CHROMA
    if grey.all() or not grey.any():
        return None
    minority_is_grey = grey.sum() <= (~grey).sum()
    minority = grey if minority_is_grey else ~grey
    kind = "grey" if minority_is_grey else "colour"
    share = float(minority.mean())
    labels = t["label"].to_numpy()
    concentrated: dict[str, float] = {}
    for label in np.unique(labels[labels >= 0]):
        in_class = labels == label
        class_share = float(minority[in_class].mean())
        if minority[in_class].sum() >= MIN_CONCENTRATED and class_share >= CONCENTRATION * share:
            concentrated[ctx.class_names[int(label)]] = class_share
    modes = dict(Counter(t["mode"]).most_common()) if ctx.files else {}
    names = t["name"].to_numpy()[minority].tolist()
    evidence = {"grey": int(grey.sum()), "colour": int((~grey).sum()), "pil_modes": modes,
                "minority": kind, "minority_share": share,
                "classes_with_concentrated_minority": concentrated}
    if concentrated:
        return Hit("warning", f"{kind} images ({pct(share)}) are concentrated in "
                   f"{', '.join(concentrated)}: colour can become a shortcut for the label",
                   "convert all images to one colour mode (color_mode='grayscale' if colour "
                   "does not matter), or add the other kind to the other classes",
                   evidence=evidence, files=names, detail="A model learns 'grey means class X' "
                   "when grey images come mostly from one class.")
    return Hit("info", f"{int(minority.sum())} {kind} image(s) ({pct(share)}) among "
               f"{'colour' if minority_is_grey else 'grey'} ones",
               "fine for the loader (grey becomes three equal channels); check they come from "
               "the same source", evidence=evidence, files=names)


@check("colour.alpha", "data", "Transparent images loaded without alpha")
def alpha(ctx: Context) -> Hit | None:
    need_files(ctx)
    if ctx.flow.color_mode == "rgba":
        return None
    frac = ctx.table["alpha_fraction"].to_numpy()
    mask = ctx.ok & (frac >= ALPHA_MIN)
    if not mask.any():
        return None
    return Hit("warning", f"{int(mask.sum())} image(s) have transparent areas that "
               f"color_mode='{ctx.flow.color_mode}' drops (mean {pct(float(frac[mask].mean()))} "
               "of their pixels)", "composite them on a fixed background colour offline, or "
               "use color_mode='rgba'", evidence={"files": int(mask.sum()),
                                                  "mean_transparent": float(frac[mask].mean())},
               files=ctx.names(mask), detail="Dropping alpha shows whatever colour the "
               "transparent pixels store (often black or garbage), so the background varies "
               "with the encoder.")


@check("colour.cmyk", "data", "CMYK images")
def cmyk(ctx: Context) -> Hit | None:
    need_files(ctx)
    mask = ctx.ok & np.asarray(ctx.table["mode"] == "CMYK", bool)
    if not mask.any():
        return None
    return Hit("info", f"{int(mask.sum())} CMYK image(s): converted to RGB without their "
               "colour profile", "convert them to sRGB with their ICC profile offline",
               evidence={"files": int(mask.sum())}, files=ctx.names(mask),
               detail="Pillow's naive CMYK->RGB conversion differs from what viewers show.")


@check("colour.high_bit_depth", "data", "16-bit images")
def high_bit_depth(ctx: Context) -> Hit | None:
    need_files(ctx)
    mask = ctx.ok & (ctx.table["bit_depth"].to_numpy() >= 16)
    if not mask.any():
        return None
    n = int(mask.sum())
    ev = {"files": n, "modes": dict(Counter(ctx.table.loc[mask, "mode"]))}
    names = ctx.names(mask)
    if ctx.flow.color_mode == "grayscale":
        return Hit("warning", f"{n} 16-bit image(s) load with raw values up to 65535",
                   "scale by 1/65535 (rescale=1/65535), not 1/255, or convert them to 8 bits",
                   evidence=ev, files=names, detail="Both Keras and augwise keep the raw "
                   "16-bit values in grayscale mode; rescale=1/255 then gives inputs up to 257.")
    if ctx.keras:
        return Hit("error", f"{n} 16-bit image(s) are clipped to 255 (nearly white) by Keras",
                   "convert them to 8 bits offline, or load with augwise (which scales them)",
                   evidence=ev, files=names)
    return Hit("info", f"{n} 16-bit image(s), scaled to 8 bits by augwise", "nothing to do "
               "with augwise; Keras would clip them to 255", evidence=ev, files=names)
