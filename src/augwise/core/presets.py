"""Named augmentation configs used by the demos, the doctor and the tuner's baselines.

The two classic configs come from the well-known "why does augmentation hurt my model"
examples: the over-augmented one and the common "balanced" one.
"""

from __future__ import annotations

from typing import Any

CLASSIC_OVERAUGMENTED: dict[str, Any] = {
    "rotation_range": 40,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.2,
    "zoom_range": 0.2,
    "horizontal_flip": True,
    "fill_mode": "nearest",
}

CLASSIC_BALANCED: dict[str, Any] = {
    "rotation_range": 20,
    "width_shift_range": 0.2,
    "height_shift_range": 0.2,
    "shear_range": 0.2,
    "zoom_range": 0.2,
    "horizontal_flip": True,
    "fill_mode": "nearest",
}
