"""Confidence intervals over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from augwise.tune.stats import mean_ci, paired_ci


def test_t_interval_covers_the_true_mean_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    trials, hits = 4000, 0
    for _ in range(trials):
        ci = mean_ci(rng.normal(0.8, 0.02, size=3).tolist())
        hits += ci.low <= 0.8 <= ci.high
    assert abs(hits / trials - 0.95) < 0.015
    # a normal-quantile interval would be too narrow with three seeds
    ci = mean_ci([0.1, 0.2, 0.3])
    assert ci.half_width > 1.96 * np.std([0.1, 0.2, 0.3], ddof=1) / np.sqrt(3)


def test_paired_interval_removes_the_shared_seed_effect() -> None:
    base = [0.70, 0.80, 0.90]
    shifted = [b + 0.01 for b in base]
    d = paired_ci(shifted, base)
    assert d.mean == pytest.approx(0.01) and d.half_width == pytest.approx(0.0, abs=1e-12)
    assert mean_ci(shifted).half_width > 0.1
    with pytest.raises(ValueError, match="equal lengths"):
        paired_ci([1.0], [1.0, 2.0])


def test_one_value_has_a_zero_width_interval_and_formats() -> None:
    ci = mean_ci([0.5])
    assert (ci.low, ci.high, ci.n) == (0.5, 0.5, 1)
    assert mean_ci([0.81, 0.83]).points().startswith("82.0 ± ")
    with pytest.raises(ValueError):
        mean_ci([])
