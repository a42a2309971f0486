"""``augwise bench --quick`` end to end, through the CLI (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

BLOCKER = '''
import importlib.abc, os, sys

class _Block(importlib.abc.MetaPathFinder):
    names = set(os.environ.get("AUGWISE_TEST_BLOCK", "").split(","))

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _Block())
'''


def run_bench(tmp: Path, *args: str, block: str = "") -> subprocess.CompletedProcess[str]:
    shim = tmp / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(shim), env.get("PYTHONPATH", "")])
    env["AUGWISE_TEST_BLOCK"] = block
    return subprocess.run(
        [sys.executable, "-m", "augwise.cli.main", "bench", *args],
        capture_output=True, text=True, timeout=240, check=False, env=env,
    )


def test_quick_bench_writes_json_markdown_and_chart(tmp_path: Path, big_photos: Path) -> None:
    out = tmp_path / "out"
    res = run_bench(tmp_path, "--quick", "--data", str(tmp_path / "data"), "--photos",
                    str(big_photos), "--out", str(out), "--only", "dir224", "--only",
                    "fit_dir", "--only", "rss100k", block="keras,albumentations")
    assert res.returncode == 0, res.stderr + res.stdout
    doc = json.loads((out / "bench.json").read_text())
    for key in ("command", "quick", "machine", "data", "config", "results", "targets",
                "workers", "repeats", "batch_size"):
        assert key in doc
    assert doc["quick"] is True and doc["data"]["files"] == 192
    by = {(r["workload"], r["peer"]): r for r in doc["results"]}
    aug = by[("dir224", "augwise")]
    assert aug["status"] == "ok"
    for key in ("median", "min", "max", "rates", "peak_rss_mib", "images_per_pass"):
        assert key in aug
    assert aug["min"] <= aug["median"] <= aug["max"]
    assert "ratio_decode" in aug and by[("dir224", "decode")]["status"] == "ok"
    for peer in ("keras", "albumentations"):
        row = by[("dir224", peer)]
        assert row["status"] == "skipped" and "not installed" in row["reason"]
        assert "median" not in row
    assert by[("fit_dir", "keras")]["status"] == "skipped"
    assert by[("rss100k", "augwise")]["rss_samples"]
    ids = {t["id"] for t in doc["targets"]}
    assert {"P1", "P1b", "P2", "P3", "P4"} <= ids
    keras_targets = [t for t in doc["targets"] if "Keras" in t["what"]]
    assert all(t["met"] is None for t in keras_targets)  # nothing to compare with
    with Image.open(out / "bench.png") as img:
        assert img.size[0] > 400 and img.size[1] > 200
    md = (out / "bench.md").read_text()
    assert "| dir224 | augwise (default workers) |" in md and "skipped" in md
    assert "augwise bench" in res.stdout and "P1" in res.stdout


def test_missing_photos_say_what_to_install(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    res = run_bench(tmp_path, "--quick", "--data", str(tmp_path / "data"), "--photos",
                    str(empty), "--out", str(tmp_path / "out"), "--only", "dir224")
    assert res.returncode == 2
    assert "ukui-wallpapers" in res.stdout + res.stderr


def test_unknown_workload_is_an_error(tmp_path: Path) -> None:
    res = run_bench(tmp_path, "--quick", "--only", "nope", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "nope" in res.stdout + res.stderr
