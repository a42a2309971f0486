"""``keras_compat=True`` keeps Keras' numbers, not its error handling: ``on_error``
applies (augwise's ImageDecodeError naming the file, or skip-and-refill)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from augwise import ImageDataGenerator, ImageDecodeError
from tests.reliability.test_skip_refill import LAYOUT, SIDE, make_tree, sources_of


def _compat_flow(root: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = dict(target_size=(SIDE, SIDE), batch_size=1, shuffle=False)
    options.update(kwargs)
    return ImageDataGenerator(keras_compat=True).flow_from_directory(str(root), **options)


@pytest.mark.parametrize(("index", "what"), [(0, "empty"), (1, "text"), (2, "truncated")])
def test_unreadable_files_raise_naming_the_file(tmp_path: Path, index: int, what: str) -> None:
    it = _compat_flow(make_tree(tmp_path / "d", LAYOUT))
    path = it.filepaths[index]
    with pytest.raises(ImageDecodeError, match=f"{index:02d}\\.png") as info:
        it[index]
    assert info.value.path == path, what


def test_a_file_gone_after_listing_raises_naming_it(tmp_path: Path) -> None:
    it = _compat_flow(make_tree(tmp_path / "d", "aab"))
    Path(it.filepaths[1]).unlink()
    with pytest.raises(ImageDecodeError, match=r"01\.png': No such file"):
        it[1]


def test_skip_refills_like_default_mode(tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    root = make_tree(tmp_path / "d", LAYOUT)
    it = _compat_flow(root, batch_size=4, on_error="skip")
    with caplog.at_level(logging.WARNING, logger="augwise"):
        got = [it[i] for i in range(len(it))]
        streamed = [next(it) for _ in range(len(it))]
    assert [sources_of(x) for x, _ in got] == [[4, 6, 7, 8], [4, 8, 6, 7], [8, 9]]
    for (x, y), (xs, ys) in zip(got, streamed, strict=True):
        assert list(y.argmax(axis=1)) == [it.classes[s] for s in sources_of(x)]
        np.testing.assert_array_equal(x, xs)
        np.testing.assert_array_equal(y, ys)
    assert len(it.skipped) == 5
    assert sum("skipped unreadable image" in r.message for r in caplog.records) == 5


def test_skip_with_no_readable_file_says_so(tmp_path: Path) -> None:
    it = _compat_flow(make_tree(tmp_path / "d", "AB"), batch_size=2, on_error="skip")
    with pytest.raises(ValueError, match="all 2 files were skipped"):
        it[0]


def test_on_error_is_checked_in_compat_mode(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="on_error"):
        _compat_flow(make_tree(tmp_path / "d", "ab"), on_error="ignore")
