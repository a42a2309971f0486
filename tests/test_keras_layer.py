"""The Keras 3 layer against the engine (torch backend here; jax in a subprocess).

Tolerances and power:
- fixed parameters: the layer's bilinear warp equals the engine's within 0.3 (0..255
  scale) on a smooth image whose steepest gradient is ~15 per pixel: OpenCV quantises
  source positions to 1/32 px (error <= gradient / 64 ~ 0.23) and Keras works in float32.
  Under ``constant``/``wrap`` only pixels whose source lies inside the image are compared:
  in the one-pixel band outside it Keras blends with the fill, the engine takes it whole.
- distributions: two-sample KS tests at alpha = 1e-3, N = 2000 draws per parameter and
  N = 300 images per pixel statistic; ``test_ks_power`` computes (Monte Carlo) the power
  to see a shift of 10 % of a uniform parameter's range at N = 2000 and a 0.5 SD shift of
  a normal statistic at N = 300.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import pytest
from keras import ops
from scipy import stats

from augwise import AugmentConfig, ImageDataGenerator
from augwise.core.geometry import single_matrix, transform_matrices
from augwise.core.params import BatchParams, TransformParams
from augwise.core.sampling import params_from_uniforms
from augwise.core.transforms import SLOTS, TRANSFORMS
from augwise.keras import ImageDataAugmentation
from augwise.keras_layer.ops import augment, matrices

ALPHA = 1e-3
N_PARAMS = 2000
N_IMAGES = 300
CASES = [(s, v) for s in TRANSFORMS if s.kind != "policy" for v in s.test_values]
POLICY_CASES = [v for s in TRANSFORMS if s.kind == "policy" for v in s.test_values]


def _smooth(h: int = 20, w: int = 24) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return np.stack([100 + 60 * np.sin(xx / 4), 120 + 50 * np.cos(yy / 5),
                     3 * xx + 2 * yy + 40], axis=-1).astype(np.float32)


def _tensors(p: TransformParams) -> dict[str, object]:
    out: dict[str, object] = {k: ops.convert_to_tensor(np.float32([getattr(p, k)]))
                              for k in ("theta", "tx", "ty", "shear", "zx", "zy")}
    for k in ("flip_horizontal", "flip_vertical"):
        out[k] = ops.convert_to_tensor(np.array([getattr(p, k)]))
    if p.channel_shift_intensity is not None:
        out["channel_shift"] = ops.convert_to_tensor(np.float32([p.channel_shift_intensity]))
    if p.brightness is not None:
        out["brightness"] = ops.convert_to_tensor(np.float32([p.brightness]))
    return out


FIXED = TransformParams(theta=17.0, tx=2.5, ty=-1.5, shear=8.0, zx=0.9, zy=1.1,
                        flip_horizontal=True, channel_shift_intensity=(10.0, -5.0, 3.0),
                        brightness=1.1)


@pytest.mark.parametrize("fill_mode", ["nearest", "reflect", "constant", "wrap"])
def test_fixed_params_match_engine(fill_mode: str) -> None:
    img = _smooth()
    cfg = AugmentConfig(rotation_range=1, channel_shift_range=1, brightness_range=(0.9, 1.1),
                        fill_mode=fill_mode, cval=7.0)
    engine = ImageDataGenerator(**cfg.non_default_dict()).apply_transform(img, FIXED)
    layer = np.asarray(augment(ops.convert_to_tensor(img[None]), _tensors(FIXED), cfg,
                               (0.0, 255.0)))[0]
    diff = np.abs(layer - engine)
    if fill_mode in ("constant", "wrap"):
        h, w = img.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        src = single_matrix(FIXED, h, w) @ np.stack([xx.ravel(), yy.ravel(), np.ones(h * w)])
        inside = ((src[0] >= 0) & (src[0] <= w - 1) & (src[1] >= 0) & (src[1] <= h - 1))
        assert inside.mean() > 0.6
        diff = diff.reshape(h * w, -1)[inside]
    assert diff.max() <= 0.3, diff.max()


def test_matrices_are_the_engines() -> None:
    rng = np.random.default_rng(0)
    n, h, w = 16, 20, 30
    p = BatchParams(theta=rng.uniform(-45, 45, n), tx=rng.uniform(-5, 5, n),
                    ty=rng.uniform(-5, 5, n), shear=rng.uniform(-20, 20, n),
                    zx=rng.uniform(0.7, 1.3, n), zy=rng.uniform(0.7, 1.3, n),
                    flip_horizontal=rng.random(n) < 0.5, flip_vertical=rng.random(n) < 0.5,
                    channel_shift=None, brightness=None)
    t = {k: ops.convert_to_tensor(np.asarray(getattr(p, k), np.float32))
         for k in ("theta", "tx", "ty", "shear", "zx", "zy")}
    t |= {k: ops.convert_to_tensor(np.asarray(getattr(p, k)))
          for k in ("flip_horizontal", "flip_vertical")}
    np.testing.assert_allclose(np.asarray(matrices(t, h, w)), transform_matrices(p, h, w),
                               atol=1e-4)


def _columns(params: dict[str, object]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for k, v in params.items():
        if v is None:
            continue
        a = np.asarray(v, dtype=np.float64)
        for j in range(a.shape[1] if a.ndim == 2 else 1):
            out[f"{k}[{j}]" if a.ndim == 2 else k] = a[:, j] if a.ndim == 2 else a
    return out


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return 1.0 if a[0] == b[0] else 0.0
    return float(stats.ks_2samp(a, b).pvalue)


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "values"), CASES,
                         ids=[f"{s.name}={v[s.name]}" for s, v in CASES])
def test_distributions_match_engine(spec, values: dict[str, object]) -> None:
    cfg = AugmentConfig(**values)
    h, w, c = 12, 14, 3
    layer = ImageDataAugmentation(cfg, seed=11)
    ours = _columns(layer.draw(N_PARAMS, h, w, c))
    theirs = _columns(vars(params_from_uniforms(
        cfg, np.random.default_rng(5).random((N_PARAMS, SLOTS)), h, w, c)))
    for name in spec.params:
        keys = [k for k in theirs if k.split("[")[0] == name]
        assert keys and set(keys) <= set(ours), name
        for k in keys:
            assert _ks(ours[k], theirs[k]) > ALPHA, (k, ours[k][:5], theirs[k][:5])
    img = _smooth(h, w).round()
    x = np.repeat(img[None], N_IMAGES, axis=0)
    out_l = np.rint(np.asarray(layer(x, training=True)))
    out_e = next(ImageDataGenerator(**values).flow(x, batch_size=N_IMAGES, shuffle=False,
                                                   seed=3))
    # statistics on the 0..255 grid: a mean's sub-level interpolation differences (within
    # the fixed-parameter tolerance) are not a difference of distribution
    for stat in (lambda o: o[:, 3, 4, 0], lambda o: o[:, 8, 2, 1], lambda o: o.mean((1, 2, 3))):
        assert _ks(np.rint(stat(out_l)), np.rint(stat(out_e))) > ALPHA


def test_ks_power() -> None:
    """Power of the KS tests above, computed by simulation (200 repetitions each)."""
    rng = np.random.default_rng(0)

    def power(n: int, sample: object, shift: float) -> float:
        hits = sum(stats.ks_2samp(sample(n), sample(n) + shift).pvalue < ALPHA  # type: ignore[operator]
                   for _ in range(200))
        return hits / 200

    param_power = power(N_PARAMS, lambda n: rng.uniform(0, 1, n), 0.1)
    pixel_power = power(N_IMAGES, lambda n: rng.normal(0, 1, n), 0.5)
    assert param_power >= 0.99 and pixel_power >= 0.9, (param_power, pixel_power)


@pytest.mark.parametrize("values", POLICY_CASES)
def test_policies_refused(values: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"policy=.*ImageDataGenerator"):
        ImageDataAugmentation(values)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"rescale": 1 / 255}, "Rescaling"),
    ({"interpolation_order": 3}, "interpolation_order=3"),
    ({"keras_compat": True}, "keras_compat"),
    ({"data_format": "nhwc"}, "data_format"),
    ({"value_range": (1.0, 0.0)}, "value_range"),
    ({"rotation_range": -3}, "rotation_range"),
])
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ImageDataAugmentation(**kwargs)  # type: ignore[arg-type]


def test_identity_unless_training() -> None:
    x = np.random.default_rng(0).uniform(0, 255, (3, 10, 10, 3)).astype(np.float32)
    layer = ImageDataAugmentation({"rotation_range": 40, "brightness_range": [0.5, 1.5]}, seed=1)
    for training in (False, None, 0):
        np.testing.assert_array_equal(np.asarray(layer(x, training=training)), x)
    assert not np.allclose(np.asarray(layer(x, training=True)), x)


def test_wrong_rank_and_empty_batch() -> None:
    layer = ImageDataAugmentation(rotation_range=30, seed=0)
    with pytest.raises(ValueError, match=r"rank 3 \(one image\) or 4.*x\[\.\.\., None\]"):
        layer(np.zeros((9, 11), np.float32), training=True)
    empty = np.zeros((0, 9, 11, 3), np.float32)
    assert tuple(layer(empty, training=True).shape) == (0, 9, 11, 3)


def test_channels_first_and_single_image() -> None:
    x = np.random.default_rng(1).uniform(0, 255, (2, 9, 11, 3)).astype(np.float32)
    last = ImageDataAugmentation(rotation_range=30, horizontal_flip=True, seed=4)
    first = ImageDataAugmentation(rotation_range=30, horizontal_flip=True, seed=4,
                                  data_format="channels_first")
    a = np.asarray(last(x, training=True))
    b = np.asarray(first(x.transpose(0, 3, 1, 2), training=True))
    np.testing.assert_allclose(b.transpose(0, 2, 3, 1), a, atol=1e-4)
    assert tuple(last(x[0], training=True).shape) == (9, 11, 3)


def test_keras_round_trip(tmp_path: Path) -> None:
    layer = ImageDataAugmentation({"zoom_range": [0.8, 1.1]}, seed=7,
                                  width_shift_range=[1.0, 2.0], fill_mode="reflect")
    model = keras.Sequential([keras.Input((8, 8, 1)), layer])
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    again = loaded.layers[0]
    assert isinstance(again, ImageDataAugmentation)
    assert again.config == layer.config and again.seed == 7
    x = np.arange(128, dtype=np.float32).reshape(2, 8, 8, 1)
    np.testing.assert_allclose(np.asarray(again(x, training=True)),
                               np.asarray(layer(x, training=True)), atol=1e-5)


def test_model_trains_on_torch() -> None:
    model = keras.Sequential([
        keras.Input((8, 8, 3)),
        ImageDataAugmentation(rotation_range=20, horizontal_flip=True, channel_shift_range=10,
                              seed=0),
        keras.layers.Rescaling(1 / 255), keras.layers.Flatten(), keras.layers.Dense(2),
    ])
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = np.random.default_rng(0).uniform(0, 255, (4, 8, 8, 3)).astype(np.float32)
    history = model.fit(x, np.array([0, 1, 0, 1]), epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(float(history.history["loss"][0]))


_JAX_SCRIPT = """
import numpy as np, keras
from augwise import AugmentConfig, ImageDataGenerator
from augwise.keras import ImageDataAugmentation
layer = ImageDataAugmentation(rotation_range=30, width_shift_range=3, zoom_range=0.2, seed=2)
d = layer.draw(4000, 16, 16, 3)
theta = np.asarray(d["theta"])
assert abs(theta.mean()) < 1.0 and 0 < theta.max() <= 30, theta
assert set(np.unique(np.asarray(d["tx"]))) <= {-2.0, -1.0, 0.0, 1.0, 2.0}
model = keras.Sequential([keras.Input((16, 16, 3)), layer, keras.layers.Flatten(),
                          keras.layers.Dense(2)])
