"""The fast path shows the model what a plain two-step pipeline shows it.

Reference: decode at full size with Pillow, ``cv2.resize`` to the target, then one
``cv2.warpAffine`` with the same parameters.  augwise decodes with libjpeg-turbo (at a
reduced DCT scale when allowed), fuses resize and transform into one warp, and
area-averages first when both axes shrink 2x or more: interpolation differences only.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from scipy import stats

from augwise import ImageDataGenerator
from augwise.core.geometry import single_matrix
from augwise.core.params import TransformParams
from tests.conftest import photo

AUG = {"rotation_range": 20, "width_shift_range": 0.2, "height_shift_range": 0.2,
       "shear_range": 0.2, "zoom_range": 0.2, "horizontal_flip": True, "fill_mode": "nearest"}
TARGET = (56, 56)


@pytest.fixture(scope="module")
def photo_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    for k in range(8):
        d = root / f"c{k % 2}"
        d.mkdir(exist_ok=True)
        Image.fromarray(photo(150, 200, seed=k)).save(d / f"p{k}.jpg", quality=95)
    return root


def reference(path: str, p: TransformParams, target: tuple[int, int]) -> np.ndarray:
    with Image.open(path) as img:
        full = np.asarray(img.convert("RGB"))
    th, tw = target
    small = cv2.resize(full, (tw, th), interpolation=cv2.INTER_AREA)
    m = single_matrix(p, th, tw)[:2]
    return cv2.warpAffine(small, m, (tw, th), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE).astype(np.float32)


@pytest.mark.parametrize("target", [TARGET, (120, 90)])
def test_fast_path_matches_a_simple_two_step_reference(photo_tree: Path,
                                                       target: tuple[int, int]) -> None:
    it = ImageDataGenerator(**AUG).flow_from_directory(
        str(photo_tree), target_size=target, batch_size=8, seed=5, workers=0, shuffle=False,
        verbose=False,
    )
    x, _ = it[0]
    params = it.batch_params(0)
    diffs, controls = [], []
    for i, path in enumerate(it.filepaths):
        ref = reference(path, params[i], target)
        diffs.append(np.abs(x[i] - ref).mean())
        other = reference(path, params[(i + 1) % len(params)], target)
        controls.append(np.abs(x[i] - other).mean())
    # interpolation differences only: a couple of grey levels on average ...
    assert max(diffs) < 4.0, diffs
    # ... far below what a different transform changes
    assert min(controls) > 3 * max(diffs), (diffs, controls)


def test_both_axes_shrunk_2x_or_more_are_area_averaged(tmp_path: Path) -> None:
    """A fine checkerboard seen at 1/4 size is grey (antialiased), not a moire."""
    board = ((np.indices((400, 400)).sum(axis=0) % 2) * 255).astype(np.uint8)
    d = tmp_path / "c"
    d.mkdir()
    Image.fromarray(np.stack([board] * 3, -1)).save(d / "board.png")
    gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True)
    it = gen.flow_from_directory(str(tmp_path), target_size=(100, 100), batch_size=1,
                                 seed=0, workers=0, verbose=False)
    x, _ = it[0]
    inner = x[0, 30:70, 30:70]
    assert abs(float(inner.mean()) - 127.5) < 3 and float(inner.std()) < 6


def test_one_axis_shrink_keeps_the_other_axis_sharp(tmp_path: Path) -> None:
    """500x375 -> 224x224 shrinks x by 2.2 but y by 1.7: rows keep their detail."""
    rows = np.zeros((375, 500, 3), np.uint8)
    rows[::6] = 255  # a horizontal line every 6 rows, 3.6 output rows apart
    d = tmp_path / "c"
    d.mkdir()
    Image.fromarray(rows).save(d / "rows.png")
    it = ImageDataGenerator(horizontal_flip=True).flow_from_directory(
        str(tmp_path), target_size=(224, 224), batch_size=1, seed=1, workers=0, verbose=False
    )
    column = it[0][0][0, :, 112, 0]
    assert float(column.max() - column.min()) > 100  # lines still visible


def test_parameter_distributions_same_for_files_and_arrays(photo_tree: Path) -> None:
    gen = ImageDataGenerator(**AUG)
    files = gen.flow_from_directory(str(photo_tree), target_size=TARGET, batch_size=8, seed=9,
                                    workers=0, verbose=False)
    arrays = gen.flow(np.zeros((8, *TARGET, 3), np.uint8), batch_size=8, seed=9, workers=0)
    a, b = files.pipeline.params(0, np.arange(8)), arrays.pipeline.params(0, np.arange(8))
    for field in ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_parameters_follow_the_configured_ranges(photo_tree: Path) -> None:
    it = ImageDataGenerator(**AUG).flow_from_directory(
        str(photo_tree), target_size=TARGET, batch_size=8, seed=2, workers=0, verbose=False
    )
    p = it.pipeline.params(0, np.arange(4000))
    h, w = TARGET
    for values, lo, hi in ((p.theta, -20, 20), (p.tx, -0.2 * w, 0.2 * w),
                           (p.ty, -0.2 * h, 0.2 * h), (p.shear, -0.2, 0.2),
                           (p.zx, 0.8, 1.2), (p.zy, 0.8, 1.2)):
        assert stats.kstest(values, stats.uniform(lo, hi - lo).cdf).pvalue > 1e-3
    assert abs(float(p.flip_horizontal.mean()) - 0.5) < 0.04


@pytest.mark.parametrize("shape", [(6, 80, 96, 3), (6, 28, 28, 1)])
def test_whole_number_float_arrays_give_what_their_uint8_gives(shape: tuple[int, ...]) -> None:
    """Float arrays of uint8 images (``x.astype("float32")``) take the uint8 warp path:
    the batch equals the one of the uint8 array itself."""
    x8 = np.random.default_rng(3).integers(0, 256, size=shape, dtype=np.uint8)
    gen = ImageDataGenerator(rescale=1 / 255, **AUG)
    a = gen.flow(x8, batch_size=6, shuffle=False, seed=4)[0]
    b = gen.flow(x8.astype(np.float32), batch_size=6, shuffle=False, seed=4)[0]
    assert b.dtype == np.float32
    np.testing.assert_array_equal(a, b)


def test_fractional_float_arrays_stay_float() -> None:
    """Data that is not whole numbers is warped in float (no rounding to grey levels)."""
    x = np.random.default_rng(5).random((4, 80, 96, 3)).astype(np.float32) * 255
    gen = ImageDataGenerator(**AUG)
    it = gen.flow(x, batch_size=4, shuffle=False, seed=1)
    assert it.pipeline.work_dtype == np.float32
    out = it[0]
    assert not np.array_equal(out, np.rint(out))
