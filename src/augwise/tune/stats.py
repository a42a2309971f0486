"""Means with 95 % confidence intervals over seeds, under the tuner's names.

The estimate type and its statistics live in :mod:`augwise.results.estimate` (shared
with the doctor); ``CI`` is that :class:`~augwise.results.estimate.Estimate`.

>>> c = mean_ci([0.80, 0.82, 0.81])
>>> round(c.mean, 3), c.n, isinstance(c, CI)
(0.81, 3, True)
"""

from __future__ import annotations

from augwise.results.estimate import Estimate, mean_ci, paired_ci

CI = Estimate

__all__ = ["CI", "mean_ci", "paired_ci"]
