"""The decoded-image cache: hits, invalidation, the size bound, identical batches."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator
from augwise.io.cache import DiskCache, MemoryCache, make_cache
from augwise.io.decode import DecodeSpec, load_image
from tests.bench.conftest import rgb

AUG = {"rotation_range": 20, "width_shift_range": 0.2, "height_shift_range": 0.2,
       "shear_range": 0.2, "zoom_range": 0.2, "horizontal_flip": True, "rescale": 1 / 255}


def flow(tree: Path, **kw: Any) -> Any:
    return ImageDataGenerator(**AUG).flow_from_directory(
        str(tree), target_size=(48, 64), batch_size=5, seed=3, workers=0, verbose=False, **kw
    )


def epoch(it: Any, e: int) -> list[np.ndarray]:
    return [x for x, _ in it.epoch_batches(e)]


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_equal_specs_written_differently_share_entries(jpeg_tree: Path, tmp_path: Path,
                                                      kind: str) -> None:
    cache = make_cache(kind if kind == "memory" else str(tmp_path / "c"), None)
    assert cache is not None
    path = str(next(iter(jpeg_tree.glob("*/*.jpg"))))
    listed = DecodeSpec(target_hw=[48, 64], magnification=1)  # type: ignore[arg-type]
    first = cache.load(path, listed)
    again = cache.load(path, DecodeSpec(target_hw=(np.int64(48), 64), magnification=1.0,
                                        max_pixels=np.int64(DecodeSpec().max_pixels or 1)))
    np.testing.assert_array_equal(first.array, again.array)
    assert (cache.hits, cache.misses) == (1, 1)


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_batches_identical_with_and_without_cache(jpeg_tree: Path, tmp_path: Path,
                                                  kind: str) -> None:
    cache = "memory" if kind == "memory" else str(tmp_path / "dc")
    plain, cached = flow(jpeg_tree), flow(jpeg_tree, cache=cache)
    for e in range(3):
        for a, b in zip(epoch(plain, e), epoch(cached, e), strict=True):
            np.testing.assert_array_equal(a, b)
    info = cached.cache_info()
    assert info is not None
    assert info["misses"] == 12 and info["hits"] == 24 and info["entries"] == 12
    assert plain.cache_info() is None


def test_memory_hits_and_misses_counted(jpeg_tree: Path) -> None:
    it = flow(jpeg_tree, cache="memory")
    epoch(it, 0)
    assert it.cache_info()["misses"] == 12 and it.cache_info()["hits"] == 0
    epoch(it, 1)
    info = it.cache_info()
    assert info is not None and info["hits"] == 12 and info["misses"] == 12
    first = next(iter(jpeg_tree.glob("*/*.jpg")))
    assert info["bytes"] == 12 * load_image(str(first), it.pipeline.decode_spec).array.nbytes


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_a_changed_file_is_decoded_again(jpeg_tree: Path, tmp_path: Path, kind: str) -> None:
    cache = MemoryCache(10**8) if kind == "memory" else DiskCache(tmp_path / "dc", 10**8)
    path = str(sorted(jpeg_tree.glob("*/*.jpg"))[0])
    spec = DecodeSpec(target_hw=(48, 64))
    before = cache.load(path, spec).array.copy()
    assert np.array_equal(cache.load(path, spec).array, before)
    st = os.stat(path)
    Image.fromarray(255 - rgb(99)).save(path, quality=92)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # even within one tick
    after = cache.load(path, spec).array
    assert not np.array_equal(after, before)
    np.testing.assert_array_equal(after, load_image(path, spec).array)
    stats = cache.stats()
    assert stats["misses"] == 2 and stats["hits"] == 1 and stats["entries"] == 1


@pytest.mark.parametrize("kind", ["memory", "disk"])
def test_size_bound_respected(jpeg_tree: Path, tmp_path: Path, kind: str) -> None:
    # what is cached: the image reduced to the target x the zoom's magnification
    one = 60 * 80 * 3
    first = str(next(iter(jpeg_tree.glob("*/*.jpg"))))
    assert load_image(first, flow(jpeg_tree).pipeline.decode_spec).array.nbytes == one
    limit = 4 * one + one // 2  # room for 4 images
    cache = "memory" if kind == "memory" else str(tmp_path / "dc")
    it = flow(jpeg_tree, cache=cache, cache_limit_bytes=limit)
    ref = flow(jpeg_tree)
    for e in range(2):
        for a, b in zip(epoch(it, e), epoch(ref, e), strict=True):
            np.testing.assert_array_equal(a, b)
        info = it.cache_info()
        assert info is not None and info["bytes"] <= limit
        assert info["entries"] <= 4 and info["evictions"] >= 8
    if kind == "disk":
        held = sum(f.stat().st_size for f in (tmp_path / "dc").rglob("*.awc"))
        assert held <= limit


def test_an_image_larger_than_the_limit_is_not_stored(jpeg_tree: Path) -> None:
    cache = MemoryCache(limit_bytes=100)
    path = str(next(iter(jpeg_tree.glob("*/*.jpg"))))
    cache.load(path, DecodeSpec())
    assert cache.stats()["entries"] == 0 and cache.stats()["bytes"] == 0


def test_disk_cache_is_reused_by_a_new_iterator(jpeg_tree: Path, tmp_path: Path) -> None:
    folder = str(tmp_path / "dc")
    epoch(flow(jpeg_tree, cache=folder), 0)
    again = flow(jpeg_tree, cache=folder)
    epoch(again, 0)
    info = again.cache_info()
    assert info is not None and info["hits"] == 12 and info["misses"] == 0


def test_a_corrupt_disk_entry_is_a_miss(jpeg_tree: Path, tmp_path: Path) -> None:
    cache = DiskCache(tmp_path / "dc")
    path = str(next(iter(jpeg_tree.glob("*/*.jpg"))))
    spec = DecodeSpec()
    good = cache.load(path, spec).array.copy()
    entry = cache.file_for(path, spec)
    entry.write_bytes(entry.read_bytes()[:100])
    np.testing.assert_array_equal(cache.load(path, spec).array, good)
    assert cache.stats()["misses"] == 2


def test_cached_arrays_are_read_only(jpeg_tree: Path) -> None:
    cache = MemoryCache()
    path = str(next(iter(jpeg_tree.glob("*/*.jpg"))))
    cache.load(path, DecodeSpec())
    assert not cache.load(path, DecodeSpec()).array.flags.writeable


def test_cache_arguments_are_checked(jpeg_tree: Path) -> None:
    with pytest.raises(ValueError, match="cache_limit_bytes"):
        flow(jpeg_tree, cache_limit_bytes=10)
    with pytest.raises(ValueError, match="cache_limit_bytes must be >= 0"):
        flow(jpeg_tree, cache="memory", cache_limit_bytes=-1)
    with pytest.raises(TypeError, match="cache must be"):
        make_cache(3, None)
    with pytest.raises(ValueError, match="default mode"):
        ImageDataGenerator(keras_compat=True).flow_from_directory(
            str(jpeg_tree), cache="memory", verbose=False
        )


def test_dataframe_iterator_takes_the_cache(jpeg_tree: Path) -> None:
    import pandas as pd

    files = sorted(str(p) for p in jpeg_tree.glob("*/*.jpg"))
    df = pd.DataFrame({"filename": files, "class": [Path(f).parent.name for f in files]})
    it = ImageDataGenerator(**AUG).flow_from_dataframe(
        df, target_size=(48, 64), batch_size=4, seed=0, workers=0, verbose=False,
        cache="memory",
    )
    epoch(it, 0)
    epoch(it, 1)
    info = it.cache_info()
    assert info is not None and info["hits"] == 12


def test_memory_cache_starts_empty_after_pickling(jpeg_tree: Path) -> None:
    cache = MemoryCache(12345)
    cache.load(str(next(iter(jpeg_tree.glob("*/*.jpg")))), DecodeSpec())
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.limit_bytes == 12345 and copy.stats()["entries"] == 0


def test_a_malformed_decode_spec_is_refused_naming_its_fields() -> None:
    with pytest.raises(ValueError, match="target_hw must be"):
        DecodeSpec(target_hw=(1, 2, 3))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="magnification a number"):
        DecodeSpec(magnification=None)  # type: ignore[arg-type]
