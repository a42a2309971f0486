"""``augwise tune`` through subprocess: report files, resume after kill, shared studies."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import optuna
import pytest
import yaml
from sqlalchemy.exc import SQLAlchemyError

from augwise.core.config import AugmentConfig
from tests.tune.conftest import run_cli, start_cli

TINY = ("--demo", "--subset", "300", "--test-size", "100", "--epochs", "2")
FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def _study(url: str, name: str = "augwise-tune") -> optuna.Study:
    storage = optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 30}}
                                         if url.startswith("sqlite") else {})
    return optuna.load_study(study_name=name, storage=storage)


def _finished(url: str, name: str = "augwise-tune") -> list[optuna.trial.FrozenTrial]:
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        return []
    try:
        return _study(url, name).get_trials(deepcopy=False, states=FINISHED)
    except (KeyError, ValueError, SQLAlchemyError):  # the study is being created
        return []


@pytest.mark.slow
def test_tune_writes_the_report_and_reruns_from_its_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("tune", *TINY, "--trials", "3", "--seeds", "2", "--max-seeds", "2",
            "--finalists", "1", "--out", str(out))
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr
    results = json.loads((out / "results.json").read_text())
    names = [r["name"] for r in results["results"]]
    assert names[0].startswith("tuned (trial ")
    assert names[1:] == ["no augmentation", "your config", "TrivialAugment", "classic balanced"]
    assert all(len(r["test"]) == 2 and r["seeds"] == [1, 2] for r in results["results"])
    decision = results["decision"]
    assert results["recommended"] == decision["recommended"]
    assert decision["seeds_used"] == 2 and decision["rope_points"] == 0.5
    best = next(r for r in results["results"] if r["name"] == results["recommended"])
    yaml_text = (out / "recommended_config.yaml").read_text()
    recommended = AugmentConfig.from_dict(yaml.safe_load(yaml_text) or {})
    assert recommended.non_default_dict() == best["config"]
    assert best["python"] in yaml_text
    assert results["compute"]["trials"] == 3
    assert 0 < results["compute"]["fraction_of_grid"] < 1e-6
    table = (out / "results.md").read_text()
    assert "| config | test accuracy %" in table and "your config" in table
    assert "Decision rule:" in table and "Decision rule:" in res.stdout
    assert (out / "accuracy.png").stat().st_size > 1000
    if results["no_augmentation_best"]:
        assert "No augmentation is the best choice" in res.stdout
    else:
        assert "Recommended" in res.stdout
    assert "search" in res.stderr and "final runs" in res.stderr  # the progress bars
    # rerunning the same command resumes everything from the study and run files
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert json.loads((out / "results.json").read_text())["results"] == results["results"]
    assert "the final comparison was run by worker" in again.stderr
    assert "Decision rule:" in again.stdout


@pytest.mark.slow
def test_rerun_after_kill_keeps_finished_trials_and_continues_numbering(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    url = f"sqlite:///{(out / 'study.db').resolve()}"
    args = ("tune", "--demo", "--subset", "500", "--test-size", "100", "--epochs", "4",
            "--trials", "5", "--no-final", "--out", str(out))
    proc = start_cli(*args)
    try:
        deadline = time.monotonic() + 240
        while not _finished(url) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=60)
    before = {t.number: (t.params, t.value) for t in _finished(url)}
    assert 1 <= len(before) < 5
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr
    after = _finished(url)
    assert len(after) == 5
    kept = {t.number: (t.params, t.value) for t in after if t.number in before}
    assert kept == before
    new = sorted(t.number for t in after if t.number not in before)
    assert min(new) > max(before)
    numbers = [t.number for t in _study(url).trials]
    assert len(numbers) == len(set(numbers))


def _two_workers(tmp_path: Path, storage: str) -> None:
    args = ("tune", "--demo", "--subset", "600", "--test-size", "100", "--epochs", "3",
            "--trials", "12", "--no-final", "--storage", storage, "--study", "shared")
    procs = [start_cli(*args, "--out", str(tmp_path / f"w{i}")) for i in range(2)]
    outputs = [p.communicate(timeout=400) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    trials = _study(storage, "shared").trials
    numbers = [t.number for t in trials]
    assert len(numbers) == len(set(numbers)) and sorted(numbers) == list(range(len(numbers)))
    done = [t for t in trials if t.state in FINISHED]
    # each stops once the study holds 12; one may finish the trial it had started
    assert 12 <= len(done) <= 13
    workers = {t.user_attrs["worker"] for t in done}
    assert len(workers) == 2, "both workers should have run trials"


@pytest.mark.slow
def test_two_workers_share_a_sqlite_study(tmp_path: Path) -> None:
    _two_workers(tmp_path, f"sqlite:///{tmp_path / 'shared.db'}")


@pytest.mark.slow
def test_two_workers_share_a_postgresql_study(tmp_path: Path, postgres_url: str) -> None:
    _two_workers(tmp_path, postgres_url)


@pytest.mark.slow
def test_two_workers_run_the_final_comparison_once(tmp_path: Path) -> None:
    """Two processes on one --out and one study: one retrains, the other waits for its
    result and prints it; the final runs are not duplicated."""
    out = tmp_path / "out"
    args = ("tune", *TINY, "--trials", "4", "--seeds", "2", "--max-seeds", "2",
            "--finalists", "1", "--out", str(out))
    procs = [start_cli(*args) for _ in range(2)]
    outputs = [p.communicate(timeout=400) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    waited = [err for _, err in outputs if "the final comparison was run by worker" in err]
    assert len(waited) == 1
    results = json.loads((out / "results.json").read_text())
    assert results["worker"] in waited[0]
    runs = (out / "final_runs.jsonl").read_text().splitlines()
    assert len(runs) == sum(len(r["seeds"]) for r in results["results"])
    assert all("Decision rule:" in o for o, _ in outputs)


def test_bad_arguments_are_reported(tmp_path: Path) -> None:
    res = run_cli("tune", "--out", str(tmp_path))
    assert res.returncode != 0 and "DATA or --demo" in res.stderr + res.stdout
    res = run_cli("tune", str(tmp_path / "missing"), "--out", str(tmp_path))
    assert res.returncode != 0 and "does not exist" in res.stderr + res.stdout
    res = run_cli("tune", *TINY, "--storage", "nonsense", "--out", str(tmp_path))
    assert res.returncode != 0 and "not a URL" in res.stderr + res.stdout
    res = run_cli("tune", *TINY, "--seeds", "4", "--max-seeds", "2", "--out", str(tmp_path))
    assert res.returncode == 2 and "--max-seeds" in res.stderr + res.stdout


def test_tune_help_lists_the_budget_options(tmp_path: Path) -> None:
    res = run_cli("tune", "--help")
    assert res.returncode == 0, res.stderr
    for option in ("--trials", "--budget-minutes", "--subset", "--storage", "--study",
                   "--measure-harm", "--seeds", "--max-seeds", "--rope", "--rotation-range"):
        assert option in res.stdout
    res = run_cli("tune", *TINY, "--trials", "0", "--out", str(tmp_path))
    assert res.returncode != 0 and "--trials" in res.stderr + res.stdout
