"""Means with 95 % confidence intervals over seeds (Student's t).

>>> c = mean_ci([0.80, 0.82, 0.81])
>>> round(c.mean, 3), c.n
(0.81, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95


@dataclass(frozen=True)
class CI:
    """A mean over ``n`` seeds with its two-sided 95 % t interval."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def points(self, digits: int = 1) -> str:
        """``mean ± half-width`` in percentage points (for accuracies and deltas)."""
        if self.n < 2:
            return f"{100 * self.mean:.{digits}f}"
        return f"{100 * self.mean:.{digits}f} ± {100 * self.half_width:.{digits}f}"

    def ratio(self, digits: int = 2) -> str:
        if self.n < 2:
            return f"{self.mean:.{digits}f}"
        return f"{self.mean:.{digits}f} ± {self.half_width:.{digits}f}"

    def to_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}


def mean_ci(values: Sequence[float]) -> CI:
    """Mean and 95 % t interval of ``values`` (a zero-width interval for one value)."""
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("mean_ci needs at least one value")
    mean = float(v.mean())
    if v.size < 2:
        return CI(mean, mean, mean, 1)
    sem = float(v.std(ddof=1)) / math.sqrt(v.size)
    half = float(stats.t.ppf(0.5 + LEVEL / 2, v.size - 1)) * sem
    return CI(mean, mean - half, mean + half, int(v.size))


def paired_ci(with_: Sequence[float], without: Sequence[float]) -> CI:
    """Interval of the paired differences ``with_[i] - without[i]`` (same seeds)."""
    a = np.asarray(with_, dtype=np.float64)
    b = np.asarray(without, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.size} and {b.size}")
    return mean_ci((a - b).tolist())
