"""``fill_mode="constant"`` has Keras' hard edge in default mode (issue 9, item 15).

Keras (scipy ``affine_transform``, ``mode="constant"``) gives ``cval`` to every output
pixel whose source position lies outside ``[0, W-1] x [0, H-1]`` and interpolates the
others from the image alone: nothing is blended with ``cval``.  augwise used to blend a
one-pixel band at the edge (a 45 degree rotation of ones had values 0.25 and 0.97 there).
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator
from augwise.core.geometry import single_matrix
from augwise.core.kernels import (
    WarpSpec,
    frame_bounds,
    outside_masks,
    warp,
    warp_batch,
    warp_cold,
    warp_framed,
    warp_into,
)


def _rotation(theta_deg: float, h: int, w: int, zoom: float = 1.0,
              shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Output-to-input ``(2, 3)`` matrix: rotation and zoom about the centre, then shift."""
    t = math.radians(theta_deg)
    c, s = math.cos(t) * zoom, math.sin(t) * zoom
    cx, cy = (w - 1) / 2, (h - 1) / 2
    return np.array([[c, -s, cx - c * cx + s * cy + shift[0]],
                     [s, c, cy - s * cx - c * cy + shift[1]]])


def _brute_outside(m: np.ndarray, h: int, w: int, bounds: tuple[float, ...]) -> np.ndarray:
    v, u = np.mgrid[0:h, 0:w].astype(np.float64)
    x = m[0, 0] * u + m[0, 1] * v + m[0, 2]
    y = m[1, 0] * u + m[1, 1] * v + m[1, 2]
    x0, y0, x1, y1 = bounds
    tol = 1e-6
    return (x < x0 - tol) | (x > x1 + tol) | (y < y0 - tol) | (y > y1 + tol)


@pytest.mark.parametrize("size", [8, 31, 32])
@pytest.mark.parametrize("dtype", [np.float32, np.uint8])
def test_rotation_of_ones_has_a_hard_edge(size: int, dtype: type) -> None:
    one = 1 if dtype == np.uint8 else 1.0
    img = np.full((size, size, 1), one, dtype)
    out = ImageDataGenerator(fill_mode="constant", cval=0).apply_transform(img, {"theta": 45})
    assert out[0, 0, 0] == 0 and out[-1, -1, 0] == 0 and out[0, -1, 0] == 0
    assert set(np.unique(out).tolist()) <= {0, one}  # nothing blended with cval
    # exactly the pixels whose source position falls outside the image are cval
    m = _rotation(45, size, size)
    expected_outside = _brute_outside(m, size, size, (0, 0, size - 1, size - 1))
    np.testing.assert_array_equal(out[..., 0] == 0, expected_outside)


def test_matches_keras_outside_pixels() -> None:
    """Same pixels filled as Keras (square images: both rotate about the same centre)."""
    keras_image = pytest.importorskip("keras.src.legacy.preprocessing.image")
    rng = np.random.default_rng(1)
    for _ in range(25):
        n = int(rng.integers(5, 30))
        img = rng.uniform(0, 1, (n, n, 3)).astype(np.float32)
        zoom = float(rng.uniform(0.6, 1.5))
        params = {"theta": float(rng.uniform(-180, 180)), "zx": zoom, "zy": zoom}
        theirs = keras_image.ImageDataGenerator(fill_mode="constant", cval=-1.0)
        ours = ImageDataGenerator(fill_mode="constant", cval=-1.0)
        k = theirs.apply_transform(img, params)
        a = ours.apply_transform(img, params)
        np.testing.assert_array_equal((a == -1).all(axis=2), (k == -1).all(axis=2))
        assert not ((a > -1) & (a < 0)).any()  # no blend of cval and the [0, 1] image
        inside = (a != -1).all(axis=2)
        # the kept pixels differ by OpenCV's 1/32-pixel sampling only
        assert np.abs(a - k)[inside].max() < 0.05


