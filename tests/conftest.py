"""Shared fixtures. Keras runs on the torch backend in the tests."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augwise.io.demo import DemoData, load_fashion_mnist


@pytest.fixture(scope="session")
def fashion() -> DemoData:
    return load_fashion_mnist()


def photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A smooth synthetic RGB 'photo' with structure in both axes (uint8)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack(
        [
            127 + 100 * np.sin(xx / (7 + seed) + yy / 11),
            127 + 100 * np.cos(yy / (5 + seed)),
            (xx * 255 / max(w - 1, 1)),
        ],
        axis=-1,
    )
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def image_tree(tmp_path: Path) -> Path:
    """A class-folder tree of small JPEG and PNG files (3 classes, mixed sizes)."""
    root = tmp_path / "data"
    sizes = [(40, 60), (48, 48), (30, 50)]
    for c, name in enumerate(["cats", "dogs", "zebras"]):
        d = root / name
        d.mkdir(parents=True)
        for i in range(7):
            h, w = sizes[(i + c) % 3]
            arr = photo(h, w, seed=c * 10 + i)
            ext = "jpg" if i % 2 == 0 else "png"
            Image.fromarray(arr).save(d / f"img_{i:02d}.{ext}", quality=95)
    return root


_TORCHVISION_SCHEMAS: list[object] = []  # keeps the library registration alive


@pytest.fixture(scope="session")
def torchvision_v2() -> object:
    """torchvision's v2 transforms.  The torchvision here is a CUDA build beside a CPU
    torch: its import needs the schemas of its two C++ ops defined first."""
    import torch

    if not _TORCHVISION_SCHEMAS:
        lib = torch.library.Library("torchvision", "DEF")
        for op in ("nms", "qnms"):
            lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _TORCHVISION_SCHEMAS.append(lib)
    from torchvision.transforms import v2

    return v2
