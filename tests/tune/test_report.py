"""Choosing and reporting: validation chooses, test is reported, "no augmentation" is said."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from augwise.core.config import AugmentConfig
from augwise.tune import decide, report
from augwise.tune.baselines import NONE, TRIVIALAUGMENT, USER, Candidate, baselines
from augwise.tune.data import TuneData, resplit
from augwise.tune.final import (
    CandidateResult,
    FinalOutcome,
    RunCache,
    decision_rows,
    retrain,
)
from augwise.tune.proxy import ProxyBudget
from augwise.tune.search import TrialSummary

SEEDS = (1, 2, 3)
ROPE = 0.005


def _result(name: str, val: list[float], test: list[float], *, tuned: bool = False,
            config: AugmentConfig | None = None) -> CandidateResult:
    cfg = config or AugmentConfig(rotation_range=10 if name != NONE else 0)
    return CandidateResult(Candidate(name, cfg, tuned=tuned), SEEDS, tuple(val), tuple(test),
                           (1.0, 1.0, 1.0))


def _tune_result(results: list[CandidateResult]) -> report.TuneResult:
    decision = decide.decide(decision_rows(results), rope=ROPE, rho=0.2)
    outcome = FinalOutcome(results, decision, ROPE, 0.2, 3, 3, 6)
    trials = [TrialSummary(0, "complete", 0.8, 4, 2.0, AugmentConfig(), "w"),
              TrialSummary(1, "pruned", None, 1, 0.5, AugmentConfig(), "w")]
    return report.build(
        outcome, trials, report.compute_summary(trials, results, grid_points=1000, epochs=4),
        data="d", budget="b", proxy="p", command="augwise tune x",
    )


def test_validation_chooses_and_test_is_only_reported(tmp_path: Path) -> None:
    results = [
        _result("tuned (trial 3)", [0.80, 0.81, 0.82], [0.70, 0.70, 0.70], tuned=True),
        _result("tuned (trial 5)", [0.70, 0.71, 0.72], [0.90, 0.90, 0.90], tuned=True,
                config=AugmentConfig(zoom_range=0.1)),
        _result(NONE, [0.75, 0.75, 0.76], [0.80, 0.81, 0.80], config=AugmentConfig()),
        _result(USER, [0.60, 0.61, 0.60], [0.60, 0.61, 0.60]),
    ]
    res = _tune_result(results)
    assert res.tuned is results[0] and res.recommended is results[0]
    assert res.decision.verdict == "better"
    assert not res.no_augmentation_best
    assert res.best_baseline() is results[2]
    md = report.markdown(res)
    assert "**tuned (trial 3)** (recommended)" in md
    assert "tuned (trial 5)" not in md  # only the chosen finalist is a row
    assert "Tuned 70.0 ± 0.0 < best baseline (no augmentation) 80.3 ± " in md
    assert "Decision rule: A config is recommended over a simpler one only if" in md
    assert "| tuned (trial 3) | no augmentation | 3 | +5.7 [" in md
    assert res.compute.search_epochs == 5 and res.compute.fraction_of_grid == 5 / 4000
    paths = report.write(res, tmp_path)
    loaded = yaml.safe_load(paths["yaml"].read_text())
    assert AugmentConfig.from_dict(loaded) == results[0].candidate.config
    assert paths["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = json.loads(paths["json"].read_text())
    assert doc["decision"]["verdict"] == "better" and doc["decision"]["rope_points"] == 0.5
    versus = {(c["row"], c["versus"]): c for c in doc["comparisons"]}
    assert versus[("tuned (trial 3)", NONE)]["val"]["p_better"] > 0.9
    assert set(versus) == {("tuned (trial 3)", NONE), ("tuned (trial 3)", USER)}
    # the JSON stored for waiting workers gives the same report back
    back = report.from_json(doc)
    assert back.reused and report.markdown(back) == md
    assert back.recommended.candidate == res.recommended.candidate


def test_no_augmentation_best_is_stated_plainly(tmp_path: Path) -> None:
    results = [
        _result("tuned (trial 0)", [0.70, 0.71, 0.70], [0.7, 0.7, 0.7], tuned=True),
        _result(NONE, [0.80, 0.80, 0.81], [0.8, 0.8, 0.8], config=AugmentConfig()),
    ]
    res = _tune_result(results)
    assert res.no_augmentation_best and res.recommended is results[1]
    assert "No augmentation is the best choice" in report.markdown(res)
    text = report.write(res, tmp_path)["yaml"].read_text()
    assert "no augmentation is the best choice" in text
    assert (yaml.safe_load(text) or {}) == {}
    # a tuned config that does not augment counts as "no augmentation" too
    identity = _result("tuned (trial 1)", [0.9, 0.9, 0.9], [0.8, 0.8, 0.8], tuned=True,
                       config=AugmentConfig())
    assert _tune_result([identity, results[1]]).no_augmentation_best


def test_a_tied_tuned_config_loses_to_no_augmentation() -> None:
    """The issue's case: a five-transform config with the best validation mean, tied
    within noise with no augmentation and TrivialAugment, is not recommended."""
    five = AugmentConfig(rotation_range=15, height_shift_range=0.15, shear_range=15,
                         zoom_range=0.1, channel_shift_range=60)
    results = [
        _result("tuned (trial 7)", [0.992, 0.986, 0.992], [0.98, 0.98, 0.983], tuned=True,
                config=five),
        _result(NONE, [0.988, 0.986, 0.988], [0.99, 0.988, 0.99], config=AugmentConfig()),
        _result(TRIVIALAUGMENT, [0.990, 0.988, 0.992], [0.99, 0.99, 0.99],
                config=AugmentConfig(policy="trivialaugment")),
    ]
    res = _tune_result(results)
    assert res.recommended is results[1] and res.decision.tied
    md = report.markdown(res)
    assert "tied within noise" in md and "no augmentation is recommended" in md


def test_baselines_are_deduplicated_and_always_present() -> None:
    names = [c.name for c in baselines(None)]
    assert names == [NONE, TRIVIALAUGMENT, "classic balanced"]
    mine = baselines(AugmentConfig(policy="trivialaugment", rescale=1 / 255, seed=3))
    assert [c.name for c in mine] == [NONE, USER, "classic balanced"]
    assert mine[1].config.rescale is None and mine[1].config.seed is None


def test_final_runs_are_cached_for_resume(tmp_path: Path, tiny_fashion: TuneData,
                                          tiny_budget: ProxyBudget) -> None:
    cands = [Candidate(NONE, AugmentConfig())]
    cache_file = tmp_path / "runs.jsonl"
    first = retrain(tiny_fashion, cands, [1, 2], tiny_budget,
                    cache=RunCache(cache_file, {"ctx": 1}))
    assert len(cache_file.read_text().splitlines()) == 2
    assert first[0].test[0] != first[0].test[1] or first[0].val[0] != first[0].val[1]
    with cache_file.open("a") as fh:
        fh.write('{"key": "cut sh')  # a line cut short by a kill is ignored
    again = retrain(tiny_fashion, cands, [1, 2], ProxyBudget(epochs=1),
                    cache=RunCache(cache_file, {"ctx": 1}))
    assert again == first  # served from the file, not retrained with the other budget
    # each seed trains on its own re-split: the validation splits differ
    assert resplit(tiny_fashion, 1).val.y.tolist() != resplit(tiny_fashion, 2).val.y.tolist() \
        or not (resplit(tiny_fashion, 1).val.x == resplit(tiny_fashion, 2).val.x).all()
    other = RunCache(cache_file, {"ctx": 2})
    assert other.key(cands[0], 1) != RunCache(cache_file, {"ctx": 1}).key(cands[0], 1)
