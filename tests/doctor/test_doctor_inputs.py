"""Every accepted form of data and config, validation_split, and errors naming bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from augwise import AugmentConfig, DirectoryIterator, ImageDataGenerator, NumpyArrayIterator
from augwise.doctor import FlowOptions, diagnose
from augwise.doctor.scan import scan
from tests.doctor.conftest import GOOD_CONFIG, GOOD_FLOW, Planted
from tests.doctor.planted import SCENE_HW, scene


def _sizes(d: object) -> dict[str, int]:
    ctx = d.context  # type: ignore[attr-defined]
    return {s.name: len(s) for s in ctx.data.splits}


def test_directory_csv_and_dataframe_give_the_same_samples(bases: Planted, tmp_path: Path) -> None:
    root = bases.scenes_dir / "train"
    rows = [{"filename": str(f.relative_to(root)), "class": f.parent.name}
            for f in sorted(root.rglob("*.*"))]
    csv = tmp_path / "train.csv"
    pd.DataFrame(rows).to_csv(csv, index=False)
    by_dir = diagnose(root, config=GOOD_CONFIG, flow=GOOD_FLOW)
    by_csv = diagnose(csv, config=GOOD_CONFIG, flow={**GOOD_FLOW, "directory": str(root)})
    by_df = diagnose(pd.DataFrame(rows), config=GOOD_CONFIG,
                     flow=FlowOptions(target_size=SCENE_HW, directory=str(root)))
    for d in (by_csv, by_df):
        assert sorted(d.context.table["name"]) == sorted(by_dir.context.table["name"])
        assert d.context.class_names == by_dir.context.class_names


def test_npz_npy_and_arrays(tmp_path: Path) -> None:
    x = np.stack([scene(*SCENE_HW, i) for i in range(30)])
    y = np.arange(30) % 3
    np.savez(tmp_path / "data.npz", x_train=x[:24], y_train=y[:24], x_test=x[24:], y_test=y[24:])
    d = diagnose(tmp_path / "data.npz", config={"seed": 0})
    assert _sizes(d) == {"train": 24, "test": 6}
    assert d.context.class_names == ["0", "1", "2"]
    np.save(tmp_path / "images.npy", x)
    unlabelled = diagnose(tmp_path / "images.npy", config={"seed": 0})
    assert _sizes(unlabelled) == {"train": 30}
    status = {c.id: c.status for c in unlabelled.checks}
    assert status["classes.imbalance"] == "skipped"
    one_hot = np.eye(3)[y]
    assert diagnose((x, one_hot), config={"seed": 0}).context.class_names == ["0", "1", "2"]
    first = diagnose(x.transpose(0, 3, 1, 2), config={"data_format": "channels_first"})
    assert first.context.target_hw == SCENE_HW


def test_augwise_iterators_bring_their_flow_arguments_and_generator(bases: Planted) -> None:
    gen = ImageDataGenerator(rotation_range=7, seed=3)
    # the iterator classes themselves (gen.flow_from_directory would import Keras if present)
    it = DirectoryIterator(bases.scenes_dir / "train", gen, target_size=(24, 32), batch_size=5,
                           shuffle=False, verbose=False, interpolation="bilinear")
    d = diagnose(it)
    assert d.context.flow.target_size == (24, 32) and d.context.flow.batch_size == 5
    assert d.context.flow.interpolation == "bilinear"
    assert d.config.rotation_range == 7 and d.context.setup.source == "augwise_generator"
    assert d.finding("config.shuffle_off") is not None
    x = np.stack([scene(*SCENE_HW, i) for i in range(12)])
    arrays = diagnose(NumpyArrayIterator(x, np.arange(12) % 2, gen, batch_size=4))
    assert _sizes(arrays) == {"train": 12}


def test_config_forms(tmp_path: Path, bases: Planted) -> None:
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("rotation_range: 12\nzoom_range: [0.9, 1.1]\nseed: 1\n")
    json_file = tmp_path / "c.json"
    json_file.write_text(json.dumps({"rotation_range": 12, "zoom_range": [0.9, 1.1], "seed": 1}))
    expected = AugmentConfig(rotation_range=12, zoom_range=(0.9, 1.1), seed=1)
    x = np.stack([scene(*SCENE_HW, i) for i in range(9)])
    for config in (yaml_file, json_file, expected.to_dict(), expected,
                   ImageDataGenerator(rotation_range=12, zoom_range=(0.9, 1.1), seed=1)):
        assert diagnose(x, config=config).config == expected


def test_keras_generator_objects_are_read_by_attribute() -> None:
    legacy = pytest.importorskip("keras.src.legacy.preprocessing.image")
    gen = legacy.ImageDataGenerator(rotation_range=20, zoom_range=0.1, validation_split=0.25,
                                    brightness_range=(-0.2, 0.2), featurewise_center=True)
    x = np.stack([scene(*SCENE_HW, i) for i in range(16)])
    d = diagnose((x, np.arange(16) % 2), config=gen)
    assert d.context.setup.engine == "keras" and d.context.setup.source == "keras_generator"
    assert d.config.zoom_range == (0.9, 1.1) and d.config.validation_split == 0.25
    ids = {f.id: f.severity for f in d.findings}
    assert ids["config.featurewise_without_fit"] == "error"  # never fit()
    assert ids["config.brightness_deltas"] == "error"
    assert ids["config.validation_augmented"] == "warning"
    assert _sizes(d) == {"train": 12, "validation": 4}  # Keras: the first quarter validates


def test_validation_split_is_applied_and_checked_for_leakage(bases: Planted,
                                                             tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(bases.scenes_dir / "train", root)
    # img_000 is in the validation quarter of class a ('first' split), its copy in training
    shutil.copy(root / "a" / "img_000.jpg", root / "a" / "zz_copy.jpg")
    d = diagnose(root, config={**GOOD_CONFIG, "validation_split": 0.25}, flow=GOOD_FLOW)
    sizes = _sizes(d)
    assert sizes["validation"] == 3 * int(0.25 * 14) + 0  # per class, as Keras splits
    leak = d.finding("duplicates.leakage")
    assert leak is not None and leak.evidence["by_splits"] == {"train + validation": 1}
    strat = diagnose(root, config={**GOOD_CONFIG, "validation_split": 0.25,
                                   "validation_split_mode": "stratified"}, flow=GOOD_FLOW)
    assert _sizes(strat)["validation"] == sizes["validation"]


def test_bad_inputs_raise_naming_the_argument(tmp_path: Path) -> None:
    x = np.zeros((4, 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="does not exist"):
        diagnose(tmp_path / "missing", config={})
    (tmp_path / "data.txt").write_text("x")
    with pytest.raises(ValueError, match=r"\.csv, \.npz or \.npy"):
        diagnose(tmp_path / "data.txt")
    with pytest.raises(ValueError, match="rotaton_range"):
        diagnose(x, config={"rotaton_range": 3})
    with pytest.raises(ValueError, match="target_sise"):
        diagnose(x, flow={"target_sise": (8, 8)})
    with pytest.raises(ValueError, match="target_size"):
        diagnose(x, flow={"target_size": (0, 8)})
    with pytest.raises(TypeError, match="config must be"):
        diagnose(x, config=3.5)
    with pytest.raises(TypeError, match="must be a folder"):
        diagnose({"x": x})
    with pytest.raises(ValueError, match="fail_on"):
        diagnose(x).exit_code("sometimes")
    with pytest.raises(ValueError, match="workers"):
        diagnose(x, workers=0)


def test_process_and_sequential_scans_measure_the_same(bases: Planted,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = bases.dirty_content.context.data
    seq = scan(dataset, workers=1)
    monkeypatch.setattr("augwise.doctor.scan.PROCESS_MIN_ROWS", 0)
    monkeypatch.setattr("augwise.doctor.scan.CHUNK_ROWS", 16)
    par = scan(dataset, workers=2)
    assert par.mode == "processes" and seq.mode == "sequential"
    pd.testing.assert_frame_equal(seq.table, par.table)
    np.testing.assert_array_equal(seq.thumbs, par.thumbs)
    np.testing.assert_allclose(seq.hist, par.hist)
    assert sorted(seq.kept) == sorted(par.kept)
    assert {k: v.count for k, v in seq.class_sums.items()} == {
        k: v.count for k, v in par.class_sums.items()}