model.compile("sgd", "mse", jit_compile=True)
x = np.random.default_rng(0).uniform(0, 255, (8, 16, 16, 3)).astype("float32")
loss = model.fit(x, np.zeros((8, 2)), epochs=1, batch_size=4, verbose=0).history["loss"][0]
assert np.isfinite(loss)
cfg = AugmentConfig(rotation_range=1)
from augwise.core.params import TransformParams
from augwise.keras_layer.ops import augment
from keras import ops
yy, xx = np.mgrid[0:16, 0:16].astype("float32")
img = np.stack([3 * xx + 40, 2 * yy + 50, xx + yy], -1) + 0.37  # not whole: no uint8 path
p = TransformParams(theta=12.0, tx=1.5)
t = {k: ops.convert_to_tensor(np.float32([getattr(p, k)]))
     for k in ("theta", "tx", "ty", "shear", "zx", "zy")}
t |= {k: ops.convert_to_tensor(np.array([False])) for k in ("flip_horizontal", "flip_vertical")}
eng = ImageDataGenerator(rotation_range=1, fill_mode="nearest").apply_transform(img, p)
ours = np.asarray(augment(ops.convert_to_tensor(img[None]), t,
                          cfg.replace(fill_mode="nearest"), (0.0, 255.0)))[0]
assert np.abs(ours - eng).max() <= 0.3, np.abs(ours - eng).max()
print("jax ok", keras.backend.backend())
"""


@pytest.mark.slow
def test_jax_backend_in_subprocess() -> None:
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    run = subprocess.run([sys.executable, "-c", _JAX_SCRIPT], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "jax ok jax" in run.stdout
