"""Every transform through ``random_transform`` and ``flow`` with each dtype, layout and
fill mode; the draws' distributions and replay (tests/test_conformance.py holds the
registry-wide conformance suite)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from augwise import ImageDataGenerator, TransformParams
from augwise.core.policies import OPS
from augwise.core.transforms import TRANSFORMS as REGISTRY

# every registered transform's test values, and the fill modes around them
TRANSFORMS: dict[str, dict[str, Any]] = {
    **{f"{s.name}-{k}": values for s in REGISTRY for k, values in enumerate(s.test_values)},
    "fill_constant": {"rotation_range": 30, "fill_mode": "constant", "cval": 9.0},
    "fill_reflect": {"zoom_range": (1.3, 1.5), "fill_mode": "reflect"},
    "fill_wrap": {"width_shift_range": 0.4, "fill_mode": "wrap"},
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


def _draws(values: dict[str, Any], n: int = 300) -> list[TransformParams]:
    gen = ImageDataGenerator(**values)
    x = np.zeros((n, H, W, 3), np.uint8)
    return gen.flow(x, batch_size=n, shuffle=False, seed=5).batch_params(0)


def test_draws_are_random_where_a_range_is_set() -> None:
    draws = _draws({"rotation_range": 30})
    assert len({round(p.theta, 6) for p in draws}) > 250
    share = np.mean([p.flip_horizontal for p in _draws({"horizontal_flip": True})])
    assert 0.35 < share < 0.65


def test_int_and_list_shift_forms_follow_keras_meaning() -> None:
    draws = _draws({"width_shift_range": 3}, 2000)
    assert {p.tx for p in draws} == {-2.0, -1.0, 0.0, 1.0, 2.0}
    draws = _draws({"height_shift_range": [1.0, 2.0]}, 2000)
    assert {p.ty for p in draws} == {-2.0, -1.0, 1.0, 2.0}


def test_policy_draws_cover_every_op() -> None:
    draws = _draws({"policy": "trivialaugment"}, 2000)
    assert {op for p in draws for op, _ in p.policy_ops} == set(OPS)


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