@pytest.mark.parametrize("shape", [(64, 64), (96, 80), (20, 24)])
def test_rotated_mask_has_no_stray_border_pixels(shape: tuple[int, int]) -> None:
    """A {0, 255} mask rotated with cval=0, through flow() (every batch path: per-image
    framed warps for large uint8 images, the batch loop for small ones, float arrays):
    no pixel outside the rotated image is non-zero, and the edge is not blended."""
    h, w = shape
    mask = np.full((4, h, w, 1), 255, np.uint8)
    for x in (mask, mask.astype(np.float32)):
        gen = ImageDataGenerator(rotation_range=60, fill_mode="constant", cval=0)
        it = gen.flow(x, batch_size=4, shuffle=False, seed=3, workers=0)
        batch = it[0]
        assert set(np.unique(batch).tolist()) <= {0.0, 255.0}, np.unique(batch)
        for i, p in enumerate(it.batch_params(0)):
            m = single_matrix(p, h, w)[:2]
            outside = _brute_outside(m, h, w, (0, 0, w - 1, h - 1))
            assert outside.any()
            assert (batch[i, ..., 0][outside] == 0).all()
            assert (batch[i, ..., 0][~outside] == 255).all()


def test_square_in_mask_stays_inside_its_rotation() -> None:
    mask = np.zeros((1, 64, 64, 1), np.uint8)
    mask[0, 16:48, 16:48] = 255
    out = ImageDataGenerator(fill_mode="constant", cval=0).apply_transform(mask[0],
                                                                            {"theta": 30})
    m = _rotation(30, 64, 64)
    v, u = np.mgrid[0:64, 0:64].astype(np.float64)
    x = m[0, 0] * u + m[0, 1] * v + m[0, 2]
    y = m[1, 0] * u + m[1, 1] * v + m[1, 2]
    far = (x < 14.5) | (x > 48.5) | (y < 14.5) | (y > 48.5)  # > 1 px from the square
    assert (out[..., 0][far] == 0).all()


@pytest.mark.parametrize("interp", [cv2.INTER_NEAREST, cv2.INTER_LINEAR, cv2.INTER_CUBIC])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.uint16])
def test_every_kernel_keeps_the_hard_edge(interp: int, dtype: type) -> None:
    """A constant image warped by every kernel: only 200 inside and cval outside, and
    exactly the pixels whose source position falls outside are cval."""
    h, w = 40, 50
    src = np.full((h, w, 3), 200, dtype)
    spec = WarpSpec(interp, cv2.BORDER_CONSTANT, 7.0)
    rng = np.random.default_rng(0)
    mats = [_rotation(float(rng.uniform(-90, 90)), h, w, float(rng.uniform(0.6, 1.6)),
                      (float(rng.uniform(-9, 9)), float(rng.uniform(-9, 9))))
            for _ in range(6)]
    mats.append(np.array([[1.0, 0, 0.5], [0, 1.0, -0.25]]))  # sub-pixel shift
    mats.append(np.array([[1.0, 0, 500.0], [0, 1.0, 0.0]]))  # far outside
    tol = 1e-3 if dtype == np.float32 else 0  # float kernel weights sum to 1 - 1e-7

    def check(out: np.ndarray, outside: np.ndarray) -> None:
        assert (out[outside] == 7).all()  # exactly cval outside
        assert (np.abs(out[~outside].astype(float) - 200) <= tol).all()  # no blend inside

    outs = []
    for m in mats:
        outside = _brute_outside(m, h, w, (0, 0, w - 1, h - 1))
        ref = warp(src, m, (h, w), spec)
        check(ref, outside)
        for kernel in (warp_into, warp_cold, warp_framed):
            out = np.empty_like(src)
            kernel(src, m, out, spec)
            check(out, outside)
        outs.append(outside)
    batch = np.empty((len(mats), h, w, 3), dtype)
    moves = [True] * len(mats)
    warp_batch(np.broadcast_to(src, batch.shape).copy(), np.stack(mats), moves, batch, spec)
    for out, outside in zip(batch, outs, strict=True):
        check(out, outside)


def test_bilinear_constant_equals_replicate_then_fill() -> None:
    """Kept pixels are interpolated from the image alone: the constant-fill warp equals a
    replicate-border warp with the outside pixels set to cval (uint8 and float)."""
    rng = np.random.default_rng(5)
    for dtype in (np.uint8, np.float32):
        src = (rng.random((30, 36, 3)) * 255).astype(dtype)
        for _ in range(10):
            m = _rotation(float(rng.uniform(-180, 180)), 30, 36, float(rng.uniform(0.5, 2)),
                          (float(rng.uniform(-5, 5)), float(rng.uniform(-5, 5))))
            const = warp(src, m, (30, 36), WarpSpec(cv2.INTER_LINEAR, cv2.BORDER_CONSTANT, 3.0))
            rep = warp(src, m, (30, 36), WarpSpec(cv2.INTER_LINEAR, cv2.BORDER_REPLICATE, 0.0))
            outside = _brute_outside(m, 30, 36, (0, 0, 35, 29))
            rep[outside] = 3
            np.testing.assert_array_equal(const, rep)


