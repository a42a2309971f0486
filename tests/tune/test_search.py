"""The Optuna search in-process: reproducible, resumable, guarded against mixed studies."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from augwise.tune import search
from augwise.tune.data import LoadOptions, TuneData, load_data
from augwise.tune.progress import Step
from augwise.tune.proxy import ProxyBudget
from augwise.tune.storage import open_storage


def _trials(study: optuna.Study) -> list[tuple[int, dict, float | None, str]]:
    return [(t.number, t.params, t.value, t.state.name) for t in study.trials]


@pytest.mark.slow
def test_search_is_reproducible_with_a_fixed_seed(
    tmp_path: Path, tiny_fashion: TuneData, tiny_budget: ProxyBudget
) -> None:
    settings = search.SearchSettings(trials=6, seed=3, startup_trials=2)
    runs = []
    for name in ("a", "b"):
        storage = open_storage(f"sqlite:///{tmp_path / name}.db")
        runs.append(search.run_search(tiny_fashion, tiny_budget, settings, storage))
    first, second = (_trials(s) for s in runs)
    assert first == second
    assert len(first) == 6 and all(state in ("COMPLETE", "PRUNED") for *_, state in first)
    # TPE took over after the two random start-up trials, and used their values
    other = search.run_search(
        tiny_fashion, tiny_budget, search.SearchSettings(trials=6, seed=4, startup_trials=2),
        open_storage(f"sqlite:///{tmp_path / 'c'}.db"),
    )
    assert [p for _, p, _, _ in _trials(other)] != [p for _, p, _, _ in first]


def test_rerun_resumes_and_refuses_other_settings(
    tmp_path: Path, tiny_fashion: TuneData, tiny_budget: ProxyBudget
) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    events: list[Step] = []
    study = search.run_search(tiny_fashion, tiny_budget, search.SearchSettings(trials=3),
                              open_storage(url), progress=events.append)
    assert [e.done for e in events] == [0, 1, 2, 3]
    assert all(e.total == 3 for e in events) and "best" in events[-1].label
    before = _trials(study)
    more = search.run_search(tiny_fashion, tiny_budget, search.SearchSettings(trials=5),
                             open_storage(url))
    after = _trials(more)
    assert after[:3] == before and [n for n, *_ in after] == [0, 1, 2, 3, 4]
    # the same command again has nothing left to do
    again = search.run_search(tiny_fashion, tiny_budget, search.SearchSettings(trials=5),
                              open_storage(url))
    assert _trials(again) == after
    summaries = search.summaries(again)
    assert all(s.epochs >= 1 and s.seconds > 0 for s in summaries)
    top = search.top_configs(again, 3)
    assert len({str(c.non_default_dict()) for _, _, c in top}) == len(top)
    assert [v for _, v, _ in top] == sorted((v for _, v, _ in top), reverse=True)
    with pytest.raises(ValueError, match="different budget"):
        search.run_search(tiny_fashion, ProxyBudget(epochs=3, batch_size=64),
                          search.SearchSettings(trials=6), open_storage(url))
    other_data = load_data("demo", LoadOptions(subset=300, test_size=200))
    with pytest.raises(ValueError, match="different data"):
        search.run_search(other_data, tiny_budget, search.SearchSettings(trials=6),
                          open_storage(url))


def test_storage_urls_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a URL"):
        open_storage("study.db")
    with pytest.raises(ValueError, match="journal"):
        open_storage("journal:")
    journal = open_storage(f"journal:{tmp_path / 'j.log'}")
    assert isinstance(journal, optuna.storages.JournalStorage)
    with pytest.raises(ValueError, match="trials"):
        search.SearchSettings(trials=0)


def test_budget_minutes_stops_starting_trials(
    tmp_path: Path, tiny_fashion: TuneData, tiny_budget: ProxyBudget
) -> None:
    settings = search.SearchSettings(trials=50, budget_minutes=0.001)
    study = search.run_search(tiny_fashion, tiny_budget, settings,
                              open_storage(f"sqlite:///{tmp_path / 's.db'}"))
    assert 1 <= len(search.finished(study)) < 50


@pytest.mark.slow
def test_the_baselines_are_points_of_the_search(
    tmp_path: Path, tiny_fashion: TuneData, tiny_budget: ProxyBudget
) -> None:
    from augwise.core.config import AugmentConfig
    from augwise.tune.baselines import NONE, TRIVIALAUGMENT, baselines
    from augwise.tune.runner import finalists

    names = [n for n, _ in search.baseline_points(3)]
    assert names == [NONE, TRIVIALAUGMENT, "classic balanced"]
    assert search.baseline_points(0) == []
    study = search.run_search(tiny_fashion, tiny_budget, search.SearchSettings(trials=8),
                              open_storage(f"sqlite:///{tmp_path / 's.db'}"))
    first = sorted(study.trials, key=lambda t: t.number)[:2]  # a quarter of 8 trials
    assert [t.user_attrs.get(search.POINT) for t in first] == [NONE, TRIVIALAUGMENT]
    configs = {c.non_default_dict().get("policy") for _, _, c in search.top_configs(study, 8)}
    assert "trivialaugment" in configs
    summaries = search.summaries(study)
    assert summaries[0].config == AugmentConfig()
    # a baseline found by the search is compared once, as the baseline
    base = baselines(None)
    tuned, best = finalists(study, 8, base)
    assert all(c.tuned and c.name.startswith("tuned (trial ") for c in tuned)
    assert {c.trial for c in tuned}.isdisjoint({first[0].number, first[1].number})
    assert best != ""
