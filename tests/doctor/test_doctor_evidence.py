"""Evidence is exact: every listed file and example satisfies its finding's definition,
counts in titles equal the evidence, and sample names carry their split and never collide.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from augwise.doctor.api import Diagnosis, diagnose
from augwise.doctor.audit import quality
from augwise.doctor.audit.duplicates import SPLIT_ORDER
from augwise.doctor.findings import Finding
from augwise.io.datasets import DataSet, apply_validation_split, load_splits
from augwise.io.demo import load_fashion_mnist
from tests.doctor.conftest import Planted
from tests.doctor.planted import plant_copies

# checks whose files are samples (rows); the others list folders or inventory entries
ROW_CHECKS = ("duplicates.", "quality.", "sizes.", "colour.", "intensity.", "files.zero_byte",
              "files.corrupt", "files.not_image", "files.too_large", "files.wrong_extension",
              "files.decode_warnings", "files.exif_orientation")
TITLE_IS_FILE_COUNT = tuple(p for p in ROW_CHECKS if p not in ("duplicates.", "colour."))


def _rows(d: Diagnosis, names: list[str]) -> list[int]:
    index = {n: r for r, n in enumerate(d.context.table["name"])}
    missing = [n for n in names if n not in index]
    assert not missing, f"names that are no sample: {missing[:5]}"
    return [index[n] for n in names]


def _strip(example: str) -> str:
    return re.sub(r" \([^()]*\)$", "", example)  # "name (label)" -> "name"


def _check_duplicates(d: Diagnosis, f: Finding) -> None:
    t = d.context.table
    split, label, pixel = t["split"].to_numpy(), t["label"].to_numpy(), t["pixel_hash"].to_numpy()
    ev = f.evidence
    first = int(f.title.split()[0])
    if f.id in ("duplicates.exact", "duplicates.near"):
        assert first == ev["redundant_copies"] == sum(ev["copies_by_split"].values())
        for example in ev["examples"]:
            rows = _rows(d, example)
            assert len(rows) >= 2 and len({(split[r], label[r]) for r in rows}) == 1
            assert (len({pixel[r] for r in rows}) == 1) == (f.id == "duplicates.exact")
        return
    groups = ev["group_list"]
    assert first == ev["groups"] == len(groups)
    for g in groups:
        rows = _rows(d, g["members"])
        assert g["splits"] == [split[r] for r in rows]
        assert g["similarity"][0] == 1.0 and min(g["similarity"]) >= 0.9
        if f.id == "duplicates.leakage":
            assert len(set(g["splits"])) >= 2
        else:
            assert len({label[r] for r in rows if label[r] >= 0}) >= 2
    for example in ev["examples"]:
        rows = _rows(d, [_strip(e) for e in example])
        if f.id == "duplicates.leakage":
            assert len({split[r] for r in rows}) >= 2, example
        else:
            assert len({label[r] for r in rows}) >= 2, example
    if f.id == "duplicates.leakage":
        held = sum(sum(SPLIT_ORDER[s] != min(SPLIT_ORDER[x] for x in g["splits"])
                       for s in g["splits"]) for g in groups)
        match = re.search(r"\((\d+) held-out copies", f.title)
        assert match is not None and int(match.group(1)) == ev["held_out_copies"] == held


def _check_definition(d: Diagnosis, f: Finding, rows: list[int]) -> None:
    t = d.context.table.iloc[rows]
    if f.id == "quality.dark":
        assert (t["p99"] < quality.DARK_P99).all()
    elif f.id == "quality.bright":
        assert (t["p1"] > quality.BRIGHT_P1).all()
    elif f.id == "quality.low_information":
        assert ((t["std"] < quality.UNIFORM_STD) | (t["entropy"] < quality.UNIFORM_ENTROPY)).all()
    elif f.id == "quality.blurry":
        assert (t["sharpness"] < quality.BLURRY).all()
    elif f.id == "files.zero_byte":
        assert (t["error_kind"] == "zero_byte").all()


def check_evidence(d: Diagnosis) -> int:
    """Assert the evidence properties for every finding; the number checked."""
    t = d.context.table
    names = t["name"].tolist()
    assert len(set(names)) == len(names), "sample names collide"
    for name, split in zip(names, t["split"], strict=True):
        assert split == "train" or name.startswith((f"{split}/", f"{split}[")), name
    checked = 0
    for f in d.findings:
        if not f.id.startswith(ROW_CHECKS) or not f.files:
            continue
        checked += 1
        assert f.file_count >= len(f.files)
        rows = _rows(d, list(f.files))
        _check_definition(d, f, rows)
        if f.id.startswith("duplicates."):
            _check_duplicates(d, f)
        elif f.id.startswith(TITLE_IS_FILE_COUNT):
            assert int(f.title.split()[0]) == f.file_count, (f.id, f.title)
    return checked


def test_evidence_of_files_with_names_shared_by_splits(bases: Planted) -> None:
    d = bases.dirty_content
    names = d.context.table["name"].tolist()
    assert "a/img_000.jpg" in names and "test/a/img_000.jpg" in names
    assert check_evidence(d) >= 8


@pytest.fixture(scope="module")
def planted_npz(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list]:
    data = load_fashion_mnist()
    x_tr, y_tr = data.x_train[:900, ..., 0], data.y_train[:900]
    x_te, y_te = data.x_test[:300, ..., 0].copy(), data.y_test[:300]
    x_te[7] = x_te[7] // 12  # a nearly black test image
    arrays, truth = plant_copies(x_tr, y_tr, x_te, y_te, per_kind=4, seed=1, conflicts=3)
    root = tmp_path_factory.mktemp("planted_npz")
    np.savez(root / "train.npz", x_train=arrays["x_train"], y_train=arrays["y_train"])
    np.savez(root / "test.npz", x_test=arrays["x_test"], y_test=arrays["y_test"])
    return root / "train.npz", root / "test.npz", truth


@pytest.fixture(scope="module")
def planted_diagnosis(planted_npz: tuple[Path, Path, list]) -> Diagnosis:
    train, test, _ = planted_npz
    return diagnose(train, test=test, config={"seed": 0})


def test_evidence_of_arrays_with_planted_copies(planted_npz: tuple[Path, Path, list],
                                                planted_diagnosis: Diagnosis) -> None:
    _, _, truth = planted_npz
    d = planted_diagnosis
    assert check_evidence(d) >= 4
    dark = d.finding("quality.dark")
    assert dark is not None and "test[7]" in dark.files  # not train[7]
    leak = d.finding("duplicates.leakage")
    assert leak is not None
    leaked = {f"test[{row}]" for kind, _, split, row in truth
              if split == "test" and kind in ("exact", "reencoded", "shifted 1 px")}
    assert leaked <= set(leak.files)
    conflict = d.finding("duplicates.conflicting_labels")
    assert conflict is not None and conflict.severity == "error"
    planted = {f"train[{row}]" for kind, _, _, row in truth if kind == "conflicting label"}
    assert planted <= set(conflict.files)


def test_duplicate_groups_are_shown_side_by_side(planted_diagnosis: Diagnosis,
                                                 tmp_path: Path) -> None:
    d = planted_diagnosis
    paths = d.write(tmp_path)
    html = paths["html"].read_text()
    leak = d.finding("duplicates.leakage")
    assert leak is not None
    first = leak.evidence["group_list"][0]
    doc = {f["id"]: f for f in d.to_dict()["findings"]}
    assert len(doc["duplicates.leakage"]["evidence"]["group_list"]) == leak.evidence["groups"]
    # members at a readable size, each with its split, label and similarity
    section = html[html.index("[duplicates.leakage]"):]
    assert section.count('<div class="group">') >= min(leak.evidence["groups"], 3)
    assert f"<b>{first['members'][1]}</b>" in section and "representative" in section
    assert "closest accepted pair" in section and "most distant accepted pair" in section
    near = [s for g in leak.evidence["group_list"]
            for s, same in zip(g["similarity"], g["identical"], strict=True) if not same]
    assert f"similarity {min(near):.3f}" in section and f"similarity {max(near):.3f}" in section
    assert "width: 112px" in html and "image-rendering: pixelated" in html


def test_row_names_carry_the_split_and_never_collide(tmp_path: Path) -> None:
    x = np.zeros((8, 4, 4, 1), np.uint8)
    train = load_splits("train", (x, np.arange(8) % 2))[0]
    parts = apply_validation_split(train, 0.25, "first", 0)
    (tmp_path / "a.png").write_bytes(b"")
    frame = pd.DataFrame({"filename": ["a.png", "a.png"], "class": ["p", "q"]})
    listed = load_splits("test", frame, directory=str(tmp_path))[0]
    test_npz = tmp_path / "t.npz"
    np.savez(test_npz, x_train=x[:3])  # a test file holding x_train: rows are still test[i]
    from_npz = load_splits("test", test_npz)[0]
    names = DataSet([*parts, listed], "arrays", None).row_names()
    assert names == ["train[2]", "train[3]", "train[4]", "train[5]", "train[6]", "train[7]",
                     "validation/train[0]", "validation/train[1]", "test/a.png", "test/a.png #2"]
    assert from_npz.names == ["test[0]", "test[1]", "test[2]"]
