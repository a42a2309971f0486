"""Two-stage resampling: an anti-aliasing reduce, then the warp; the cache keeps the
reduced image.  Fidelity is measured against an area-averaged (identity) or a 4x
supersampled (augmented) reference, and compared with what Keras does (Pillow's resize,
then a bilinear transform)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator
from augwise.bench.quality import psnr, reference_augmented, reference_identity
from augwise.core.geometry import resize_matrix, single_matrix
from augwise.core.kernels import area_reduce

TARGET = (224, 224)
FILTERS = {
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "box": Image.Resampling.BOX,
    "hamming": Image.Resampling.HAMMING,
    "lanczos": Image.Resampling.LANCZOS,
}


def zone_plate(h: int, w: int, channels: int = 3) -> np.ndarray:
    """Rings whose frequency rises towards the corners: aliasing shows as moire."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r2 = (xx - w / 2) ** 2 + (yy - h / 2) ** 2
    k = np.pi / (2.0 * max(h, w))
    base = 127.5 + 120 * np.cos(k * r2)
    img = np.stack([base, np.roll(base, 7, axis=1), 255 - base][:channels], axis=-1)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def big_tree(tmp_path: Path) -> Path:
    root = tmp_path / "big"
    (root / "a").mkdir(parents=True)
    for i in range(4):
        img = np.roll(zone_plate(375, 500), 11 * i, axis=1)
        Image.fromarray(img).save(root / "a" / f"{i}.png")
    return root


def _files(root: Path) -> list[str]:
    return sorted(str(p) for p in root.glob("a/*.png"))


def _flow(root: Path, interpolation: str, **config: object):
    return ImageDataGenerator(**config).flow_from_directory(  # type: ignore[arg-type]
        str(root), target_size=TARGET, batch_size=4, shuffle=False, seed=3,
        interpolation=interpolation, class_mode=None, verbose=False,
    )


def test_nearest_samples_the_pixel_under_each_centre_as_pillow(big_tree: Path) -> None:
    x = _flow(big_tree, "nearest", dtype="uint8")[0]
    for i, f in enumerate(_files(big_tree)):
        want = np.asarray(Image.open(f).resize(TARGET[::-1], Image.Resampling.NEAREST))
        np.testing.assert_array_equal(x[i], want)


@pytest.mark.parametrize("interpolation", sorted(FILTERS))
def test_identity_at_least_as_faithful_as_keras_resize(big_tree: Path,
                                                       interpolation: str) -> None:
    x = _flow(big_tree, interpolation, dtype="uint8")[0]
    ours, keras = [], []
    for i, f in enumerate(_files(big_tree)):
        ref = reference_identity(f, TARGET)
        pil = np.asarray(Image.open(f).resize(TARGET[::-1], FILTERS[interpolation]))
        ours.append(psnr(x[i], ref))
        keras.append(psnr(pil, ref))
    assert np.mean(ours) >= np.mean(keras), (ours, keras)


AUGMENT = {"rotation_range": 20, "zoom_range": 0.2, "width_shift_range": 0.1,
           "shear_range": 5, "horizontal_flip": True, "fill_mode": "reflect"}


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
def test_augmented_more_faithful_than_one_warp_or_resize_then_warp(
    big_tree: Path, interpolation: str
) -> None:
    it = _flow(big_tree, interpolation, dtype="uint8", **AUGMENT)
    x = it[0]
    params = it.batch_params(0)
    ours, single, two = [], [], []
    for i, f in enumerate(_files(big_tree)):
        m = single_matrix(params[i], *TARGET)
        ref = reference_augmented(f, m, "reflect", 0.0, TARGET)
        full = np.asarray(Image.open(f))
        fit = resize_matrix((0.0, 0.0, 500.0, 375.0), *TARGET)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        one = cv2.warpAffine(full, (fit @ m)[:2], TARGET[::-1], flags=flags,
                             borderMode=cv2.BORDER_REFLECT)
        resized = np.asarray(Image.open(f).resize(
            TARGET[::-1], FILTERS.get(interpolation, Image.Resampling.NEAREST)))
        then = cv2.warpAffine(resized, m[:2], TARGET[::-1], flags=flags,
                              borderMode=cv2.BORDER_REFLECT)
        ours.append(psnr(x[i], ref))
        single.append(psnr(one, ref))
        two.append(psnr(then, ref))
    assert np.mean(ours) > np.mean(single) + 1.0, (ours, single)
    assert np.mean(ours) >= np.mean(two), (ours, two)


