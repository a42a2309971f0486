"""The shared results layer: one estimate type, harm and fill data with a JSON round-trip,
and the import rules it enables (the tuner loads no doctor, nothing switches matplotlib)."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from augwise.core.config import AugmentConfig
from augwise.doctor import fill
from augwise.results import (
    FULL_CONFIG,
    Estimate,
    FillReport,
    FillStat,
    HarmReport,
    TransformHarm,
    mean_ci,
    paired_ci,
)
from augwise.tune import stats

SRC = str(Path(__file__).resolve().parents[1] / "src")
HARM = HarmReport(
    items=(
        TransformHarm("zoom_range", (0.8, 1.2), Estimate(0.74, 0.73, 0.75, 3),
                      Estimate(0.8, 0.79, 0.81, 3), Estimate(-0.06, -0.07, -0.05, 3),
                      Estimate(0.9, 0.85, 0.95, 3), Estimate(1.2, 1.1, 1.3, 3)),
        TransformHarm(FULL_CONFIG, {"zoom_range": [0.8, 1.2]}, *[Estimate(0.5, 0.5, 0.5, 1)] * 5),
    ),
    proxy="3-block CNN, 15 epochs",
    seeds=3,
)


def _json(d: object) -> object:
    return json.loads(json.dumps(d))


def test_the_tuner_ci_is_the_results_estimate() -> None:
    assert stats.CI is Estimate and stats.mean_ci is mean_ci and stats.paired_ci is paired_ci
    ci = mean_ci([0.80, 0.82, 0.84])
    assert type(ci) is Estimate and ci.n == 3
    assert ci.mean == pytest.approx(0.82) and ci.half_width == pytest.approx(0.0496824, abs=1e-6)
    assert paired_ci([0.81, 0.85], [0.80, 0.84]).to_dict() == pytest.approx(
        {"mean": 0.01, "low": 0.01, "high": 0.01, "n": 2})


def test_estimate_round_trips_and_formats() -> None:
    e = Estimate(0.061, 0.052, 0.07, 3)
    assert Estimate.from_dict(_json(e.to_dict())) == e  # type: ignore[arg-type]
    assert e.to_dict() == {"mean": 0.061, "low": 0.052, "high": 0.07, "n": 3}
    assert e.points() == "6.1 ± 0.9" and e.points(2) == "6.10 ± 0.90"
    assert Estimate(0.5, 0.5, 0.5, 1).points() == "50.0"  # one seed: no interval
    assert Estimate(np.float32(0.5), 0.5, 0.5, np.int64(2)) == Estimate(0.5, 0.5, 0.5, 2)


@pytest.mark.parametrize(("args", "error", "match"), [
    ((0.5, 0.6, 0.7, 3), ValueError, "low <= mean <= high"),
    ((float("nan"), 0.0, 1.0, 3), ValueError, "Estimate.mean must be finite"),
    ((0.5, "0.4", 0.6, 3), TypeError, "Estimate.low must be a number"),
    ((0.5, 0.4, 0.6, 0), ValueError, "Estimate.n must be a positive int"),
    ((True, 0.0, 1.0, 3), TypeError, "Estimate.mean must be a number"),
])
def test_estimate_refuses_bad_values(args: tuple[object, ...], error: type[Exception],
                                     match: str) -> None:
    with pytest.raises(error, match=match):
        Estimate(*args)  # type: ignore[arg-type]


def test_estimate_from_dict_names_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="estimate is missing high, n"):
        Estimate.from_dict({"mean": 0.5, "low": 0.4})
    with pytest.raises(ValueError, match="needs numbers"):
        Estimate.from_dict({"mean": "a lot", "low": 0.4, "high": 0.6, "n": 3})
    with pytest.raises(TypeError, match="an estimate must be a mapping, got list"):
        Estimate.from_dict([0.5, 0.4, 0.6, 3])  # type: ignore[arg-type]


def test_mean_ci_refuses_empty_and_non_finite_values() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        mean_ci([])
    with pytest.raises(ValueError, match="mean_ci needs finite values"):
        mean_ci([0.5, float("inf")])
    with pytest.raises(ValueError, match="equal lengths, got 1 and 2"):
        paired_ci([1.0], [1.0, 2.0])


def test_harm_report_round_trips_through_json(tmp_path: Path) -> None:
    assert HarmReport.from_dict(_json(HARM.to_dict())) == HARM  # type: ignore[arg-type]
    assert HarmReport.load(HARM.save(tmp_path / "harm.json")) == HARM
    doc = HARM.to_dict()
    assert doc["items"][0]["value"] == [0.8, 1.2] and HARM.items[0].value == (0.8, 1.2)
    assert [i.label for i in HARM.items] == ["zoom_range=[0.8, 1.2]", "full config"]
    assert HARM.items[0].costs_accuracy and not HARM.items[1].costs_accuracy


def test_harm_report_errors_name_the_file_and_the_field(tmp_path: Path) -> None:
    bad = HARM.to_dict()
    del bad["items"][0]["diversity"]
    with pytest.raises(ValueError, match="'zoom_range' is missing diversity"):
        HarmReport.from_dict(bad)
    path = tmp_path / "harm.json"
    path.write_text(json.dumps(["not", "a", "report"]))
    with pytest.raises(ValueError, match=r"harm report '.*harm\.json'.*must be a mapping.*"
                                         r"augwise tune --measure-harm"):
        HarmReport.load(path)
    with pytest.raises(ValueError, match="cannot read harm report"):
        HarmReport.load(tmp_path / "missing.json")


def test_fill_report_from_a_measurement_round_trips_through_json() -> None:
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (24, 24, 3), dtype=np.uint8) for _ in range(3)]
    config = AugmentConfig(rotation_range=30, zoom_range=0.2, fill_mode="constant")
    report = fill.measure(config, fill.prepare_thumbs(images, (24, 24)), (24, 24),
                          (0.0, 255.0), alternatives=False)
    assert report is not None
    assert [s.transform for s in report.stats] == ["rotation_range", "zoom_range", "all"]
    assert report.get("zoom_range").value == (0.8, 1.2)  # type: ignore[union-attr]
    assert FillReport.from_dict(_json(report.to_dict())) == report  # type: ignore[arg-type]


def test_fill_report_from_dict_names_what_is_missing() -> None:
    stat = FillStat("shear_range", 0.2, 0.1, 0.2, 0.0, 0.0, 0.0, 0.0, 0.0)
    doc = FillReport([stat], "nearest", 0.0, 3, 1.0, 0.0, {}).to_dict()
    del doc["transforms"][0]["lost_p90"]
    with pytest.raises(ValueError, match="fill measurement 'shear_range' is missing lost_p90"):
        FillReport.from_dict(doc)
    with pytest.raises(ValueError, match="a fill report is missing cval, transforms"):
        FillReport.from_dict({"fill_mode": "nearest", "images": 3, "uniform_border": 1.0,
                              "border_value": 0.0, "alternatives": {}})


@pytest.mark.parametrize("name", ["augwise.results", "augwise.results.estimate",
                                  "augwise.results.harm", "augwise.results.fill",
                                  "augwise.results._values", "augwise.tune.stats"])
def test_docstring_examples_run(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(importlib.import_module(name), name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, capsys.readouterr().out


def _python(code: str, **env: str) -> list[object]:
    """Run ``code`` in a fresh interpreter; its printed JSON."""
    full = {**os.environ, "PYTHONPATH": SRC, **env}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, env=full, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    loaded: list[object] = json.loads(out.stdout.strip().splitlines()[-1])
    return loaded


def test_results_layer_imports_neither_doctor_nor_tuner_nor_scipy() -> None:
    loaded = _python("""
        import json, sys
        import augwise.results
        print(json.dumps(sorted(sys.modules)))
    """)
    below = [m for m in loaded if str(m).startswith(("augwise.doctor", "augwise.tune", "scipy",
                                                "pandas", "matplotlib", "torch"))]
    assert below == []


TUNER_IMPORTS = """
    import json, sys
    import augwise.tune
    from augwise.tune.harm import measure_harm, ranked_harm
    from augwise.tune.measure import measure_transforms
    from augwise.tune.stats import CI, mean_ci, paired_ci
    print(json.dumps(sorted(sys.modules)))
