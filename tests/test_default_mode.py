"""Default mode: Keras' meaning with its defects fixed (and keras_compat keeps them)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator, ImageDecodeError
from tests.conftest import photo

H, W = 20, 40  # non-square on purpose


def _bar_image() -> np.ndarray:
    img = np.zeros((H, W, 1), np.float32)
    img[5, :] = 0.5  # a horizontal bar at row 5
    img[:, 10] = 1.0  # a vertical bar at column 10
    return img


def test_width_shift_is_horizontal_and_scaled_by_width() -> None:
    gen = ImageDataGenerator(width_shift_range=0.25)
    draws = [gen.get_random_transform((H, W, 1), seed=s) for s in range(300)]
    assert all(d["ty"] == 0 for d in draws)
    assert max(abs(d["tx"]) for d in draws) <= 0.25 * W
    assert max(abs(d["tx"]) for d in draws) > 0.2 * W  # scaled by the width, not the height
    out = gen.apply_transform(_bar_image(), {"tx": 4})
    assert out[:, 6, 0].min() == 1.0  # the vertical bar moved 4 columns left
    np.testing.assert_array_equal(out[5, :20, 0], np.where(np.arange(20) == 6, 1.0, 0.5))
    heights = ImageDataGenerator(height_shift_range=0.25)
    hd = [heights.get_random_transform((H, W, 1), seed=s) for s in range(300)]
    assert all(d["tx"] == 0 for d in hd) and max(abs(d["ty"]) for d in hd) <= 0.25 * H


def test_keras_compat_keeps_the_swapped_shift_axes() -> None:
    gen = ImageDataGenerator(width_shift_range=0.25, keras_compat=True)
    draws = [gen.get_random_transform((H, W, 1), seed=s) for s in range(200)]
    assert all(d["tx"] == 0 for d in draws)  # Keras stores the width draw in ty
    assert max(abs(d["ty"]) for d in draws) <= 0.25 * W


def test_rotation_and_zoom_pivot_on_the_true_centre() -> None:
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 1, (H, W, 2)).astype(np.float32)
    gen = ImageDataGenerator(interpolation_order=1)
    np.testing.assert_allclose(gen.apply_transform(img, {"theta": 180}), img[::-1, ::-1],
                               atol=1e-5)
    compat = ImageDataGenerator(keras_compat=True)
    assert np.abs(compat.apply_transform(img, {"theta": 180}) - img[::-1, ::-1]).max() > 0.1
    # a 2x magnification keeps the centre where it was
    odd = rng.uniform(0, 1, (21, 41, 1)).astype(np.float32)
    zoomed = gen.apply_transform(odd, {"zx": 0.5, "zy": 0.5})
    assert zoomed[10, 20, 0] == pytest.approx(odd[10, 20, 0], abs=1e-5)


def test_brightness_on_unit_range_is_not_black() -> None:
    rng = np.random.default_rng(1)
    img = rng.uniform(0.2, 0.8, (8, 8, 3)).astype(np.float32)
    out = ImageDataGenerator().apply_transform(img, {"brightness": 0.5})
    np.testing.assert_allclose(out, img * 0.5, atol=1e-6)
    brighter = ImageDataGenerator().apply_transform(img, {"brightness": 2.0})
    assert brighter.max() <= 1.0 and np.allclose(brighter, np.minimum(img * 2, 1), atol=1e-6)
    black = ImageDataGenerator(keras_compat=True).apply_transform(img, {"brightness": 0.5})
    assert black.max() < 0.01  # Keras' 8-bit round trip


def test_channel_shift_is_per_channel_and_clipped_to_the_value_range() -> None:
    img = np.full((6, 6, 3), 100, np.uint8)
    img[0, 0] = 240
    gen = ImageDataGenerator(channel_shift_range=50.0)
    p = gen.get_random_transform(img.shape, seed=4)
    shifts = p["channel_shift_intensity"]
    assert len(set(np.round(shifts, 6))) == 3
    out = gen.apply_transform(img, {"channel_shift_intensity": [30.0, -30.0, 0.0]})
    assert out[1, 1].tolist() == [130, 70, 100]
    assert out[0, 0].tolist() == [255, 210, 240]  # clipped to 255, not to the image max


def test_validation_subset_is_not_augmented(fashion: Any) -> None:
    x, y = fashion.x_train[:60], fashion.y_train[:60]
    kw = {"rotation_range": 40, "zoom_range": 0.3, "horizontal_flip": True,
          "validation_split": 0.5, "rescale": 1 / 255}
    flow = {"shuffle": False, "batch_size": 30, "ignore_class_split": True}
    val = ImageDataGenerator(**kw).flow(x, y, subset="validation", **flow)
    np.testing.assert_allclose(val[0][0], x[:30] / np.float32(255), atol=1e-6)
    train = ImageDataGenerator(**kw).flow(x, y, subset="training", **flow)
    assert np.abs(train[0][0] - x[30:] / 255).mean() > 0.05
    both = ImageDataGenerator(augment_validation=True, **kw)
    aug_val = both.flow(x, y, subset="validation", **flow)
    assert np.abs(aug_val[0][0] - x[:30] / 255).mean() > 0.05


def test_validation_directory_subset_is_not_augmented(image_tree: Path) -> None:
    kw = {"rotation_range": 40, "validation_split": 0.5}
    flow = {"target_size": (16, 16), "shuffle": False, "subset": "validation"}
    a = ImageDataGenerator(**kw).flow_from_directory(str(image_tree), **flow)
    plain = ImageDataGenerator(validation_split=0.5).flow_from_directory(str(image_tree), **flow)
    np.testing.assert_array_equal(a[0][0], plain[0][0])


@pytest.mark.parametrize("workers", [0, 1, 2, 4])
def test_batches_identical_for_any_worker_count(fashion: Any, workers: int) -> None:
    kw = {"rotation_range": 30, "width_shift_range": 0.1, "horizontal_flip": True,
          "brightness_range": (0.8, 1.2)}
    x, y = fashion.x_train[:200], fashion.y_train[:200]
    ref = ImageDataGenerator(**kw).flow(x, y, batch_size=32, seed=1, workers=1)
    expected = [ref[i] for i in range(len(ref))]
    ref.on_epoch_end()
    expected += [ref[i] for i in range(len(ref))]
    it = ImageDataGenerator(**kw).flow(x, y, batch_size=32, seed=1, workers=workers)
    got = [next(it) for _ in range(2 * len(it))]
    assert it.epoch == 2
    for (xa, ya), (xb, yb) in zip(expected, got, strict=True):
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(it[0][0], it[0][0])  # asking twice gives the same batch


@pytest.mark.parametrize("workers", [1, 3])
def test_directory_batches_identical_for_any_worker_count(image_tree: Path, workers: int) -> None:
    kw = {"rotation_range": 30, "zoom_range": 0.2, "horizontal_flip": True}
    flow = {"target_size": (24, 24), "batch_size": 4, "seed": 3}
    a = ImageDataGenerator(**kw).flow_from_directory(str(image_tree), workers=0, **flow)
    b = ImageDataGenerator(**kw).flow_from_directory(str(image_tree), workers=workers, **flow)
    for _ in range(len(a) + 2):
        xa, ya = next(a)
        xb, yb = next(b)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_epochs_reshuffle_and_reaugment(fashion: Any) -> None:
    x, y = fashion.x_train[:64], fashion.y_train[:64]
    it = ImageDataGenerator(rotation_range=20).flow(x, y, batch_size=64, seed=2)
    first = it[0]
    it.on_epoch_end()
    second = it[0]
    assert not np.array_equal(first[1], second[1])
    order0, order1 = it.order(0), it.order(1)
    assert sorted(order0) == sorted(order1) == list(range(64))


def test_unseeded_runs_differ_and_generator_seed_is_the_default(fashion: Any) -> None:
    x = fashion.x_train[:16]
    kw = {"rotation_range": 30}
    a = ImageDataGenerator(**kw).flow(x, batch_size=16)[0]
    b = ImageDataGenerator(**kw).flow(x, batch_size=16)[0]
    assert not np.array_equal(a, b)
    c = ImageDataGenerator(seed=5, **kw).flow(x, batch_size=16)[0]
    d = ImageDataGenerator(seed=5, **kw).flow(x, batch_size=16)[0]
    np.testing.assert_array_equal(c, d)


def test_hidden_folders_are_not_classes(image_tree: Path) -> None:
    hidden = image_tree / ".ipynb_checkpoints"
    hidden.mkdir()
    Image.fromarray(photo(10, 10)).save(hidden / "x.png")
    inner = image_tree / "cats" / ".ipynb_checkpoints"
    inner.mkdir()
    Image.fromarray(photo(10, 10)).save(inner / "img_00-checkpoint.png")
    it = ImageDataGenerator().flow_from_directory(str(image_tree), target_size=(8, 8))
    assert ".ipynb_checkpoints" not in it.class_indices
    assert not any("checkpoint" in f for f in it.filenames)
    assert len(it.hidden_skipped) == 2
    compat = ImageDataGenerator(keras_compat=True).flow_from_directory(
        str(image_tree), target_size=(8, 8)
    )
    assert ".ipynb_checkpoints" in compat.class_indices


def test_stratified_split_is_seeded_complementary_and_balanced(fashion: Any,
                                                                image_tree: Path) -> None:
    y = np.sort(fashion.y_train[:300])  # sorted labels: Keras' split would fail here
    x = fashion.x_train[:300][np.argsort(fashion.y_train[:300], kind="stable")]
    kw = {"validation_split": 0.2, "validation_split_mode": "stratified", "seed": 3}
    val = ImageDataGenerator(**kw).flow(x, y, subset="validation", shuffle=False)
    train = ImageDataGenerator(**kw).flow(x, y, subset="training", shuffle=False)
    assert val.n + train.n == 300
    counts = np.bincount(val.y, minlength=10)
    expected = (np.bincount(y, minlength=10) * 0.2).astype(int)
    np.testing.assert_array_equal(counts, expected)
    again = ImageDataGenerator(**kw).flow(x, y, subset="validation", shuffle=False)
    np.testing.assert_array_equal(val.x, again.x)
    dv = ImageDataGenerator(**kw).flow_from_directory(str(image_tree), target_size=(8, 8),
                                                      subset="validation")
    dt = ImageDataGenerator(**kw).flow_from_directory(str(image_tree), target_size=(8, 8),
                                                      subset="training")
    assert not set(dv.filenames) & set(dt.filenames)
    assert len(dv.filenames) + len(dt.filenames) == 21
    first = ImageDataGenerator(validation_split=0.2).flow_from_directory(
        str(image_tree), target_size=(8, 8), subset="validation")
    assert dv.filenames != first.filenames


def _corrupt(tree: Path) -> Path:
    bad = tree / "dogs" / "img_99.jpg"
    data = (tree / "dogs" / "img_00.jpg").read_bytes()
    bad.write_bytes(data[: len(data) // 3])
    (tree / "dogs" / "empty.png").write_bytes(b"")
    (tree / "dogs" / "notes.png").write_text("not an image")
    return bad


def test_bad_files_raise_naming_the_file(image_tree: Path) -> None:
    _corrupt(image_tree)
    it = ImageDataGenerator().flow_from_directory(str(image_tree), target_size=(8, 8),
                                                  shuffle=False, batch_size=64)
    with pytest.raises(ImageDecodeError, match=r"dogs/empty\.png"):
        it[0]


def test_bad_files_skipped_are_counted_and_logged(image_tree: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    _corrupt(image_tree)
    it = ImageDataGenerator().flow_from_directory(
        str(image_tree), target_size=(8, 8), shuffle=False, batch_size=64, on_error="skip"
    )
    with caplog.at_level(logging.WARNING, logger="augwise"):
        x, y = it[0]
    assert it.samples == 24 and len(x) == len(y) == 24  # skipped files' slots refilled
    assert sorted(Path(p).name for p in it.skipped) == ["empty.png", "img_99.jpg", "notes.png"]
    assert all(reason for reason in it.skipped.values())
    assert sum("skipped unreadable image" in r.message for r in caplog.records) == 3
    it[0]  # known bad files are not re-read or re-logged
    assert sum("skipped unreadable image" in r.message for r in caplog.records) == 3


def test_decompression_bombs_are_refused(image_tree: Path) -> None:
    it = ImageDataGenerator().flow_from_directory(
        str(image_tree), target_size=(8, 8), max_image_pixels=1000, batch_size=2
    )
    with pytest.raises(ImageDecodeError, match="exceeds max_image_pixels=1000"):
        it[0]


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    root = tmp_path / "d" / "a"
    root.mkdir(parents=True)
    img = np.zeros((20, 40, 3), np.uint8)
    img[:, :20] = 255  # left half white
    pil = Image.fromarray(img)
    exif = pil.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    pil.save(root / "r.jpg", exif=exif.tobytes(), quality=95)
    gen = ImageDataGenerator()
    x = gen.flow_from_directory(str(tmp_path / "d"), target_size=(40, 20), batch_size=1,
                                interpolation="bilinear")[0][0][0]
    assert x[:15].mean() > 200 and x[25:].mean() < 50  # displayed: top half white
    k = ImageDataGenerator(keras_compat=True).flow_from_directory(
        str(tmp_path / "d"), target_size=(40, 20), batch_size=1)[0][0][0]
    assert abs(k[:15].mean() - k[25:].mean()) < 60  # Keras ignores EXIF


def _jpeg(exif: bytes | None, comment: bytes | None = None) -> bytes:
    import io

    buf = io.BytesIO()
    kw: dict[str, Any] = {"quality": 90}
    if exif is not None:
        kw["exif"] = exif
    if comment is not None:
        kw["comment"] = comment
    Image.fromarray(np.full((8, 8, 3), 90, np.uint8)).save(buf, "JPEG", **kw)
    return buf.getvalue()


def test_exif_is_found_by_walking_the_header_segments() -> None:
    from augwise.io.decode import _has_exif

    exif = Image.new("RGB", (1, 1)).getexif()
    exif[0x0112] = 6
    assert _has_exif(_jpeg(exif.tobytes()))
    assert _has_exif(_jpeg(exif.tobytes(), comment=b"a comment before"))
    assert not _has_exif(_jpeg(None))
    assert not _has_exif(_jpeg(None, comment=b"Exif in a comment is not Exif"))
    plain = _jpeg(None)
    sos = plain.index(b"\xff\xda")
    # "Exif" inside the compressed data is not a header segment
    assert not _has_exif(plain[:sos] + plain[sos:] + b"Exif\x00\x00")
    # a header that cannot be walked (garbage before a marker) falls back to a search
    walked = plain[:2] + b"\x00\x00" + plain[2:]
    assert not _has_exif(walked)
    assert _has_exif(plain[:2] + b"\x00" + _jpeg(exif.tobytes())[2:])
    assert not _has_exif(plain[:40])  # truncated header: no Exif, no error


def test_sixteen_bit_images(tmp_path: Path) -> None:
    root = tmp_path / "d" / "a"
    root.mkdir(parents=True)
    arr = (np.arange(16 * 16, dtype=np.uint16).reshape(16, 16) * 256).astype(np.uint16)
    Image.fromarray(arr).save(root / "deep.png")
    grey = ImageDataGenerator().flow_from_directory(
        str(tmp_path / "d"), target_size=(16, 16), color_mode="grayscale", batch_size=1)[0][0]
    assert grey.max() == pytest.approx(255 * 256)  # raw 16-bit values, as Keras keeps them
    rgb = ImageDataGenerator().flow_from_directory(
        str(tmp_path / "d"), target_size=(16, 16), batch_size=1)[0][0]
    assert rgb.max() == 255 and rgb.min() == 0 and rgb[0, 8, 0, 0] == 128  # scaled, not clipped


def test_featurewise_without_fit_raises_and_compat_warns(fashion: Any) -> None:
    x = fashion.x_train[:8]
    it = ImageDataGenerator(featurewise_center=True).flow(x, batch_size=4)
    with pytest.raises(ValueError, match=r"featurewise_center.*fit\(\)"):
        it[0]
    compat = ImageDataGenerator(featurewise_center=True, keras_compat=True).flow(x, batch_size=4)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        compat[0]


def test_fit_streams_directories_like_arrays(image_tree: Path) -> None:
    kw = {"featurewise_center": True, "featurewise_std_normalization": True, "rescale": 1 / 255}
    it = ImageDataGenerator().flow_from_directory(str(image_tree), target_size=(12, 12),
                                                  shuffle=False, batch_size=100)
    arrays = it[0][0]
    a, b = ImageDataGenerator(**kw), ImageDataGenerator(**kw)
    a.fit(it)
    b.fit(arrays)
    np.testing.assert_allclose(a.mean, b.mean, rtol=1e-5)
    np.testing.assert_allclose(a.std, b.std, rtol=1e-5)
    assert a.mean.shape == (1, 1, 3)
    batch = ImageDataGenerator(**kw)
    batch.fit(it)
    out = batch.flow_from_directory(str(image_tree), target_size=(12, 12), batch_size=100,
                                    shuffle=False)[0][0]
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-3)


def test_fit_applies_preprocessing_function_like_standardize() -> None:
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 255, (50, 6, 6, 3)).astype(np.float32)
    gen = ImageDataGenerator(featurewise_center=True, preprocessing_function=np.sqrt)
    gen.fit(x)
    np.testing.assert_allclose(gen.mean.ravel(), np.sqrt(x).mean(axis=(0, 1, 2)), rtol=1e-5)


def test_robust_statistics_ignore_outlier_images() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(100, 10, (400, 4, 4, 1)).astype(np.float32)
    x[:20] = 250_000  # a few saturated or corrupt frames
    kw = {"featurewise_center": True, "featurewise_std_normalization": True}
    plain, robust = ImageDataGenerator(**kw), ImageDataGenerator(featurewise_method="median_iqr",
                                                                 **kw)
    plain.fit(x)
    robust.fit(x)
    assert plain.mean.ravel()[0] > 10_000
    # 5% outliers move the quartiles a little (to ~0.07 and ~1.07 sd for a normal)
    assert robust.mean.ravel()[0] == pytest.approx(100, abs=2)
    assert robust.std.ravel()[0] == pytest.approx(10.6, rel=0.15)


def test_low_rank_zca_matches_the_exact_top_components() -> None:
    rng = np.random.default_rng(2)
    basis = rng.normal(size=(5, 75))
    x = (rng.normal(size=(600, 5)) * [50, 30, 20, 10, 5]) @ basis
    x = (x + rng.normal(scale=0.5, size=x.shape)).reshape(600, 5, 5, 3).astype(np.float32)
    exact = ImageDataGenerator(zca_whitening=True, featurewise_center=True)
    low = ImageDataGenerator(zca_whitening=True, featurewise_center=True, zca_rank=5)
    exact.fit(x)
    low.fit(x)
    flat = (x - exact.mean).reshape(600, -1)
    u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
    top = (u[:, :5] * (np.sqrt(600) / (s[:5] + 1e-6))) @ u[:, :5].T
    np.testing.assert_allclose(low.zca_whitening_matrix, top, atol=1e-3 * np.abs(top).max())
    white = low.standardize(x[:50])
    cov = np.cov(white.reshape(50, -1) @ u[:, :5], rowvar=False)
    assert np.allclose(np.diag(cov), 1.0, atol=0.5)


def test_uint8_output_skips_the_cast_and_refuses_standardisation(fashion: Any) -> None:
    it = ImageDataGenerator(rotation_range=10, output_dtype="uint8").flow(fashion.x_train[:8])
    assert it[0].dtype == np.uint8
    with pytest.raises(ValueError, match="output_dtype='uint8'"):
        ImageDataGenerator(output_dtype="uint8", rescale=1 / 255)


def test_keep_aspect_ratio_crops_the_centre(tmp_path: Path) -> None:
    root = tmp_path / "d" / "a"
    root.mkdir(parents=True)
    img = np.zeros((20, 60, 3), np.uint8)
    img[:, 20:40] = 255  # white centre third
    Image.fromarray(img).save(root / "wide.png")
    x = ImageDataGenerator().flow_from_directory(
        str(tmp_path / "d"), target_size=(10, 10), keep_aspect_ratio=True, batch_size=1,
        interpolation="bilinear")[0][0][0]
    assert x.min() > 200  # only the white centre square survives the crop


def test_save_to_dir_writes_the_augmented_images(fashion: Any, tmp_path: Path) -> None:
    it = ImageDataGenerator(rotation_range=20).flow(
        fashion.x_train[:6], batch_size=3, seed=1, save_to_dir=tmp_path, save_prefix="aug"
    )
    it[0]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3 and all(n.startswith("aug_") and n.endswith(".png") for n in names)
    with pytest.raises(ValueError, match="save_to_dir"):
        ImageDataGenerator().flow(fashion.x_train[:6], save_to_dir=tmp_path / "nope")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rotation_range": -5}, "rotation_range"),
        ({"rotation_range": "20"}, "rotation_range"),
        ({"width_shift_range": [0.1, "a"]}, "width_shift_range"),
        ({"zoom_range": (1.2, 0.8)}, "zoom_range"),
        ({"brightness_range": (1.5, 0.5)}, "brightness_range"),
        ({"fill_mode": "mirror"}, "fill_mode"),
        ({"interpolation_order": 7}, "interpolation_order"),
        ({"seed": -1}, "seed"),
        ({"policy": "autoaugment"}, "policy"),
        ({"preprocessing_function": 3}, "preprocessing_function"),
    ],
)
def test_invalid_arguments_name_the_argument(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        ImageDataGenerator(**kwargs)


def test_invalid_flow_arguments_name_the_argument(fashion: Any, image_tree: Path) -> None:
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match="rank 4"):
        gen.flow(fashion.x_train[0])
    with pytest.raises(ValueError, match="batch_size"):
        gen.flow(fashion.x_train[:4], batch_size=0)
    with pytest.raises(ValueError, match="target_size"):
        gen.flow_from_directory(str(image_tree), target_size=(0, 5))
    with pytest.raises(ValueError, match="on_error"):
        gen.flow_from_directory(str(image_tree), on_error="ignore")
    with pytest.raises(ValueError, match="subset"):
        gen.flow_from_directory(str(image_tree), subset="test")
    with pytest.raises(ValueError, match="does not exist"):
        gen.flow_from_directory(str(image_tree / "missing"))
    with pytest.raises(TypeError, match="unexpected keyword argument 'suffle'"):
        import pandas as pd

        gen.flow_from_dataframe(pd.DataFrame({"filename": [], "class": []}), suffle=False)


def test_attribute_assignment_updates_the_config(fashion: Any) -> None:
    gen = ImageDataGenerator()
    gen.rescale = 0.5
    assert gen.config.rescale == 0.5
    gen.mean = np.array([10.0], np.float32).reshape(1, 1, 1)
    gen.featurewise_center = True
    x = gen.flow(fashion.x_train[:2], batch_size=2, shuffle=False)[0]
    np.testing.assert_allclose(x, fashion.x_train[:2] * 0.5 - 10.0)
    with pytest.raises(ValueError, match="rotation_range"):
        gen.rotation_range = -1


def test_copying_tree_keeps_keras_listing_order(image_tree: Path, tmp_path: Path) -> None:
    numbered = tmp_path / "numbered"
    for i in (1, 2, 10):
        shutil.copytree(image_tree / "cats", numbered / str(i))
    it = ImageDataGenerator().flow_from_directory(str(numbered), target_size=(8, 8))
    assert list(it.class_indices) == ["1", "10", "2"]  # lexicographic, as Keras
