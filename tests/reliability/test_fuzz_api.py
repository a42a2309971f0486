"""Property-based fuzzing of the Python API (issue 9): the ``ImageDataGenerator``
constructor, ``flow()``, ``flow_from_directory()`` and ``flow_from_dataframe()``.

Whatever the arguments (wrong types, NaN, inf, huge or negative numbers, strings, lists,
odd shapes and dtypes), each call either works, giving a finite batch of the right
shape, or raises ``ValueError``/``TypeError`` whose message names the argument at fault:
never another exception, never numpy's "truth value ... is ambiguous", never an iterator
with 0 samples in default mode, never a hang.
"""

from __future__ import annotations

import signal
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from augwise import ImageDataGenerator

FUZZ = settings(max_examples=80, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXAMPLE_SECONDS = 20  # one example taking longer is a hang

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10**6, 10**6),
    st.sampled_from([10**30, -(10**30), 2**64, -1, 0, 1e308, -1e308, 1e30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3),
    st.tuples(st.floats(-5, 5), st.floats(-5, 5)),
    st.sampled_from([[], (), {}, b"x", np.float32("nan"), np.int64(3), np.array([1.0, 2.0]),
                     np.array(["a", "b"]), np.array(["rgb"]), [1], ["a", 1], 1.5,
                     "no", "True", object()]),
)
flag = st.booleans()
unit = st.floats(0, 1)
huge = st.sampled_from([1e30, 1e308, 10**30, float("nan")])  # overflowing, or not finite

PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "featurewise_center": flag,
    "samplewise_center": flag,
    "featurewise_std_normalization": flag,
    "samplewise_std_normalization": flag,
    "zca_whitening": flag,
    "zca_epsilon": st.floats(1e-9, 1.0) | huge,
    "rotation_range": st.floats(0, 360) | huge,
    "width_shift_range": unit | st.integers(0, 5) | huge | st.lists(
        st.floats(-3, 3) | huge, min_size=1, max_size=3),
    "height_shift_range": unit | st.integers(0, 5) | st.sampled_from([10**6, 10**7, 1e7]),
    "brightness_range": st.none() | st.tuples(st.floats(0, 2), st.floats(0, 2))
    | st.tuples(st.floats(0, 2) | huge, huge),
    "shear_range": st.floats(0, 90) | huge,
    "zoom_range": unit | st.tuples(st.floats(0.1, 3), st.floats(0.1, 3) | huge),
    "channel_shift_range": st.floats(0, 100) | huge,
    "fill_mode": st.sampled_from(["nearest", "constant", "reflect", "wrap", "mirror"]),
    "cval": st.floats(-300, 300) | huge | st.sampled_from([-1e308, 7e4]),
    "horizontal_flip": flag,
    "vertical_flip": flag,
    "rescale": st.none() | st.floats(-2, 2) | huge | st.sampled_from([-1e308, 300.0, 1e-30]),
    "preprocessing_function": st.sampled_from([None, np.negative, "abc", 3]),
    "data_format": st.sampled_from(["channels_last", "channels_first", None, "nhwc"]),
    "validation_split": unit,
    "interpolation_order": st.integers(-1, 6),
    "dtype": st.sampled_from(["float32", "float64", "float16", "uint8", "int32", "floaty",
                              None]),
    "keras_compat": flag,
    "seed": st.integers(-5, 2**64),
    "augment_validation": flag,
    "validation_split_mode": st.sampled_from(["first", "stratified", "random"]),
    "featurewise_method": st.sampled_from(["mean_std", "median_iqr", "median"]),
    "zca_rank": st.none() | st.integers(-1, 60),
    "policy": st.sampled_from([None, "trivialaugment", "randaugment", "autoaugment"]),
    "policy_num_ops": st.integers(-1, 12),
    "policy_magnitude": st.integers(-1, 40),
    "output_dtype": st.sampled_from([None, "uint8", "float32", "int8"]),
}
def _draw_kwargs(draw: Callable[..., Any], choices: dict[str, st.SearchStrategy[Any]],
                 always: tuple[str, ...] = ()) -> dict[str, Any]:
    """Some of ``choices`` (all of ``always``) with plausible values, except that about
    every other example gives one of them a value from :data:`junk`."""
    keys = draw(st.lists(st.sampled_from(sorted(choices)), max_size=5, unique=True))
    keys = [*always, *(k for k in keys if k not in always)]
    bad = draw(st.none() | st.sampled_from(keys)) if keys else None
    return {k: draw(junk if k == bad else choices[k], label=k) for k in keys}


@st.composite
def generator_kwargs(draw: Callable[..., Any]) -> dict[str, Any]:
    return _draw_kwargs(draw, PLAUSIBLE)


class Hang(Exception):
    """An example ran longer than EXAMPLE_SECONDS."""


