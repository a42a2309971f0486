"""The baselines every tuning run is compared with, at the same budget and seeds."""

from __future__ import annotations

from dataclasses import dataclass

from augwise.core import presets
from augwise.core.config import AugmentConfig
from augwise.tune.training import engine_config

# the configs of the classic tutorials (zoom_range=0.2 means [0.8, 1.2], as in Keras)
CLASSIC_OVERAUGMENTED = AugmentConfig(**presets.CLASSIC_OVERAUGMENTED)
CLASSIC_BALANCED = AugmentConfig(**presets.CLASSIC_BALANCED)
NONE = "no augmentation"
USER = "your config"
TRIVIALAUGMENT = "TrivialAugment"
BALANCED = "classic balanced"


@dataclass(frozen=True)
class Candidate:
    """A configuration retrained in the final comparison."""

    name: str
    config: AugmentConfig
    tuned: bool = False
    trial: int | None = None  # the search trial it came from


def baselines(user: AugmentConfig | None) -> list[Candidate]:
    """No augmentation, the user's config (when it augments), TrivialAugment and the
    classic balanced config; duplicates (same augmentation) are listed once."""
    found = [Candidate(NONE, AugmentConfig())]
    if user is not None and engine_config(user).augments:
        found.append(Candidate(USER, user.augmentation_only().replace(seed=None)))
    found.append(Candidate(TRIVIALAUGMENT, AugmentConfig(policy="trivialaugment")))
    found.append(Candidate(BALANCED, CLASSIC_BALANCED))
    out: list[Candidate] = []
    seen: set[AugmentConfig] = set()
    for c in found:
        key = engine_config(c.config)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
