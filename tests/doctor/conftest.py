"""Planted datasets and their (cached) diagnoses, shared by the doctor tests."""

from __future__ import annotations

import os
import shutil
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from augwise.doctor.api import Diagnosis, diagnose
from augwise.doctor.checks import STRICT_ENV
from tests.doctor import planted
from tests.doctor.planted import SCENE_HW, save, scene, scene_tree

os.environ[STRICT_ENV] = "1"  # a crashing check fails the test (subprocesses inherit it)

GOOD_CONFIG = {
    "rotation_range": 3, "width_shift_range": 0.02, "height_shift_range": 0.02,
    "horizontal_flip": True, "fill_mode": "reflect", "seed": 0, "rescale": 1 / 255,
}
GOOD_FLOW = {"target_size": SCENE_HW}


def _dirty_files(root: Path) -> Path:
    """Class folders with every file-level problem planted once."""
    train = scene_tree(root / "train", per_class=10)
    a = train / "a"
    (a / "empty.png").write_bytes(b"")
    full = planted.jpeg_bytes(scene(*SCENE_HW, 900))
    (a / "broken.jpg").write_bytes(full[: len(full) // 2])
    (a / "page.jpg").write_text("<html><body>404 not found</body></html>")
    save(a / "really_png.jpg", scene(*SCENE_HW, 901), format="PNG")
    exif = Image.Exif()
    exif[0x0112] = 6
    save(a / "rotated.jpg", scene(*SCENE_HW, 902), exif=exif)
    save(a / "bad_exif.jpg", scene(*SCENE_HW, 903),
         exif=b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\x00\x00\x00\x01")
    (a / "._img_000.jpg").write_bytes(b"\x00\x05\x16\x07AppleDouble metadata")
    save(a / "extra.gif", scene(*SCENE_HW, 904))  # read by default mode
    save(a / "extra.pic", scene(*SCENE_HW, 906), format="PNG")  # an image under an unread name
    (a / "notes.txt").write_text("labelled by hand")
    (train / "empty_class").mkdir()
    save(train / ".ipynb_checkpoints" / "img-checkpoint.png", scene(*SCENE_HW, 905))
    test = root / "test"
    scene_tree(test, classes=("a", "b"), per_class=3, seed=7)
    return root


def _dirty_content(root: Path) -> Path:
    """Class folders with duplicates, outliers, colour-mode mix and exposure problems."""
    train = root / "train"
    scene_tree(train, classes=("a",), per_class=30, seed=1)
    scene_tree(train, classes=("b", "c"), per_class=10, seed=2)
    shutil.copy(train / "a" / "img_001.png", train / "a" / "copy_001.png")
    src = cv2.imread(str(train / "a" / "img_003.png"))
    big = cv2.resize(src, (SCENE_HW[1] * 2, SCENE_HW[0] * 2), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(str(train / "a" / "near_003.jpg"), big, [cv2.IMWRITE_JPEG_QUALITY, 88])
    shutil.copy(train / "a" / "img_005.png", train / "b" / "conflict.png")
    for i in range(8):
        grey = cv2.cvtColor(scene(*SCENE_HW, 700 + i), cv2.COLOR_RGB2GRAY)
        save(train / "b" / f"grey_{i}.png", grey)
    c = train / "c"
    save(c / "huge.png", scene(200, 300, 800))
    base = scene(*SCENE_HW, 801).astype(np.float32)
    save(c / "dark.png", (base * 0.08).astype(np.uint8))
    save(c / "bright.png", (255 - base * 0.08).astype(np.uint8))
    save(c / "flat.png", (120 + (base - 128) * 0.06).astype(np.uint8))
    save(c / "uniform.png", np.full((*SCENE_HW, 3), 77, np.uint8))
    save(c / "blurry.png", cv2.GaussianBlur(scene(*SCENE_HW, 802), (0, 0), 2.5))
    rgba = np.dstack([scene(*SCENE_HW, 803), np.full(SCENE_HW, 255, np.uint8)])
    rgba[:, : SCENE_HW[1] // 2, 3] = 0
    save(c / "alpha.png", rgba)
    Image.fromarray(scene(*SCENE_HW, 804)).convert("CMYK").save(c / "cmyk.jpg")
    deep = (cv2.cvtColor(scene(*SCENE_HW, 805), cv2.COLOR_RGB2GRAY).astype(np.uint16) * 257)
    Image.fromarray(deep).save(c / "deep.png")
    test = root / "test"
    scene_tree(test, per_class=4, seed=3)
    shutil.copy(train / "b" / "img_001.png", test / "b" / "leak.png")
    return root


class Planted:
    """Lazily built planted datasets and diagnoses (one scan each per test process)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @cached_property
    def scenes_dir(self) -> Path:
        scene_tree(self.root / "scenes" / "train")
        scene_tree(self.root / "scenes" / "test", per_class=5, seed=1)
        return self.root / "scenes"

    @cached_property
    def scenes(self) -> Diagnosis:
        d = self.scenes_dir
        return diagnose(d / "train", test=d / "test", config=GOOD_CONFIG, flow=GOOD_FLOW)

    @cached_property
    def dirty_files_dir(self) -> Path:
        return _dirty_files(self.root / "dirty_files")

    @cached_property
    def dirty_files(self) -> Diagnosis:
        d = self.dirty_files_dir
        return diagnose(d / "train", test=d / "test", config=GOOD_CONFIG, flow=GOOD_FLOW)

    @cached_property
    def dirty_content_dir(self) -> Path:
        return _dirty_content(self.root / "dirty_content")

    @cached_property
    def dirty_content(self) -> Diagnosis:
        d = self.dirty_content_dir
        return diagnose(d / "train", test=d / "test", flow=GOOD_FLOW,
                        config={**GOOD_CONFIG, "featurewise_center": True,
                                "featurewise_std_normalization": True})

    @cached_property
    def letters(self) -> Diagnosis:
        makers = {c: (lambda r, c=c: planted.letter(c, r)) for c in "TUV"}
        return diagnose(planted.arrays(makers, 24), config={"seed": 0})

    @cached_property
    def arrows(self) -> Diagnosis:
        makers = {"left": lambda r: planted.arrow("left", r),
                  "right": lambda r: planted.arrow("right", r),
                  "A": lambda r: planted.letter("A", r)}
        return diagnose(planted.arrays(makers, 24), config={"seed": 0})

    @cached_property
    def blobs(self) -> Diagnosis:
        return diagnose(planted.arrays({k: planted.blob for k in "abc"}, 24), config={"seed": 0})

    @cached_property
    def unit_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        x = np.stack([scene(*SCENE_HW, 500 + i) for i in range(24)]).astype(np.float32) / 255
        return x, np.arange(24) % 3

    @cached_property
    def unit(self) -> Diagnosis:
        return diagnose(self.unit_arrays, config={"seed": 0})


@pytest.fixture(scope="session")
def bases(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    return Planted(tmp_path_factory.mktemp("planted"))
