"""Exposure to Keras' own geometric defects, when Keras' ImageDataGenerator trains the model.

(The other Keras defects have their own checks: validation augmentation, brightness on
[0, 1] inputs, hidden class folders, featurewise options without fit, 16-bit images,
EXIF orientation.)
"""

from __future__ import annotations

from typing import Any

from augwise.core.config import AugmentConfig
from augwise.core.transforms import shift_limit
from augwise.doctor.checks import check
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit


def keras_shifts(config: AugmentConfig, hw: tuple[int, int]) -> dict[str, float]:
    """Intended and Keras' actual largest shifts (pixels) on each axis."""
    h, w = hw
    return {
        "intended_horizontal_px": shift_limit(config.width_shift_range, w),
        "intended_vertical_px": shift_limit(config.height_shift_range, h),
        # Keras draws the horizontal shift from height_shift_range scaled by the height
        "keras_horizontal_px": shift_limit(config.height_shift_range, h),
        "keras_vertical_px": shift_limit(config.width_shift_range, w),
    }


@check("config.keras_defects", "config", "Exposure to Keras' geometric defects")
def keras_defects(ctx: Context) -> Hit | None:
    if not ctx.keras:
        return None
    cfg = ctx.config
    h, w = ctx.target_hw
    problems: list[str] = []
    evidence: dict[str, Any] = {"target_size": [h, w]}
    shifts = keras_shifts(cfg, (h, w))
    if (shifts["intended_horizontal_px"], shifts["intended_vertical_px"]) != (
        shifts["keras_horizontal_px"], shifts["keras_vertical_px"]
    ):
        evidence.update(shifts)
        problems.append(
            f"shift axes swapped (horizontal up to {shifts['keras_horizontal_px']:.1f} px instead "
            f"of {shifts['intended_horizontal_px']:.1f}, vertical {shifts['keras_vertical_px']:.1f}"
            f" instead of {shifts['intended_vertical_px']:.1f})"
        )
    pivoting = [n for n in ("rotation_range", "shear_range") if getattr(cfg, n)]
    if cfg.zoom_range != (1.0, 1.0):
        pivoting.append("zoom_range")
    if h != w and pivoting:
        offset = abs(h - w) / 2.0
        evidence.update({"off_centre_px": offset, "pivoting_transforms": pivoting})
        problems.append(f"{', '.join(pivoting)} pivot {offset:g} px off the centre of the "
                        f"non-square {h}x{w} images")
    if not problems:
        return None
    return Hit("warning", "Keras' ImageDataGenerator: " + "; ".join(problems),
               "use augwise.ImageDataGenerator (same arguments, defects fixed)",
               evidence=evidence, patch={"keras_compat": False} if cfg.keras_compat else {},
               detail="Keras 3 swaps width_shift_range and height_shift_range (keras issue "
               "17398) and uses (h/2 - 0.5, w/2 - 0.5) as the (x, y) pivot.")
