"""One data layer (augwise.io.datasets) and one split rule (augwise.io.sources) for the
loader, the doctor and the tuner: each format gives all three the same samples."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from augwise import ImageDataGenerator
from augwise.io.datasets import apply_validation_split, load_splits, open_source, read_idx
from augwise.io.datasets import load_splits as doctor_splits
from augwise.io.demo import load_fashion_mnist
from augwise.io.sources import stratified_sample, subset_rows, validation_rows
from augwise.tune.data import LoadOptions, arrays_data, load_data, resplit

SMALL = {"target_size": (8, 8), "batch_size": 2, "verbose": False}


def _png(path: Path, value: int, size: tuple[int, int] = (8, 8)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(size, value, np.uint8)).save(path)


def _tree(root: Path, counts: dict[str, int]) -> Path:
    for c, (name, n) in enumerate(counts.items()):
        for i in range(n):
            _png(root / name / f"{i:02d}.png", 30 * c + i)
    return root


def _idx(path: Path, arr: np.ndarray) -> None:
    a = np.asarray(arr, np.uint8)
    header = bytes([0, 0, 8, a.ndim]) + b"".join(d.to_bytes(4, "big") for d in a.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + a.tobytes())


def test_a_class_folder_tree_reads_the_same_for_loader_doctor_and_tuner(tmp_path: Path) -> None:
    root = _tree(tmp_path / "data", {"cat": 4, "dog": 6})
    (root / "notes.txt").write_text("not a sample")
    split = open_source(root).train
    assert split.class_names == ["cat", "dog"]
    assert split.names[:2] == [os.path.join("cat", "00.png"), os.path.join("cat", "01.png")]
    assert split.labels.tolist() == [0] * 4 + [1] * 6
    assert split.inventory is not None and split.inventory.loose_files == ["notes.txt"]
    it = ImageDataGenerator().flow_from_directory(root, **SMALL)
    assert it.filenames == split.names and it.classes.tolist() == split.labels.tolist()
    assert list(it.class_indices) == split.class_names
    doctor = doctor_splits("train", root)[0]
    assert doctor.names == split.names and doctor.labels.tolist() == split.labels.tolist()
    tuned = load_data(root, LoadOptions(val_fraction=0.25, test_fraction=0.2))
    assert tuned.class_names == ("cat", "dog")
    assert len(tuned.train) + len(tuned.val) + len(tuned.test) == 10


def test_split_folders_give_splits_with_one_list_of_class_names(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _tree(root / "train", {"cat": 5, "dog": 5})
    _tree(root / "test", {"dog": 2, "emu": 1})  # no cat, a class only the test split has
    ds = open_source(root)
    assert [s.name for s in ds.splits] == ["train", "test"]
    train, test = ds.splits
    assert train.class_names == test.class_names == ["cat", "dog", "emu"]
    assert test.names == [os.path.join("dog", "00.png"), os.path.join("dog", "01.png"),
                          os.path.join("emu", "00.png")]
    assert test.labels.tolist() == [1, 1, 2]
    assert ds.row_names()[-1] == "test/" + os.path.join("emu", "00.png")
    # asked for the test split alone, the tree gives its test folder
    only = load_splits("test", root)
    assert [(s.name, len(s)) for s in only] == [("test", 3)]
    tuned = load_data(root, LoadOptions(val_fraction=0.2))
    assert len(tuned.test) == 3 and len(tuned.train) + len(tuned.val) == 10
    assert tuned.class_names == ("cat", "dog", "emu")
    # classes that happen to be named train and test (images inside) stay classes
    flat = _tree(tmp_path / "classes", {"train": 2, "test": 2})
    assert open_source(flat).train.class_names == ["test", "train"]


def test_npz_class_names_reach_the_doctor_and_the_tuner(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (30, 6, 6), np.uint8)
    y = np.arange(30) % 3
    np.savez(tmp_path / "d.npz", x_train=x, y_train=y, x_test=x[:6], y_test=y[:6],
             class_names=np.array(["ant", "bee", "cow"]))
    ds = open_source(tmp_path / "d.npz")
    assert [s.name for s in ds.splits] == ["train", "test"]
    assert ds.train.class_names == ["ant", "bee", "cow"]
    assert ds.train.labels.tolist() == y.tolist()  # integer labels are class indices
    assert ds.splits[1].names[:2] == ["test[0]", "test[1]"]
    assert doctor_splits("train", tmp_path / "d.npz")[0].class_names == ["ant", "bee", "cow"]
    tuned = load_data(tmp_path / "d.npz")
    assert tuned.class_names == ("ant", "bee", "cow") and len(tuned.test) == 6
    it = ImageDataGenerator().flow(x[..., None], y, batch_size=30, shuffle=False)
    assert it[0][1].tolist() == ds.train.labels.tolist()
    np.savez(tmp_path / "short.npz", x=x, y=y, class_names=np.array(["ant", "bee"]))
    with pytest.raises(ValueError, match=r"short\.npz.*class_names has 2 names"):
        open_source(tmp_path / "short.npz")


def test_integer_labels_are_indices_and_string_labels_are_sorted() -> None:
    x = np.zeros((3, 4, 4), np.uint8)
    gap = load_splits("train", (x, np.array([0, 2, 2])))[0]
    assert gap.labels.tolist() == [0, 2, 2] and gap.class_names == ["0", "1", "2"]
    ids = load_splits("train", (x, np.array([1000, 20, 20])))[0]  # ids, not indices
    assert ids.labels.tolist() == [1, 0, 0] and ids.class_names == ["20", "1000"]
    words = load_splits("train", (x, np.array(["dog", "cat", "dog"])))[0]
    assert words.labels.tolist() == [1, 0, 1] and words.class_names == ["cat", "dog"]


def test_idx_files_are_read_for_the_doctor_and_the_tuner(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, (20, 7, 7), np.uint8)
    y = np.arange(20) % 2
    folder = tmp_path / "mnist"
    folder.mkdir()
    _idx(folder / "train-images-idx3-ubyte.gz", x)
    _idx(folder / "train-labels-idx1-ubyte.gz", y)
    _idx(folder / "t10k-images-idx3-ubyte.gz", x[:4])
    _idx(folder / "t10k-labels-idx1-ubyte.gz", y[:4])
    assert np.array_equal(read_idx(folder / "train-images-idx3-ubyte.gz"), x)
    ds = open_source(folder)
    assert ds.origin == "idx" and [len(s) for s in ds.splits] == [20, 4]
    assert np.array_equal(ds.train.x[..., 0], x) and ds.train.labels.tolist() == y.tolist()
    assert [s.names[0] for s in doctor_splits("test", folder)] == ["test[0]"]
    np.savez(tmp_path / "same.npz", x_train=x, y_train=y, x_test=x[:4], y_test=y[:4])
    assert load_data(folder).fingerprint() == load_data(tmp_path / "same.npz").fingerprint()
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz but not its labels "
                                         r"t10k-labels-idx1-ubyte"):
        open_source(folder)


def test_a_csv_reads_the_same_for_loader_doctor_and_tuner(tmp_path: Path) -> None:
    rows = []
    for i in range(6):
        name = "b" if i % 3 else "a"
        _png(tmp_path / "imgs" / f"{i}.png", 20 * i)
        rows.append({"filename": f"imgs/{i}.png", "class": name})
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / "labels.csv", index=False)
    split = open_source(tmp_path / "labels.csv").train
    assert split.origin == "csv" and split.class_names == ["a", "b"]
    assert split.names == [r["filename"] for r in rows]
    it = ImageDataGenerator().flow_from_dataframe(frame, str(tmp_path), **SMALL)
    assert it.filenames == split.names and list(it.classes) == split.labels.tolist()
    assert list(it.class_indices) == split.class_names
    assert load_data(tmp_path / "labels.csv").class_names == ("a", "b")
    pd.DataFrame([*rows, {"filename": "imgs/gone.png", "class": "a"}]).to_csv(
        tmp_path / "broken.csv", index=False)
    assert open_source(tmp_path / "broken.csv").train.dropped == {
        "imgs/gone.png": "file does not exist (dropped with a warning)"}
    with pytest.raises(ValueError, match=r"broken\.csv.*1 row\(s\).*'imgs/gone\.png'"):
        load_data(tmp_path / "broken.csv")


def test_the_demo_unless_a_path_has_that_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              ) -> None:
    monkeypatch.chdir(tmp_path)
    demo = load_fashion_mnist()
    ds = open_source("demo")
    assert ds.origin == "demo" and ds.train.class_names == demo.class_names
    assert [len(s) for s in ds.splits] == [len(demo.x_train), len(demo.x_test)]
    _tree(tmp_path / "demo", {"only": 2})
    assert open_source("demo").train.class_names == ["only"]


def test_unreadable_sources_name_the_argument_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^DATA '.*nowhere' does not exist \(a folder"):
        open_source(tmp_path / "nowhere", what="DATA")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"test data '.*notes\.txt' must be a folder, \.csv"):
        load_splits("test", tmp_path / "notes.txt")
    with pytest.raises(TypeError, match=r"train data must be a folder.*got int"):
        open_source(3)
    np.savez(tmp_path / "x_only.npz", x=np.zeros((4, 3, 3), np.uint8))
    with pytest.raises(ValueError, match=r"x_only\.npz.*needs one class label per train image"):
        load_data(tmp_path / "x_only.npz")


# -- the split rule -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["first", "stratified"])
@pytest.mark.parametrize("per_class", [False, True])
def test_validation_and_training_subsets_are_disjoint_complements(mode: str,
                                                                   per_class: bool) -> None:
    labels = np.repeat([0, 1, 2], [10, 20, 7])
    val = subset_rows(labels, 0.3, mode, 5, "validation", per_class=per_class)
    train = subset_rows(labels, 0.3, mode, 5, "training", per_class=per_class)
    assert not set(val.tolist()) & set(train.tolist())
    assert sorted([*val.tolist(), *train.tolist()]) == list(range(len(labels)))
    assert np.array_equal(val, validation_rows(labels, 0.3, mode, 5, per_class=per_class))


def test_stratified_split_keeps_each_class_share_and_is_seeded() -> None:
    labels = np.repeat([0, 1, 2], [10, 20, 7])
    val = validation_rows(labels, 0.3, "stratified", 1)
    assert np.bincount(labels[val]).tolist() == [3, 6, 2]  # int(0.3 x each class)
    assert np.array_equal(val, validation_rows(labels, 0.3, "stratified", 1))
    assert not np.array_equal(val, validation_rows(labels, 0.3, "stratified", 2))
    first = validation_rows(labels, 0.3, "first", 1, per_class=True)
    assert first.tolist() == [0, 1, 2, *range(10, 16), 30, 31]  # Keras: first of each folder
    assert validation_rows(labels, 0.3, "first", 1).tolist() == list(range(11))
    with pytest.raises(ValueError, match="validation_split_mode"):
        validation_rows(labels, 0.3, "random", 1)


def test_the_doctor_splits_a_folder_as_the_loader_does(tmp_path: Path) -> None:
    root = _tree(tmp_path / "data", {"cat": 5, "dog": 8})
    train = open_source(root).train
    for mode in ("first", "stratified"):
        gen = ImageDataGenerator(validation_split=0.4, validation_split_mode=mode, seed=3)
        doctor = apply_validation_split(train, 0.4, mode, 3)
        for part, subset in zip(doctor, ("training", "validation"), strict=True):
            it = gen.flow_from_directory(root, subset=subset, **SMALL)
            assert it.filenames == part.names, (mode, subset)


def test_stratified_sample_and_resplit_for_the_tuner() -> None:
    labels = np.repeat([0, 1], [30, 10])
    rows = stratified_sample(labels, 8, seed=0, stream=1)
    assert np.bincount(labels[rows]).tolist() == [6, 2]
    assert np.array_equal(rows, stratified_sample(labels, 8, seed=0, stream=1))
    x = np.arange(40, dtype=np.uint8).reshape(40, 1, 1, 1)
    data = arrays_data(x, labels, options=LoadOptions(seed=0))
    again, other = resplit(data, seed=1), resplit(data, seed=2)
    assert (len(again.train), len(again.val)) == (len(data.train), len(data.val))
    pool = sorted(np.concatenate([data.train.x, data.val.x]).ravel().tolist())
    assert sorted(np.concatenate([again.train.x, again.val.x]).ravel().tolist()) == pool
    assert not set(again.train.x.ravel().tolist()) & set(again.val.x.ravel().tolist())
    assert again.fingerprint() == resplit(data, seed=1).fingerprint() != other.fingerprint()
    assert again.test is data.test
    assert len(resplit(data, seed=1, val_fraction=0.5).val) == 16
    with pytest.raises(ValueError, match="val_fraction"):
        resplit(data, seed=1, val_fraction=1.0)


def test_pandas_is_imported_only_for_csv_and_dataframes(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", x=np.zeros((4, 3, 3), np.uint8), y=np.arange(4) % 2)
    _tree(tmp_path / "tree", {"a": 1})
    code = (
        "import sys, augwise.loader.file_iterators, augwise.tune.data; "
        "from augwise.io.datasets import open_source; "
        f"open_source({str(tmp_path / 'd.npz')!r}); open_source({str(tmp_path / 'tree')!r}); "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"


def test_the_doctor_diagnoses_an_idx_folder_with_its_sample_names(tmp_path: Path) -> None:
    from augwise.doctor import diagnose

    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (24, 8, 8), np.uint8)
    y = np.arange(24) % 3
    for name, arr in (("train-images-idx3-ubyte", x), ("train-labels-idx1-ubyte", y),
                      ("t10k-images-idx3-ubyte", x[:6]), ("t10k-labels-idx1-ubyte", y[:6])):
        _idx(tmp_path / f"{name}.gz", arr)
    d = diagnose(tmp_path, config={"seed": 1}, workers=1, progress=False)
    names = list(d.context.table["name"])
    assert names[0] == "train[0]" and names[24] == "test[0]" and len(names) == 30
    assert d.context.class_names == ["0", "1", "2"]
