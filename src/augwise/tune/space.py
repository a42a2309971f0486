"""The search space over ``ImageDataGenerator`` arguments, and its full grid.

Every dimension is discrete (a range with a step, or a set of choices), so the space
the sampler draws from *is* a grid: :func:`grid_size` counts its points, which is how
the tuner states its compute as a fraction of a full grid search.

>>> cfg = config_from_params({"rotation_range": 10, "horizontal_flip": True})
>>> cfg.rotation_range, cfg.horizontal_flip
(10.0, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from augwise.core.config import FILL_MODES, AugmentConfig


@dataclass(frozen=True)
class Dim:
    """One searched argument: numbers ``low..high`` by ``step``, or ``choices``."""

    name: str
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0
    choices: tuple[Any, ...] = ()

    @property
    def levels(self) -> int:
        if self.choices:
            return len(self.choices)
        return round((self.high - self.low) / self.step) + 1

    @property
    def integer(self) -> bool:
        return not self.choices and all(float(v).is_integer() for v in (self.low, self.step))

    def describe(self) -> str:
        if self.choices:
            return f"{self.name} in {{{', '.join(str(c) for c in self.choices)}}}"
        return f"{self.name} in {self.low:g}..{self.high:g} step {self.step:g}"


# the classic ImageDataGenerator ranges (shear in degrees, brightness as 1 +- b)
CLASSIC_DIMS = (
    Dim("rotation_range", 0, 45, 5),
    Dim("width_shift_range", 0, 0.3, 0.05),
    Dim("height_shift_range", 0, 0.3, 0.05),
    Dim("shear_range", 0, 30, 5),
    Dim("zoom_range", 0, 0.3, 0.05),
    Dim("channel_shift_range", 0, 60, 10),
    Dim("brightness", 0, 0.4, 0.1),
    Dim("horizontal_flip", choices=(False, True)),
    Dim("vertical_flip", choices=(False, True)),
    Dim("fill_mode", choices=FILL_MODES),
)
POLICY = Dim("policy", choices=("none", "trivialaugment", "randaugment"))
# RandAugment's arguments, searched only when policy == "randaugment"
RANDAUGMENT_DIMS = (
    Dim("policy_num_ops", 1, 3, 1),
    Dim("policy_magnitude", 0, 30, 3),
)


def all_dims() -> list[Dim]:
    return [*CLASSIC_DIMS, POLICY, *RANDAUGMENT_DIMS]


def grid_size() -> int:
    """Points of the full grid over the same space (RandAugment's N, M counted once)."""
    classic = math.prod(d.levels for d in CLASSIC_DIMS)
    policies = (POLICY.levels - 1) + math.prod(d.levels for d in RANDAUGMENT_DIMS)
    return classic * policies


def suggest(trial: Any) -> AugmentConfig:
    """Draw a configuration with an Optuna ``trial``."""
    params: dict[str, Any] = {}
    for d in CLASSIC_DIMS:
        params[d.name] = _suggest(trial, d)
    params["policy"] = _suggest(trial, POLICY)
    if params["policy"] == "randaugment":
        for d in RANDAUGMENT_DIMS:
            params[d.name] = _suggest(trial, d)
    return config_from_params(params)


def _suggest(trial: Any, d: Dim) -> Any:
    if d.choices:
        return trial.suggest_categorical(d.name, list(d.choices))
    if d.integer:
        return trial.suggest_int(d.name, int(d.low), int(d.high), step=int(d.step))
    return trial.suggest_float(d.name, d.low, d.high, step=d.step)


def config_from_params(params: dict[str, Any]) -> AugmentConfig:
    """The ``AugmentConfig`` of a point of the space (missing dimensions: off)."""
    kwargs: dict[str, Any] = {}
    for name in ("rotation_range", "shear_range", "channel_shift_range"):
        kwargs[name] = float(params.get(name, 0))
    for name in ("width_shift_range", "height_shift_range"):
        kwargs[name] = round(float(params.get(name, 0.0)), 4)
    zoom = round(float(params.get("zoom_range", 0.0)), 4)
    kwargs["zoom_range"] = (round(1 - zoom, 4), round(1 + zoom, 4))
    bright = round(float(params.get("brightness", 0.0)), 4)
    kwargs["brightness_range"] = None if bright == 0 else (round(1 - bright, 4),
                                                           round(1 + bright, 4))
    kwargs["horizontal_flip"] = bool(params.get("horizontal_flip", False))
    kwargs["vertical_flip"] = bool(params.get("vertical_flip", False))
    policy = params.get("policy", "none")
    moves = any(kwargs[n] for n in ("rotation_range", "shear_range", "width_shift_range",
                                    "height_shift_range")) or zoom or policy != "none"
    # without a transform that moves pixels no pixel is filled: keep the default
    kwargs["fill_mode"] = str(params.get("fill_mode", "nearest")) if moves else "nearest"
    if policy not in POLICY.choices:
        raise ValueError(f"policy must be one of {POLICY.choices}, got {policy!r}")
    if policy != "none":
        kwargs["policy"] = policy
    if policy == "randaugment":
        kwargs["policy_num_ops"] = int(params.get("policy_num_ops", 2))
        kwargs["policy_magnitude"] = int(params.get("policy_magnitude", 9))
    return AugmentConfig(**kwargs)


def describe_space() -> list[str]:
    """One line per dimension, for reports and ``--help``."""
    lines = [d.describe() for d in CLASSIC_DIMS]
    lines.append(POLICY.describe() + "; randaugment adds " + ", ".join(
        d.describe() for d in RANDAUGMENT_DIMS))
    return lines
