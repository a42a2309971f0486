"""One config reader: ``read_config`` behind ``AugmentConfig.load``, the CLI and the doctor."""

from __future__ import annotations

from pathlib import Path

import pytest

from augwise.cli.config_options import build_config, config_arguments
from augwise.core.config import AugmentConfig, RawNote, ReadConfig, read_config
from augwise.doctor.setup import resolve_config

ODD = "brightness_range: [-0.2, 0.2]\nrotation_range: 10\nzoom_range: [0.9, 1.1]\n"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_keras_values_are_noted_and_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.yaml", ODD)
    read = read_config(path, keras_values=True)
    assert read.config == AugmentConfig(brightness_range=(0.8, 1.2), rotation_range=10,
                                        zoom_range=(0.9, 1.1))
    assert read.notes == (RawNote("brightness_range", [-0.2, 0.2], [0.8, 1.2]),)
    assert read.note("brightness_range") == read.notes[0] and read.note("zoom_range") is None
    assert read.source == str(path)


def test_without_keras_values_they_are_refused_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.yaml", ODD)
    for read in (lambda p: read_config(p).config, AugmentConfig.load):
        with pytest.raises(ValueError, match=r"config file '.*odd\.yaml': brightness_range"):
            read(path)


def test_cli_and_api_read_the_same_file_alike(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.yaml", ODD)
    cli = config_arguments({"config": path, "allow_code": False})
    assert isinstance(cli, ReadConfig)
    api = resolve_config(path)
    via_cli = resolve_config(cli)
    assert (via_cli.config, via_cli.notes, via_cli.source) == (api.config, api.notes, "file")
    assert api.note("brightness_range") == RawNote("brightness_range", [-0.2, 0.2], [0.8, 1.2])
    bad = _write(tmp_path / "bad.yaml", "rotation_range: -5\n")
    messages = []
    for read in (lambda: config_arguments({"config": bad}), lambda: resolve_config(bad),
                 lambda: build_config({"config": bad}), lambda: AugmentConfig.load(bad)):
        with pytest.raises(ValueError, match=r"bad\.yaml': rotation_range must be >= 0") as err:
            read()
        messages.append(str(err.value))
    assert len(set(messages)) == 1


def test_load_is_read_config(tmp_path: Path) -> None:
    path = _write(tmp_path / "ok.json", '{"rotation_range": 15, "horizontal_flip": true}')
    assert AugmentConfig.load(path) == read_config(path).config == AugmentConfig(
        rotation_range=15, horizontal_flip=True)
    assert read_config(path).notes == ()
    assert read_config(None) == ReadConfig(AugmentConfig())
    assert read_config({"seed": 3}) == ReadConfig(AugmentConfig(seed=3))


def test_overrides_win_and_their_errors_do_not_name_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.yaml", ODD)
    read = read_config(path, overrides={"brightness_range": (0.5, 1.5), "rotation_range": 5},
                       keras_values=True)
    assert read.config.brightness_range == (0.5, 1.5) and read.config.rotation_range == 5
    assert read.notes == ()  # the file's deltas were replaced, nothing to lint
    read = read_config(path, overrides={"brightness_range": (-0.1, 0.1)}, keras_values=True)
    assert read.notes == (RawNote("brightness_range", [-0.1, 0.1], [0.9, 1.1]),)
    with pytest.raises(ValueError, match="rotation_range must be >= 0") as err:
        read_config(path, overrides={"rotation_range": -1}, keras_values=True)
    assert "odd.yaml" not in str(err.value)
    bad = _write(tmp_path / "bad.yaml", "rotation_range: -5\n")
    assert read_config(bad, overrides={"rotation_range": 5}).config.rotation_range == 5
    cli = config_arguments({"config": path, "rotation_range": "20", "no_horizontal_flip": None})
    assert cli.config.rotation_range == 20 and cli.note("brightness_range") is not None


def test_bad_sources_are_refused() -> None:
    with pytest.raises(TypeError, match=r"source must be a \.json/\.yaml path"):
        read_config(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'cfg\.txt' must end in \.json, \.yaml or \.yml"):
        read_config("cfg.txt")
