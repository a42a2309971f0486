"""The decision rule: separated, tied, worse, adaptive seeds, and known answers."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from augwise.core.config import AugmentConfig
from augwise.tune import decide
from augwise.tune.baselines import Candidate
from augwise.tune.data import LoadOptions, TuneData, arrays_data, resplit
from augwise.tune.final import RunCache, compare_adaptively, simplicity
from augwise.tune.proxy import ProxyBudget

ROPE = 0.005
RHO = 0.2
NONE = Candidate("none", AugmentConfig())
FLIP = Candidate("flip", AugmentConfig(horizontal_flip=True))


def test_compare_separated_tied_and_worse_on_fixed_numbers() -> None:
    a = [0.90, 0.91, 0.92, 0.91, 0.90]
    b = [0.80, 0.82, 0.81, 0.80, 0.81]
    up = decide.compare(a, b, rope=ROPE, rho=RHO)
    assert up.better and up.decided and not up.equivalent
    assert up.mean == pytest.approx(0.10) and up.low < 0.10 < up.high
    assert up.p_better + up.p_rope + up.p_worse == pytest.approx(1.0)
    down = decide.compare(b, a, rope=ROPE, rho=RHO)
    assert down.p_worse == pytest.approx(up.p_better) and down.decided and not down.better
    same = decide.compare(a, a, rope=ROPE, rho=RHO)
    assert same.equivalent and (same.mean, same.p_rope) == (0.0, 1.0)
    # the same mean gap with the noise of a few seeds is not separated
    noisy = decide.compare([0.90, 0.85, 0.95], [0.86, 0.84, 0.86], rope=ROPE, rho=RHO)
    assert not noisy.decided and 0.3 < noisy.p_better < 0.9


def test_nadeau_bengio_correction_widens_the_posterior() -> None:
    a, b = [0.90, 0.91, 0.92, 0.90], [0.89, 0.89, 0.90, 0.89]
    plain = decide.compare(a, b, rope=ROPE, rho=0.0)
    corrected = decide.compare(a, b, rope=ROPE, rho=0.5)
    assert corrected.high - corrected.low > plain.high - plain.low
    assert corrected.p_better < plain.p_better
    assert decide.correlation(800, 200) == pytest.approx(0.2)


def test_compare_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="equal lengths"):
        decide.compare([0.1, 0.2], [0.1], rope=ROPE, rho=RHO)
    with pytest.raises(ValueError, match="rho"):
        decide.compare([0.1, 0.2], [0.1, 0.2], rope=ROPE, rho=1.0)
    with pytest.raises(ValueError, match="finite"):
        decide.compare([0.1, float("nan")], [0.1, 0.2], rope=ROPE, rho=RHO)
    one = decide.compare([0.9], [0.5], rope=ROPE, rho=RHO)
    assert not one.decided  # one seed decides nothing


def _row(name: str, simple: tuple[int, int], values: list[float]) -> decide.Row:
    return decide.Row(name, simple, dict(enumerate(values, start=1)))


def test_a_clearly_better_config_is_recommended() -> None:
    none = _row("none", (0, 0), [0.80, 0.81, 0.80, 0.82])
    tuned = _row("tuned", (3, 1), [0.86, 0.87, 0.86, 0.88])
    d = decide.decide([tuned, none], rope=ROPE, rho=RHO)
    assert (d.best, d.recommended, d.verdict, d.tied) == ("tuned", "tuned", "better", False)
    assert "beats every simpler config" in decide.sentence(d, ROPE)


def test_a_tie_goes_to_the_simplest_config() -> None:
    none = _row("none", (0, 0), [0.800, 0.810, 0.800, 0.820])
    ta = _row("TrivialAugment", (1, 0), [0.801, 0.811, 0.801, 0.821])
    tuned = _row("tuned", (5, 1), [0.802, 0.812, 0.802, 0.822])
    d = decide.decide([tuned, ta, none], rope=ROPE, rho=RHO)
    assert (d.best, d.recommended, d.verdict) == ("tuned", "none", "tied")
    assert d.versus is not None and d.versus.equivalent
    assert "tied within noise" in decide.sentence(d, ROPE)
    # once none is clearly worse, the next simplest tied config is recommended
    worse = _row("none", (0, 0), [0.70, 0.71, 0.70, 0.72])
    d = decide.decide([tuned, ta, worse], rope=ROPE, rho=RHO)
    assert (d.recommended, d.verdict) == ("TrivialAugment", "tied")


def test_a_worse_complex_config_is_never_recommended() -> None:
    none = _row("none", (0, 0), [0.80, 0.81, 0.80])
    bad = _row("vertical flip", (1, 1), [0.50, 0.52, 0.49])
    d = decide.decide([bad, none], rope=ROPE, rho=RHO)
    assert (d.recommended, d.verdict) == ("none", "simplest")
    assert "simplest config compared" in decide.sentence(d, ROPE)


def test_identical_configs_are_reported_as_tied() -> None:
    a = _row("flip A", (1, 1), [0.80, 0.83, 0.79])
    b = _row("flip B", (1, 1), [0.80, 0.83, 0.79])
    d = decide.decide([a, b], rope=ROPE, rho=RHO)
    assert d.verdict == "tied" and d.tied and {d.recommended, d.rival} == {"flip A", "flip B"}
    assert "tied with it within noise" in decide.sentence(d, ROPE)


def test_noisy_rows_are_undecided_and_ask_for_seeds() -> None:
    none = _row("none", (0, 0), [0.86, 0.84, 0.86])
    tuned = _row("tuned", (2, 1), [0.90, 0.85, 0.95])
    d = decide.decide([tuned, none], rope=ROPE, rho=RHO)
    assert (d.recommended, d.verdict) == ("none", "undecided") and decide.needs_more_seeds(d)
    assert d.contested == ("none",)
    text = decide.sentence(d, ROPE)
    assert "not separated from it after 3 seeds" in text and "not a tie" in text
    assert "tied" not in text
    n = d.versus.seeds_to_decide if d.versus is not None else None
    assert n is not None and n > 3 and f"about {n} seeds would decide" in text


def _paired(mean: float, sd: float, n: int) -> tuple[list[float], list[float]]:
    """Per-seed accuracies whose differences have exactly this mean and sample SD."""
    z = np.linspace(-1.0, 1.0, n)
    z = (z - z.mean()) / z.std(ddof=1)
    b = [0.8] * n
    return [0.8 + mean + sd * v for v in z], b


@pytest.mark.parametrize(("mean", "sd", "n"), [(0.03, 0.035, 5), (0.012, 0.01, 3),
                                                (0.0, 0.005, 3), (-0.025, 0.03, 3)])
def test_seeds_to_decide_is_the_first_seed_count_that_decides(
        mean: float, sd: float, n: int) -> None:
    c = decide.compare(*_paired(mean, sd, n), rope=ROPE, rho=RHO)
    assert not c.decided
    m = c.seeds_to_decide
    assert m is not None and m > n
    assert decide.compare(*_paired(mean, sd, m), rope=ROPE, rho=RHO).decided
    assert not decide.compare(*_paired(mean, sd, m - 1), rope=ROPE, rho=RHO).decided


def test_no_seed_count_decides_a_gap_below_the_overlap_floor() -> None:
    # the scale never falls below sqrt(rho / (1 - rho)) * sd = 0.5 * 4 = 2 points, so a
    # 1.5-point gap (1 point past the ROPE) never reaches P = 0.9 on either side
    c = decide.compare(*_paired(0.015, 0.04, 6), rope=ROPE, rho=RHO)
    assert not c.decided and c.seeds_to_decide is None
    none = _row("none", (0, 0), [0.80] * 6)
    ta = _row("TrivialAugment", (1, 0), _paired(0.015, 0.04, 6)[0])
    text = decide.sentence(decide.decide([ta, none], rope=ROPE, rho=RHO), ROPE)
    assert "no number of seeds would decide" in text and "more training data" in text
    assert decide.compare(*_paired(0.015, 0.04, 6), rope=ROPE, rho=RHO).to_dict()[
        "seeds_to_decide"] is None


def test_simplicity_order() -> None:
    order = [
        AugmentConfig(rotation_range=10, zoom_range=0.1),
        AugmentConfig(horizontal_flip=True),
        AugmentConfig(policy="trivialaugment"),
        AugmentConfig(fill_mode="reflect"),  # fills nothing: no augmentation
    ]
    assert sorted(simplicity(c) for c in order) == [(0, 0), (1, 0), (1, 1), (2, 1)]


def _prefilled(cands: list[Candidate], data: TuneData,
               val: dict[str, list[float]]) -> RunCache:
    """A run cache holding every run, so nothing is trained."""
    cache = RunCache(None, {"test": 1})
    for c in cands:
        for seed, v in enumerate(val[c.name], start=1):
            cache.put(cache.key(c, seed), {"val": v, "test": v, "seconds": 0.0})
    return cache


def _tiny_data() -> TuneData:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (60, 8, 8, 1), dtype=np.uint8)
    return arrays_data(x, np.arange(60) % 3, options=LoadOptions(seed=0))


def test_adaptive_seeds_stop_once_separated() -> None:
    data = _tiny_data()
    # noisy over the first 3 seeds, clearly better once 6 are in
    val = {"none": [0.80, 0.81, 0.79, 0.80, 0.80, 0.81, 0.80, 0.80],
           "flip": [0.86, 0.80, 0.83, 0.85, 0.84, 0.86, 0.85, 0.85]}
    cache = _prefilled([NONE, FLIP], data, val)
    start = decide.decide([decide.Row(n, s, dict(enumerate(v[:3], 1))) for n, s, v in
                           (("none", (0, 0), val["none"]), ("flip", (1, 1), val["flip"]))],
                          rope=ROPE, rho=decide.correlation(len(data.train), len(data.val)))
    assert start.verdict == "undecided"
    out = compare_adaptively(data, [NONE, FLIP], [1, 2, 3], 8, ProxyBudget(epochs=1),
                             rope=ROPE, cache=cache)
    assert out.decision.recommended == "flip" and out.decision.verdict == "better"
    assert 3 < out.seeds_used < 8 and all(len(r.seeds) == out.seeds_used for r in out.results)
    # a decided start adds no seed
    out = compare_adaptively(data, [NONE, FLIP], [1, 2, 3], 8, ProxyBudget(epochs=1),
                             rope=ROPE, cache=_prefilled([NONE, FLIP], data,
                                                         {"none": [0.5] * 3,
                                                          "flip": [0.9, 0.91, 0.9]}))
    assert out.seeds_used == 3 and out.decision.verdict == "better"


def test_adaptive_seeds_stop_at_the_budget_and_say_so() -> None:
    data = _tiny_data()
    val = {"none": [0.80, 0.84, 0.78, 0.82, 0.80], "flip": [0.84, 0.79, 0.83, 0.79, 0.81]}
    out = compare_adaptively(data, [NONE, FLIP], [1, 2], 5, ProxyBudget(epochs=1), rope=ROPE,
                             cache=_prefilled([NONE, FLIP], data, val))
    assert out.seeds_used == 5 and out.max_seeds == 5
    assert out.decision.recommended == "none" and out.decision.tied
    with pytest.raises(ValueError, match="max_seeds"):
        compare_adaptively(data, [NONE, FLIP], [1, 2], 1, ProxyBudget(epochs=1))


def test_resplit_is_stratified_seeded_and_keeps_the_test_split() -> None:
    data = _tiny_data()
    a, b = resplit(data, 1), resplit(data, 2)
    assert len(a.val) == len(data.val) and len(a.train) == len(data.train)
    assert a.test is data.test
    assert np.array_equal(resplit(data, 1).val.x, a.val.x)
    assert not np.array_equal(a.val.x, b.val.x)
    assert np.bincount(a.val.y).tolist() == np.bincount(data.val.y).tolist()
    pool = {bytes(v) for v in np.concatenate([data.train.x, data.val.x])}
    assert {bytes(v) for v in np.concatenate([a.train.x, a.val.x])} == pool


def _wrapped_glyphs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The planted-invariance set of the measurements (docs/results/tune-decision/):
    glyphs at a random wrapped position; a vertical flip swaps classes 0 and 1."""
    path = Path(__file__).parents[2] / "docs" / "results" / "tune-decision" / "make_glyphs.py"
    spec = importlib.util.spec_from_file_location("make_glyphs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x, y = module.glyphs(n, seed)
    return x, y


@pytest.mark.slow
def test_a_helpful_invariance_is_found_and_a_label_destroying_flip_never_recommended() -> None:
    x, y = _wrapped_glyphs(200, 0)
    xt, yt = _wrapped_glyphs(400, 1)
    data = arrays_data(x, y, x_test=xt, y_test=yt, options=LoadOptions(val_fraction=0.4))
    shift = Candidate("wrapped shift", AugmentConfig(width_shift_range=0.5,
                                                     height_shift_range=0.5, fill_mode="wrap"))
    vflip = Candidate("vertical flip", AugmentConfig(vertical_flip=True))
    out = compare_adaptively(data, [vflip, NONE, shift], [1, 2, 3], 6,
                             ProxyBudget(epochs=40, batch_size=32, threads=1))
    assert out.decision.recommended == "wrapped shift"
    assert out.decision.verdict == "better"
    rows = {r.candidate.name: r for r in out.results}
    # the shift helps on the untouched test split too; the flip that swaps classes hurts
    assert rows["wrapped shift"].test_ci.mean > rows["none"].test_ci.mean + 0.05
    assert rows["vertical flip"].val_ci.mean < rows["none"].val_ci.mean


@pytest.mark.parametrize("name", ["augwise.tune.decide", "augwise.tune.final",
                                  "augwise.tune.storage"])
def test_docstring_examples_run(name: str) -> None:
    import doctest
    import importlib

    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_rows_dropped_earlier_count_as_beaten_simpler_rows() -> None:
    ta = _row("TrivialAugment", (1, 0), [0.86, 0.87, 0.86, 0.88])
    tuned = _row("tuned", (3, 1), [0.85, 0.86, 0.86, 0.87])
    none = _row("none", (0, 0), [0.70, 0.71])
    d = decide.decide([tuned, ta], rope=ROPE, rho=RHO, dropped=[none])
    assert (d.recommended, d.verdict) == ("TrivialAugment", "better")
    assert "none" in d.beaten
    assert decide.decide([tuned, ta], rope=ROPE, rho=RHO).verdict == "simplest"