@contextmanager
def bounded() -> Iterator[None]:
    """Warnings ignored (they are not errors here); a hang becomes :class:`Hang`."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no result after {EXAMPLE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, EXAMPLE_SECONDS)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# Messages that show an argument was used before it was checked.
UNCHECKED = ("truth value", "unhashable", "not iterable", "argument must be", "has no len",
             "could not convert", "invalid literal", "index out of")


def _works_or_refuses(run: Callable[[], None], names: Iterable[str]) -> None:
    """``run()`` works, or raises ValueError/TypeError naming one of ``names``."""
    names = list(names)
    with bounded():
        try:
            run()
        except (ValueError, TypeError) as exc:
            text = str(exc)
            assert any(name in text for name in names), f"names none of {names}: {text}"
            assert not any(u in text for u in UNCHECKED), text


def _images_of(batch: Any) -> np.ndarray:
    first = batch[0] if isinstance(batch, tuple) else batch
    return np.asarray(first[0] if isinstance(first, list) else first)  # [images, extra]


def _check_batch(images: np.ndarray, shape: tuple[int, ...]) -> None:
    assert images.shape == shape, (images.shape, shape)
    if images.dtype.kind in "fc":
        assert np.isfinite(images).all()


# -- the constructor ------------------------------------------------------------------


@FUZZ
@given(generator_kwargs(), st.sampled_from([np.uint8, np.float32]))
def test_constructor_then_a_batch(kwargs: dict[str, Any], dtype: type) -> None:
    def run() -> None:
        gen = ImageDataGenerator(**kwargs)
        rng = np.random.default_rng(0)
        shape = (4, 3, 6, 7) if gen.config.data_format == "channels_first" else (4, 6, 7, 3)
        x = rng.uniform(0, 255, shape).astype(dtype)
        if gen.config.needs_fit:
            gen.fit(x)
        it = gen.flow(x, np.arange(4) % 2, batch_size=4, shuffle=False, workers=0)
        _check_batch(_images_of(it[0]), shape)
        one = gen.random_transform(x[0], seed=1)
        assert one.shape == x[0].shape

    _works_or_refuses(run, kwargs)


# -- flow() ---------------------------------------------------------------------------

DTYPES = [np.uint8, np.uint16, np.int32, np.float16, np.float32, np.float64, np.bool_,
          np.complex64, object, "<U2"]


@st.composite
def arrays(draw: Callable[..., Any]) -> np.ndarray:
    shape = tuple(draw(st.lists(st.integers(0, 5), max_size=5)))
    if draw(st.booleans()):
        shape = (draw(st.integers(0, 6)), draw(st.integers(1, 9)), draw(st.integers(1, 9)),
                 draw(st.sampled_from([1, 3, 4])))
    dtype = draw(st.sampled_from(DTYPES))
    x = np.random.default_rng(1).uniform(0, 255, shape)
    if x.size and draw(st.booleans()):
        x.flat[draw(st.integers(0, x.size - 1))] = draw(st.sampled_from([np.nan, np.inf]))
    if dtype in (object, "<U2"):
        return x.astype(dtype)
    with np.errstate(all="ignore"):
        return x.astype(dtype)


def _labels(n: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.just(np.arange(n) % 3),
        st.just(np.eye(3)[np.arange(n) % 3]),
        st.just(np.array(["a", "b"] * n)[:n]),
        st.just(np.linspace(0, 1, n)),
        st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n, max_size=n),
        st.just(np.arange(n + 1)),
        junk,
    )


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("saved")


@FUZZ
@given(st.data())
def test_flow_arguments(outdir: Path, data: st.DataObject) -> None:
    x = data.draw(arrays(), label="x")
    n = len(x) if x.ndim else 0
    choices = {
        "y": _labels(n),
        "batch_size": st.integers(1, 8),
        "shuffle": flag,
        "seed": st.none() | st.integers(0, 2**64),
        "sample_weight": st.none() | st.just(np.linspace(0.5, 1.0, n)) | _labels(n),
        "subset": st.sampled_from([None, "training", "validation"]),
        "ignore_class_split": flag,
        "workers": st.sampled_from([0, 1]),
        "save_to_dir": st.sampled_from([None, str(outdir), outdir, str(outdir / "missing")]),
        "save_prefix": st.sampled_from(["", "aug"]),
        "save_format": st.sampled_from(["png", "JPEG", "bmp", "exe"]),
    }
    kwargs = data.draw(st.composite(lambda draw: _draw_kwargs(draw, choices))(), label="kw")
    if data.draw(st.booleans(), label="extra inputs") and n:
        x = (x, data.draw(st.sampled_from([np.zeros((n, 2)), [np.ones(n), np.ones(n)],
                                           np.zeros(n + 1), 5]), label="x[1]"))
    compat = data.draw(st.booleans(), label="keras_compat")
    gen = ImageDataGenerator(rotation_range=20, validation_split=0.5, keras_compat=compat)

    def run() -> None:
        it = gen.flow(x, **kwargs)
        try:
            assert it.n > 0 or compat, "default mode refuses an iterator with 0 samples"
            if it.n == 0:
                return
            rows = min(it.batch_size, it.n)
            images = x[0] if isinstance(x, tuple) else x
            _check_batch(_images_of(it[0]), (rows, *images.shape[1:]))
        finally:
            it.close()

    _works_or_refuses(run, [*kwargs, "x"])


# -- flow_from_directory() / flow_from_dataframe() ------------------------------------


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzz") / "data"
    rng = np.random.default_rng(2)
    for name in ("a", "b"):
        (root / name).mkdir(parents=True)
        for i in range(2):
            img = rng.integers(0, 255, (5, 6, 3), dtype=np.uint8)
            Image.fromarray(img).save(root / name / f"{i}.png")
    return root


CHANNELS = {"rgb": 3, "grayscale": 1, "rgba": 4}
sizes = st.tuples(st.integers(1, 12), st.integers(1, 12)) | st.sampled_from(
    [(0, 8), (-1, 8), (10**6, 10**6), (8,), (8, 8, 8), "8x8", (8.5, 8), (True, 8)])
file_kwargs = {
    "target_size": sizes,
    "color_mode": st.sampled_from([*CHANNELS, "cmyk"]),
    "class_mode": st.sampled_from(["categorical", "binary", "sparse", "input", None, "x"]),
    "batch_size": st.integers(1, 5),
    "shuffle": flag,
    "seed": st.none() | st.integers(0, 99),
    "subset": st.sampled_from([None, "training", "validation"]),
    "interpolation": st.sampled_from(["nearest", "bilinear", "bicubic", "lanczos", "box",
                                      "hamming", "area"]),
    "keep_aspect_ratio": flag,
    "on_error": st.sampled_from(["raise", "skip", "ignore"]),
    "max_image_pixels": st.none() | st.integers(-1, 100) | st.just(10**8),
}


def _file_batch(it: Any, kwargs: dict[str, Any]) -> None:
    try:
        assert len(it) > 0, "default mode refuses an iterator with 0 samples"
        batch = it[0]
        images = _images_of(batch)
        c = CHANNELS[kwargs.get("color_mode", "rgb")]
        th, tw = it.target_size
        _check_batch(images, (min(it.batch_size, it.n), th, tw, c))
    finally:
        it.close()


@FUZZ
@given(st.data())
def test_flow_from_directory_arguments(tree: Path, data: st.DataObject) -> None:
    choices = {**file_kwargs, "follow_links": flag,
               "classes": st.sampled_from([None, ["a"], ["b", "a"], ["zz"], [1], "a", 1.5,
                                           np.array(["b", "a"]), ["a", "a"], []])}
    kwargs = data.draw(st.composite(lambda draw: _draw_kwargs(draw, choices))(), label="kw")
    split = data.draw(st.sampled_from([0.0, 0.1, 0.5]), label="validation_split")
    gen = ImageDataGenerator(rotation_range=30, validation_split=split)

    def run() -> None:
        it = gen.flow_from_directory(tree, verbose=False, workers=0, **kwargs)
        _file_batch(it, kwargs)

    _works_or_refuses(run, [*kwargs, str(tree)])  # or the file at fault


@FUZZ
@given(st.data())
def test_flow_from_dataframe_arguments(tree: Path, data: st.DataObject) -> None:
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({
        "filename": ["a/0.png", "a/1.png", "b/0.png", "b/1.png"],
        "class": ["a", "a", "b", "b"],
        "value": [0.5, 1.5, 2.5, float(data.draw(st.floats(allow_nan=True), label="v"))],
        "weight": [1.0, 2.0, 1.0, 1.0],
    })
    choices = {
        **file_kwargs,
        "class_mode": st.sampled_from(["categorical", "binary", "sparse", "input", None,
                                       "raw", "multi_output", "x"]),
        "x_col": st.sampled_from(["filename", "filename", "class", "missing", np.array(["a"])]),
        "y_col": st.sampled_from(["class", "value", ["value", "weight"], "missing", [],
                                  ["class"], np.array(["class"])]),
        "weight_col": st.sampled_from([None, "weight", "class", "", np.array(["weight"])]),
        "classes": st.sampled_from([None, ["a"], ["b", "a"], ["zz"], [1], "a", 1.5,
                                    np.array(["b", "a"]), []]),
        "validate_filenames": flag,
    }
    kwargs = data.draw(st.composite(lambda draw: _draw_kwargs(draw, choices))(), label="kw")
    split = data.draw(st.sampled_from([0.0, 0.1, 0.5]), label="validation_split")
    gen = ImageDataGenerator(zoom_range=0.2, validation_split=split)

    def run() -> None:
        it = gen.flow_from_dataframe(df, str(tree), verbose=False, workers=0, **kwargs)
        _file_batch(it, kwargs)

    _works_or_refuses(run, [*kwargs, str(tree)])


def test_found_by_fuzzing_sliver_target_with_keep_aspect_ratio(tree: Path) -> None:
    """target_size=(1, 7) with keep_aspect_ratio on 5x6 images: Keras' integer crop box
    had a height of 0 and OpenCV failed with cv2.error; the box keeps one pixel now."""
    it = ImageDataGenerator(rotation_range=30).flow_from_directory(
        tree, target_size=(1, 7), keep_aspect_ratio=True, batch_size=2, verbose=False,
        workers=0)
    _check_batch(it[0][0], (2, 1, 7, 3))
    it.close()
