"""Arguments that property-based fuzzing found answered by an unrelated error, a silent
empty iterator or inf batches (issue 9): each now works or raises naming the argument."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator

pd = pytest.importorskip("pandas")

SMALL = {"target_size": (6, 6), "verbose": False, "workers": 0}
ARRAY = np.array(["a", "b"])


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("args") / "data"
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.full((5, 6, 3), 40 * i, np.uint8)).save(root / name / f"{i}.png")
    return root


@pytest.fixture()
def frame() -> Any:
    return pd.DataFrame({"filename": ["a/0.png", "a/1.png", "b/0.png", "b/1.png"],
                         "class": ["a", "a", "b", "b"], "weight": [1.0, 2.0, 1.0, 1.0]})


# -- 1. y_col=[] ----------------------------------------------------------------------


@pytest.mark.parametrize("class_mode", ["categorical", "multi_output", "raw"])
def test_empty_y_col_is_refused_naming_y_col(tree: Path, frame: Any, class_mode: str) -> None:
    # was: NotImplementedError: fillna is not defined for MultiIndex
    with pytest.raises(ValueError, match=r"^y_col=\[\] names no column: .*y_col='class'"):
        ImageDataGenerator().flow_from_dataframe(frame, str(tree), y_col=[],
                                                 class_mode=class_mode, **SMALL)


def test_a_list_y_col_needs_a_class_mode_that_reads_lists(tree: Path, frame: Any) -> None:
    with pytest.raises(TypeError, match=r"y_col must be one column name for "
                                        r"class_mode='categorical'.*'multi_output' or 'raw'"):
        ImageDataGenerator().flow_from_dataframe(frame, str(tree), y_col=["class"], **SMALL)
    it = ImageDataGenerator().flow_from_dataframe(frame, str(tree), y_col=["weight"],
                                                  class_mode="raw", shuffle=False, **SMALL)
    assert it[0][1].tolist() == [[1.0], [2.0], [1.0], [1.0]]


# -- 2. classes of the wrong type -----------------------------------------------------


@pytest.mark.parametrize(("classes", "error", "message"), [
    ([1], TypeError, r"^classes\[0\] must be a class name \(str, a folder name\), got 1: use '1'"),
    (1.5, TypeError, r"^classes must be a list of class names .* or None, got 1\.5"),
    ("a", TypeError, r"^classes must be a list of class names, not one string: use "
                     r"classes=\['a'\]"),
    (["a", None], TypeError, r"^classes\[1\] must be a class name"),
    (["a", "b", "a"], ValueError, r"^classes lists 'a' more than once"),
    (["a", "zz"], ValueError, r"^classes names 'zz', which is not a folder"),
])
def test_directory_classes_are_checked(tree: Path, classes: Any, error: type,
                                       message: str) -> None:
    # was: TypeError: join() argument must be str... / 'float' object is not iterable
    with pytest.raises(error, match=message):
        ImageDataGenerator().flow_from_directory(tree, classes=classes, **SMALL)


@pytest.mark.parametrize("classes", [1.5, "a", {"a": 0}, [["a"]], [1.5]])
def test_dataframe_classes_are_checked(tree: Path, frame: Any, classes: Any) -> None:
    with pytest.raises(TypeError, match=r"^classes(\[0\])? must be"):
        ImageDataGenerator().flow_from_dataframe(frame, str(tree), classes=classes, **SMALL)


def test_classes_as_an_array_of_names_work(tree: Path, frame: Any) -> None:
    gen = ImageDataGenerator()
    by_dir = gen.flow_from_directory(tree, classes=np.array(["b", "a"]), **SMALL)
    by_frame = gen.flow_from_dataframe(frame, str(tree), classes=frame["class"].unique(),
                                       **SMALL)
    assert by_dir.class_indices == {"b": 0, "a": 1} and by_dir.samples == 4
    assert by_frame.class_indices == {"a": 0, "b": 1} and by_frame.samples == 4


# -- 3. an array (or a list) where an option string belongs ----------------------------

DIRECTORY_OPTIONS = {
    "subset": "'training', 'validation' or None",
    "color_mode": "'rgb', 'rgba' or 'grayscale'",
    "interpolation": "'nearest', 'bilinear'",
    "on_error": "'raise' or 'skip'",
    "class_mode": "'categorical', 'binary', 'sparse', 'input' or None",
}
DATAFRAME_OPTIONS = {
    **DIRECTORY_OPTIONS,
    "class_mode": "'binary', 'categorical', 'input', 'multi_output', 'raw', 'sparse' or None",
    "x_col": "a column name (str)",
    "y_col": "a column name (str) or a list of column names",
    "weight_col": "a column name (str) or None",
}


def _refused(run: Any, name: str, allowed: str, value: Any = ARRAY) -> None:
    with pytest.raises(TypeError) as info:
        run()
    text = str(info.value)
    assert text.startswith(f"{name} must be {allowed}"), text
    assert "ambiguous" not in text and "unhashable" not in text


@pytest.mark.parametrize("name", sorted(DIRECTORY_OPTIONS))
@pytest.mark.parametrize("value", [ARRAY, ["rgb"], 3])
def test_flow_from_directory_options_are_type_checked(tree: Path, name: str, value: Any) -> None:
    # was: "The truth value of an array ... is ambiguous" / "unhashable type"
    _refused(lambda: ImageDataGenerator().flow_from_directory(tree, **{name: value}, **SMALL),
             name, DIRECTORY_OPTIONS[name])


@pytest.mark.parametrize("name", sorted(DATAFRAME_OPTIONS))
def test_flow_from_dataframe_options_are_type_checked(tree: Path, frame: Any,
                                                      name: str) -> None:
    _refused(lambda: ImageDataGenerator().flow_from_dataframe(frame, str(tree),
                                                              **{name: ARRAY}, **SMALL),
             name, DATAFRAME_OPTIONS[name])


def test_flow_and_constructor_options_are_type_checked() -> None:
    x = np.zeros((4, 5, 5, 3), np.float32)
    _refused(lambda: ImageDataGenerator(validation_split=0.5).flow(x, subset=ARRAY),
             "subset", "'training', 'validation' or None")
    for name, allowed in [("fill_mode", "'nearest', 'constant', 'reflect' or 'wrap'"),
                          ("data_format", "'channels_last' or 'channels_first'"),
                          ("validation_split_mode", "'first' or 'stratified'"),
                          ("featurewise_method", "'mean_std' or 'median_iqr'"),
                          ("policy", "'trivialaugment', 'randaugment' or None"),
                          ("output_dtype", "'uint8' or None")]:
        _refused(lambda name=name: ImageDataGenerator(**{name: ARRAY}), name, allowed)


def test_a_misspelt_option_gets_a_suggestion(tree: Path) -> None:
    with pytest.raises(ValueError, match=r"^color_mode must be .*got 'rbg'; did you mean 'rgb'"):
        ImageDataGenerator().flow_from_directory(tree, color_mode="rbg", **SMALL)
    with pytest.raises(ValueError, match=r"^subset must be .*did you mean 'validation'"):
        ImageDataGenerator().flow(np.zeros((2, 4, 4, 3)), subset="validaton")


# -- 4. no sample left ----------------------------------------------------------------


def test_classes_matching_no_dataframe_label_is_an_error(tree: Path, frame: Any) -> None:
    # was: an iterator of 0 samples, without a word
    with pytest.raises(ValueError, match=r"flow_from_dataframe has 0 samples: none of "
                                         r"classes=\['zz'\] is a label in y_col='class' "
                                         r"\(its labels: \['a', 'b'\]\)"), \
            pytest.warns(UserWarning, match="no images in the dataframe: 'zz'"):
        ImageDataGenerator().flow_from_dataframe(frame, str(tree), classes=["zz"], **SMALL)
    numbered = frame.assign(label=["1", "1", "2", "2"])
    with pytest.raises(ValueError, match=re.escape("(the labels are strings: write '1', not 1)")), \
            pytest.warns(UserWarning, match="no images in the dataframe"):
        ImageDataGenerator().flow_from_dataframe(numbered, str(tree), y_col="label",
                                                 classes=[1], **SMALL)


def test_keras_compat_keeps_the_empty_iterator_with_a_warning(tree: Path, frame: Any) -> None:
    with pytest.warns(UserWarning, match="no images in the dataframe|has 0 samples: none of"):
        it = ImageDataGenerator(keras_compat=True).flow_from_dataframe(
            frame, str(tree), classes=["zz"], **SMALL)
    assert it.samples == 0 and len(it) == 0


def test_a_subset_with_no_sample_is_an_error(tree: Path, frame: Any, tmp_path: Path) -> None:
    gen = ImageDataGenerator(validation_split=0.1)
    fix = "use a larger validation_split, or more data"
    with pytest.raises(ValueError, match=rf"flow\(\) has 0 samples: subset='validation' "
                                         rf"with validation_split=0.1 keeps none of the 4 "
                                         rf"images: {fix}"):
        gen.flow(np.zeros((4, 5, 5, 3)), subset="validation")
    with pytest.raises(ValueError, match=rf"keeps none of the 4 rows: {fix}"):
        gen.flow_from_dataframe(frame, str(tree), subset="validation", **SMALL)
    with pytest.raises(ValueError, match=rf"has 0 samples: subset='validation'.*{fix}"):
        gen.flow_from_directory(tree, subset="validation", **SMALL)
    with pytest.raises(ValueError, match="set validation_split in ImageDataGenerator"):
        ImageDataGenerator().flow_from_directory(tree, subset="validation", **SMALL)
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"has 0 samples: it has no class folders.*"
                                         r"Not loaded: 1 entries"):
        ImageDataGenerator().flow_from_directory(tmp_path / "only", **SMALL)
    with pytest.warns(UserWarning, match="has 0 samples"):
        it = ImageDataGenerator(validation_split=0.1, keras_compat=True).flow(
            np.zeros((4, 5, 5, 3)), subset="validation")
    assert it.n == 0


# -- 5. numbers that overflow ---------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"rescale": 1e308}, r"^rescale must be at most 1e\+30 in size, got 1e\+308"),
    ({"rescale": -(10**400)}, r"^rescale must be finite"),
    ({"width_shift_range": 10**30}, r"^width_shift_range is in pixels when >= 1 and must be "
                                    r"at most 1e\+06"),
    ({"height_shift_range": 1e30}, r"^height_shift_range must be at most 1e\+06 \(pixels"),
    ({"width_shift_range": [2, 1e7]}, r"^width_shift_range values are pixels .* 1e\+06"),
    ({"brightness_range": (float("nan"), 1)}, r"^brightness_range must hold two finite numbers"),
    ({"brightness_range": (0.5, 1e300)}, r"^brightness_range must be at most 1e\+06"),
    ({"zoom_range": (0.5, float("inf"))}, r"^zoom_range must hold two finite numbers"),
    ({"zoom_range": (0.5, 1e308)}, r"^zoom_range must be at most 1e\+06"),
    ({"rotation_range": 1e308}, r"^rotation_range must be at most 1e\+06 degrees"),
    ({"shear_range": 1e308}, r"^shear_range must be at most 1e\+06 degrees"),
    ({"channel_shift_range": 1e308}, r"^channel_shift_range must be at most 1e\+30"),
    ({"cval": -1e308}, r"^cval must be at most 1e\+30 in size"),
    ({"zca_epsilon": 1e308}, r"^zca_epsilon must be at most 1e\+30"),
    ({"rescale": 1000, "dtype": "float16"}, r"^rescale=1000 and dtype='float16' turn a pixel "
                                            r"value of 255 into 2\.55e\+05.*wider dtype"),
    ({"cval": 1e5, "dtype": "float16"}, r"^cval=100000 and dtype='float16'"),
])
def test_numbers_that_would_overflow_are_refused(kwargs: dict[str, Any], message: str) -> None:
    # was (rescale=1e308): inf batches; (width_shift_range=10**30): OverflowError at the
    # first batch; (brightness_range=(nan, 1)): a message without "finite"
    with pytest.raises(ValueError, match=message):
        ImageDataGenerator(**kwargs)


@pytest.mark.parametrize("keras_compat", [False, True])
def test_numbers_at_the_bounds_give_finite_batches(keras_compat: bool) -> None:
    x = np.random.default_rng(0).uniform(0, 255, (2, 6, 7, 3)).astype(np.float32)
    for kwargs in ({"rescale": 1e30}, {"width_shift_range": 10**6},
                   {"rotation_range": 1e6, "shear_range": 1e6, "zoom_range": (0.5, 1e6)},
                   {"channel_shift_range": 1e30, "brightness_range": (0.5, 1e6)},
                   {"fill_mode": "constant", "cval": -1e30, "rotation_range": 45}):
        gen = ImageDataGenerator(keras_compat=keras_compat, **kwargs)
        batch = gen.flow(x, batch_size=2, shuffle=False, seed=0)[0]
        assert batch.shape == x.shape and np.isfinite(batch).all(), kwargs


# -- found by running the extended fuzzing longer ---------------------------------------


def test_more_inputs_that_failed_at_the_first_batch(tmp_path: Path) -> None:
    x = np.zeros((2, 4, 4, 4), np.uint8)
    with pytest.raises(ValueError, match=r"^save_format='jpeg' cannot store the alpha channel "
                                         r"of 4-channel images: use save_format='png'"):
        ImageDataGenerator().flow(x, save_to_dir=tmp_path, save_format="jpeg")
    with pytest.raises(ValueError, match=r"^save_to_dir writes images of 1, 3, 4 channels "
                                         r"\(keras_compat\) and these have 2"), \
            pytest.warns(UserWarning, match="expected either 1, 3, or 4 channels"):
        ImageDataGenerator(keras_compat=True).flow(x[..., :2], save_to_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^seed must be < 2\*\*32 with keras_compat=True"):
        ImageDataGenerator(keras_compat=True).flow(x, seed=2**32)
    with pytest.raises(TypeError, match=r"^y must be an array with one entry per image, "
                                        r"got '01'"):
        ImageDataGenerator().flow(x, "01")
    with pytest.raises(TypeError, match=r"^x must hold numbers, got dtype <U2"):
        ImageDataGenerator(keras_compat=True).flow(np.full((2, 4, 4, 3), "na"))
    objects = np.zeros((2, 4, 4, 3)).astype(object)
    objects[1, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"^x holds 1 NaN"):
        ImageDataGenerator(keras_compat=True).flow(objects)
    with pytest.raises(ValueError, match=r"^rescale=1e\+30 and dtype='uint8'"):
        ImageDataGenerator(rescale=1e30, dtype="uint8")
    with pytest.raises(ValueError, match=r"^zca_whitening with keras_compat=True needs "
                                         r"dtype='float32'"):
        ImageDataGenerator(zca_whitening=True, keras_compat=True, dtype="float16")
