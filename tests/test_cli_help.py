"""The CLI reads at 80 columns: help, metavars, --version, -h, --set and sizes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from augwise import __version__
from augwise.cli.config_options import build_config
from augwise.cli.doctor_cmd import _target_size
from augwise.cli.main import COMMANDS, join_sizes

ENV = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}


def augwise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "augwise.cli.main", *args], env=ENV,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_fits_80_columns_with_whole_option_names(command: str) -> None:
    res = augwise(*([command] if command else []), "--help")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) > 5
    too_long = [line for line in lines if len(line) > 80]
    assert not too_long, too_long
    cut = [line for line in lines if "…" in line]
    assert not cut, cut  # rich marks a cut option name (or help word) with an ellipsis
    assert "<bool>" not in res.stdout and "<str>" not in res.stdout
    assert "comma-separate pairs and lists" not in res.stdout
    assert augwise(*([command] if command else []), "-h").stdout == res.stdout


def test_config_arguments_have_their_own_panel() -> None:
    out = augwise("doctor", "--help").stdout
    panel = out.index("ImageDataGenerator arguments")
    assert out.index("--set") > panel and out.index("--config") > panel
    assert "NAME=VALUE" in out and "--target-size" in out and "H,W" in out
    assert len(out.splitlines()) < 120


def test_version() -> None:
    res = augwise("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"augwise {__version__}"


def test_set_and_per_argument_options(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.json"
    cfg.write_text('{"horizontal_flip": true, "rotation_range": 10}')
    config = build_config({"config": cfg, "allow_code": False, "no_horizontal_flip": True,
                           "set_values": ["rotation-range=20", "zoom_range=0.8,1.2",
                                          "vertical_flip=yes"]})
    assert config.rotation_range == 20 and config.zoom_range == (0.8, 1.2)
    assert config.horizontal_flip is False and config.vertical_flip is True
    # a per-argument option wins over --set
    assert build_config({"set_values": ["seed=1"], "seed": "2"}).seed == 2
    with pytest.raises(typer.BadParameter, match="rotaton_range"):
        build_config({"set_values": ["rotaton_range=2"]})
    with pytest.raises(typer.BadParameter, match="horizontal_flip is true or false"):
        build_config({"set_values": ["horizontal_flip=maybe"]})
    with pytest.raises(typer.BadParameter, match="not both"):
        build_config({"horizontal_flip": True, "no_horizontal_flip": True})


def test_set_on_the_command_line_errors_in_one_line(tmp_path: Path) -> None:
    res = augwise("preview", "--demo", "--set", "rotation_range", "--out",
                  str(tmp_path / "g.png"))
    assert res.returncode == 2
    assert "NAME=VALUE" in res.stderr and "Traceback" not in res.stderr


def test_target_size_forms() -> None:
    assert _target_size("224,224") == (224, 224)
    assert _target_size("224x192") == (224, 192)
    assert _target_size("224 192") == (224, 192)
    assert join_sizes(["doctor", "d", "--target-size", "224", "192", "--seed", "1"]) == [
        "doctor", "d", "--target-size", "224,192", "--seed", "1"]
    assert join_sizes(["doctor", "--target-size", "224", "d"]) == [
        "doctor", "--target-size", "224", "d"]
    with pytest.raises(typer.BadParameter, match="224,224, 224x224 or 224 224"):
        _target_size("224")
