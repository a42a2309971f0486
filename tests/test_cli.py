"""The CLI, through subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "augwise.cli.main", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )


def test_preview_demo_writes_a_grid(tmp_path: Path) -> None:
    out = tmp_path / "grid.png"
    res = run("preview", "--demo", "--out", str(out), "--images", "3", "--versions", "4",
              "--rotation-range", "25", "--horizontal-flip", "--seed", "1")
    assert res.returncode == 0, res.stderr
    assert "rotation_range=25.0" in res.stdout
    with Image.open(out) as img:
        assert img.size[0] > 300 and img.size[1] > 200


def test_preview_reads_a_config_file_and_reports_bad_values(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("rotation_range: 12\nzoom_range: [0.9, 1.1]\n")
    res = run("preview", "--demo", "--config", str(cfg), "--out", str(tmp_path / "a.png"))
    assert res.returncode == 0, res.stderr
    assert "rotation_range=12.0" in res.stdout and "zoom_range=[0.9, 1.1]" in res.stdout
    bad = run("preview", "--demo", "--rotation-range", "-3", "--out", str(tmp_path / "b.png"))
    assert bad.returncode != 0
    assert "rotation_range" in bad.stderr + bad.stdout
    unknown = tmp_path / "bad.yaml"
    unknown.write_text("rotaton_range: 12\n")
    res = run("preview", "--demo", "--config", str(unknown), "--out", str(tmp_path / "c.png"))
    assert res.returncode != 0 and "rotaton_range" in res.stderr + res.stdout


def test_help_lists_the_commands() -> None:
    res = run("--help")
    assert res.returncode == 0
    assert "preview" in res.stdout
