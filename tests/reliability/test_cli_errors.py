"""Every user error of every command: exit status 2 and one or two plain lines on stderr
that name the file or option, no traceback unless ``--debug`` (issue 9, item 11).
Internal errors (bugs) exit 3 with one short line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# imports of the packages named in $AUGWISE_TEST_BLOCK fail (``raise_error``: how)
BLOCKER = '''
import importlib.abc, os, sys

class _Block(importlib.abc.MetaPathFinder):
    names = set(os.environ.get("AUGWISE_TEST_BLOCK", "").split(","))
    error = os.environ.get("AUGWISE_TEST_BLOCK_ERROR", "missing")

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            if self.error == "bug":
                raise RuntimeError("planted failure for the test")
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Block())
'''
TINY_TUNE = ("--demo", "--subset", "100", "--test-size", "20", "--epochs", "1", "--trials",
             "1", "--no-final")


def augwise(*args: str, block: str = "", error: str = "missing", debug_env: bool = False,
            tmp: Path | None = None, path: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("AUGWISE_DEBUG", None)
    if path is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(path), env.get("PYTHONPATH", "")])
    if debug_env:
        env["AUGWISE_DEBUG"] = "1"
    if block:
        assert tmp is not None
        shim = tmp / "shim"
        shim.mkdir(exist_ok=True)
        (shim / "sitecustomize.py").write_text(BLOCKER)
        env["PYTHONPATH"] = os.pathsep.join([str(shim), env.get("PYTHONPATH", "")])
        env["AUGWISE_TEST_BLOCK"] = block
        env["AUGWISE_TEST_BLOCK_ERROR"] = error
    return subprocess.run([sys.executable, "-m", "augwise.cli.main", *args],
                          capture_output=True, text=True, timeout=300, check=False, env=env)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def assert_user_error(res: subprocess.CompletedProcess[str], *names: str) -> str:
    """Exit 2, one or two plain lines on stderr naming ``names``, nothing on stdout."""
    err = lines(res.stderr)
    assert res.returncode == 2, res.stderr + res.stdout
    assert "Traceback" not in res.stderr, res.stderr
    assert 1 <= len(err) <= 2, res.stderr
    assert err[0].startswith("error: "), res.stderr
    for name in names:
        assert name in res.stderr, (name, res.stderr)
    assert "error" not in res.stdout.lower(), res.stdout
    return res.stderr


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli-errors")
    (root / "typo.yaml").write_text("rotaton_range: 12\n")
    (root / "negative.yaml").write_text("rotation_range: -5\n")
    (root / "folder.yaml").mkdir()  # exists, cannot be read as a file
    (root / "a-file").write_text("not a folder\n")
    data = root / "data" / "cat"
    data.mkdir(parents=True)
    return {"root": root, "typo": root / "typo.yaml", "negative": root / "negative.yaml",
            "folder": root / "folder.yaml", "file": root / "a-file", "data": data.parent}


@pytest.mark.parametrize("command", ["doctor", "preview", "tune"])
def test_a_typo_in_a_config_file_names_the_key_and_the_file(
    command: str, files: dict[str, Path]
) -> None:
    source = [str(files["data"])] if command == "doctor" else ["--demo"]
    out = files["root"] / f"out-{command}" / ("grid.png" if command == "preview" else "")
    res = augwise(command, *source, "--config", str(files["typo"]), "--out", str(out))
    err = assert_user_error(res, "rotaton_range", str(files["typo"]))
    assert "rotation_range" in err  # did you mean


def test_a_bad_value_in_a_config_file_or_option_names_the_argument(
    files: dict[str, Path]
) -> None:
    out = str(files["root"] / "bad-value.png")
    assert_user_error(augwise("preview", "--demo", "--config", str(files["negative"]),
                              "--out", out), "rotation_range", "-5")
    assert_user_error(augwise("preview", "--demo", "--rotation-range", "abc", "--out", out),
                      "rotation_range", "abc")


def test_missing_and_unreadable_files_are_named(files: dict[str, Path]) -> None:
    root = files["root"]
    out = str(root / "out")
    missing = root / "no-such-data"
    assert_user_error(augwise("doctor", str(missing), "--out", out), str(missing))
    missing_cfg = root / "no-such-config.yaml"
    assert_user_error(augwise("doctor", str(files["data"]), "--config", str(missing_cfg),
                              "--out", out), str(missing_cfg))
    assert_user_error(augwise("doctor", str(files["data"]), "--config", str(files["folder"]),
                              "--out", out), str(files["folder"]))
    assert_user_error(augwise("tune", str(missing), "--out", out), str(missing))


@pytest.mark.parametrize("command", ["doctor", "preview", "tune", "bench"])
def test_an_unwritable_out_fails_before_the_work(command: str, files: dict[str, Path]) -> None:
    out = files["file"] / "sub"  # below a regular file: cannot be created
    source = {"doctor": [str(files["data"])], "preview": ["--demo"], "tune": ["--demo"],
              "bench": ["--quick", "--data", str(files["root"] / "bench-data")]}[command]
    res = augwise(command, *source, "--out", str(out / "x.png" if command == "preview" else out))
    assert_user_error(res, "--out", str(files["file"]))


def test_usage_errors_are_two_plain_lines(files: dict[str, Path]) -> None:
    res = augwise("doctor", "--demo", "--fail-on", "sometimes", "--out",
                  str(files["root"] / "o"))
    err = assert_user_error(res, "--fail-on", "sometimes")
    assert lines(err)[1] == "Try 'augwise doctor --help' for help."
    assert_user_error(augwise("tune", "--demo", "--rotaton-range", "3"), "--rotaton-range")
    assert_user_error(augwise("bench", "--quick", "--only", "nope", "--out",
                              str(files["root"] / "b")), "nope")
    assert_user_error(augwise("nosuchcommand"), "nosuchcommand")


def test_a_missing_optional_package_says_how_to_install_it(tmp_path: Path) -> None:
    res = augwise("tune", *TINY_TUNE, "--out", str(tmp_path / "out"), block="optuna",
                  tmp=tmp_path)
    assert_user_error(res, "optuna", "pip install 'augwise[tune]'")
    fake = tmp_path / "fake" / "optuna"  # installed but broken: its import raises
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('this optuna is broken')\n")
    res = augwise("tune", *TINY_TUNE, "--out", str(tmp_path / "out"), path=fake.parent)
    assert_user_error(res, "optuna", "this optuna is broken", "pip install 'augwise[tune]'")


def test_debug_shows_the_traceback(files: dict[str, Path]) -> None:
    args = ("doctor", str(files["root"] / "no-such-data"), "--out", str(files["root"] / "o"))
    for res in (augwise("--debug", *args), augwise(*args, debug_env=True)):
        assert res.returncode == 2
        assert "Traceback (most recent call last)" in res.stderr
        assert lines(res.stderr)[-1].startswith("error: ") and "no-such-data" in res.stderr


def test_an_internal_error_is_one_line_with_its_own_status(tmp_path: Path) -> None:
    args = ("tune", *TINY_TUNE, "--out", str(tmp_path / "out"))
    res = augwise(*args, block="optuna", error="bug", tmp=tmp_path)
    assert res.returncode == 3, res.stderr
    assert "Traceback" not in res.stderr
    err = lines(res.stderr)
    assert err[0] == "internal error: RuntimeError: planted failure for the test"
    assert "--debug" in err[1] and len(err) == 2
    res = augwise("--debug", *args, block="optuna", error="bug", tmp=tmp_path)
    assert res.returncode == 3 and "Traceback (most recent call last)" in res.stderr


@pytest.mark.slow
def test_resuming_a_study_with_other_settings_is_a_user_error(tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    first = augwise("tune", *TINY_TUNE, "--out", out)
    assert first.returncode == 0, first.stderr
    res = augwise("tune", *TINY_TUNE, "--epochs", "2", "--out", out)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    # the data and budget lines come first; the error is the last line
    last = lines(res.stderr)[-1]
    assert last.startswith("error: ") and "different budget" in last and "--study" in last


def test_a_study_storage_that_cannot_be_opened_names_storage(files: dict[str, Path]) -> None:
    url = f"sqlite:///{files['file']}/study.db"  # below a regular file
    res = augwise("tune", *TINY_TUNE, "--storage", url, "--out", str(files["root"] / "t"))
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    last = lines(res.stderr)[-1]  # after the data and budget lines
    assert last.startswith("error: ") and "--storage" in last and "unable to open" in last
