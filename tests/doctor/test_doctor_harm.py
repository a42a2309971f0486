"""The measured-harm data model shared with the tuner, and its findings and rendering."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augwise.doctor.harm import harm_findings, harm_rows, scatter_png
from augwise.results import Estimate, HarmReport, TransformHarm
from tests.doctor.conftest import Planted


def _item(name: str, value: object, delta: tuple[float, float, float], n: int = 3) -> TransformHarm:
    acc = Estimate(0.8, 0.78, 0.82, n)
    return TransformHarm(name, value, acc, acc, Estimate(*delta, n), Estimate(0.9, 0.85, 0.95, n),
                         Estimate(1.2, 1.1, 1.3, n))


REPORT = HarmReport(
    items=(
        _item("rotation_range", 40.0, (-0.061, -0.070, -0.052)),
        _item("zoom_range", (0.8, 1.2), (-0.004, -0.008, -0.001)),
        _item("horizontal_flip", True, (0.010, 0.004, 0.016)),
        _item("shear_range", 0.2, (-0.002, -0.010, 0.006)),
        _item("full_config", None, (-0.09, -0.11, -0.07)),
    ),
    proxy="3-block CNN, 15 epochs",
    seeds=3,
)


def test_round_trip_through_json(tmp_path: Path) -> None:
    path = REPORT.save(tmp_path / "harm.json")
    assert HarmReport.load(path) == REPORT
    assert HarmReport.from_dict(json.loads(json.dumps(REPORT.to_dict()))) == REPORT
    with pytest.raises(ValueError, match="delta"):
        bad = REPORT.to_dict()
        del bad["items"][0]["delta"]
        HarmReport.from_dict(bad)
    with pytest.raises(ValueError, match="low <= mean <= high"):
        Estimate(0.5, 0.6, 0.7, 3)
    with pytest.raises(ValueError, match="cannot read harm report"):
        HarmReport.load(tmp_path / "missing.json")


def test_transforms_whose_interval_is_below_zero_become_findings() -> None:
    found = {f.id: f for f in harm_findings(REPORT)}
    assert set(found) == {"harm.rotation_range", "harm.zoom_range", "harm.full_config"}
    rot = found["harm.rotation_range"]
    assert rot.severity == "error" and rot.title.startswith("rotation_range=40 costs 6.1 ± 0.9")
    assert rot.fix == "drop it or reduce it" and rot.patch == {"rotation_range": 0.0}
    assert found["harm.zoom_range"].severity == "warning"  # below 2 points
    assert found["harm.zoom_range"].patch == {"zoom_range": [1.0, 1.0]}
    assert found["harm.full_config"].patch == {}
    one_seed = HarmReport((_item("rotation_range", 40.0, (-0.06, -0.06, -0.06), n=1),), "p", 1)
    assert harm_findings(one_seed) == []  # no interval from one seed


def test_table_and_scatter() -> None:
    rows = harm_rows(REPORT)
    assert rows[0]["transform"] == "full config" and rows[0]["verdict"] == "costs accuracy"
    verdicts = {r["transform"]: r["verdict"] for r in rows}
    assert verdicts["horizontal_flip=True"] == "helps"
    assert verdicts["shear_range=0.2"] == "no measurable effect"
    png = scatter_png(REPORT)
    with Image.open(__import__("io").BytesIO(png)) as img:
        arr = np.asarray(img.convert("RGB"))
    assert arr.shape[0] > 200 and (arr[:, :, 0] > 150).any()


def test_diagnosis_with_harm_reports_it_in_json(bases: Planted) -> None:
    d = bases.scenes.with_harm(REPORT)
    doc = d.to_dict()
    assert HarmReport.from_dict(doc["harm"]) == REPORT
    assert d.finding("harm.rotation_range") is not None
    assert d.worst == "error" and d.exit_code("error") == 1
    assert bases.scenes.with_harm(None).to_dict()["harm"] is None