def test_outside_masks_equal_brute_force() -> None:
    rng = np.random.default_rng(2)
    cases = []
    for _ in range(200):
        h, w = (int(v) for v in rng.integers(1, 40, 2))
        m = _rotation(float(rng.uniform(-180, 180)), h, w, float(rng.uniform(0.3, 3)),
                      (float(rng.uniform(-20, 20)), float(rng.uniform(-20, 20))))
        if rng.random() < 0.2:
            m[0, 1] = rng.uniform(-2, 2)  # shear
        cases.append((m, h, w))
    # exact zeros along a row (90 degree rotations built exactly), pure shifts, flips
    for h, w in ((7, 9), (1, 5), (5, 1)):
        cases += [
            (np.array([[0.0, -1.0, w - 1.0], [1.0, 0.0, 0.0]]), h, w),
            (np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]), h, w),
            (np.array([[1.0, 0.0, 0.3], [0.0, 1.0, -0.7]]), h, w),
            (np.array([[-1.0, 0.0, w - 1.0], [0.0, 1.0, 0.0]]), h, w),
            (np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 3.0]]), h, w),
            (np.array([[1.0, 0.0, 1e6], [0.0, 1.0, 0.0]]), h, w),
        ]
    for m, h, w in cases:
        bounds = (0.0, 0.0, w - 1.0, h - 1.0)
        got = outside_masks(m[None], h, w, bounds)
        brute = _brute_outside(m, h, w, bounds)
        if got is None:
            assert not brute.any()
        else:
            np.testing.assert_array_equal(got[0], brute)
    # the batch form gives each image its own mask
    same = [c for c in cases if c[1:] == (7, 9)]
    stacked = outside_masks(np.stack([c[0] for c in same]), 7, 9, (0.0, 0.0, 8.0, 6.0))
    assert stacked is not None
    for i, (m, h, w) in enumerate(same):
        np.testing.assert_array_equal(stacked[i], _brute_outside(m, h, w, (0, 0, 8, 6)))


def test_identity_and_flips_keep_every_pixel() -> None:
    for m in (np.array([[1.0, 0, 0], [0, 1.0, 0]]), np.array([[-1.0, 0, 9.0], [0, 1.0, 0]]),
              np.array([[1.0, 0, 0], [0, -1.0, 7.0]])):
        assert outside_masks(m[None], 8, 10, (0.0, 0.0, 9.0, 7.0)) is None
    # a 90 degree rotation of a square, computed in floating point, keeps every pixel too
    out = ImageDataGenerator(fill_mode="constant", cval=0).apply_transform(
        np.full((9, 9, 1), 5, np.uint8), {"theta": 90})
    assert (out == 5).all()


def test_frame_bounds_of_a_resize() -> None:
    # 4 target pixels over 8 source pixels: target centres at 0.5, 2.5, 4.5, 6.5
    fit = np.array([[2.0, 0, 0.5], [0, 2.0, 0.5], [0, 0, 1.0]])
    assert frame_bounds(fit, 4, 4) == (0.5, 0.5, 6.5, 6.5)


@pytest.mark.parametrize("target", [(20, 20), (96, 96)])
def test_directory_flow_has_a_hard_edge(tmp_path: Path, target: tuple[int, int]) -> None:
    """Files are resized and transformed in one warp; constant fill keeps the target
    frame (downscale and upscale), and nothing is blended with cval."""
    d = tmp_path / "data" / "a"
    d.mkdir(parents=True)
    for i in range(3):
        Image.fromarray(np.full((40, 40, 3), 255, np.uint8)).save(d / f"{i}.png")
    gen = ImageDataGenerator(rotation_range=45, fill_mode="constant", cval=0)
    it = gen.flow_from_directory(tmp_path / "data", target_size=target, batch_size=3,
                                 class_mode=None, shuffle=False, seed=1, verbose=False)
    batch = it[0]
    assert set(np.unique(batch).tolist()) <= {0.0, 255.0}
    assert (batch == 0).any() and (batch == 255).any()
    # without augmentation, an upscale never shows cval
    plain = ImageDataGenerator(fill_mode="constant", cval=0).flow_from_directory(
        tmp_path / "data", target_size=target, batch_size=3, class_mode=None, verbose=False,
        keep_aspect_ratio=True)
    assert (plain[0] == 255).all()
