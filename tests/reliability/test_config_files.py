"""Config files are data (issue 9, items 8-11): no code unless the user opts in,
bounded size, aliases and depth, duplicate keys refused, did-you-mean, one reader."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from augwise import AugmentConfig, ImageDataGenerator
from augwise.core.config import MAX_CONFIG_DEPTH, MAX_CONFIG_NODES, parse_config_text
from augwise.core.validate import short_repr
from augwise.doctor.setup import resolve_config


@pytest.fixture
def payload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """An importable module that leaves a marker file when imported."""
    name = f"augwise_payload_{uuid.uuid4().hex[:8]}"
    marker = tmp_path / "imported"
    (tmp_path / f"{name}.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).touch()\n"
        "def double(x):\n"
        "    return x * 2\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return name, marker


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_config_file_may_not_name_code_by_default(
    tmp_path: Path, payload: tuple[str, Path], suffix: str
) -> None:
    module, marker = payload
    data = {"rotation_range": 5, "preprocessing_function": f"{module}:double"}
    path = _write(tmp_path / f"cfg{suffix}", json.dumps(data))  # JSON is valid YAML
    for read in (AugmentConfig.load, resolve_config):
        with pytest.raises(ValueError, match=r"cfg\.(yaml|json).*allow_code=True.*--allow-code"):
            read(path)
    with pytest.raises(ValueError, match="allow_code=True"):
        AugmentConfig.from_json(json.dumps(data))
    with pytest.raises(ValueError, match="allow_code=True"):
        AugmentConfig.from_yaml(json.dumps(data))
    with pytest.raises(ValueError, match="allow_code=True"):
        resolve_config(data)
    assert not marker.exists() and module not in sys.modules


def test_opt_in_imports_the_named_function(tmp_path: Path, payload: tuple[str, Path]) -> None:
    module, marker = payload
    path = _write(tmp_path / "cfg.yaml", f"preprocessing_function: '{module}:double'\n")
    cfg = AugmentConfig.load(path, allow_code=True)
    assert cfg.preprocessing_function is sys.modules[module].double
    assert marker.exists()
    setup = resolve_config(path, allow_code=True)
    assert setup.config.preprocessing_function is sys.modules[module].double
    missing = _write(tmp_path / "missing.yaml", "preprocessing_function: 'no_such_mod:f'\n")
    with pytest.raises(ValueError, match=r"missing\.yaml.*cannot be imported"):
        AugmentConfig.load(missing, allow_code=True)


def test_python_callers_still_pass_functions_and_import_paths() -> None:
    assert ImageDataGenerator(preprocessing_function=np.sqrt).preprocessing_function is np.sqrt
    assert AugmentConfig(preprocessing_function="numpy:sqrt").preprocessing_function is np.sqrt
    assert resolve_config({"preprocessing_function": np.sqrt}).config.preprocessing_function \
        is np.sqrt


def _alias_bomb() -> str:
    """Nine nested aliases under a known key: 9**10 strings once expanded."""
    doc = "rotation_range:\n  - &a0 [" + ",".join(['"lol"'] * 9) + "]\n"
    for i in range(1, 10):
        doc += f"  - &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]\n"
    return doc


def test_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "bomb.yaml", _alias_bomb())
    with pytest.raises(ValueError, match=r"bomb\.yaml': line 3: YAML aliases \(\*a0\)") as err:
        AugmentConfig.load(path)
    assert len(str(err.value)) < 200
    with pytest.raises(ValueError, match="YAML aliases"):
        resolve_config(path)
    merge = "base: &b {rotation_range: 5}\n<<: *b\n"
    with pytest.raises(ValueError, match="YAML aliases"):
        AugmentConfig.from_yaml(merge)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_deep_and_wide_documents_are_refused(fmt: str) -> None:
    deep = '{"rotation_range": ' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(ValueError, match=f"nested deeper than {MAX_CONFIG_DEPTH} levels"):
        parse_config_text(deep, fmt)
    wide = json.dumps({"width_shift_range": list(range(MAX_CONFIG_NODES + 1))})
    with pytest.raises(ValueError, match=f"more than {MAX_CONFIG_NODES} values"):
        parse_config_text(wide, fmt)
    fine = json.dumps({"width_shift_range": [1, 2, 3], "zoom_range": [0.9, 1.1]})
    assert AugmentConfig.from_dict(parse_config_text(fine, fmt)).width_shift_range == (1, 2, 3)


def test_oversized_and_unreadable_files_are_refused(tmp_path: Path) -> None:
    big = _write(tmp_path / "big.yaml", "rotation_range: 10\n" + "#" * (1 << 20) + "\n")
    with pytest.raises(ValueError, match=r"big\.yaml' is over 1 MiB"):
        AugmentConfig.load(big)
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe{}")
    with pytest.raises(ValueError, match=r"bin\.json' is not UTF-8"):
        AugmentConfig.load(binary)
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"cannot read config file .*folder\.yaml"):
        AugmentConfig.load(folder)
    scalar = _write(tmp_path / "list.yaml", "- rotation_range\n")
    with pytest.raises(ValueError, match=r"list\.yaml' must hold a mapping.*got list"):
        AugmentConfig.load(scalar)
    assert AugmentConfig.load(_write(tmp_path / "empty.yaml", "")) == AugmentConfig()


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    yml = _write(tmp_path / "dup.yaml", "rotation_range: 10\nzoom_range: 0.1\nrotation_range: 40\n")
    expected = r"dup\.yaml': line 3: duplicate key 'rotation_range' \(first on line 1\)"
    for read in (AugmentConfig.load, resolve_config):
        with pytest.raises(ValueError, match=expected):
            read(yml)
    js = _write(tmp_path / "dup.json", '{"rotation_range": 10, "rotation_range": 40}')
    with pytest.raises(ValueError, match=r"dup\.json': duplicate key 'rotation_range'"):
        AugmentConfig.load(js)
    nested = '{"zoom_range": 0.1, "x": {"a": 1, "a": 2}}'
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        parse_config_text(nested, "json")


def test_unknown_keys_get_a_did_you_mean(tmp_path: Path) -> None:
    path = _write(tmp_path / "typo.yaml", "rotation_rang: 10\n")
    with pytest.raises(
        ValueError,
        match=r"typo\.yaml': unknown ImageDataGenerator argument 'rotation_rang'; "
        r"did you mean 'rotation_range'\?",
    ):
        AugmentConfig.load(path)
    with pytest.raises(TypeError, match="argument names must be strings, got 1"):
        AugmentConfig.from_dict({1: 2, "a": 3})


def test_constructor_errors_name_the_public_class() -> None:
    with pytest.raises(
        TypeError,
        match=r"^ImageDataGenerator got an unexpected keyword argument 'rotation_rang'; "
        r"did you mean 'rotation_range'\?$",
    ):
        ImageDataGenerator(rotation_rang=5)
    with pytest.raises(TypeError, match=r"^ImageDataGenerator got multiple values for argument "
                       r"'featurewise_center'$"):
        ImageDataGenerator(False, featurewise_center=True)
    with pytest.raises(TypeError, match=r"^ImageDataGenerator takes at most"):
        ImageDataGenerator(*([False] * 60))
    with pytest.raises(TypeError, match=r"^rotation_range must be a number"):
        ImageDataGenerator(rotation_range="x")  # value errors keep their own message


def test_error_messages_show_a_bounded_repr() -> None:
    bomb: list[object] = ["lol"] * 9
    for _ in range(9):
        bomb = [bomb] * 9
    with pytest.raises(ValueError) as err:
        AugmentConfig(zoom_range=bomb)
    assert "zoom_range" in str(err.value) and len(str(err.value)) < 300
    with pytest.raises(ValueError) as err:
        AugmentConfig(fill_mode="x" * 100_000)
    assert "fill_mode" in str(err.value) and len(str(err.value)) < 300
    with pytest.raises(ValueError, match="rotation_range must be finite"):
        AugmentConfig(rotation_range=10**400)
    assert short_repr(10**5000) == "<int of 16610 bits>"


def test_doctor_api_and_cli_read_configs_alike(tmp_path: Path) -> None:
    """Brightness deltas are a finding for both, not a crash for one."""
    x = np.random.default_rng(0).integers(0, 255, (6, 8, 8, 1)).astype(np.float32)
    data = tmp_path / "data.npz"
    np.savez(data, x=x, y=np.array([0, 1, 0, 1, 0, 1]))
    cfg = _write(tmp_path / "deltas.yaml", "brightness_range: [-0.2, 0.2]\n")
    setup = resolve_config(cfg)
    assert setup.note("brightness_range") is not None
    res = _augwise("doctor", str(data), "--config", str(cfg), "--out", str(tmp_path / "out"))
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr
    doc = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert "config.brightness_deltas" in {f["id"] for f in doc["findings"]}


def _augwise(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "augwise.cli.main", *args], capture_output=True, text=True,
        timeout=300, check=False, env={**os.environ, "COLUMNS": "200", **env},
    )


def _pickle_npz(path: Path, marker: Path) -> None:
    """An .npz whose float pixels are a pickle that runs a shell command when loaded."""
    import pickle

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            import os

            return (os.system, (f"touch {marker}",))

    raw = pickle.dumps(Payload(), protocol=2)
    raw += b"." * (-len(raw) % 4)
    side = int(np.ceil(np.sqrt(len(raw) / 4)))
    buf = raw + b"\0" * (side * side * 4 - len(raw))
    img = np.frombuffer(buf, dtype=np.float32).reshape(side, side, 1)
    np.savez(path, x=np.stack([img] * 4), y=np.array([0, 1, 0, 1]))


def test_cli_refuses_a_config_that_names_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    data = tmp_path / "data.npz"
    _pickle_npz(data, marker)
    evil = _write(tmp_path / "evil.yaml", 'preprocessing_function: "pickle:loads"\n')
    res = _augwise("doctor", str(data), "--config", str(evil), "--out", str(tmp_path / "o"))
    assert res.returncode == 2
    assert "Traceback" not in res.stderr + res.stdout
    assert "evil.yaml" in res.stderr and "--allow-code" in res.stderr
    assert not marker.exists()


@pytest.mark.slow
def test_cli_allow_code_opts_in(tmp_path: Path, payload: tuple[str, Path]) -> None:
    module, marker = payload
    data = tmp_path / "data.npz"
    np.savez(data, x=np.zeros((4, 8, 8, 1), np.float32), y=np.array([0, 1, 0, 1]))
    cfg = _write(tmp_path / "cfg.yaml", f"preprocessing_function: '{module}:double'\n")
    args = ("doctor", str(data), "--config", str(cfg), "--out", str(tmp_path / "out"),
            "--fail-on", "never")
    path = f"{tmp_path}:{':'.join(sys.path)}"
    res = _augwise(*args, PYTHONPATH=path)
    assert res.returncode == 2 and "--allow-code" in res.stderr and not marker.exists()
    res = _augwise(*args, "--allow-code", PYTHONPATH=path)
    assert res.returncode == 0, res.stderr
    assert marker.exists()
    doc = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert doc["inputs"]["config"]["preprocessing_function"] == f"{module}:double"
