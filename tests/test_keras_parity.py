"""Parity with Keras 3.15's legacy ImageDataGenerator (torch backend).

Under ``keras_compat=True`` augwise must match Keras: the same parameters for the same
seed, the same transformed images (tolerance below), the same iterator attributes and
batches.  Default mode must match Keras wherever it does not deliberately differ
(listing, labels, shapes, split sizes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras_image = pytest.importorskip("keras.src.legacy.preprocessing.image")
KerasIDG = keras_image.ImageDataGenerator

from augwise import ImageDataGenerator, Iterator  # noqa: E402

# transformed pixels: scipy resampling in both, so only float rounding differs
PIXEL_TOL = 1e-3

PARAM_CONFIGS: list[dict[str, Any]] = [
    {"rotation_range": 30},
    {"width_shift_range": 0.2},
    {"height_shift_range": 0.3},
    {"width_shift_range": 4},
    {"height_shift_range": [1.5, 3.0]},
    {"width_shift_range": [0.1, 0.2]},
    {"shear_range": 25},
    {"zoom_range": 0.3},
    {"zoom_range": [0.7, 1.1]},
    {"channel_shift_range": 40.0},
    {"brightness_range": [0.5, 1.5]},
    {"horizontal_flip": True},
    {"vertical_flip": True},
    {
        "rotation_range": 40,
        "width_shift_range": 0.2,
        "height_shift_range": 0.2,
        "shear_range": 20,
        "zoom_range": 0.2,
        "horizontal_flip": True,
        "vertical_flip": True,
        "channel_shift_range": 10.0,
        "brightness_range": [0.8, 1.2],
    },
]
FILL_MODES = ["nearest", "constant", "reflect", "wrap"]


def _image(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 255, size=shape).astype(np.float32)


@pytest.mark.parametrize("kwargs", PARAM_CONFIGS, ids=lambda k: ",".join(k))
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_get_random_transform_matches(kwargs: dict[str, Any], data_format: str) -> None:
    shape = (20, 30, 3) if data_format == "channels_last" else (3, 20, 30)
    ours = ImageDataGenerator(keras_compat=True, data_format=data_format, **kwargs)
    theirs = KerasIDG(data_format=data_format, **kwargs)
    for seed in range(5):
        a = ours.get_random_transform(shape, seed=seed)
        b = theirs.get_random_transform(shape, seed=seed)
        assert a.keys() == b.keys()
        for key in a:
            assert a[key] == b[key] or (a[key] is None and b[key] is None), key
    # without a seed, both continue the global np.random stream identically
    np.random.seed(123)
    a_seq = [ours.get_random_transform(shape) for _ in range(3)]
    np.random.seed(123)
    b_seq = [theirs.get_random_transform(shape) for _ in range(3)]
    assert a_seq == b_seq


@pytest.mark.parametrize("kwargs", PARAM_CONFIGS, ids=lambda k: ",".join(k))
@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_apply_transform_matches(kwargs: dict[str, Any], fill_mode: str, data_format: str) -> None:
    shape = (20, 30, 3) if data_format == "channels_last" else (3, 20, 30)
    ours = ImageDataGenerator(
        keras_compat=True, data_format=data_format, fill_mode=fill_mode, cval=17.0, **kwargs
    )
    theirs = KerasIDG(data_format=data_format, fill_mode=fill_mode, cval=17.0, **kwargs)
    if "brightness_range" in kwargs and data_format == "channels_first":
        # Keras' brightness shift assumes channels_last: both fail the same way
        x = _image(shape)
        params = theirs.get_random_transform(shape, seed=0)
        with pytest.raises(ValueError, match="Unsupported channel number"):
            theirs.apply_transform(x.copy(), params)
        with pytest.raises(ValueError, match="Unsupported channel number"):
            ours.apply_transform(x.copy(), params)
        return
    for seed in range(3):
        x = _image(shape, seed)
        params = theirs.get_random_transform(shape, seed=seed)
        a = ours.apply_transform(x.copy(), params)
        b = theirs.apply_transform(x.copy(), params)
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, atol=PIXEL_TOL, rtol=0)
        np.testing.assert_allclose(
            ours.random_transform(x.copy(), seed=seed),
            theirs.random_transform(x.copy(), seed=seed),
            atol=PIXEL_TOL,
            rtol=0,
        )


@pytest.mark.parametrize("order", [0, 1, 3])
def test_interpolation_order_matches(order: int) -> None:
    kw = {"rotation_range": 25, "zoom_range": 0.2, "interpolation_order": order}
    ours, theirs = ImageDataGenerator(keras_compat=True, **kw), KerasIDG(**kw)
    x = _image((16, 24, 1))
    params = theirs.get_random_transform(x.shape, seed=3)
    np.testing.assert_allclose(
        ours.apply_transform(x, params), theirs.apply_transform(x, params), atol=PIXEL_TOL
    )


STANDARDIZE_CONFIGS: list[dict[str, Any]] = [
    {"rescale": 1 / 255},
    {"samplewise_center": True, "samplewise_std_normalization": True},
    {"featurewise_center": True, "featurewise_std_normalization": True, "rescale": 0.5},
]


@pytest.mark.parametrize("kwargs", STANDARDIZE_CONFIGS, ids=lambda k: ",".join(k))
def test_fit_and_standardize_match(kwargs: dict[str, Any]) -> None:
    data = _image((40, 8, 10, 3), seed=5)
    ours = ImageDataGenerator(keras_compat=True, **kwargs)
    theirs = KerasIDG(**kwargs)
    ours.fit(data)
    theirs.fit(data)
    if theirs.mean is not None:
        np.testing.assert_allclose(ours.mean, theirs.mean, rtol=1e-5)
    if theirs.std is not None:
        np.testing.assert_allclose(ours.std, theirs.std, rtol=1e-5)
    x = data[3].copy()
    np.testing.assert_allclose(
        ours.standardize(x.copy()), theirs.standardize(x.copy()), rtol=1e-5, atol=1e-5
    )


def test_zca_fit_matches_keras_and_default_mode_matches_exact() -> None:
    data = _image((300, 6, 6, 1), seed=2) / 255.0
    ours = ImageDataGenerator(keras_compat=True, zca_whitening=True, featurewise_center=True)
    theirs = KerasIDG(zca_whitening=True, featurewise_center=True)
    ours.fit(data)
    theirs.fit(data)
    np.testing.assert_allclose(
        ours.zca_whitening_matrix, theirs.zca_whitening_matrix, rtol=2e-3, atol=2e-3
    )
    # default mode streams the statistics; with n > H*W*C it is the same exact ZCA
    default = ImageDataGenerator(zca_whitening=True, featurewise_center=True)
    default.fit(data)
    scale = np.abs(theirs.zca_whitening_matrix).max()
    np.testing.assert_allclose(
        default.zca_whitening_matrix, theirs.zca_whitening_matrix, atol=2e-3 * scale
    )


# -- iterators ----------------------------------------------------------------------------


def _batches(it: Any, n: int) -> list[Any]:
    return [it[i] for i in range(n)]


def _assert_batches_equal(a: Any, b: Any, tol: float = PIXEL_TOL) -> None:
    if isinstance(a, (tuple, list)):
        assert isinstance(b, (tuple, list)) and len(a) == len(b)
        for u, v in zip(a, b, strict=True):
            _assert_batches_equal(u, v, tol)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), atol=tol)


AUG = {"rotation_range": 20, "width_shift_range": 0.1, "zoom_range": 0.1,
       "horizontal_flip": True, "rescale": 1 / 255}


def test_flow_matches_in_compat_mode(fashion: Any) -> None:
    x, y = fashion.x_train[:100], fashion.y_train[:100]
    w = np.linspace(0.5, 1.5, 100)
    ours = ImageDataGenerator(keras_compat=True, **AUG).flow(
        x, y, batch_size=16, seed=7, sample_weight=w
    )
    theirs = KerasIDG(**AUG).flow(x, y, batch_size=16, seed=7, sample_weight=w)
    assert len(ours) == len(theirs)
    for a, b in zip(_batches(ours, 3), _batches(theirs, 3), strict=True):
        _assert_batches_equal(a, b)
    # Keras reshuffles from the global stream: give both the same state
    np.random.seed(5)
    ours.on_epoch_end()
    np.random.seed(5)
    theirs.on_epoch_end()
    _assert_batches_equal(ours[0], theirs[0])
    # next() follows Keras' own index generator and seeding
    _assert_batches_equal(next(ours), next(theirs))
    _assert_batches_equal(next(ours), next(theirs))


@pytest.mark.parametrize("keras_compat", [False, True])
def test_flow_split_and_attributes_match(fashion: Any, keras_compat: bool) -> None:
    x, y = fashion.x_train[:200], fashion.y_train[:200]
    kw = {"validation_split": 0.25}
    for subset in ("training", "validation"):
        ours = ImageDataGenerator(keras_compat=keras_compat, **kw).flow(
            x, y, batch_size=32, shuffle=False, subset=subset
        )
        theirs = KerasIDG(**kw).flow(x, y, batch_size=32, shuffle=False, subset=subset)
        assert ours.n == theirs.n and len(ours) == len(theirs)
        assert ours.batch_size == theirs.batch_size
        np.testing.assert_array_equal(ours.y, theirs.y)
        for i in range(len(ours)):
            a, b = ours[i], theirs[i]
            assert a[0].shape == b[0].shape and a[0].dtype == b[0].dtype
            np.testing.assert_array_equal(a[1], b[1])
            np.testing.assert_allclose(a[0], b[0])  # no augmentation configured
    with pytest.raises(ValueError, match="different number of classes"):
        ImageDataGenerator(keras_compat=keras_compat, **kw).flow(
            x[np.argsort(y)], np.sort(y), subset="validation"
        )


def test_flow_with_extra_inputs_matches(fashion: Any) -> None:
    x, y = fashion.x_train[:40], fashion.y_train[:40]
    misc = np.arange(40.0)
    ours = ImageDataGenerator(keras_compat=True).flow((x, misc), y, batch_size=8, shuffle=False)
    theirs = KerasIDG().flow((x, misc), y, batch_size=8, shuffle=False)
    _assert_batches_equal(ours[1], theirs[1])
    ours_noy = ImageDataGenerator().flow((x, [misc, misc]), None, batch_size=8, shuffle=False)
    theirs_noy = KerasIDG().flow((x, [misc, misc]), None, batch_size=8, shuffle=False)
    _assert_batches_equal(ours_noy[0], theirs_noy[0])


CLASS_MODES = ["categorical", "binary", "sparse", "input", None]


def _two_class_tree(image_tree: Path) -> Path:
    """``image_tree`` without its third class (for binary class_mode)."""
    import shutil

    shutil.rmtree(image_tree / "zebras")
    return image_tree


@pytest.mark.parametrize("class_mode", CLASS_MODES)
@pytest.mark.parametrize("keras_compat", [False, True])
def test_flow_from_directory_matches(
    image_tree: Path, class_mode: str | None, keras_compat: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _two_class_tree(image_tree) if class_mode == "binary" else image_tree
    kw = {"rescale": 1 / 255}
    flow_kw = {"target_size": (24, 32), "batch_size": 5, "class_mode": class_mode,
               "shuffle": False, "interpolation": "bilinear"}
    ours = ImageDataGenerator(keras_compat=keras_compat, **kw).flow_from_directory(
        str(root), **flow_kw
    )
    theirs = KerasIDG(**kw).flow_from_directory(str(root), **flow_kw)
    out = capsys.readouterr().out
    assert out.count(f"Found {theirs.samples} images belonging to {theirs.num_classes}") == 2
    for attr in ("class_indices", "filenames", "filepaths", "samples", "n", "num_classes",
                 "image_shape", "batch_size"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    np.testing.assert_array_equal(ours.classes, theirs.classes)
    assert len(ours) == len(theirs)
    for i in range(len(ours)):
        a, b = ours[i], theirs[i]
        if keras_compat:
            _assert_batches_equal(a, b)
            continue
        xa = a if class_mode is None else a[0]
        xb = b if class_mode is None else b[0]
        assert xa.shape == xb.shape and xa.dtype == xb.dtype
        if class_mode not in (None, "input"):
            np.testing.assert_array_equal(a[1], b[1])
        # different resampler (OpenCV vs PIL): the same picture within interpolation error
        assert np.abs(xa - xb).mean() < 0.03


@pytest.mark.parametrize("keras_compat", [False, True])
def test_directory_split_matches(image_tree: Path, keras_compat: bool) -> None:
    kw = {"validation_split": 0.3}
    for subset in ("training", "validation"):
        ours = ImageDataGenerator(keras_compat=keras_compat, **kw).flow_from_directory(
            str(image_tree), target_size=(16, 16), subset=subset, shuffle=False
        )
        theirs = KerasIDG(**kw).flow_from_directory(
            str(image_tree), target_size=(16, 16), subset=subset, shuffle=False
        )
        assert ours.filenames == theirs.filenames
        assert ours.samples == theirs.samples
        assert ours.split == theirs.split


def test_directory_augmented_batches_match_in_compat_mode(image_tree: Path) -> None:
    kw = {**AUG, "channel_shift_range": 10.0, "brightness_range": [0.7, 1.3], "shear_range": 10}
    flow_kw = {"target_size": (20, 28), "batch_size": 6, "seed": 11}
    ours = ImageDataGenerator(keras_compat=True, **kw).flow_from_directory(str(image_tree),
                                                                           **flow_kw)
    theirs = KerasIDG(**kw).flow_from_directory(str(image_tree), **flow_kw)
    for a, b in zip(_batches(ours, len(ours)), _batches(theirs, len(theirs)), strict=True):
        _assert_batches_equal(a, b)


def _frame(root: Path) -> pd.DataFrame:
    rows = []
    for cls in sorted(p.name for p in root.iterdir()):
        for f in sorted((root / cls).iterdir()):
            rows.append({"filename": f"{cls}/{f.name}", "class": cls,
                         "value": float(len(rows)), "w": 1.0 + len(rows) % 3})
    rows.append({"filename": "cats/missing.png", "class": "cats", "value": -1.0, "w": 1.0})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "class_mode", ["categorical", "binary", "sparse", "input", "raw", "multi_output", None]
)
@pytest.mark.parametrize("keras_compat", [False, True])
def test_flow_from_dataframe_matches(image_tree: Path, class_mode: str | None,
                                     keras_compat: bool) -> None:
    root = _two_class_tree(image_tree) if class_mode == "binary" else image_tree
    df = _frame(root)
    y_col: Any = {"raw": "value", "multi_output": ["value", "w"]}.get(str(class_mode), "class")
    kw = {"validation_split": 0.2}
    flow_kw = {"directory": str(root), "y_col": y_col, "class_mode": class_mode,
               "target_size": (12, 16), "batch_size": 4, "shuffle": False, "subset": "training",
               "weight_col": "w" if class_mode in ("categorical", "sparse") else None}
    with pytest.warns(UserWarning, match="invalid image filename"):
        ours = ImageDataGenerator(keras_compat=keras_compat, **kw).flow_from_dataframe(
            df, **flow_kw
        )
    with pytest.warns(UserWarning, match="invalid image filename"):
        theirs = KerasIDG(**kw).flow_from_dataframe(df, **flow_kw)
    for attr in ("filenames", "filepaths", "samples", "n", "image_shape"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    if class_mode not in ("input", "raw", "multi_output", None):
        assert ours.class_indices == theirs.class_indices
        assert list(ours.classes) == list(theirs.classes)
    for i in range(len(ours)):
        a, b = ours[i], theirs[i]
        if keras_compat:
            _assert_batches_equal(a, b)
        elif class_mode not in (None, "input"):
            _assert_batches_equal(a[1:], b[1:])


def test_dataframe_multilabel_categorical(image_tree: Path) -> None:
    df = _frame(image_tree).iloc[:-1]
    df["class"] = [[c, "extra"] if i % 2 else [c] for i, c in enumerate(df["class"])]
    kw = {"directory": str(image_tree), "target_size": (8, 8), "shuffle": False, "batch_size": 6}
    ours = ImageDataGenerator().flow_from_dataframe(df, **kw)
    theirs = KerasIDG().flow_from_dataframe(df, **kw)
    assert ours.class_indices == theirs.class_indices
    np.testing.assert_array_equal(ours[0][1], theirs[0][1])


def test_keras_argument_errors_match() -> None:
    for kwargs in ({"zoom_range": "big"}, {"brightness_range": 0.5}, {"data_format": "nchw"},
                   {"validation_split": 1.5}):
        with pytest.raises(ValueError):
            KerasIDG(**kwargs)
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            ImageDataGenerator(**kwargs)


@pytest.mark.parametrize("class_mode", ["input", None])
@pytest.mark.parametrize("keras_compat", [False, True])
def test_dataframe_without_labels_takes_y_col_none(
    image_tree: Path, class_mode: str | None, keras_compat: bool
) -> None:
    """Keras does not read ``y_col`` when there are no labels: ``y_col=None`` is fine."""
    df = _frame(image_tree).iloc[:-1]
    kw: dict[str, Any] = {"directory": str(image_tree), "x_col": "filename", "y_col": None,
          "class_mode": class_mode, "target_size": (8, 8), "shuffle": False, "batch_size": 5,
          "weight_col": "w" if class_mode == "input" else None}
    ours = ImageDataGenerator(keras_compat=keras_compat).flow_from_dataframe(df, **kw)
    theirs = KerasIDG().flow_from_dataframe(df, **kw)
    assert ours.filenames == theirs.filenames
    a, b = ours[0], theirs[0]
    assert type(a) is type(b) and len(a) == len(b)
    if class_mode == "input":
        np.testing.assert_array_equal(a[0], a[1])
        assert a[0] is not a[1]
        np.testing.assert_array_equal(a[2], b[2])
    with pytest.raises(TypeError, match="y_col"):
        ImageDataGenerator().flow_from_dataframe(df, **{**kw, "y_col": np.zeros(3)})


class _Draws:
    """A subclass body for Keras' and augwise's base ``Iterator``: each batch is its
    indices and one draw from the global ``np.random`` (which the base class seeds)."""

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        return index_array.tolist(), float(np.random.random())


class _OurDraws(_Draws, Iterator):
    pass


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("seed", [None, 7])
def test_iterator_base_class_matches_keras(shuffle: bool, seed: int | None) -> None:
    theirs_cls = type("Theirs", (_Draws, keras_image.Iterator), {})
    ours, theirs = _OurDraws(11, 4, shuffle, seed), theirs_cls(11, 4, shuffle, seed)
    assert len(ours) == len(theirs) == 3
    assert (ours.n, ours.batch_size, ours.shuffle, ours.seed) == (11, 4, shuffle, seed)

    def steps(it: Any) -> list[Any]:
        out = [next(it) for _ in range(5)] + [it[i] for i in range(3)]
        it.on_epoch_end()
        return [*out, it[1], it.total_batches_seen, it.batch_index]

    got, want = steps(ours), steps(theirs)
    if seed is None:  # unseeded draws differ; the structure does not
        got = [g[0] if isinstance(g, tuple) else g for g in got]
        want = [w[0] if isinstance(w, tuple) else w for w in want]
        if shuffle:
            got, want = [len(g) if isinstance(g, list) else g for g in got], [
                len(w) if isinstance(w, list) else w for w in want]
    assert got == want
    with pytest.raises(ValueError, match="length 3"):
        ours[3]


def test_iterator_base_class_contract() -> None:
    empty = Iterator(0, 0, False, 0)
    assert next(empty.index_generator).size == 0
    with pytest.raises(NotImplementedError, match="_get_batches_of_transformed_samples"):
        next(Iterator(3, 2, False, None))
    with pytest.raises(TypeError, match="n must be"):
        Iterator(2.5, 2, False, None)  # type: ignore[arg-type]
    it = _OurDraws(5, 2, False, 0, workers=3)
    assert (it.workers, it.use_multiprocessing, it.max_queue_size, it.num_batches) == (
        3, False, 10, 3)
    assert [it.next()[0], next(it)[0], it.next()[0], next(it)[0]] == [
        [0, 1], [2, 3], [4], [0, 1]]
    import pickle

    again = pickle.loads(pickle.dumps(it))
    assert again[2][0] == [4]


@pytest.mark.parametrize("keras_compat", [False, True])
def test_flow_iterators_have_next_method(fashion: Any, keras_compat: bool) -> None:
    """``it.next()`` (tf.keras 2's and keras-preprocessing's method) is ``next(it)``."""
    x = fashion.x_train[:20]
    a = ImageDataGenerator(rotation_range=10, keras_compat=keras_compat).flow(
        x, batch_size=8, seed=3, shuffle=True)
    b = ImageDataGenerator(rotation_range=10, keras_compat=keras_compat).flow(
        x, batch_size=8, seed=3, shuffle=True)
    for _ in range(4):
        np.testing.assert_array_equal(a.next(), next(b))


def test_iterator_subclass_with_pydataset_fits_a_model() -> None:
    """The documented recipe: mix ``keras.utils.PyDataset`` into a subclass for ``fit``."""
    import keras

    rng = np.random.default_rng(0)
    x = rng.random((20, 4), dtype=np.float32)
    y = (x.sum(axis=1) > 2).astype(np.float32)

    class Rows(Iterator, keras.utils.PyDataset):  # type: ignore[misc]
        def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
            return x[index_array], y[index_array]

    it = Rows(20, 8, True, 0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(it, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert it.total_batches_seen >= 6
