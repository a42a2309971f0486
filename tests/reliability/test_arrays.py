"""Array inputs: NaN/inf refused up front (issue 9, item 2), zero-size arrays and truthy
strings for boolean arguments refused with a clear error (item 7)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from augwise import ImageDataGenerator
from augwise.core.validate import check_finite


def _images(n: int = 6, dtype: Any = np.float32) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(0, 1, (n, 8, 8, 3)).astype(dtype)


@pytest.mark.parametrize("keras_compat", [False, True])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fit_refuses_non_finite_images(keras_compat: bool, bad: float) -> None:
    x = _images()
    x[3, 2, 1, 0] = bad
    x[5, 0, 0, 2] = bad
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             keras_compat=keras_compat)
    with pytest.raises(ValueError, match=re.escape("x holds 2 NaN or infinite values (the "
                                                   "first: x[3, 2, 1, 0]")) as err:
        gen.fit(x)
    assert "sample 3" in str(err.value) and "np.nan_to_num(x)" in str(err.value)
    assert gen.mean is None and gen.std is None  # nothing half-fitted


@pytest.mark.parametrize("keras_compat", [False, True])
def test_flow_refuses_non_finite_images_labels_and_weights(keras_compat: bool) -> None:
    gen = ImageDataGenerator(keras_compat=keras_compat)
    x = _images()
    bad_x = x.copy()
    bad_x[1, 7, 7, 2] = np.nan
    with pytest.raises(ValueError, match=re.escape("x holds 1 NaN or infinite value (the "
                                                   "first: x[1, 7, 7, 2] = nan, sample 1)")):
        gen.flow(bad_x, batch_size=2)
    y = np.arange(6, dtype=np.float64)
    y[4] = np.inf
    with pytest.raises(ValueError, match=re.escape("y holds 1 NaN or infinite value (the "
                                                   "first: y[4] = inf, sample 4)")):
        gen.flow(x, y, batch_size=2)
    onehot = np.eye(6, dtype=np.float32)
    onehot[2, 5] = np.nan
    with pytest.raises(ValueError, match=re.escape("y[2, 5]")):
        gen.flow(x, onehot)
    weights = [1.0, 1.0, float("nan"), 1.0, float("-inf"), 1.0]
    with pytest.raises(ValueError, match=re.escape("sample_weight holds 2 NaN or infinite "
                                                   "values (the first: sample_weight[2]")):
        gen.flow(x, np.arange(6), sample_weight=weights)
    # a NaN in the validation part of a split is refused too (checked before the split)
    split = ImageDataGenerator(validation_split=0.5, keras_compat=keras_compat)
    bad_x[1] = 0.0
    bad_x[5, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=re.escape("x[5, 0, 0, 0]")):
        split.flow(bad_x, batch_size=2, subset="training")


def test_finite_and_integer_data_pass() -> None:
    gen = ImageDataGenerator(featurewise_center=True)
    x8 = (_images() * 255).astype(np.uint8)
    gen.fit(x8)
    batch, labels = gen.flow(x8, np.array(list("abcabc")), batch_size=6, shuffle=False)[0]
    assert np.isfinite(batch).all() and batch.shape == (6, 8, 8, 3)
    assert list(labels) == list("abcabc")  # string labels are not checked
    gen.fit(_images())
    assert np.isfinite(gen.mean).all()


def test_check_finite_counts_across_chunks_without_copying() -> None:
    x = np.zeros((50, 4, 4, 2), np.float32)
    x[7, 1, 2, 1] = np.nan
    x[40, 0, 0, 0] = np.inf
    x[49, 3, 3, 1] = -np.inf
    view = x[:, :, ::-1]  # not contiguous: chunks are checked as views
    with pytest.raises(ValueError, match=re.escape("holds 3 NaN or infinite values (the "
                                                   "first: v[7, 1, 1, 1] = nan")):
        check_finite("v", view, chunk_values=64)  # 2 samples per chunk
    check_finite("ints", np.full((3, 2), np.iinfo(np.int64).max))
    check_finite("empty", np.zeros((0, 3)))
    with pytest.raises(ValueError, match=re.escape("s[0] = nan")):
        check_finite("s", np.array(np.nan))


def test_fit_refuses_statistics_made_non_finite_by_preprocessing() -> None:
    def poison(img: np.ndarray) -> np.ndarray:
        return img / 0.0

    gen = ImageDataGenerator(featurewise_center=True, preprocessing_function=poison)
    with np.errstate(divide="ignore", invalid="ignore"), pytest.raises(
        ValueError, match=r"NaN or infinite featurewise mean.*preprocessing_function"
    ):
        gen.fit(_images())


def test_assigned_statistics_must_be_finite() -> None:
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True)
    with pytest.raises(ValueError, match=re.escape("mean holds 1 NaN")):
        gen.mean = np.array([[[0.5, np.nan, 0.5]]])
    with pytest.raises(ValueError, match=re.escape("std holds 1 NaN")):
        gen.std = [[[1.0, 1.0, np.inf]]]
    with pytest.raises(TypeError, match="mean must be numbers"):
        gen.mean = "zero"
    with pytest.raises(ValueError, match="zca_whitening_matrix holds"):
        gen.zca_whitening_matrix = np.full((4, 4), np.nan)
    gen.mean = np.zeros((1, 1, 3))
    assert gen.mean is not None


ZERO_SIZE = [(0, 8, 8, 3), (2, 0, 8, 3), (2, 8, 0, 3), (2, 8, 8, 0)]


@pytest.mark.parametrize("shape", ZERO_SIZE)
@pytest.mark.parametrize("keras_compat", [False, True])
def test_zero_size_arrays_are_refused_up_front(shape: tuple[int, ...],
                                               keras_compat: bool) -> None:
    x = np.zeros(shape, np.float32)
    gen = ImageDataGenerator(rotation_range=10, featurewise_center=True,
                             samplewise_center=True, keras_compat=keras_compat)
    message = re.escape(f"x is empty (shape {shape})")
    with pytest.raises(ValueError, match=message):
        gen.flow(x)
    with pytest.raises(ValueError, match=message):
        gen.fit(x)
    with pytest.raises(ValueError, match=message):
        gen.standardize(x)
    image = x[0] if shape[0] else x[:, 0]
    one = re.escape(f"x is empty (shape {image.shape})")
    with pytest.raises(ValueError, match=one):
        gen.apply_transform(image, {"theta": 10})
    with pytest.raises(ValueError, match=one):
        gen.random_transform(image, seed=1)
    with pytest.raises(ValueError, match="img_shape"):
        gen.get_random_transform(image.shape, seed=1)


@pytest.mark.parametrize("name", ["shuffle", "ignore_class_split", "use_multiprocessing"])
@pytest.mark.parametrize("value", ["no", "False", 1, None])
def test_truthy_values_refused_for_flow_booleans(name: str, value: Any) -> None:
    with pytest.raises(TypeError, match=f"{name} must be True or False"):
        ImageDataGenerator().flow(_images(), np.arange(6), **{name: value})


def test_fit_arguments_are_checked() -> None:
    gen = ImageDataGenerator(featurewise_center=True)
    with pytest.raises(TypeError, match="augment must be True or False"):
        gen.fit(_images(), augment="yes")
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        gen.fit(_images(), rounds=0)
    with pytest.raises(TypeError, match="rounds must be an int"):
        gen.fit(_images(), rounds=1.5)
    with pytest.raises(TypeError, match="seed must be an int"):
        gen.fit(_images(), seed="1")


def test_flow_argument_errors_name_the_argument(tmp_path: Any) -> None:
    """Found by fuzzing (tests/reliability/test_fuzz_api.py): each used to fail with a
    message that named no argument, or only when the first batch was saved."""
    gen = ImageDataGenerator()
    x = _images(4)
    cases: list[tuple[dict[str, Any], type, str]] = [
        ({"y": 5}, TypeError, "y must be an array with one entry per image, got 5"),
        ({"sample_weight": 1.0}, TypeError, "sample_weight must be an array"),
        ({"sample_weight": np.array(list("abcd"))}, TypeError, "sample_weight must hold "
                                                               "numbers"),
        ({"save_to_dir": 5}, TypeError, "save_to_dir must be a folder path or None"),
        ({"save_to_dir": np.array([1.0, 2.0])}, TypeError, "save_to_dir must be a folder"),
        ({"save_to_dir": str(tmp_path), "save_format": "exe"}, ValueError,
         "save_format must be one of png"),
        ({"save_to_dir": str(tmp_path), "save_format": 5}, ValueError, "save_format must"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=re.escape(message)):
            gen.flow(x, **kwargs)
    with pytest.raises(TypeError, match=re.escape("x[1] (extra inputs) must be an array")):
        gen.flow((x, 5))
    with pytest.raises(TypeError, match=re.escape("x must be an array with one entry")):
        gen.flow(5, np.arange(4))
    it = gen.flow(x, save_to_dir=tmp_path, save_format="JPEG", batch_size=2, workers=0)
    assert it[0].shape == (2, 8, 8, 3)


@pytest.mark.parametrize("side", [12, 72])  # the small-image (mosaic) path and the per-image one
@pytest.mark.parametrize("kind", ["whole", "fraction"])
def test_float_arrays_warped_from_a_uint8_copy_give_the_same_batches(
    side: int, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from augwise.core.presets import CLASSIC_BALANCED
    from augwise.loader import pipeline
    from tests.conftest import photo

    x = np.stack([photo(side, side, seed=k) for k in range(16)]).astype(np.float32)
    if kind == "fraction":
        x += 0.25

    def batches() -> tuple[list[np.ndarray], Any]:
        it = ImageDataGenerator(**CLASSIC_BALANCED, rescale=1 / 255).flow(
            x, batch_size=8, seed=1, workers=0)
        return [np.array(it[0]), np.array(it[1])], it.pipeline

    copied, pipe = batches()
    assert pipe.source.dtype == (np.uint8 if kind == "whole" else np.float32)
    monkeypatch.setattr(pipeline, "UINT8_COPY_MAX", 0)  # too large to copy: per image
    direct, pipe2 = batches()
    assert pipe2.source is pipe2.x
    for a, b in zip(copied, direct, strict=True):
        np.testing.assert_array_equal(a, b)
