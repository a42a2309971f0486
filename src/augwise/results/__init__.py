"""Measurement results as plain data, shared by the doctor and the tuner.

* :mod:`~augwise.results.estimate`: :class:`Estimate` (a mean with its 95 % interval
  over seeds), :func:`mean_ci`, :func:`paired_ci`;
* :mod:`~augwise.results.harm`: :class:`TransformHarm`, :class:`HarmReport` (JSON);
* :mod:`~augwise.results.fill`: :class:`FillStat`, :class:`FillReport`.

Everything here is data with a JSON round-trip (``to_dict``/``from_dict``); it imports
only numpy (and scipy when an interval is computed), never the doctor or the tuner.

>>> from augwise.results import mean_ci
>>> mean_ci([0.8, 0.8]).points()
'80.0 ± 0.0'
"""

from __future__ import annotations

from augwise.results.estimate import Estimate, mean_ci, paired_ci
from augwise.results.fill import FillReport, FillStat
from augwise.results.harm import FULL_CONFIG, HarmReport, TransformHarm

__all__ = [
    "FULL_CONFIG",
    "Estimate",
    "FillReport",
    "FillStat",
    "HarmReport",
    "TransformHarm",
    "mean_ci",
    "paired_ci",
]
