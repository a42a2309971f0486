"""``augwise doctor`` through subprocess: the demo end to end, exit codes, --harm."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from augwise import AugmentConfig
from augwise.doctor.report_json import validate
from tests.doctor.planted import SCENE_HW, save, scene, scene_tree
from tests.doctor.test_doctor_harm import REPORT

EXIT = {"error": 3, "warning": 2, "info": 1, "none": 0}


def augwise(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "augwise"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "augwise.cli.main"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300,
                          check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str],
                                                           Path]:
    out = tmp_path_factory.mktemp("demo")
    return augwise("doctor", "--demo", "--out", str(out)), out


@pytest.mark.slow
def test_demo_runs_end_to_end(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    res, out = demo
    doc = json.loads((out / "report.json").read_text())
    assert validate(doc) == []
    # default --fail-on error: exit 1 exactly when the measured findings include an error
    assert res.returncode == int(doc["summary"]["worst"] == "error"), res.stdout + res.stderr
    assert doc["inputs"]["config"]["rotation_range"] == 40
    assert doc["inputs"]["flow"]["target_size"] == [28, 28]
    assert doc["dataset"]["splits"]["train"]["images"] == 3000
    assert doc["dataset"]["splits"]["test"]["images"] == 1000
    assert len(doc["checks"]) >= 50
    html = (out / "report.html").read_text()
    assert "Worst cases by fill fraction" in html and "data:image/png;base64," in html
    fixed = AugmentConfig.load(out / "fixed_config.yaml")
    assert fixed.to_dict() == AugmentConfig.from_dict(
        {**AugmentConfig().to_dict(), **doc["fixed_config"]["changes"]}).to_dict()
    for f in doc["findings"]:
        assert f["id"] in res.stdout and f["fix"].split()[0] in res.stdout


@pytest.mark.slow
def test_fail_on_sets_the_exit_status(tmp_path: Path) -> None:
    root = scene_tree(tmp_path / "data", per_class=9)
    (root / "a" / "empty.png").write_bytes(b"")  # an error
    common = ["doctor", str(root), "--target-size", "48,64", "--seed", "0",
              "--out", str(tmp_path / "out")]
    assert augwise(*common).returncode == 1  # default: --fail-on error
    assert augwise(*common, "--fail-on", "never").returncode == 0
    (root / "a" / "empty.png").unlink()
    warn = augwise(*common, "--shear-range", "0.2", "--fail-on", "warning")  # a warning only
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    assert doc["summary"]["worst"] == "warning" and warn.returncode == 1


def test_harm_file_and_config_file(tmp_path: Path) -> None:
    root = tmp_path / "data"
    for k, cls in enumerate(("a", "b")):
        for i in range(9):
            save(root / cls / f"{i}.png", scene(*SCENE_HW, 10 * k + i))
    harm = REPORT.save(tmp_path / "harm.json")
    cfg = tmp_path / "augment.yaml"
    cfg.write_text("rotation_range: 40\nseed: 0\n")
    res = augwise("doctor", str(root), "--config", str(cfg), "--rotation-range", "5",
                  "--harm", str(harm), "--target-size", "48,64", "--out", str(tmp_path / "o"),
                  "--fail-on", "never")
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "o" / "report.json").read_text())
    assert doc["inputs"]["config"]["rotation_range"] == 5  # the option wins over the file
    assert doc["harm"]["proxy"] == REPORT.proxy
    assert "harm.rotation_range" in {f["id"] for f in doc["findings"]}
    assert "rotation_range=40 costs 6.1" in res.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    missing = augwise("doctor", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert missing.returncode == 2 and "does not exist" in missing.stdout + missing.stderr
    bad = augwise("doctor", "--demo", "--fail-on", "sometimes", "--out", str(tmp_path / "o"))
    assert bad.returncode == 2 and "--fail-on" in bad.stdout + bad.stderr
    size = augwise("doctor", str(tmp_path), "--target-size", "big")
    assert size.returncode == 2 and "--target-size" in size.stdout + size.stderr
