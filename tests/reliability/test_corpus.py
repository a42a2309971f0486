"""``flow_from_directory`` over a corpus of bad and odd files: each file loads with the
right shape, or raises naming itself, or is skipped and reported, or is reported as not
a sample; nothing is dropped unreported (issue 9, reliability suite)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import DirectoryIterator, ImageDataGenerator, ImageDecodeError
from augwise.io.decode import DecodeSpec, load_image
from tests.reliability.corpus import Corpus, make_corpus

TARGET = (8, 8)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return make_corpus(tmp_path_factory.mktemp("reliability") / "corpus")


def _flow(corpus: Corpus, keras_compat: bool = False, **kw: Any) -> tuple[DirectoryIterator,
                                                                         list[str]]:
    with pytest.warns(UserWarning) as record:
        it = ImageDataGenerator(keras_compat=keras_compat).flow_from_directory(
            str(corpus.root), target_size=TARGET, verbose=False, **kw)
    return it, [str(w.message) for w in record]


def _rel(corpus: Corpus, paths: Any) -> set[str]:
    return {os.path.relpath(p, corpus.root) for p in paths}


def _unaccounted(corpus: Corpus, listed: set[str], ignored: set[str]) -> set[str]:
    """Entries on disk that are neither listed, nor reported, nor inside a reported folder."""
    names = listed | ignored
    return {e for e in corpus.on_disk()
            if e not in names and not any(n.startswith(e + "/") for n in names)
            and not any(e.startswith(i + "/") for i in ignored)}


@pytest.mark.parametrize("follow_links", [False, True])
def test_default_listing_accounts_for_every_entry(corpus: Corpus, follow_links: bool) -> None:
    it, warned = _flow(corpus, follow_links=follow_links)
    assert set(it.filenames) == corpus.listed()
    ignored = _rel(corpus, it.ignored_files)
    assert ignored == set(corpus.ignored)
    assert not _unaccounted(corpus, set(it.filenames), ignored)
    loop = it.ignored_files[str(corpus.root / "links" / "loop")]
    assert ("read once" if follow_links else "follow_links=False") in loop
    assert it.empty_classes == ["empty"]
    assert any("'empty'" in w for w in warned)
    assert list(it.class_indices) == list(corpus.classes)


@pytest.mark.parametrize("color_mode,channels", [("rgb", 3), ("grayscale", 1), ("rgba", 4)])
def test_good_and_odd_files_decode_with_the_right_shape(corpus: Corpus, color_mode: str,
                                                        channels: int) -> None:
    for rel, hw in corpus.good.items():
        arr = load_image(str(corpus.root / rel), DecodeSpec(color_mode=color_mode)).array
        assert arr.shape == (*hw, channels), rel


def test_raise_names_each_bad_file(corpus: Corpus) -> None:
    it, _ = _flow(corpus, shuffle=False, batch_size=1)
    for i, (rel, path) in enumerate(zip(it.filenames, it.filepaths, strict=True)):
        if rel in corpus.bad:
            with pytest.raises(ImageDecodeError) as info:
                it[i]
            assert info.value.path == path and os.path.basename(rel) in str(info.value)
        else:
            x, y = it[i]
            assert x.shape == (1, *TARGET, 3) and np.isfinite(x).all(), rel
            assert y.argmax() == it.classes[i]


def test_raise_names_the_first_bad_file_of_a_batch(corpus: Corpus) -> None:
    it, _ = _flow(corpus, shuffle=False, batch_size=64)
    first_bad = next(p for f, p in zip(it.filenames, it.filepaths, strict=True)
                     if f in corpus.bad)
    with pytest.raises(ImageDecodeError) as info:
        it[0]
    assert info.value.path == first_bad


def _skip_epoch(corpus: Corpus) -> tuple[DirectoryIterator, list[tuple[np.ndarray, np.ndarray]]]:
    it, _ = _flow(corpus, shuffle=False, batch_size=4, on_error="skip", follow_links=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        # Pillow warns before augwise refuses bomb_mid.png; as an error it is caught too
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        batches = [it[i] for i in range(len(it))]
    lost = [str(w.message) for w in record if "every file of class" in str(w.message)]
    assert len(lost) == 1 and "'allbad', 'bad'" in lost[0], [str(w.message) for w in record]
    return it, batches


def test_skip_reports_every_bad_file(corpus: Corpus) -> None:
    it, batches = _skip_epoch(corpus)
    assert _rel(corpus, it.skipped) == set(corpus.bad)
    assert all(reason for reason in it.skipped.values())
    assert it.empty_classes == ["empty", "allbad", "bad"]
    for x, y in batches:
        assert x.shape[1:] == (*TARGET, 3) and len(x) == len(y) and np.isfinite(x).all()
    listed, ignored = set(it.filenames), _rel(corpus, it.ignored_files)
    assert listed - _rel(corpus, it.skipped) == set(corpus.good)
    assert not _unaccounted(corpus, listed, ignored)


def test_skip_keeps_batches_full(corpus: Corpus) -> None:
    it, batches = _skip_epoch(corpus)
    sizes = [len(x) for x, _ in batches]
    assert all(s == it.batch_size for s in sizes[:-1]) and sizes[-1] > 0, sizes


def test_keras_compat_lists_what_keras_lists_and_reports_the_rest(corpus: Corpus) -> None:
    ours, warned = _flow(corpus, keras_compat=True)
    assert set(ours.filenames) == corpus.keras_listed()
    assert any("'empty'" in w for w in warned) and any(".tiff" in w for w in warned)
    ignored = _rel(corpus, ours.ignored_files)
    assert {"good/animated.gif", "good/image.webp", "links/notes.txt"} <= ignored
    assert not _unaccounted(corpus, set(ours.filenames), ignored)
    keras_image = pytest.importorskip("keras.src.legacy.preprocessing.image")
    with pytest.warns(UserWarning, match=".tiff"):
        theirs = keras_image.ImageDataGenerator().flow_from_directory(
            str(corpus.root), target_size=TARGET)
    assert ours.filenames == theirs.filenames
    assert ours.class_indices == theirs.class_indices


def test_doctor_names_the_bad_files(corpus: Corpus) -> None:
    from augwise.doctor import diagnose

    d = diagnose(str(corpus.root), config={}, flow={"target_size": (16, 16)}, progress=False)
    named = {f for finding in d.findings for f in finding.files}
    assert set(corpus.bad) <= named
    by_id = {finding.id: finding for finding in d.findings}
    assert set(by_id["files.zero_byte"].files) == {"allbad/empty.png", "bad/zero_bytes.png"}
    assert by_id["files.too_large"].files == ("bad/bomb_mid.png",)
    # GIF and WebP are samples in default mode, so the doctor does not call them ignored
    assert "files.ignored_images" not in by_id
    assert "train/empty" in by_id["classes.empty"].files
