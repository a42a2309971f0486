"""``augwise doctor --demo``: the shipped Fashion-MNIST sample with the over-augmented config
of the classic "why does augmentation hurt" example.

The sample is written as PNG class folders (``train/`` 3000 images, ``test/`` 1000) so
the file audits run on it too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from augwise.core.presets import CLASSIC_OVERAUGMENTED
from augwise.io.demo import export_class_folders, load_fashion_mnist

__all__ = ["CLASSIC_OVERAUGMENTED", "DEMO_FLOW", "prepare_demo"]
DEMO_FLOW: dict[str, Any] = {"target_size": (28, 28), "color_mode": "grayscale"}


def _count(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder)) if folder.is_dir() else 0


def prepare_demo(directory: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write (or reuse) the sample as ``directory/train`` and ``directory/test``."""
    data = load_fashion_mnist()
    root = Path(directory)
    train, test = root / "train", root / "test"
    for folder, x, y in ((train, data.x_train, data.y_train), (test, data.x_test, data.y_test)):
        if _count(folder) != len(x):
            export_class_folders(folder, x, y, data.class_names)
    return train, test
