"""Measured values (a transform's magnitude) as hashable data and back as JSON."""

from __future__ import annotations

from typing import Any

import numpy as np


def frozen(value: Any) -> Any:
    """Lists (from JSON) and arrays as tuples, numpy scalars as Python numbers.

    >>> frozen([0.8, np.float64(1.2)])
    (0.8, 1.2)
    """
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(frozen(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def plain(value: Any) -> Any:
    """JSON form of a frozen value: tuples as lists, numbers unrounded.

    >>> plain((0.8, (1, 2)))
    [0.8, [1, 2]]
    """
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value