"""


def test_the_tuner_loads_no_doctor_no_rich_and_no_matplotlib() -> None:
    loaded = _python(TUNER_IMPORTS)
    assert "augwise.tune.harm" in loaded and "augwise.results.harm" in loaded
    assert [m for m in loaded if str(m).startswith("augwise.doctor")] == []
    assert [m for m in loaded if m in ("rich", "matplotlib")] == []


def test_the_tuner_loads_no_pandas() -> None:
    assert "pandas" not in _python(TUNER_IMPORTS)


@pytest.mark.slow
def test_doctor_plots_leave_the_matplotlib_backend_alone(tmp_path: Path) -> None:
    harm = HARM.save(tmp_path / "harm.json")
    backends = _python(f"""
        import json, sys
        import matplotlib
        before = matplotlib.get_backend()
        import numpy as np
        import augwise.doctor
        from augwise.doctor import plots
        from augwise.preview import grid as previews
        from augwise.doctor.harm import scatter_png
        from augwise.results.harm import HarmReport
        from augwise.bench.report import chart
        plots.class_histogram({{"train": {{"a": 3, "b": 1}}}})
        from pathlib import Path
        out = Path({str(tmp_path)!r})
        (out / "scatter.png").write_bytes(scatter_png(HarmReport.load({str(harm)!r})))
        rows = [previews.PreviewRow(np.zeros((8, 8, 1)), "x", [np.ones((8, 8, 1))], [])]
        previews.render_grid(rows, out / "grid.png", captions=[["one"]])
        from augwise.bench.report import WORKLOADS
        row = {{"workload": next(iter(WORKLOADS)), "label": "augwise", "peer": "augwise",
               "status": "ok", "median": 100.0, "min": 90.0, "max": 110.0}}
        doc = {{"results": [row], "machine": {{"usable_cores": 1}}, "batch_size": 8,
                "quick": True}}
        chart(doc, out / "bench.png")
        print(json.dumps([before, matplotlib.get_backend(),
                          "matplotlib.pyplot" in sys.modules]))
    """, MPLBACKEND="svg")
    assert backends == ["svg", "svg", False]
    for name in ("scatter.png", "grid.png", "bench.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
