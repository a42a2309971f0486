"""The Fashion-MNIST sample shipped with augwise (MIT licence, see data/).

>>> d = load_fashion_mnist()
>>> d.x_train.shape, d.x_test.shape
((3000, 28, 28, 1), (1000, 28, 28, 1))
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class DemoData:
    x_train: np.ndarray  # (3000, 28, 28, 1) uint8
    y_train: np.ndarray  # (3000,) int64
    x_test: np.ndarray  # (1000, 28, 28, 1) uint8
    y_test: np.ndarray
    class_names: list[str]


def load_fashion_mnist() -> DemoData:
    """The shipped sample: 300 training and 100 test images per class."""
    ref = resources.files("augwise") / "data" / "fashion_mnist_sample.npz"
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as z:
        return DemoData(
            x_train=z["x_train"],
            y_train=z["y_train"],
            x_test=z["x_test"],
            y_test=z["y_test"],
            class_names=[str(c) for c in z["class_names"]],
        )


def export_class_folders(
    directory: str | os.PathLike[str], images: np.ndarray, labels: np.ndarray,
    class_names: list[str], prefix: str = "img",
) -> list[Path]:
    """Write ``images`` as PNG files into ``directory/<class name>/`` folders."""
    root = Path(directory)
    written = []
    for i, (img, label) in enumerate(zip(images, labels, strict=True)):
        folder = root / class_names[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{prefix}_{i:05d}.png"
        arr = img[:, :, 0] if img.ndim == 3 and img.shape[2] == 1 else img
        Image.fromarray(arr).save(path)
        written.append(path)
    return written
