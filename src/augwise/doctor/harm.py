"""Measured per-transform harm: the data model the tuner fills and the doctor reports.

``augwise tune --measure-harm`` trains a proxy model with each transform alone and
without augmentation over several seeds and writes a :class:`HarmReport` as JSON;
``augwise doctor --harm FILE`` (or ``diagnose(..., harm=report)``) adds it to the report:
a table, an affinity-vs-diversity scatter (Gontijo-Lopes et al. 2020, "Tradeoffs in Data
Augmentation: An Empirical Study") and a finding for every transform whose accuracy
change has a 95% confidence interval entirely below zero.

Accuracies and deltas are fractions (0..1); the report shows them in points (x100).
"""

from __future__ import annotations

import io
import json
import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from augwise.core.config import AugmentConfig
from augwise.doctor.findings import Finding, Severity

ERROR_POINTS = 2.0  # a transform costing at least this many points (CI below 0) is an error
FULL_CONFIG = "full_config"


@dataclass(frozen=True)
class Estimate:
    """A mean with a 95% confidence interval over seeds."""

    mean: float
    low: float
    high: float
    n: int  # number of seeds

    def __post_init__(self) -> None:
        for name in ("mean", "low", "high"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Real) or isinstance(v, bool):
                raise TypeError(f"Estimate.{name} must be a number, got {v!r}")
            if not math.isfinite(v):
                raise ValueError(f"Estimate.{name} must be finite, got {v!r}")
            object.__setattr__(self, name, float(v))
        tol = 1e-9 * max(1.0, abs(self.mean))
        if not self.low - tol <= self.mean <= self.high + tol:
            raise ValueError(f"Estimate needs low <= mean <= high, got {self.low}, "
                             f"{self.mean}, {self.high}")
        if not isinstance(self.n, numbers.Integral) or isinstance(self.n, bool) or self.n < 1:
            raise ValueError(f"Estimate.n must be a positive int, got {self.n!r}")
        object.__setattr__(self, "n", int(self.n))

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Estimate:
        if not isinstance(d, Mapping):
            raise TypeError(f"an estimate must be a mapping, got {type(d).__name__}")
        missing = {"mean", "low", "high", "n"} - set(d)
        if missing:
            raise ValueError(f"estimate is missing {', '.join(sorted(missing))}: {dict(d)!r}")
        return cls(float(d["mean"]), float(d["low"]), float(d["high"]), int(d["n"]))

    def points(self) -> str:
        """``"6.1 ± 0.9"`` in accuracy points."""
        return f"{100 * self.mean:.1f} ± {100 * self.half_width:.1f}"


_ESTIMATES = ("accuracy_with", "accuracy_without", "delta", "affinity", "diversity")


@dataclass(frozen=True)
class TransformHarm:
    """Accuracy with one transform against none, and its affinity and diversity."""

    transform: str  # AugmentConfig field name, e.g. "rotation_range", or "full_config"
    value: Any  # the magnitude measured (JSON-safe)
    accuracy_with: Estimate  # held-out accuracy trained with this transform alone, 0..1
    accuracy_without: Estimate  # same budget/seeds, no augmentation
    delta: Estimate  # accuracy_with - accuracy_without (paired over seeds), fraction
    affinity: Estimate  # acc of clean-trained model on augmented val / its clean acc
    diversity: Estimate  # final train loss with aug / final train loss without

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _frozen(self.value))

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
        out: dict[str, Any] = {"transform": self.transform, "value": _plain(self.value)}
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


@dataclass(frozen=True)
class HarmReport:
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
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read harm report {str(path)!r}: {exc}") from exc
        return cls.from_dict(data)

    def save(self, path: str | os.PathLike[str]) -> Path:
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), indent=2), encoding="utf-8")
        return p


def _frozen(value: Any) -> Any:
    """Lists (from JSON) as tuples, numpy scalars as Python numbers."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(value: Any) -> Any:
    """JSON form of a value: tuples as lists, numbers unrounded."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def harm_findings(report: HarmReport) -> list[Finding]:
    """One finding per transform whose accuracy change is below zero with 95% confidence."""
    out = []
    default = AugmentConfig().to_dict()
    for item in report.items:
        if not item.costs_accuracy:
            continue
        cost = -100 * item.delta.mean
        severity: Severity = "error" if cost >= ERROR_POINTS else "warning"
        patch = {item.transform: default[item.transform]} if item.transform in default else {}
        out.append(Finding(
            id=f"harm.{item.transform}",
            severity=severity,
            category="harm",
            title=f"{item.label} costs {cost:.1f} ± {100 * item.delta.half_width:.1f} points "
                  f"of accuracy (95% CI, {item.delta.n} seeds)",
            fix="drop it or reduce it",
            evidence={"accuracy_with": item.accuracy_with.to_dict(),
                      "accuracy_without": item.accuracy_without.to_dict(),
                      "delta": item.delta.to_dict(), "affinity": item.affinity.to_dict(),
                      "diversity": item.diversity.to_dict(), "proxy": report.proxy},
            detail="Measured by training the proxy model with this transform alone and without "
                   "augmentation on the same seeds and budget.",
            patch=patch,
        ))
    return out


def harm_rows(report: HarmReport) -> list[dict[str, str]]:
    """Table rows (strings) for the HTML report, most harmful first."""
    rows = []
    for item in sorted(report.items, key=lambda i: i.delta.mean):
        verdict = ("costs accuracy" if item.costs_accuracy else
                   "helps" if item.helps else "no measurable effect")
        rows.append({
            "transform": item.label,
            "with": item.accuracy_with.points(),
            "without": item.accuracy_without.points(),
            "delta": item.delta.points(),
            "affinity": f"{item.affinity.mean:.3f} [{item.affinity.low:.3f}, "
                        f"{item.affinity.high:.3f}]",
            "diversity": f"{item.diversity.mean:.3f} [{item.diversity.low:.3f}, "
                         f"{item.diversity.high:.3f}]",
            "verdict": verdict,
            "harmful": "yes" if item.costs_accuracy else "",
        })
    return rows


def scatter_png(report: HarmReport) -> bytes:
    """Affinity (x) against diversity (y), coloured by the accuracy change (PNG bytes)."""
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    for item in report.items:
        colour = "#c62828" if item.costs_accuracy else (
            "#2e7d32" if item.helps else "#757575")
        ax.errorbar(item.affinity.mean, item.diversity.mean,
                    xerr=[[item.affinity.mean - item.affinity.low],
                          [item.affinity.high - item.affinity.mean]],
                    yerr=[[item.diversity.mean - item.diversity.low],
                          [item.diversity.high - item.diversity.mean]],
                    fmt="o", color=colour, ms=6, capsize=2, lw=1)
        ax.annotate(item.label, (item.affinity.mean, item.diversity.mean), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("affinity (clean model's accuracy on augmented / clean data)")
    ax.set_ylabel("diversity (train loss with / without)")
    ax.set_title("red: costs accuracy, green: helps, grey: no measurable effect", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return buf.getvalue()
