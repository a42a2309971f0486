"""Measured per-transform harm as plain data: what the tuner writes and the doctor reads.

``augwise tune --measure-harm`` trains a proxy model with each transform alone and
without augmentation over several seeds and saves a :class:`HarmReport` as JSON;
``augwise doctor --harm FILE`` (or ``diagnose(..., harm=report)``) reports it.
Accuracies and deltas are fractions (0..1).

>>> from augwise.results.estimate import Estimate
>>> acc = Estimate(0.8, 0.78, 0.82, 3)
>>> item = TransformHarm("rotation_range", 40.0, acc, acc, Estimate(-0.06, -0.07, -0.05, 3),
...                      acc, acc)
>>> report = HarmReport((item,), "proxy", 3)
>>> HarmReport.from_dict(report.to_dict()) == report, item.costs_accuracy
(True, True)
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from augwise.core.files import UnreadableFile, read_regular
from augwise.results._values import frozen, plain
from augwise.results.estimate import Estimate

FULL_CONFIG = "full_config"  # the item measuring the whole config rather than one transform
_ESTIMATES = ("accuracy_with", "accuracy_without", "delta", "affinity", "diversity")


@dataclass(frozen=True)
class TransformHarm:
    """Accuracy with one transform against none, and its affinity and diversity."""

    transform: str  # AugmentConfig field name, e.g. "rotation_range", or FULL_CONFIG
    value: Any  # the magnitude measured (JSON-safe)
    accuracy_with: Estimate  # held-out accuracy trained with this transform alone, 0..1
    accuracy_without: Estimate  # same budget/seeds, no augmentation
    delta: Estimate  # accuracy_with - accuracy_without (paired over seeds), fraction
    affinity: Estimate  # acc of clean-trained model on augmented val / its clean acc
    diversity: Estimate  # final train loss with aug / final train loss without

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", frozen(self.value))

    @property
    def costs_accuracy(self) -> bool:
        """The accuracy change is below zero with 95% confidence (needs two seeds)."""
        return self.delta.n >= 2 and self.delta.high < 0

    @property
    def helps(self) -> bool:
        return self.delta.n >= 2 and self.delta.low > 0

    @property
    def label(self) -> str:
        if self.transform == FULL_CONFIG:
            return "full config"
        return f"{self.transform}={_shown(self.value)}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"transform": self.transform, "value": plain(self.value)}
        for name in _ESTIMATES:
            out[name] = getattr(self, name).to_dict()
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TransformHarm:
        if not isinstance(d, Mapping) or "transform" not in d:
            raise ValueError(f"a harm item needs a 'transform' key, got {d!r}")
        known = {f.name for f in fields(cls)} - {"transform", "value"}
        missing = known - set(d)
        if missing:
            raise ValueError(f"harm item {d.get('transform')!r} is missing "
                             f"{', '.join(sorted(missing))}")
        return cls(str(d["transform"]), d.get("value"),
                   **{name: Estimate.from_dict(d[name]) for name in _ESTIMATES})

MAX_REPORT_BYTES = 64 << 20  # a harm report holds a row per transform: far below this


@dataclass(frozen=True)
class HarmReport:
    """Every measured transform (and the full config), the proxy used and the seed count."""

    items: tuple[TransformHarm, ...]
    proxy: str  # description of the proxy model and budget
    seeds: int

    def to_dict(self) -> dict[str, Any]:
        return {"proxy": self.proxy, "seeds": self.seeds,
                "items": [item.to_dict() for item in self.items]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> HarmReport:
        if not isinstance(d, Mapping):
            raise TypeError(f"a harm report must be a mapping, got {type(d).__name__}")
        if not isinstance(d.get("items"), list):
            raise ValueError("a harm report needs an 'items' list")
        return cls(tuple(TransformHarm.from_dict(i) for i in d["items"]),
                   str(d.get("proxy", "")), int(d.get("seeds", 0)))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> HarmReport:
        """Read a report written by ``augwise tune --measure-harm`` (JSON)."""
        try:
            data = json.loads(read_regular(os.fspath(path), MAX_REPORT_BYTES).decode("utf-8"))
        except (UnreadableFile, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read harm report {str(path)!r}: {exc}") from exc
        except RecursionError:
            raise ValueError(f"harm report {str(path)!r} is nested too deeply: not a "
                             "report of `augwise tune --measure-harm`") from None
        try:
            return cls.from_dict(data)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"harm report {str(path)!r}: {exc}; write it with "
                             "`augwise tune --measure-harm`") from exc

    def save(self, path: str | os.PathLike[str]) -> Path:
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        return p


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
