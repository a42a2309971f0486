"""Loading DATA for the tuner: sources, stratified seeded splits, downscaling."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from augwise.io.demo import load_fashion_mnist
from augwise.tune.data import LoadOptions, arrays_data, downscale, load_data, stratified_sample
from tests.tune.conftest import run_cli


def test_demo_splits_are_disjoint_stratified_and_seeded() -> None:
    demo = load_fashion_mnist()
    opts = LoadOptions(subset=500, test_size=300, val_fraction=0.2, seed=4)
    data = load_data("demo", opts)
    assert (len(data.train), len(data.val), len(data.test)) == (400, 100, 300)
    # every class keeps its share in each split
    for split in (data.train, data.val, data.test):
        counts = np.bincount(split.y, minlength=10)
        assert counts.max() - counts.min() <= 1
    # train and val come from the training images, disjointly; test from the test images
    train_rows = {img.tobytes() for img in data.train.x}
    assert not train_rows & {img.tobytes() for img in data.val.x}
    assert {img.tobytes() for img in data.test.x} <= {img.tobytes() for img in demo.x_test}
    assert data.class_names == tuple(demo.class_names)
    again = load_data("demo", opts)
    assert again.fingerprint() == data.fingerprint()
    other = load_data("demo", LoadOptions(subset=500, test_size=300, seed=5))
    assert other.fingerprint() != data.fingerprint()


def test_stratified_sample_keeps_proportions() -> None:
    labels = np.repeat([0, 1, 2], [600, 300, 100])
    rows = stratified_sample(labels, 100, seed=1, stream=0)
    assert len(rows) == len(set(rows.tolist())) == 100
    assert np.bincount(labels[rows]).tolist() == [60, 30, 10]


def test_arrays_without_a_test_set_hold_one_out_and_downscale() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(50, 100, 80, 3), dtype=np.uint8)
    y = np.arange(50) % 5
    data = arrays_data(x, y, options=LoadOptions(test_fraction=0.2, max_side=32))
    assert len(data.test) == 10 and len(data.train) + len(data.val) == 40
    assert data.image_shape == (32, 26, 3)
    assert data.original_hw == (100, 80)
    # float images in [0, 1] become uint8
    floats = arrays_data(x / 255.0, y)
    assert floats.train.x.dtype == np.uint8


def test_downscale_averages_areas() -> None:
    x = np.zeros((1, 128, 128, 1), np.uint8)
    x[:, :, :64] = 200
    small = downscale(x, 64)
    assert small.shape == (1, 64, 64, 1)
    assert small[0, :, :32].min() == 200 and small[0, :, 32:].max() == 0


def test_npz_csv_idx_and_folder_sources(tmp_path: Path, image_tree: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(40, 12, 12), dtype=np.uint8)
    y = np.arange(40) % 4
    np.savez(tmp_path / "d.npz", x=x, y=y)
    npz = load_data(tmp_path / "d.npz")
    assert npz.image_shape == (12, 12, 1) and npz.num_classes == 4

    idx = tmp_path / "idx"
    idx.mkdir()
    for name, arr in (("train-images-idx3-ubyte", x), ("train-labels-idx1-ubyte", y)):
        a = np.asarray(arr, np.uint8)
        header = bytes([0, 0, 8, a.ndim]) + b"".join(d.to_bytes(4, "big") for d in a.shape)
        with gzip.open(idx / f"{name}.gz", "wb") as fh:
            fh.write(header + a.tobytes())
    from_idx = load_data(idx)  # the same arrays, so the same splits
    assert from_idx.fingerprint() == npz.fingerprint()

    folder = load_data(image_tree, LoadOptions(max_side=24, val_fraction=0.25, seed=2))
    assert folder.class_names == ("cats", "dogs", "zebras")
    assert max(folder.image_shape[:2]) == 24 and folder.image_shape[2] == 3
    assert len(folder.train) + len(folder.val) + len(folder.test) == 21

    rows = []
    for c, name in enumerate(["a", "b"]):
        for i in range(5):
            path = tmp_path / "imgs" / f"{name}{i}.png"
            path.parent.mkdir(exist_ok=True)
            Image.fromarray(np.full((20, 30), 40 * c + i, np.uint8)).save(path)
            rows.append({"filename": f"imgs/{name}{i}.png", "class": name})
    pd.DataFrame(rows).to_csv(tmp_path / "labels.csv", index=False)
    csv = load_data(tmp_path / "labels.csv", LoadOptions(test_fraction=0.2, val_fraction=0.25))
    assert csv.class_names == ("a", "b") and csv.image_shape == (20, 30, 1)
    assert len(csv.test) == 2


@pytest.mark.parametrize(
    ("source", "options", "message"),
    [
        ("/no/such/folder", {}, "does not exist"),
        ("demo", {"subset": 1}, "subset"),
        ("demo", {"val_fraction": 1.5}, "val_fraction"),
        ("demo", {"max_side": 2}, "max_side"),
    ],
)
def test_bad_arguments_name_themselves(source: str, options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_data(source, LoadOptions(**options))


def test_a_flat_folder_or_empty_class_folders_say_how_to_lay_out_the_classes(
    tmp_path: Path,
) -> None:
    flat = tmp_path / "flat"
    flat.mkdir()
    for i in range(4):
        Image.fromarray(np.full((8, 8), 40 * i, np.uint8)).save(flat / f"{i}.png")
    # the loader's wording (io.sources.Listing.layout_problem), naming DATA
    with pytest.raises(ValueError, match=r"'.*flat': it has no class folders \(it must hold one "
                       r"sub-folder of images per class.*Not loaded: 4 entries"):
        load_data(flat)
    (tmp_path / "empty" / "cat").mkdir(parents=True)
    (tmp_path / "empty" / "dog").mkdir()
    with pytest.raises(ValueError, match=r"'.*empty': its 2 class folder\(s\) hold no image"):
        load_data(tmp_path / "empty")
    res = run_cli("tune", str(flat), "--trials", "1")
    assert res.returncode == 2
    assert "it has no class folders" in res.stderr and "one sub-folder of images per class" \
        in " ".join(res.stderr.split())
    assert "Traceback" not in res.stderr
