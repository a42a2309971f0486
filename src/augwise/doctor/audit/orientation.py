"""Canonical orientation of the data (evidence for or against flips and rotations)."""

from __future__ import annotations

from augwise.doctor.checks import Skip, check
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit, pct
from augwise.doctor.orientation import MIN_IMAGES, ORIENTED, TRANSFORMS

MAJORITY = 0.5
_WORDS = {"horizontal_flip": "left-right", "vertical_flip": "up-down",
          "rotation_90": "upright (90° rotation)"}


@check("orientation.canonical", "data", "Canonical orientation of the data")
def canonical(ctx: Context) -> Hit | None:
    o = ctx.orientation
    if o is None:
        raise Skip(f"no class has {MIN_IMAGES} readable training images")
    shares = {t: o.oriented_fraction(t) for t in TRANSFORMS}
    strong = [t for t, s in shares.items() if s >= MAJORITY]
    if not strong:
        return None
    parts = [f"{_WORDS[t]} for {pct(shares[t], 0)} of images" for t in strong]
    return Hit(
        "info", "the data have a canonical orientation: " + "; ".join(parts),
        "keep augmentations that contradict it small (see the flip and rotation findings)",
        evidence={**o.to_dict(), "oriented_share": shares},
        detail=f"A class is oriented under a transform when its mean image changes by more "
        f"than {ORIENTED:g} (relative) and three times its sampling noise.",
    )
