"""``measure_harm`` produces the HarmReport the doctor reads; ``augwise tune --measure-harm``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from augwise.core.config import AugmentConfig
from augwise.results import HarmReport
from augwise.tune.data import TuneData
from augwise.tune.harm import measure_harm, ranked_harm
from augwise.tune.proxy import ProxyBudget
from tests.tune.conftest import run_cli


def test_harm_report_ranks_the_planted_harm_first(mirror_data: TuneData) -> None:
    config = AugmentConfig(rotation_range=10, horizontal_flip=True, brightness_range=(0.9, 1.1))
    report = measure_harm(mirror_data, config, seeds=3,
                          budget=ProxyBudget(epochs=3, batch_size=32, threads=1))
    assert report.seeds == 3 and "SmallCNN" in report.proxy
    assert [i.transform for i in report.items] == [
        "rotation_range", "brightness_range", "horizontal_flip", "full_config"]
    worst = ranked_harm(report)[0]
    assert worst.transform == "horizontal_flip" and worst.value is True
    d = worst.delta
    assert d.n == 3 and d.low <= d.mean <= d.high and d.high < 0
    assert worst.affinity.mean < 0.7 < ranked_harm(report)[-1].affinity.mean
    for item in report.items:
        assert item.accuracy_without == report.items[0].accuracy_without
        paired = item.accuracy_with.mean - item.accuracy_without.mean
        assert abs(item.delta.mean - paired) < 1e-12
    assert HarmReport.from_dict(json.loads(json.dumps(report.to_dict()))) == report


@pytest.mark.slow
def test_measure_harm_cli_writes_harm_json(tmp_path: Path) -> None:
    out = tmp_path / "harm"
    res = run_cli("tune", "--demo", "--measure-harm", "--subset", "200", "--test-size", "50",
                  "--epochs", "1", "--seeds", "2", "--rotation-range", "15",
                  "--horizontal-flip", "--out", str(out))
    assert res.returncode == 0, res.stderr
    report = HarmReport.from_dict(json.loads((out / "harm.json").read_text()))
    assert [i.transform for i in report.items] == [
        "rotation_range", "horizontal_flip", "full_config"]
    assert report.seeds == 2 and all(i.delta.n == 2 for i in report.items)
    assert "rotation_range" in res.stdout and "affinity" in res.stdout
    # the doctor renders it
    doc = run_cli("doctor", "--demo", "--harm", str(out / "harm.json"),
                  "--out", str(tmp_path / "report"))
    assert doc.returncode in (0, 1), doc.stderr
    rendered = json.loads((tmp_path / "report" / "report.json").read_text())
    shown = HarmReport.from_dict(rendered["harm"])  # the doctor rounds to 6 digits
    assert [i.transform for i in shown.items] == [i.transform for i in report.items]
    assert [round(i.delta.mean, 4) for i in shown.items] == [
        round(i.delta.mean, 4) for i in report.items]
    assert "rotation_range=15" in (tmp_path / "report" / "report.html").read_text()
