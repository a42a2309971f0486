"""A mean with its 95 % confidence interval over seeds: the one estimate type.

The tuner computes estimates (:func:`mean_ci`, :func:`paired_ci`) and the doctor
reports them; both import them from here.

>>> e = mean_ci([0.80, 0.82, 0.81])
>>> round(e.mean, 3), e.n
(0.81, 3)
>>> Estimate.from_dict(e.to_dict()) == e
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

LEVEL = 0.95
_KEYS = ("mean", "low", "high", "n")


@dataclass(frozen=True)
class Estimate:
    """A mean over ``n`` seeds with its two-sided 95 % interval ``[low, high]``.

    >>> Estimate(0.8, 0.78, 0.82, 3).points()
    '80.0 ± 2.0'
    """

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

    def points(self, digits: int = 1) -> str:
        """``"6.1 ± 0.9"`` in percentage points (accuracies, deltas); one seed: the mean."""
        if self.n < 2:
            return f"{100 * self.mean:.{digits}f}"
        return f"{100 * self.mean:.{digits}f} ± {100 * self.half_width:.{digits}f}"

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Estimate:
        """The inverse of :meth:`to_dict` (a JSON object with mean, low, high and n)."""
        if not isinstance(d, Mapping):
            raise TypeError(f"an estimate must be a mapping, got {type(d).__name__}")
        missing = set(_KEYS) - set(d)
        if missing:
            raise ValueError(f"estimate is missing {', '.join(sorted(missing))}: {dict(d)!r}")
        try:
            return cls(float(d["mean"]), float(d["low"]), float(d["high"]), int(d["n"]))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"estimate {dict(d)!r} needs numbers: {exc}") from exc


def mean_ci(values: Sequence[float]) -> Estimate:
    """Mean and 95 % Student-t interval of ``values`` (a zero-width interval for one value).

    >>> mean_ci([0.5]).to_dict()
    {'mean': 0.5, 'low': 0.5, 'high': 0.5, 'n': 1}
    """
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("mean_ci needs at least one value")
    if not np.isfinite(v).all():
        raise ValueError(f"mean_ci needs finite values, got {v.tolist()!r}")
    mean = float(v.mean())
    if v.size < 2:
        return Estimate(mean, mean, mean, 1)
    from scipy import stats  # only when an interval is computed: keeps imports light

    sem = float(v.std(ddof=1)) / math.sqrt(v.size)
    half = float(stats.t.ppf(0.5 + LEVEL / 2, v.size - 1)) * sem
    return Estimate(mean, mean - half, mean + half, int(v.size))


def paired_ci(with_: Sequence[float], without: Sequence[float]) -> Estimate:
    """Interval of the paired differences ``with_[i] - without[i]`` (same seeds).

    >>> round(paired_ci([0.71, 0.81, 0.91], [0.70, 0.80, 0.90]).mean, 3)
    0.01
    """
    a = np.asarray(with_, dtype=np.float64)
    b = np.asarray(without, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.size} and {b.size}")
    return mean_ci((a - b).tolist())
