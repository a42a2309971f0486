"""The evidence, severities and fixes of individual checks, beyond firing at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from augwise import ImageDataGenerator
from augwise.doctor.api import diagnose, rediagnose
from augwise.doctor.findings import MAX_FILES
from augwise.doctor.orientation import MIN_IMAGES
from tests.doctor import planted
from tests.doctor.conftest import GOOD_CONFIG, Planted
from tests.doctor.planted import SCENE_HW, save, scene


def test_imbalance_reports_ratio_and_balanced_class_weights(tmp_path: Path) -> None:
    counts = {"big": 12, "mid": 6, "small": 4}
    for k, (name, n) in enumerate(counts.items()):
        for i in range(n):
            save(tmp_path / name / f"{i}.png", scene(24, 32, 100 * k + i))
    d = diagnose(tmp_path, config={"seed": 0}, flow={"target_size": (24, 32)})
    f = d.finding("classes.imbalance")
    assert f is not None and f.severity == "warning"
    assert f.evidence["imbalance_ratio"] == pytest.approx(3.0)
    total = sum(counts.values())
    for name, n in counts.items():
        assert f.evidence["class_weight"][name] == pytest.approx(total / (3 * n), abs=1e-3)
    assert "class_weight=" in f.fix


def test_keras_engine_raises_the_severity_of_keras_only_defects(bases: Planted) -> None:
    d = rediagnose(bases.dirty_files, GOOD_CONFIG, engine="keras")
    severities = {f.id: f.severity for f in d.findings}
    assert severities["files.hidden_classes"] == "error"
    assert severities["files.hidden_files"] == "warning"
    assert severities["files.exif_orientation"] == "warning"
    hidden = d.finding("files.hidden_classes")
    assert hidden is not None and hidden.evidence["folders"] == {"train/.ipynb_checkpoints": 1}


def test_unreadable_files_are_named_with_their_reason(bases: Planted) -> None:
    d = bases.dirty_files
    expected = {"files.zero_byte": "a/empty.png", "files.corrupt": "a/broken.jpg",
                "files.not_image": "a/page.jpg", "files.wrong_extension": "a/really_png.jpg",
                "files.ignored_images": "train/a/extra.pic",
                "files.non_image": "train/a/notes.txt",
                "files.hidden_files": "train/a/._img_000.jpg",
                "files.decode_warnings": "a/bad_exif.jpg",
                "files.exif_orientation": "a/rotated.jpg"}
    for check_id, name in expected.items():
        f = d.finding(check_id)
        assert f is not None and list(f.files) == [name], (check_id, f)
    corrupt = d.finding("files.corrupt")
    assert corrupt is not None and "truncated" in " ".join(corrupt.evidence["reasons"]).lower()
    empty = d.finding("classes.empty")
    assert empty is not None and empty.evidence["classes"] == ["train/empty_class"]
    mismatch = d.finding("classes.split_mismatch")
    assert mismatch is not None and mismatch.evidence["test"]["missing"] == ["c", "empty_class"]


def test_duplicates_are_grouped_by_where_they_are(bases: Planted) -> None:
    d = bases.dirty_content
    exact = d.finding("duplicates.exact")
    assert exact is not None and set(exact.files) == {"a/img_001.png", "a/copy_001.png"}
    near = d.finding("duplicates.near")
    assert near is not None and set(near.files) == {"a/img_003.png", "a/near_003.jpg"}
    conflict = d.finding("duplicates.conflicting_labels")
    assert conflict is not None and set(conflict.files) == {"a/img_005.png", "b/conflict.png"}
    leak = d.finding("duplicates.leakage")
    assert leak is not None and leak.evidence["by_splits"] == {"test + train": 1}
    assert set(leak.files) == {"b/img_001.png", "test/b/leak.png"}  # other splits carry theirs


def test_exposure_checks_name_the_planted_images(bases: Planted) -> None:
    d = bases.dirty_content
    expected = {"quality.dark": ["c/dark.png"], "quality.bright": ["c/bright.png"],
                "quality.low_contrast": ["c/flat.png"], "quality.low_information":
                ["c/uniform.png"], "colour.alpha": ["c/alpha.png"], "colour.cmyk": ["c/cmyk.jpg"],
                "colour.high_bit_depth": ["c/deep.png"]}
    for check_id, names in expected.items():
        f = d.finding(check_id)
        assert f is not None and list(f.files) == names, (check_id, f)
    blurry = d.finding("quality.blurry")
    # the 2x-upscaled copy is as blurry as the blurred image
    assert blurry is not None and set(blurry.files) == {"c/blurry.png", "a/near_003.jpg"}
    mix = d.finding("colour.mode_mix")
    assert mix is not None and list(mix.evidence["classes_with_concentrated_minority"]) == ["b"]


def test_intensity_outliers_that_pull_the_mean_recommend_the_robust_normaliser() -> None:
    x = np.stack([scene(*SCENE_HW, i) for i in range(60)])
    x[:4] = np.clip(x[:4].astype(int) + 120, 0, 255).astype(np.uint8)
    y = np.arange(60) % 3
    fw = {"featurewise_center": True, "featurewise_std_normalization": True, "seed": 0}
    d = diagnose((x, y), config=fw)
    f = d.finding("intensity.outliers")
    assert f is not None and f.severity == "warning"
    assert f.evidence["bright"] == 4 and f.evidence["mean_shift_in_std"] >= 0.05
    assert f.patch == {"featurewise_method": "median_iqr"}
    assert d.fixed_config.featurewise_method == "median_iqr"
    again = rediagnose(d, d.fixed_config)
    fixed = again.finding("intensity.outliers")
    assert fixed is not None and fixed.severity == "info"


def test_featurewise_statistics_match_fit() -> None:
    x = np.stack([scene(*SCENE_HW, i) for i in range(20)])
    d = diagnose((x, np.zeros(20)), config={"seed": 0})
    stats = d.to_dict()["dataset"]["featurewise"]
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    gen.fit(x)
    assert gen.mean is not None and gen.std is not None
    np.testing.assert_allclose(stats["mean"], gen.mean.ravel(), rtol=1e-4)
    np.testing.assert_allclose(stats["std"], gen.std.ravel(), rtol=1e-3)


def test_double_rescale_sees_scaling_functions_and_model_preprocessing(bases: Planted) -> None:
    def to_unit(img: np.ndarray) -> np.ndarray:
        return img / 255.0

    def preprocess_input(img: np.ndarray) -> np.ndarray:  # a pretrained model's own, caffe-like
        return img[..., ::-1] - 110.0

    for fn, words in ((to_unit, "already scales"), (preprocess_input, "pretrained")):
        d = rediagnose(bases.scenes, {**GOOD_CONFIG, "preprocessing_function": fn})
        f = d.finding("config.double_rescale")
        assert f is not None and words in f.title and f.patch == {"rescale": None}
    unit = rediagnose(bases.unit, {"rescale": 1 / 255, "seed": 0}).finding(
        "config.double_rescale")
    assert unit is not None
    assert unit.evidence["model_input_range"][1] == pytest.approx(1 / 255, rel=1e-3)


def test_brightness_deltas_are_turned_into_factors(bases: Planted) -> None:
    d = rediagnose(bases.scenes, {**GOOD_CONFIG, "brightness_range": [-0.3, 0.3]})
    f = d.finding("config.brightness_deltas")
    assert f is not None and f.patch == {"brightness_range": [0.7, 1.3]}
    assert d.fixed_config.brightness_range == (0.7, 1.3)
    only_dark = rediagnose(bases.scenes, {**GOOD_CONFIG, "brightness_range": [0.0, 0.3]})
    g = only_dark.finding("config.brightness_deltas")
    assert g is not None and g.severity == "error" and g.patch == {"brightness_range": [0.7, 1.3]}


def test_flips_that_swap_classes_and_flips_against_orientation(bases: Planted) -> None:
    swap = rediagnose(bases.arrows, {"horizontal_flip": True, "seed": 0})
    f = swap.finding("config.horizontal_flip")
    assert f is not None and f.evidence["label_swaps"] == {"0": "1", "1": "0"}
    assert f.patch == {"horizontal_flip": False}
    # vertical flips are harmless for left/right arrows but not for the upright "A"
    v = rediagnose(bases.arrows, {"vertical_flip": True, "seed": 0}).finding(
        "config.vertical_flip")
    assert v is not None and v.severity == "info" and list(v.evidence["oriented_classes"]) == ["2"]


def test_orientation_needs_enough_images_per_class() -> None:
    x, y = planted.arrays({c: (lambda r, c=c: planted.letter(c, r)) for c in "TU"},
                          MIN_IMAGES - 1)
    d = diagnose((x, y), config={"horizontal_flip": True, "seed": 0})
    status = {c.id: c.status for c in d.checks}
    assert status["orientation.canonical"] == "skipped"
    assert status["config.horizontal_flip"] == "skipped"


def test_rotation_fix_is_measured_and_quiets_the_check(bases: Planted) -> None:
    d = rediagnose(bases.letters, {"rotation_range": 90, "seed": 0})
    f = d.finding("config.rotation")
    assert f is not None
    new = f.patch["rotation_range"]
    ratios = f.evidence["ratio_by_degrees"]
    assert 0 < new < 90 and ratios[f"{new:g}"] <= 0.75 < ratios["90"]
    assert rediagnose(d, d.fixed_config).finding("config.rotation") is None


def test_fill_fix_picks_a_fill_mode_that_invents_less(bases: Planted) -> None:
    d = rediagnose(bases.letters, {"rotation_range": 30, "width_shift_range": 0.3,
                                   "fill_mode": "wrap", "seed": 0})
    f = d.finding("config.fill_artefacts")
    assert f is not None and f.severity == "warning"
    # black letters on black: a constant fill with the border colour is invisible
    assert f.patch == {"fill_mode": "constant"}
    after = rediagnose(d, d.fixed_config)
    assert after.context.fill is not None and d.context.fill is not None
    before_v = d.context.fill.get("all")
    after_v = after.context.fill.get("all")
    assert before_v is not None and after_v is not None
    assert after_v.visible_mean < 0.5 * before_v.visible_mean


def test_fixed_config_quiets_what_it_patched(bases: Planted) -> None:
    bad = {"rotation_range": 90, "zoom_range": 0.3, "shear_range": 0.2, "vertical_flip": True,
           "channel_shift_range": 150}
    d = rediagnose(bases.letters, bad)
    patched = {f.id for f in d.findings if f.patch}
    assert {"config.rotation", "config.zoom_aspect", "config.shear_units",
            "config.vertical_flip", "config.no_seed"} <= patched
    after = rediagnose(d, d.fixed_config)
    still = {f.id for f in after.findings if f.severity != "info"}
    assert not (patched & still), still


def test_out_of_frame_fix_reduces_the_content_lost(bases: Planted) -> None:
    d = rediagnose(bases.scenes, {**GOOD_CONFIG, "zoom_range": [0.3, 0.5]})
    f = d.finding("config.out_of_frame")
    assert f is not None and "zoom_range" in f.patch
    lo, hi = f.patch["zoom_range"]
    assert 0.5 < lo <= hi <= 1.0
    after = rediagnose(d, d.fixed_config)
    assert after.finding("config.out_of_frame") is None or after.finding(
        "config.out_of_frame").severity == "info"  # type: ignore[union-attr]


def test_keras_defects_measure_swapped_shifts_and_the_off_centre_pivot(bases: Planted) -> None:
    d = rediagnose(bases.scenes, {**GOOD_CONFIG, "width_shift_range": 0.1,
                                  "height_shift_range": 0.0}, engine="keras")
    f = d.finding("config.keras_defects")
    assert f is not None
    h, w = SCENE_HW
    assert f.evidence["intended_horizontal_px"] == pytest.approx(0.1 * w)
    assert f.evidence["keras_horizontal_px"] == pytest.approx(0.0)
    assert f.evidence["keras_vertical_px"] == pytest.approx(0.1 * w)
    assert f.evidence["off_centre_px"] == pytest.approx(abs(h - w) / 2)


def test_file_lists_are_capped_but_counted(tmp_path: Path) -> None:
    for cls in ("a", "b"):
        for i in range(MAX_FILES + 5):
            (tmp_path / cls).mkdir(exist_ok=True)
            (tmp_path / cls / f"{i}.png").write_bytes(b"")
        for i in range(9):
            save(tmp_path / cls / f"ok_{i}.png", scene(16, 16, i + (50 if cls == "a" else 0)))
    d = diagnose(tmp_path, config={"seed": 0}, flow={"target_size": (16, 16)})
    f = d.finding("files.zero_byte")
    assert f is not None and len(f.files) == MAX_FILES and f.file_count == 2 * (MAX_FILES + 5)
