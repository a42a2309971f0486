"""The benchmark's JPEG tree: built once, reused, and refused when it is not what it
wrote (a loader would read an extra folder as more classes)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from augwise.bench.data import TreeSpec, build_jpeg_tree
from tests.conftest import photo

SPEC = TreeSpec(files=4, classes=2, width=40, height=30, min_scale=1.0, max_scale=2.0)


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for k in range(2):
        Image.fromarray(photo(200, 260, seed=k)).save(folder / f"p{k}.png")
    return folder


def test_tree_is_built_then_reused(tmp_path: Path, photos: Path) -> None:
    root = build_jpeg_tree(tmp_path / "cache", SPEC, photos)
    assert sorted(p.parent.name for p in root.glob("*/*.jpg")) == ["class_00"] * 2 + [
        "class_01"] * 2
    stamp = (root / "manifest.json").stat().st_mtime_ns
    assert build_jpeg_tree(tmp_path / "cache", SPEC, photos) == root
    assert (root / "manifest.json").stat().st_mtime_ns == stamp


def test_a_tree_with_foreign_entries_is_refused(tmp_path: Path, photos: Path) -> None:
    root = build_jpeg_tree(tmp_path / "cache", SPEC, photos)
    (root / "stray").mkdir()
    with pytest.raises(ValueError, match="holds entries it did not write: stray"):
        build_jpeg_tree(tmp_path / "cache", SPEC, photos)


def test_a_tree_given_as_the_cache_folder_is_refused(tmp_path: Path, photos: Path) -> None:
    root = build_jpeg_tree(tmp_path / "cache", SPEC, photos)
    with pytest.raises(ValueError, match="is a benchmark tree itself"):
        build_jpeg_tree(root, SPEC, photos)
    assert not (root / SPEC.name).exists()


def test_a_stray_image_in_a_class_folder_is_refused(tmp_path: Path, photos: Path) -> None:
    root = build_jpeg_tree(tmp_path / "cache", SPEC, photos)
    (root / "class_00" / "extra.jpg").write_bytes((root / "class_01").iterdir().__next__()
                                                   .read_bytes())
    with pytest.raises(ValueError, match=r"class_00/extra\.jpg"):
        build_jpeg_tree(tmp_path / "cache", SPEC, photos)


def test_strays_are_refused_before_a_rebuild_too(tmp_path: Path, photos: Path) -> None:
    root = build_jpeg_tree(tmp_path / "cache", SPEC, photos)
    (root / "stray").mkdir()
    (root / "notes.txt").write_text("a file beside the classes is not read: allowed")
    with pytest.raises(ValueError, match="entries it did not write: stray"):
        build_jpeg_tree(tmp_path / "cache", replace(SPEC, seed=1), photos)  # a rebuild
    (root / "stray").rmdir()
    assert build_jpeg_tree(tmp_path / "cache", replace(SPEC, seed=1), photos) == root
