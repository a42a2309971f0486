"""Listing class folders and dataframes: nothing left out unreported (issue 9, items 5-7, 13)."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from augwise import DataFrameIterator, DirectoryIterator, ImageDataGenerator, ImageDecodeError
from augwise.io.decode import DecodeSpec, load_image
from tests.conftest import photo
from tests.reliability.corpus import _png_bomb

SMALL = {"target_size": (8, 8), "verbose": False}


def _save(path: Path, h: int = 12, w: int = 16, seed: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(photo(h, w, seed)).save(path)


def _rel(it: Any, paths: dict[str, str] | list[str]) -> set[str]:
    return {os.path.relpath(p, it.directory) for p in paths}


def test_gif_and_webp_are_samples_and_the_rest_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "d"
    _save(root / "a" / "x.png")
    _save(root / "a" / "y.gif", 10, 14)
    _save(root / "a" / "z.webp", 9, 13)
    (root / "a" / "notes.txt").write_text("not an image")
    (root / "a" / ".DS_Store").write_bytes(b"\0")
    with caplog.at_level(logging.WARNING, logger="augwise"):
        it = ImageDataGenerator().flow_from_directory(str(root), target_size=(8, 8),
                                                      shuffle=False)
    assert it.filenames == ["a/x.png", "a/y.gif", "a/z.webp"]
    x, _ = it[0]
    assert x.shape == (3, 8, 8, 3) and np.isfinite(x).all()
    assert _rel(it, it.ignored_files) == {"a/notes.txt", "a/.DS_Store"}
    assert it.ignored_files[str(root / "a" / "notes.txt")].startswith("unsupported extension")
    assert it.ignored_files[str(root / "a" / ".DS_Store")] == "hidden file"
    out = capsys.readouterr().out
    assert "Found 3 images belonging to 1 classes." in out
    assert "Not loaded: 2 entries (" in out and ".ignored_files" in out
    assert any("notes.txt" in r.getMessage() for r in caplog.records)

    with pytest.warns(UserWarning, match="invalid image filename|has 0 samples"):
        frame = ImageDataGenerator(keras_compat=True).flow_from_dataframe(
            pd.DataFrame({"filename": ["a/y.gif"], "class": ["a"]}), str(root), **SMALL)
    assert frame.samples == 0
    frame = ImageDataGenerator().flow_from_dataframe(
        pd.DataFrame({"filename": ["a/y.gif", "a/z.webp"], "class": ["a", "b"]}), str(root),
        **SMALL)
    assert frame.samples == 2 and frame[0][0].shape == (2, 8, 8, 3)


def test_keras_compat_keeps_keras_listing_but_reports_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "d"
    _save(root / "a" / "x.png")
    _save(root / "a" / "y.gif")
    _save(root / "a" / ".h.png")
    it = ImageDataGenerator(keras_compat=True).flow_from_directory(str(root), **SMALL)
    assert it.filenames == ["a/.h.png", "a/x.png"]  # Keras: hidden files are samples, no GIF
    assert _rel(it, it.ignored_files) == {"a/y.gif"}
    assert "png, jpg, jpeg, bmp, ppm, tif, tiff" in it.ignored_files[str(root / "a" / "y.gif")]


def _loop_tree(tmp_path: Path) -> Path:
    root = tmp_path / "loop"
    for c in ("a", "b"):
        for i in range(21):
            _save(root / c / f"{i:02d}.png", 4, 4, i)
    os.symlink("..", root / "a" / "up")  # a/up/a/up/... : a loop through the root
    return root


def test_symlink_loop_is_read_once(tmp_path: Path) -> None:
    root = _loop_tree(tmp_path)
    gen = ImageDataGenerator()
    assert gen.flow_from_directory(str(root), **SMALL).samples == 42
    it = gen.flow_from_directory(str(root), follow_links=True, **SMALL)
    assert it.samples == 42
    assert sorted(it.filenames) == sorted(f"{c}/{i:02d}.png" for c in "ab" for i in range(21))
    assert _rel(it, it.ignored_files) == {"a/up"}
    assert "read once" in it.ignored_files[str(root / "a" / "up")]


def test_symlink_loop_in_keras_compat_keeps_keras_numbers_and_warns(tmp_path: Path) -> None:
    keras_image = pytest.importorskip("keras.src.legacy.preprocessing.image")
    root = _loop_tree(tmp_path)
    theirs = keras_image.ImageDataGenerator().flow_from_directory(
        str(root), target_size=(8, 8), follow_links=True)
    assert theirs.samples > 42  # Keras follows the loop until the OS refuses
    with pytest.warns(UserWarning, match=f"reached {theirs.samples - 42} files .* more than once"):
        ours = ImageDataGenerator(keras_compat=True).flow_from_directory(
            str(root), follow_links=True, **SMALL)
    assert ours.filenames == theirs.filenames


def test_aliases_and_links_outside_are_read_once(tmp_path: Path) -> None:
    root = tmp_path / "d"
    _save(root / "a" / "real" / "1.png")
    os.symlink("real", root / "a" / "alias")  # sorts before 'real': still listed at 'real'
    outside = tmp_path / "outside"
    _save(outside / "2.png")
    os.symlink(outside, root / "a" / "ext1")
    os.symlink(outside, root / "a" / "ext2")
    it = ImageDataGenerator().flow_from_directory(str(root), follow_links=True, **SMALL)
    assert it.filenames == ["a/ext1/2.png", "a/real/1.png"]
    assert _rel(it, it.ignored_files) == {"a/alias", "a/ext2"}


def test_dangling_and_unfollowed_links_are_reported(tmp_path: Path) -> None:
    root = tmp_path / "d"
    _save(root / "a" / "1.png")
    _save(tmp_path / "other" / "2.png")
    os.symlink("missing.png", root / "a" / "dead.png")
    os.symlink(tmp_path / "other", root / "a" / "linked")
    it = ImageDataGenerator().flow_from_directory(str(root), **SMALL)
    assert it.filenames == ["a/1.png"]
    assert it.ignored_files[str(root / "a" / "dead.png")].startswith("broken link")
    assert "follow_links=False" in it.ignored_files[str(root / "a" / "linked")]
    it = ImageDataGenerator().flow_from_directory(str(root), follow_links=True, **SMALL)
    assert it.filenames == ["a/1.png", "a/linked/2.png"]


@pytest.mark.parametrize("keras_compat", [False, True])
def test_empty_class_folder_warns(tmp_path: Path, keras_compat: bool) -> None:
    root = tmp_path / "d"
    _save(root / "a" / "1.png")
    (root / "b_empty").mkdir()
    (root / "c").mkdir()
    (root / "c" / "readme.txt").write_text("no images here")
    with pytest.warns(UserWarning, match=r"2 class\(es\) have no images .*'b_empty', 'c'"):
        it = ImageDataGenerator(keras_compat=keras_compat).flow_from_directory(str(root), **SMALL)
    assert it.num_classes == 3 and it.empty_classes == ["b_empty", "c"]


@pytest.mark.parametrize("access", ["index", "next", "epoch_batches"])
def test_class_whose_files_are_all_bad_warns_when_skipped(tmp_path: Path, access: str) -> None:
    root = tmp_path / "d"
    _save(root / "a" / "1.png")
    (root / "broken").mkdir()
    (root / "broken" / "1.png").write_bytes(b"")
    (root / "broken" / "2.jpg").write_text("text")
    it = ImageDataGenerator().flow_from_directory(str(root), on_error="skip", shuffle=False,
                                                  batch_size=3, **SMALL)
    get = {"index": lambda: it[0], "next": lambda: next(it),
           "epoch_batches": lambda: list(it.epoch_batches())}[access]
    with pytest.warns(UserWarning, match=r"every file of class\(es\) 'broken' was skipped"):
        get()
    assert it.empty_classes == ["broken"]
    assert _rel(it, it.skipped) == {"broken/1.png", "broken/2.jpg"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get()  # warned once
    it.close()


def test_duplicate_dataframe_rows_warn_and_are_kept(tmp_path: Path) -> None:
    _save(tmp_path / "x.png")
    _save(tmp_path / "y.png")
    df = pd.DataFrame({"filename": ["x.png", "y.png", "x.png", "x.png"],
                       "class": ["a", "b", "a", "b"]})
    with pytest.warns(UserWarning, match=r"2 row\(s\) repeat a file name .*first: 'x.png'"):
        it = ImageDataGenerator().flow_from_dataframe(df, str(tmp_path), **SMALL)
    assert it.samples == 4 and it.duplicate_rows == 2


@pytest.mark.parametrize("keras_compat", [False, True])
def test_empty_dataframe_is_a_clear_error(tmp_path: Path, keras_compat: bool) -> None:
    gen = ImageDataGenerator(keras_compat=keras_compat)
    for df in (pd.DataFrame({"filename": [], "class": []}),
               pd.DataFrame(columns=["filename", "class"])):
        with pytest.raises(ValueError, match=r"dataframe is empty .*x_col='filename'"):
            gen.flow_from_dataframe(df, str(tmp_path), **SMALL)


def test_all_invalid_dataframe_rows_are_an_error_naming_them(tmp_path: Path) -> None:
    """Default mode refuses an iterator with 0 samples; keras_compat keeps Keras' empty
    iterator, with a warning."""
    df = pd.DataFrame({"filename": ["missing.png"], "class": ["a"]})
    with pytest.warns(UserWarning, match="Found 1 invalid image filename"), pytest.raises(
        ValueError, match=r"0 samples: all 1 file names in x_col='filename' are invalid.*"
        r"'missing.png'"
    ):
        ImageDataGenerator().flow_from_dataframe(df, str(tmp_path), **SMALL)
    with pytest.warns(UserWarning, match="invalid image filename|has 0 samples"):
        it = ImageDataGenerator(keras_compat=True).flow_from_dataframe(df, str(tmp_path),
                                                                       **SMALL)
    assert it.samples == 0 and it.invalid_filenames == ["missing.png"]


def test_max_image_pixels_is_checked(tmp_path: Path) -> None:
    _save(tmp_path / "a" / "1.png")
    gen = ImageDataGenerator()
    for bad, err in (("big", TypeError), (1.5e9, TypeError), (True, TypeError), (0, ValueError)):
        with pytest.raises(err, match="max_image_pixels must be an int > 0 or None"):
            gen.flow_from_directory(str(tmp_path), max_image_pixels=bad, **SMALL)
    with pytest.raises(TypeError, match="max_image_pixels"):
        DecodeSpec(max_pixels="big")  # type: ignore[arg-type]
    assert gen.flow_from_directory(str(tmp_path), max_image_pixels=None, **SMALL)[0][0].shape \
        == (1, 8, 8, 3)


def test_pillow_bomb_warning_becomes_an_error_naming_the_file(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_bomb(12_000, 12_000))  # above Pillow's warning threshold only
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageDecodeError, match=r"bomb\.png.*decompression bomb"):
            load_image(str(bomb), DecodeSpec(max_pixels=None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        with pytest.raises(ImageDecodeError, match=r"bomb\.png.*exceeds max_image_pixels"):
            load_image(str(bomb), DecodeSpec())


DIRECTORY_BOOLS = ["follow_links", "keep_aspect_ratio", "verbose", "use_multiprocessing",
                   "shuffle"]
DATAFRAME_BOOLS = ["validate_filenames", "keep_aspect_ratio", "verbose",
                   "use_multiprocessing", "shuffle"]


@pytest.mark.parametrize("name", DIRECTORY_BOOLS)
@pytest.mark.parametrize("value", ["no", "False", 1, None])
def test_directory_flags_refuse_non_bools(tmp_path: Path, name: str, value: Any) -> None:
    _save(tmp_path / "a" / "1.png")
    kw: dict[str, Any] = {"target_size": (8, 8), "verbose": False, name: value}
    with pytest.raises(TypeError, match=f"{name} must be True or False, got {value!r}"):
        ImageDataGenerator().flow_from_directory(str(tmp_path), **kw)


@pytest.mark.parametrize("name", DATAFRAME_BOOLS)
def test_dataframe_flags_refuse_strings(tmp_path: Path, name: str) -> None:
    _save(tmp_path / "1.png")
    df = pd.DataFrame({"filename": ["1.png"], "class": ["a"]})
    kw: dict[str, Any] = {"target_size": (8, 8), "verbose": False, name: "no"}
    with pytest.raises(TypeError, match=f"{name} must be True or False, got 'no'"):
        ImageDataGenerator().flow_from_dataframe(df, str(tmp_path), **kw)


def test_huge_target_size_is_refused_up_front(tmp_path: Path) -> None:
    _save(tmp_path / "a" / "1.png")
    with pytest.raises(ValueError, match=r"target_size=\(100000, 100000\) with batch_size=32 "
                                         r"needs .* GiB .*use a smaller target_size or batch"):
        ImageDataGenerator().flow_from_directory(str(tmp_path), target_size=(100_000, 100_000),
                                                 verbose=False)
    df = pd.DataFrame({"filename": ["a/1.png"], "class": ["a"]})
    with pytest.raises(ValueError, match="batch_size=2 needs"):
        ImageDataGenerator().flow_from_dataframe(df, str(tmp_path), batch_size=2,
                                                 target_size=(100_000, 100_000), verbose=False)


@pytest.mark.parametrize("data_format", ["channels_last", None])
def test_iterators_without_a_generator_give_unaugmented_batches(
    tmp_path: Path, data_format: str | None,
) -> None:
    for i in range(3):
        _save(tmp_path / "d" / "ab"[i % 2] / f"{i}.png", 12 + i, 16, i)
    root = str(tmp_path / "d")
    kw: dict[str, Any] = {"target_size": (10, 10), "shuffle": False, "verbose": False}
    reference = ImageDataGenerator().flow_from_directory(root, **kw)
    it = DirectoryIterator(root, None, data_format=data_format, **kw)
    assert it.image_data_generator is None
    np.testing.assert_array_equal(it[0][0], reference[0][0])
    np.testing.assert_array_equal(it[0][1], reference[0][1])
    df = pd.DataFrame({"filename": reference.filenames,
                       "class": [f.split("/")[0] for f in reference.filenames]})
    frame = DataFrameIterator(df, root, **kw)
    np.testing.assert_array_equal(frame[0][0], reference[0][0])


_ARGS: dict[str, Any] = {
    "target_size": st.sampled_from([(8, 8), (1, 5), [6, 4], (0, 5), (-1, 4), (8,), "8x8",
                                    (8.0, 8.0), (10**6, 10**6), None]),
    "batch_size": st.sampled_from([1, 3, 0, -2, 2.5, "4", True, None]),
    "shuffle": st.sampled_from([True, False, "no", 0, None]),
    "seed": st.sampled_from([None, 0, 7, -1, 1.5, "1"]),
    "follow_links": st.sampled_from([True, False, "yes", 1]),
    "keep_aspect_ratio": st.sampled_from([True, False, "False"]),
    "color_mode": st.sampled_from(["rgb", "grayscale", "rgba", "RGB", "cmyk", 3]),
    "interpolation": st.sampled_from(["nearest", "bilinear", "lanczos", "linear", None]),
    "class_mode": st.sampled_from(["categorical", "binary", "sparse", "input", None, "multi"]),
    "max_image_pixels": st.sampled_from([None, 10**6, 0, -5, "big", 1e9]),
    "on_error": st.sampled_from(["raise", "skip", "ignore", None]),
    "subset": st.sampled_from([None, "training", "validation", "test"]),
    "verbose": st.sampled_from([False, "no"]),
    "use_multiprocessing": st.sampled_from([False, True, "false"]),
    "workers": st.sampled_from([None, 0, 2, -1, "2"]),
    "max_queue_size": st.sampled_from([10, 1, 0, 2.0]),
}


def _names(exc: BaseException, kwargs: dict[str, Any]) -> bool:
    text = str(exc)
    return any(name in text or name.replace("_", " ") in text for name in kwargs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_flow_arguments_work_or_name_the_argument(tmp_path: Path, data: Any) -> None:
    root = tmp_path / "d"
    if not root.exists():
        for c in ("a", "b"):
            _save(root / c / "1.png")
    kwargs = {k: data.draw(v, label=k) for k, v in _ARGS.items() if data.draw(st.booleans())}
    kwargs.setdefault("verbose", False)
    df = pd.DataFrame({"filename": ["a/1.png", "b/1.png"], "class": ["a", "b"]})
    frame_kwargs = {k: v for k, v in kwargs.items() if k != "follow_links"}
    for build in (lambda: ImageDataGenerator().flow_from_directory(str(root), **kwargs),
                  lambda: ImageDataGenerator().flow_from_dataframe(df, str(root), **frame_kwargs)):
        try:
            it = build()
        except (TypeError, ValueError) as exc:
            assert _names(exc, kwargs), f"{exc} does not name any of {sorted(kwargs)}"
            continue
        if len(it):
            batch = it[0]
            x = batch[0] if isinstance(batch, tuple) else batch
            assert x.shape[1:3] == tuple(kwargs.get("target_size", (256, 256)))
        it.close()
