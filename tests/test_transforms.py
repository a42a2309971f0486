"""Conformance of every transform: purity, dtypes and shapes, determinism, bounds,
serialisation."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from augwise import AugmentConfig, ImageDataGenerator, TransformParams
from augwise.core.policies import BINS, OPS, op_value

TRANSFORMS: dict[str, dict[str, Any]] = {
    "rotation": {"rotation_range": 30},
    "width_shift_frac": {"width_shift_range": 0.2},
    "height_shift_frac": {"height_shift_range": 0.25},
    "width_shift_int": {"width_shift_range": 3},
    "height_shift_list": {"height_shift_range": [1.0, 2.0]},
    "shear": {"shear_range": 20},
    "zoom": {"zoom_range": 0.3},
    "zoom_pair": {"zoom_range": (0.6, 0.9)},
    "channel_shift": {"channel_shift_range": 30.0},
    "brightness": {"brightness_range": (0.5, 1.5)},
    "horizontal_flip": {"horizontal_flip": True},
    "vertical_flip": {"vertical_flip": True},
    "fill_constant": {"rotation_range": 30, "fill_mode": "constant", "cval": 9.0},
    "fill_reflect": {"zoom_range": (1.3, 1.5), "fill_mode": "reflect"},
    "fill_wrap": {"width_shift_range": 0.4, "fill_mode": "wrap"},
    "trivialaugment": {"policy": "trivialaugment"},
    "randaugment": {"policy": "randaugment", "policy_num_ops": 3, "policy_magnitude": 20},
}
H, W = 18, 26


def _image(dtype: str, data_format: str, channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, size=(H, W, channels)).astype(dtype)
    if dtype == "float32":
        img = img / np.float32(255.0)
    return img.transpose(2, 0, 1).copy() if data_format == "channels_first" else img


@pytest.mark.parametrize("name", TRANSFORMS)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pure_same_shape_dtype_and_deterministic(name: str, dtype: str, data_format: str) -> None:
    gen = ImageDataGenerator(data_format=data_format, **TRANSFORMS[name])
    x = _image(dtype, data_format)
    before = x.copy()
    outs = [gen.random_transform(x, seed=s) for s in (1, 1, 2)]
    np.testing.assert_array_equal(x, before)  # input untouched
    for out in outs:
        assert out.shape == x.shape and out.dtype == x.dtype
        assert not np.shares_memory(out, x)
    np.testing.assert_array_equal(outs[0], outs[1])  # same seed, same output
    params = gen.get_random_transform(x.shape, seed=1)
    np.testing.assert_array_equal(gen.apply_transform(x, params), outs[0])
    if dtype == "float32" and "cval" not in TRANSFORMS[name]:
        assert outs[2].min() >= 0.0 and outs[2].max() <= 1.0  # value range respected


@pytest.mark.parametrize("name", TRANSFORMS)
def test_flow_batches_shape_dtype_and_no_mutation(name: str) -> None:
    x = np.stack([_image("uint8", "channels_last", seed=i) for i in range(10)])
    before = x.copy()
    y = np.arange(10)
    gen = ImageDataGenerator(rescale=1 / 255, **TRANSFORMS[name])
    a = gen.flow(x, y, batch_size=4, seed=3)
    b = gen.flow(x, y, batch_size=4, seed=3)
    xa, ya = a[1]
    xb, yb = b[1]
    assert xa.shape == (4, H, W, 3) and xa.dtype == np.float32
    np.testing.assert_array_equal(xa, xb)
    np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(x, before)
    raw = ImageDataGenerator(output_dtype="uint8", **TRANSFORMS[name]).flow(x, y, batch_size=4)
    assert raw[0][0].dtype == np.uint8
    cf = ImageDataGenerator(data_format="channels_first", **TRANSFORMS[name])
    xc, _ = cf.flow(x.transpose(0, 3, 1, 2), y, batch_size=4, seed=3)[1]
    assert xc.shape == (4, 3, H, W)


def _draws(name: str, n: int = 300) -> tuple[AugmentConfig, list[TransformParams]]:
    gen = ImageDataGenerator(**TRANSFORMS[name])
    x = np.zeros((n, H, W, 3), np.uint8)
    it = gen.flow(x, batch_size=n, shuffle=False, seed=5)
    return gen.config, it.batch_params(0)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_params_within_bounds(name: str) -> None:
    cfg, draws = _draws(name)
    wshift = cfg.width_shift_range
    hshift = cfg.height_shift_range

    def shift_limit(r: Any, extent: int) -> float:
        if isinstance(r, tuple):
            m = max(r) if r else 0.0
            return m * extent if m < 1 else m
        if isinstance(r, int):
            return float(max(r - 1, 0))
        return r * extent if r < 1 else r

    for p in draws:
        assert abs(p.theta) <= cfg.rotation_range
        assert abs(p.tx) <= shift_limit(wshift, W) + 1e-9
        assert abs(p.ty) <= shift_limit(hshift, H) + 1e-9
        assert abs(p.shear) <= cfg.shear_range
        assert cfg.zoom_range[0] <= p.zx <= cfg.zoom_range[1]
        assert cfg.zoom_range[0] <= p.zy <= cfg.zoom_range[1]
        assert cfg.horizontal_flip or not p.flip_horizontal
        assert cfg.vertical_flip or not p.flip_vertical
        if cfg.channel_shift_range:
            assert isinstance(p.channel_shift_intensity, tuple)
            assert len(p.channel_shift_intensity) == 3
            assert all(abs(v) <= cfg.channel_shift_range for v in p.channel_shift_intensity)
        else:
            assert p.channel_shift_intensity is None
        if cfg.brightness_range is not None:
            assert p.brightness is not None
            assert cfg.brightness_range[0] <= p.brightness <= cfg.brightness_range[1]
        if cfg.policy is not None:
            count = 1 if cfg.policy == "trivialaugment" else cfg.policy_num_ops
            assert len(p.policy_ops) == count
            for op, v in p.policy_ops:
                assert op in OPS
                top = abs(op_value(cfg.policy, op, BINS - 1, False))
                bottom = abs(op_value(cfg.policy, op, 0, False))
                assert min(top, bottom) - 1e-9 <= abs(v) <= max(top, bottom) + 1e-9
        else:
            assert p.policy_ops == ()
    # draws are actually random where a range is set
    if cfg.rotation_range:
        assert len({round(p.theta, 6) for p in draws}) > 250
    if cfg.horizontal_flip:
        share = np.mean([p.flip_horizontal for p in draws])
        assert 0.35 < share < 0.65


def test_int_and_list_shift_forms_follow_keras_meaning() -> None:
    _, draws = _draws("width_shift_int", 2000)
    assert {p.tx for p in draws} == {-2.0, -1.0, 0.0, 1.0, 2.0}
    _, draws = _draws("height_shift_list", 2000)
    assert {p.ty for p in draws} == {-2.0, -1.0, 1.0, 2.0}


def test_policy_draws_cover_every_op() -> None:
    _, draws = _draws("trivialaugment", 2000)
    assert {op for p in draws for op, _ in p.policy_ops} == set(OPS)


@pytest.mark.parametrize("name", TRANSFORMS)
def test_serialise_round_trip(name: str) -> None:
    cfg = AugmentConfig(**TRANSFORMS[name])
    assert AugmentConfig.from_json(cfg.to_json()) == cfg
    assert AugmentConfig.from_yaml(cfg.to_yaml()) == cfg
    assert AugmentConfig.from_yaml(cfg.to_yaml(only_changes=True)) == cfg
    _, draws = _draws(name, 20)
    for p in draws:
        data = json.loads(json.dumps(p.to_dict()))
        assert TransformParams.from_dict(data) == p


def test_replayed_params_reproduce_the_batch() -> None:
    x = np.stack([_image("uint8", "channels_last", seed=i) for i in range(6)])
    gen = ImageDataGenerator(rotation_range=20, zoom_range=0.2, channel_shift_range=20,
                             policy="randaugment", output_dtype="uint8")
    it = gen.flow(x, batch_size=6, shuffle=True, seed=9)
    batch = it[0]
    order = it.order(0)[:6]
    for row, (j, p) in enumerate(zip(order, it.batch_params(0), strict=True)):
        np.testing.assert_array_equal(gen.apply_transform(x[j], p), batch[row])


@pytest.mark.parametrize("shape", [(9, 28, 28, 1), (9, 70, 90, 3)])
def test_a_sample_does_not_depend_on_its_batch(shape: tuple[int, ...]) -> None:
    """Small images are warped a mosaic at a time: a sample's output is the same whatever
    the batch size and its position in the batch, and replays exactly, also from a float
    array of whole numbers (warped as uint8)."""
    x = np.random.default_rng(2).integers(0, 256, size=shape, dtype=np.uint8)
    gen = ImageDataGenerator(rotation_range=30, width_shift_range=0.2, zoom_range=0.3,
                             shear_range=10, horizontal_flip=True)
    a = gen.flow(x, batch_size=9, shuffle=False, seed=5)[0]
    it4 = gen.flow(x, batch_size=4, shuffle=False, seed=5)
    b = np.concatenate([it4[i] for i in range(len(it4))])
    np.testing.assert_array_equal(a, b)
    xf = x.astype(np.float32)
    it = gen.flow(xf, batch_size=9, shuffle=False, seed=5)
    np.testing.assert_array_equal(it[0], a)
    for j, p in enumerate(it.batch_params(0)):
        np.testing.assert_array_equal(gen.apply_transform(xf[j], p), a[j])
