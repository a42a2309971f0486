"""The data fixes (--write-fixes): applied, they leave no duplicate or leakage finding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from augwise.doctor.api import diagnose
from tests.doctor.conftest import GOOD_CONFIG, GOOD_FLOW, Planted
from tests.doctor.planted import plant_copies
from tests.doctor.test_doctor_cli import augwise

DUPLICATE_IDS = {"duplicates.exact", "duplicates.near", "duplicates.conflicting_labels",
                 "duplicates.leakage"}


def test_cleaned_npz_files_have_no_duplicates_left(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (80, 16, 16), dtype=np.uint8)
    y = np.arange(80) % 4
    arrays, truth = plant_copies(x[:60], y[:60], x[60:], y[60:], per_kind=2, seed=0,
                                 conflicts=1)
    np.savez(tmp_path / "train.npz", x_train=arrays["x_train"], y_train=arrays["y_train"])
    np.savez(tmp_path / "test.npz", x_test=arrays["x_test"], y_test=arrays["y_test"])
    d = diagnose(tmp_path / "train.npz", test=tmp_path / "test.npz", config={"seed": 0})
    assert {f.id for f in d.findings} >= {"duplicates.exact", "duplicates.leakage",
                                          "duplicates.conflicting_labels"}
    written = {p.name: p for p in d.write_data_fixes(tmp_path / "fixes")}
    assert set(written) == {"drop_train.csv", "relabel_train.csv", "drop_test.csv",
                            "relabel_test.csv", "train.npz", "test.npz"}
    drops = pd.read_csv(written["drop_train.csv"])
    assert list(drops.columns) == ["name", "index", "label", "reason", "detail"]
    conflict = next(row for kind, _, _, row in truth if kind == "conflicting label")
    assert f"train[{conflict}]" in set(drops["name"])  # a tie: no majority label
    assert len(pd.read_csv(written["drop_test.csv"])) == 0  # held-out data stay as they are
    with np.load(written["train.npz"]) as z:
        assert set(z.files) == {"x_train", "y_train"}
        assert len(z["x_train"]) == len(arrays["x_train"]) - len(drops)
        kept = np.setdiff1d(np.arange(len(arrays["x_train"])), drops["index"])
        np.testing.assert_array_equal(z["x_train"], arrays["x_train"][kept])
        np.testing.assert_array_equal(z["y_train"], arrays["y_train"][kept])
    again = diagnose(written["train.npz"], test=written["test.npz"], config={"seed": 0})
    assert not DUPLICATE_IDS & {f.id for f in again.findings}


def test_cleaned_file_lists_leave_out_the_copies(bases: Planted, tmp_path: Path) -> None:
    d = bases.dirty_content
    written = {p.name: p for p in d.write_data_fixes(tmp_path)}
    drops = pd.read_csv(written["drop_train.csv"])
    assert list(drops.columns) == ["name", "path", "label", "reason", "detail"]
    reasons = dict(zip(drops["name"], drops["reason"], strict=True))
    assert reasons["b/img_001.png"] == "duplicates.leakage"  # its twin is test/b/leak.png
    assert {reasons.get("a/img_001.png"), reasons.get("a/copy_001.png")} == {
        None, "duplicates.exact"}
    assert {reasons.get("a/img_005.png"), reasons.get("b/conflict.png")} == {
        "duplicates.conflicting_labels"}
    clean = pd.read_csv(written["clean_train.csv"])
    assert list(clean.columns) == ["filename", "class"]
    assert not set(drops["path"]) & set(clean["filename"])
    again = diagnose(clean, test=bases.dirty_content_dir / "test",
                     config=GOOD_CONFIG, flow={**GOOD_FLOW, "x_col": "filename"})
    assert not DUPLICATE_IDS & {f.id for f in again.findings}


def test_files_that_do_not_decode_are_dropped(bases: Planted, tmp_path: Path) -> None:
    written = {p.name: p for p in bases.dirty_files.write_data_fixes(tmp_path)}
    drops = pd.read_csv(written["drop_train.csv"])
    reasons = dict(zip(drops["name"], drops["reason"], strict=True))
    assert reasons["a/empty.png"] == "files.zero_byte"
    assert reasons["a/broken.jpg"] == "files.corrupt"
    assert reasons["a/page.jpg"] == "files.not_image"
    clean = pd.read_csv(written["clean_train.csv"])
    assert not any(f.endswith(("empty.png", "broken.jpg", "page.jpg")) for f in clean["filename"])


@pytest.mark.slow
def test_cli_writes_the_fixes(bases: Planted, tmp_path: Path) -> None:
    data = bases.dirty_content_dir
    res = augwise("doctor", str(data / "train"), "--test", str(data / "test"), "--target-size",
                  "48,64", "--out", str(tmp_path / "report"), "--write-fixes",
                  str(tmp_path / "fixes"), "--fail-on", "never")
    assert res.returncode == 0, res.stdout + res.stderr
    drops = pd.read_csv(tmp_path / "fixes" / "drop_train.csv")
    assert "b/img_001.png" in set(drops["name"])
    assert (tmp_path / "fixes" / "clean_test.csv").is_file()
