"""Fixtures for the benchmark and throughput tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import photo


@pytest.fixture(scope="session")
def big_photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three large synthetic 'photographs' to cut a benchmark tree from."""
    root = tmp_path_factory.mktemp("photos")
    for k in range(3):
        Image.fromarray(photo(900, 1200, seed=k)).save(root / f"p{k}.png")
    return root


@pytest.fixture
def jpeg_tree(tmp_path: Path) -> Path:
    """Twelve 120x90 JPEG photos in two classes (small, so decoding is quick)."""
    root = tmp_path / "tree"
    for k in range(12):
        d = root / f"c{k % 2}"
        d.mkdir(parents=True, exist_ok=True)
        img = photo(90, 120, seed=k)
        Image.fromarray(img).save(d / f"i{k:02d}.jpg", quality=92)
    return root


def rgb(seed: int, h: int = 90, w: int = 120) -> np.ndarray:
    return photo(h, w, seed=seed)
