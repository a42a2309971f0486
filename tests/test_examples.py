"""Every script and snippet under examples/ runs, as a user would run it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from augwise.core.presets import CLASSIC_OVERAUGMENTED
from augwise.io.demo import export_class_folders, load_fashion_mnist

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(
    name: str, *args: str, cwd: Path, warnings: str = "error"
) -> subprocess.CompletedProcess[str]:
    """Run examples/NAME; warnings are errors unless a library's own ones are expected."""
    env = {**os.environ, "KERAS_BACKEND": "torch", "PYTHONWARNINGS": warnings}
    res = subprocess.run([sys.executable, str(EXAMPLES / name), *args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return res


@pytest.mark.slow
def test_keras_fit_trains_one_epoch(tmp_path: Path) -> None:
    # Keras itself warns under PYTHONWARNINGS=error (numpy/torch interplay): not ours
    res = run_example("keras_fit.py", "--work", str(tmp_path / "folders"), cwd=tmp_path,
                      warnings="default")
    assert "Found 240 images belonging to 10 classes." in res.stdout
    assert re.search(r"trained 1 epoch on 240 images: loss \d+\.\d+", res.stdout)


@pytest.mark.slow
def test_pytorch_loop_trains_two_epochs_with_two_workers(tmp_path: Path) -> None:
    res = run_example("pytorch_loop.py", "--epochs", "2", "--workers", "2", cwd=tmp_path)
    losses = [float(m) for m in re.findall(r"8 batches, mean loss (\d+\.\d+)", res.stdout)]
    assert len(losses) == 2 and all(np.isfinite(losses)), res.stdout


@pytest.mark.slow
def test_tune_own_data_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "run"
    res = run_example("tune_own_data.py", "--out", str(out), cwd=tmp_path)
    assert "3 classes" in res.stdout and "recommended: " in res.stdout
    results = json.loads((out / "results.json").read_text())
    assert [r["name"] for r in results["results"]][1:] == [
        "no augmentation", "your config", "TrivialAugment", "classic balanced"]
    assert (out / "recommended_config.yaml").is_file() and (out / "results.md").is_file()


def _doctor_steps() -> tuple[list[str], str]:
    """The snippet's doctor command and its script that reads report.json."""
    workflow = yaml.safe_load((EXAMPLES / "doctor_in_ci.yml").read_text())
    steps = workflow["jobs"]["doctor"]["steps"]
    command = next(s["run"] for s in steps if "augwise doctor" in s.get("run", ""))
    reader = next(s["run"] for s in steps if "report.json" in s.get("run", ""))
    return shlex.split(command), reader


@pytest.mark.slow
def test_doctor_in_ci_snippet_fails_on_a_warning_and_its_json_fields_exist(
    tmp_path: Path,
) -> None:
    argv, reader = _doctor_steps()
    assert argv[:2] == ["augwise", "doctor"] and "--fail-on" in argv
    assert argv[argv.index("--fail-on") + 1] == "warning"
    demo = load_fashion_mnist()
    for split, x, y, n in (("train", demo.x_train, demo.y_train, 30),
                           ("test", demo.x_test, demo.y_test, 10)):
        keep = np.concatenate([np.flatnonzero(y == c)[:n] for c in range(10)])
        export_class_folders(tmp_path / "data" / split, x[keep], y[keep], demo.class_names)
    (tmp_path / "augment.yaml").write_text(yaml.safe_dump(CLASSIC_OVERAUGMENTED))
    res = subprocess.run([sys.executable, "-m", "augwise.cli.main", *argv[1:], "--workers", "1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    # the classic over-augmented config on Fashion-MNIST draws warnings: the job fails
    assert res.returncode == 1, res.stdout + res.stderr
    out = tmp_path / argv[argv.index("--out") + 1]
    report = json.loads((out / "report.json").read_text())
    assert report["summary"]["worst"] == "warning"
    for field in re.findall(r"\.summary\.(\w+)", reader):
        assert field in report["summary"], field
    fields = set(re.findall(r"\\\(\.(\w+)\)", reader.split(".findings[]")[1]))
    assert fields == {"severity", "id", "title"}
    assert report["findings"] and all(fields <= set(f) for f in report["findings"])
    assert (out / "report.html").is_file()
