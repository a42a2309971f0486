"""The search space over ``ImageDataGenerator`` arguments, and its full grid.

The dimensions are the transforms' own (``augwise.core.transforms.TRANSFORMS``: each
declares its search range), plus ``fill_mode``.  Every dimension is discrete (a range
with a step, or a set of choices), so the space the sampler draws from *is* a grid:
:func:`grid_size` counts its points, which is how the tuner states its compute as a
fraction of a full grid search.

>>> cfg = config_from_params({"rotation_range": 10, "horizontal_flip": True})
>>> cfg.rotation_range, cfg.horizontal_flip
(10.0, True)
"""

from __future__ import annotations

import math
from typing import Any

from augwise.core.config import FILL_MODES, AugmentConfig
from augwise.core.transforms import TRANSFORMS, Dim, spec

__all__ = ["Dim", "all_dims", "config_from_params", "describe_space", "grid_size", "suggest"]

_POLICY = spec("policy")
# the classic ImageDataGenerator ranges (shear in degrees, brightness as 1 +- b)
CLASSIC_DIMS = (
    *(d for s in TRANSFORMS if s is not _POLICY for d in s.search),
    Dim("fill_mode", choices=FILL_MODES),
)
POLICY = _POLICY.search[0]
# RandAugment's arguments, searched only when policy == "randaugment"
RANDAUGMENT_DIMS = _POLICY.search_if["randaugment"]


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
    for d in _POLICY.search_if.get(params["policy"], ()):
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
    for s in TRANSFORMS:
        kwargs.update(s.from_search(params))
    cfg = AugmentConfig(**kwargs)
    # without a transform that moves pixels no pixel is filled: keep the default
    if any(s.fills and s.active(cfg) for s in TRANSFORMS):
        cfg = cfg.replace(fill_mode=str(params.get("fill_mode", "nearest")))
    return cfg


def describe_space() -> list[str]:
    """One line per dimension, for reports and ``--help``."""
    lines = [d.describe() for d in CLASSIC_DIMS]
    lines.append(POLICY.describe() + "; randaugment adds " + ", ".join(
        d.describe() for d in RANDAUGMENT_DIMS))
    return lines