@pytest.mark.parametrize("cache", ["memory", "disk"])
def test_cache_holds_the_reduced_image_and_batches_are_identical(
    big_tree: Path, tmp_path: Path, cache: str
) -> None:
    where = "memory" if cache == "memory" else str(tmp_path / "cache")
    plain = _flow(big_tree, "bilinear", **AUGMENT)
    cached = ImageDataGenerator(**AUGMENT).flow_from_directory(  # type: ignore[arg-type]
        str(big_tree), target_size=TARGET, batch_size=4, shuffle=False, seed=3,
        interpolation="bilinear", class_mode=None, verbose=False, cache=where,
    )
    for epoch in range(2):
        a = next(iter(plain.epoch_batches(epoch)))
        b = next(iter(cached.epoch_batches(epoch)))
        np.testing.assert_array_equal(a, b)
    info = cached.cache_info()
    side = int(np.ceil(224 / 0.8 - 1e-6))  # zoom down to 0.8 magnifies 1.25x
    per_image = side * side * 3
    assert info["entries"] == 4
    assert per_image <= info["bytes"] / info["entries"] < per_image + 1024
    assert info["bytes"] / info["entries"] < 500 * 375 * 3 / 2


def test_reduce_is_off_for_point_sampling(big_tree: Path) -> None:
    it = _flow(big_tree, "nearest", interpolation_order=0, **AUGMENT)
    x = it[0]
    values = set(np.unique(np.asarray(Image.open(_files(big_tree)[0]))[:, :, 0]).tolist())
    assert set(np.unique(x[0][:, :, 0]).astype(int).tolist()) <= values


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_area_reduce_close_to_inter_area(dtype: type, channels: int) -> None:
    img = zone_plate(375, 500, min(channels, 3))
    if channels == 4:
        img = np.concatenate([img, img[:, :, :1]], axis=-1)
    src = img.astype(dtype)
    out = area_reduce(src, (224, 224))
    assert out.shape == (224, 224, channels) and out.dtype == src.dtype
    ref = cv2.resize(src, (224, 224), interpolation=cv2.INTER_AREA).reshape(out.shape)
    one = cv2.resize(src, (224, 224), interpolation=cv2.INTER_LINEAR).reshape(out.shape)
    assert psnr(out, ref) > psnr(one, ref) + 5


def test_area_reduce_exact_ratio_is_inter_area_and_equal_size_is_a_copy() -> None:
    src = zone_plate(300, 400)
    np.testing.assert_array_equal(
        area_reduce(src, (100, 200)),
        cv2.resize(src, (200, 100), interpolation=cv2.INTER_AREA),
    )
    np.testing.assert_array_equal(area_reduce(src, (300, 400)), src)


def test_area_reduce_fast_averages_only_where_bilinear_would_skip_pixels() -> None:
    src = zone_plate(375, 500)
    # under 2x on both axes: one bilinear resize
    np.testing.assert_array_equal(
        area_reduce(src, (280, 280), exact=False),
        cv2.resize(src, (280, 280), interpolation=cv2.INTER_LINEAR),
    )
    # 2.2x across: the same 2-pixel average as the exact rule; rows differ (1.7x: 1 vs 2)
    fast, exact = area_reduce(src, (224, 224), exact=False), area_reduce(src, (224, 224))
    ref = cv2.resize(src, (224, 224), interpolation=cv2.INTER_AREA)
    lin = cv2.resize(src, (224, 224), interpolation=cv2.INTER_LINEAR)
    assert psnr(lin, ref) < psnr(fast, ref) < psnr(exact, ref)


def test_frames_of_many_sizes_match_a_fresh_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-size geometry a file pipeline remembers (and forgets past its bound) gives
    the batches it gives when computed afresh for every image."""
    from augwise.loader import pipeline
    from tests.conftest import photo

    for k, (h, w) in enumerate([(40, 60), (61, 45), (90, 90), (33, 120), (70, 52)]):
        (tmp_path / f"c{k % 2}").mkdir(exist_ok=True)
        Image.fromarray(photo(h, w, seed=k)).save(tmp_path / f"c{k % 2}" / f"{k}.png")
    cfg = {"rotation_range": 20, "zoom_range": (0.5, 2.5), "fill_mode": "constant"}

    def batches() -> list[np.ndarray]:
        out = []
        for kw in ({}, {"keep_aspect_ratio": True}, {"cache": "memory"}):
            it = ImageDataGenerator(**cfg).flow_from_directory(
                str(tmp_path), target_size=(24, 32), batch_size=5, seed=1, shuffle=False,
                verbose=False, **kw)
            out += [it[0][0], it.epoch_batches(1).__next__()[0]]
            it.close()
        return out

    remembered = batches()
    monkeypatch.setattr(pipeline, "_MAX_FRAMES", 1)  # forgets at every new size
    forgotten = batches()
    computed = pipeline.FilePipeline._make_frame
    monkeypatch.setattr(pipeline.FilePipeline, "_frame", computed)  # never remembers
    fresh = batches()
    for a, b, c in zip(remembered, forgotten, fresh, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
