"""What the geometric transforms invent and throw away, as plain data.

The doctor measures it (:mod:`augwise.doctor.fill`); shares are fractions (0..1) of
output pixels (fill) or of the image's content (lost).

>>> s = FillStat("rotation_range", 30.0, 0.1, 0.2, 0.05, 0.1, 0.0, 0.02, 0.0)
>>> report = FillReport([s], "nearest", 0.0, 8, 1.0, 0.0, {"constant": 0.01})
>>> FillReport.from_dict(report.to_dict()) == report
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from augwise.results._values import frozen

ALL = "all"  # the FillStat measuring the whole config's geometry


@dataclass(frozen=True)
class FillStat:
    """Measurements of one transform (or :data:`ALL`: the whole config)."""

    transform: str
    value: Any  # the transform's magnitude (None for ALL)
    fill_mean: float
    fill_p95: float
    visible_mean: float
    visible_p95: float
    lost_median: float
    lost_p90: float
    lost_over_quarter: float  # share of draws that lose more than 25% of the content

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", frozen(self.value))

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FillStat:
        names = [f.name for f in fields(cls)]
        _require(d, names, f"fill measurement {_name(d)}")
        return cls(str(d["transform"]), d["value"], *(float(d[n]) for n in names[2:]))


@dataclass(frozen=True)
class FillReport:
    """Per-transform and whole-config measurements, plus what other fill modes would do."""

    stats: list[FillStat]
    fill_mode: str
    cval: float
    images: int
    uniform_border: float  # share of sampled images with a uniform border
    border_value: float  # median border value of those (8-bit units)
    alternatives: dict[str, float]  # fill mode -> visible_mean of the whole config

    def get(self, name: str) -> FillStat | None:
        return next((s for s in self.stats if s.transform == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fill_mode": self.fill_mode, "cval": self.cval, "images": self.images,
            "uniform_border": self.uniform_border, "border_value": self.border_value,
            "alternatives": self.alternatives, "transforms": [s.to_dict() for s in self.stats],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FillReport:
        """The inverse of :meth:`to_dict` (the ``fill`` object of the doctor's JSON)."""
        keys = ("fill_mode", "cval", "images", "uniform_border", "border_value",
                "alternatives", "transforms")
        _require(d, keys, "a fill report")
        if not isinstance(d["transforms"], list) or not isinstance(d["alternatives"], Mapping):
            raise ValueError("a fill report needs a 'transforms' list and an 'alternatives' "
                             f"mapping, got {type(d['transforms']).__name__} and "
                             f"{type(d['alternatives']).__name__}")
        return cls(
            stats=[FillStat.from_dict(s) for s in d["transforms"]],
            fill_mode=str(d["fill_mode"]), cval=float(d["cval"]), images=int(d["images"]),
            uniform_border=float(d["uniform_border"]), border_value=float(d["border_value"]),
            alternatives={str(k): float(v) for k, v in d["alternatives"].items()},
        )


def _name(d: Any) -> str:
    return repr(d.get("transform")) if isinstance(d, Mapping) else ""


def _require(d: Any, keys: Any, what: str) -> None:
    if not isinstance(d, Mapping):
        raise TypeError(f"{what} must be a mapping, got {type(d).__name__}")
    missing = [k for k in keys if k not in d]
    if missing:
        raise ValueError(f"{what} is missing {', '.join(missing)}")
