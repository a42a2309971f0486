"""The hot-path kernels give exactly what the plain ones give."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from augwise.core.kernels import (
    WarpSpec,
    area_shrink,
    remap_batch,
    shrink_factor,
    shrink_matrix,
    warp,
    warp_batch,
    warp_cold,
    warp_framed,
    warp_into,
)
from augwise.core.sampling import RandomStreams
from augwise.io.decode import ImageDecodeError, read_bytes

BORDERS = {"nearest": cv2.BORDER_REPLICATE, "constant": cv2.BORDER_CONSTANT,
           "reflect": cv2.BORDER_REFLECT, "wrap": cv2.BORDER_WRAP}


def random_matrix(rng: np.random.Generator, h: int, w: int, reach: float) -> np.ndarray:
    th = rng.uniform(-0.6, 0.6)
    s = rng.uniform(0.5, 2.5, size=2)
    m = np.array([[np.cos(th) * s[0], -np.sin(th), 0.0], [np.sin(th), np.cos(th) * s[1], 0.0]])
    m[:, 2] = rng.uniform(-reach, reach, size=2) + np.array([w / 3, h / 3])
    return m


@pytest.mark.parametrize("border", list(BORDERS))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.uint16])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_warp_framed_equals_warp(border: str, dtype: type, channels: int) -> None:
    """Exact for uint8.  For other dtypes OpenCV rounds the sample coordinates in
    floating point, so moving the origin by whole pixels can flip an exact rounding tie:
    a rare pixel reads its other neighbour, everything else is equal up to float error."""
    rng = np.random.default_rng(10 + channels)
    src = (rng.random((70, 90, channels)) * 250).astype(dtype)
    for interp in (cv2.INTER_LINEAR, cv2.INTER_NEAREST, cv2.INTER_CUBIC):
        spec = WarpSpec(interp, BORDERS[border], 7.0)
        for k in range(8):
            m = random_matrix(rng, 70, 90, reach=120)
            if k == 7:  # the sampled box misses the image: the fallback
                m[0, 2] = 500.0
            ref = warp(src, m, (40, 50), spec)
            out = np.empty_like(ref)
            warp_framed(src, m, out, spec)
            if dtype == np.uint8:
                np.testing.assert_array_equal(out, ref)
            else:
                tol = 1.0 if dtype == np.uint16 else 1e-3
                off = np.abs(out.astype(float) - ref.astype(float)) > tol
                assert off.mean() < 0.005, (interp, k, off.mean())


@pytest.mark.parametrize("border", list(BORDERS))
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.uint16])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_warp_cold_equals_warp(border: str, dtype: type, channels: int) -> None:
    rng = np.random.default_rng(channels)
    src = (rng.random((70, 90, channels)) * 250).astype(dtype)
    for interp in (cv2.INTER_LINEAR, cv2.INTER_NEAREST, cv2.INTER_CUBIC):
        spec = WarpSpec(interp, BORDERS[border], 7.0)
        for _ in range(6):
            m = random_matrix(rng, 70, 90, reach=120)
            ref = warp(src, m, (40, 50), spec)
            out = np.empty_like(ref)
            warp_cold(src, m, out, spec)
            np.testing.assert_array_equal(out, ref)
            warp_into(src, m, out, spec)
            np.testing.assert_array_equal(out, ref)


def test_warp_batch_equals_one_by_one() -> None:
    rng = np.random.default_rng(0)
    src = rng.integers(0, 255, (6, 28, 28, 1), dtype=np.uint8)
    m = np.stack([random_matrix(rng, 28, 28, 10) for _ in range(6)])
    moves = [True, False, True, True, False, True]
    spec = WarpSpec()
    out = np.zeros_like(src)
    warp_batch(src, m, moves, out, spec)
    for i in range(6):
        ref = warp(src[i], m[i], (28, 28), spec) if moves[i] else src[i]
        np.testing.assert_array_equal(out[i], ref)


@pytest.mark.parametrize("shape", [(375, 500, 3), (7, 9, 1), (8, 8, 3), (5, 11, 2)])
@pytest.mark.parametrize("f", [2, 3])
def test_area_shrink_averages_blocks(shape: tuple[int, ...], f: int) -> None:
    src = np.random.default_rng(1).integers(0, 255, shape, dtype=np.uint8)
    out = area_shrink(src, f)
    h, w = shape[:2]
    assert out.shape[:2] == (-(-h // f), -(-w // f))
    for y in range(out.shape[0]):
        for x in range(0, out.shape[1], max(1, out.shape[1] // 5)):
            block = src[y * f : (y + 1) * f, x * f : (x + 1) * f].reshape(-1, shape[2])
            np.testing.assert_allclose(out[y, x], block.mean(axis=0), atol=0.51)


def test_shrink_matrix_maps_block_centres() -> None:
    s = shrink_matrix(3)
    # source pixels 0..2 are block 0, centred at source x = 1
    np.testing.assert_allclose(s @ [1.0, 1.0, 1.0], [0.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(s @ [4.0, 7.0, 1.0], [1.0, 2.0, 1.0], atol=1e-12)


def test_shrink_factor_keeps_the_less_reduced_axis() -> None:
    assert shrink_factor(np.diag([2.23, 1.67, 1.0])) == 1  # 500x375 -> 224: no shrink
    assert shrink_factor(np.diag([4.6, 2.1, 1.0])) == 2
    c, s = np.cos(0.4), np.sin(0.4)
    assert shrink_factor(np.array([[3 * c, -3 * s, 0], [3 * s, 3 * c, 0], [0, 0, 1]])) == 3


def test_uniforms_same_rows_whatever_the_batch() -> None:
    streams = RandomStreams(11)
    idx = np.random.default_rng(0).permutation(3000)
    whole = streams.uniforms(2, idx)
    small = np.concatenate([streams.uniforms(2, idx[k : k + 32]) for k in range(0, 3000, 32)])
    np.testing.assert_array_equal(whole, small)
    fresh = RandomStreams(11)
    np.testing.assert_array_equal(fresh.uniforms(2, idx[::-1])[::-1], whole)


def test_read_bytes(tmp_path: Path) -> None:
    data = os.urandom(100_000)
    (tmp_path / "a.bin").write_bytes(data)
    (tmp_path / "empty").write_bytes(b"")
    assert read_bytes(str(tmp_path / "a.bin")) == data
    assert read_bytes(str(tmp_path / "empty")) == b""
    with pytest.raises(ImageDecodeError):
        read_bytes(str(tmp_path / "missing.jpg"))
    with pytest.raises(ImageDecodeError):
        read_bytes(str(tmp_path))


def test_epoch_table_gives_the_same_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import augwise.loader.pipeline as pipeline
    from augwise import ImageDataGenerator

    x = np.random.default_rng(0).integers(0, 255, (300, 28, 28, 1), dtype=np.uint8)
    kw = {"rotation_range": 30, "zoom_range": 0.2, "horizontal_flip": True,
          "channel_shift_range": 20.0, "policy": "trivialaugment"}

    def batches() -> list[np.ndarray]:
        it = ImageDataGenerator(**kw).flow(x, batch_size=32, seed=4, workers=0)
        out = [it[b] for b in range(len(it))]
        it.on_epoch_end()
        out += [it[b] for b in range(len(it))]
        return out

    table = batches()
    monkeypatch.setattr(pipeline, "_TABLE_MAX_SAMPLES", 0)
    plain = batches()
    for a, b in zip(table, plain, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.uint16])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("interp", [cv2.INTER_LINEAR, cv2.INTER_NEAREST])
def test_remap_batch_matches_per_image_warps(dtype: type, channels: int, interp: int) -> None:
    """One remap over a mosaic of small images equals per-image warps with replicated
    edges, up to coordinate rounding: nearly all pixels equal, none far off on a smooth
    image, every image kept to its own tile (no bleeding between neighbours)."""
    rng = np.random.default_rng(channels)
    n, h, w = 40, 28, 24
    yy, xx = np.mgrid[0:h, 0:w]
    smooth = (np.sin(xx / 4.0) + np.cos(yy / 5.0) + 2) * 60
    src = np.stack([smooth * (0.4 + 0.6 * i / n) for i in range(n)])
    src = np.repeat(src[..., None], channels, axis=3).astype(dtype)
    m = np.stack([random_matrix(rng, h, w, reach=30) for _ in range(n)])
    m[0] = [[1, 0, 0], [0, 1, 0]]  # identity: an exact copy
    m[1, :, 2] = [500, -500]  # far outside: every pixel is the replicated corner
    spec = WarpSpec(interp, cv2.BORDER_REPLICATE, 0.0)
    out = np.empty_like(src)
    assert remap_batch(src, m, out, spec)
    ref = np.stack([warp(src[i], m[i], (h, w), spec) for i in range(n)])
    np.testing.assert_array_equal(out[0], src[0])
    np.testing.assert_array_equal(out[1], np.broadcast_to(src[1, 0, w - 1], out[1].shape))
    diff = np.abs(out.astype(float) - ref.astype(float))
    # nearest may pick the neighbouring pixel at a rounding tie: one step of the image
    step = 0.1 if interp == cv2.INTER_NEAREST else 0.05
    assert diff.max() <= step * float(src.max()) and (diff > 1).mean() < 0.02


def test_remap_batch_declines_other_fill_modes() -> None:
    src = np.zeros((3, 8, 8, 1), np.uint8)
    m = np.tile(np.array([[1.0, 0, 0], [0, 1, 0]]), (3, 1, 1))
    out = np.full_like(src, 9)
    for spec in (WarpSpec(cv2.INTER_LINEAR, cv2.BORDER_CONSTANT, 0.0),
                 WarpSpec(cv2.INTER_CUBIC, cv2.BORDER_REPLICATE, 0.0)):
        assert not remap_batch(src, m, out, spec)
        assert (out == 9).all()
