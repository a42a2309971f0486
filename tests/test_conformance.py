"""Conformance of every registered transform and policy op, generated from the registries.

Each case of ``augwise.core.transforms.TRANSFORMS`` (its ``test_values``) runs with and
without ``keras_compat`` through the array (``flow``) and the file
(``flow_from_directory``) pipelines; each op of ``augwise.core.policies.POLICY_OPS``
runs through both pipelines in default mode (policies are refused under
``keras_compat``).  A transform registered without test values fails
:func:`test_every_transform_declares_what_the_suite_needs`.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import AugmentConfig, ImageDataGenerator, TransformParams
from augwise.core.params import BatchParams
from augwise.core.policies import BINS, OPS, POLICIES, POLICY_OPS, op_value
from augwise.core.transforms import TRANSFORM_FIELDS, TRANSFORMS, TransformSpec, spec

H, W, C = 10, 14, 3
N = 6  # images per pipeline
CASES = [
    pytest.param(s.name, values, id=f"{s.name}-{k}")
    for s in TRANSFORMS
    for k, values in enumerate(s.test_values)
]
MODES = [pytest.param(False, id="default"), pytest.param(True, id="keras_compat")]
PIPELINES = ["array", "file"]


def _images(n: int = N, h: int = H, w: int = W, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, h, w, C), dtype=np.uint8)


def _generator(values: dict[str, Any], keras_compat: bool, **extra: Any) -> ImageDataGenerator:
    return ImageDataGenerator(keras_compat=keras_compat, **values, **extra)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """``N`` PNG files in two class folders, and their pixels in the iterator's order."""
    root = tmp_path_factory.mktemp("conformance")
    x = _images()
    for i, img in enumerate(x):
        sub = root / ("a" if i < N // 2 else "b")
        sub.mkdir(exist_ok=True)
        Image.fromarray(img).save(sub / f"{i}.png")
    return root, x


def _iterator(gen: ImageDataGenerator, pipeline: str, folder: tuple[Path, np.ndarray],
              seed: int = 3, shuffle: bool = False) -> tuple[Any, np.ndarray]:
    """A flow over the ``N`` test images: ``(iterator, source images)``."""
    root, x = folder
    if pipeline == "array":
        return gen.flow(x, np.arange(N), batch_size=N, shuffle=shuffle, seed=seed), x
    it = gen.flow_from_directory(root, target_size=(H, W), batch_size=N, shuffle=shuffle,
                                 seed=seed, class_mode="sparse", verbose=False)
    return it, x


def _assert_replays(replayed: np.ndarray, batch_row: np.ndarray, pipeline: str) -> None:
    """Array batches replay exactly; file batches fuse the decode's resize into the warp
    (OpenCV's fixed-point path), so they replay up to interpolation rounding."""
    if pipeline == "array":
        np.testing.assert_array_equal(replayed, batch_row)
    else:
        diff = np.abs(replayed.astype(np.float64) - batch_row.astype(np.float64))
        assert diff.mean() < 1.5, (diff.mean(), diff.max())


def _batch(it: Any) -> np.ndarray:
    out = it[0]
    return np.asarray(out[0] if isinstance(out, tuple) else out)


# -- the registry itself ------------------------------------------------------------


@pytest.mark.parametrize("s", TRANSFORMS, ids=lambda s: s.name)
def test_every_transform_declares_what_the_suite_needs(s: TransformSpec) -> None:
    assert s.test_values, f"transform {s.name} has no test values"
    assert s.search, f"transform {s.name} has no tuner search dimension"
    assert s.applied_by, f"transform {s.name} names no kernel"
    config_fields = {f.name for f in fields(AugmentConfig)}
    assert set(s.fields) <= config_fields
    for values in s.test_values:
        assert set(values) <= set(s.fields), f"{s.name} test values set other arguments"
        cfg = AugmentConfig(**values)
        assert s.active(cfg)
        assert [t.name for t in TRANSFORMS if t.active(cfg)] == [s.name]
    assert not s.active(AugmentConfig())
    if s.identity is not None:
        assert set(s.identity) <= set(s.fields)
    assert spec(s.name) is s


def test_registry_covers_every_parameter_once() -> None:
    drawn = [p for s in TRANSFORMS for p in s.params]
    assert sorted(drawn) == sorted(f.name for f in fields(BatchParams))
    assert len(set(TRANSFORM_FIELDS)) == len(TRANSFORM_FIELDS)
    with pytest.raises(ValueError, match=r"unknown transform 'rotation'.*rotation_range"):
        spec("rotation")


def test_every_policy_op_declares_its_kernel() -> None:
    assert tuple(POLICY_OPS) == OPS
    for name, op in POLICY_OPS.items():
        assert op.name == name
        assert (op.matrix is not None) == (op.kind == "geometric"), name
        assert (op.kernel is not None) == (op.kind == "colour"), name


# -- every transform, both modes, both pipelines --------------------------------------


@pytest.mark.parametrize("name, values", CASES)
@pytest.mark.parametrize("keras_compat", MODES)
@pytest.mark.parametrize("pipeline", PIPELINES)
def test_pipeline_conformance(name: str, values: dict[str, Any], keras_compat: bool,
                              pipeline: str, folder: tuple[Path, np.ndarray]) -> None:
    if keras_compat and spec(name).kind == "policy":
        with pytest.raises(ValueError, match="policy"):
            _generator(values, keras_compat)
        return
    gen = _generator(values, keras_compat)
    it, x = _iterator(gen, pipeline, folder)
    before = x.copy()
    a = _batch(it)
    np.testing.assert_array_equal(x, before)  # input not mutated
    assert a.shape == (N, H, W, C) and a.dtype == np.float32
    b = _batch(_iterator(gen, pipeline, folder)[0])
    np.testing.assert_array_equal(a, b)  # same seed, same output
    assert not np.array_equal(a, _batch(_iterator(gen, pipeline, folder, seed=4)[0]))
    if not keras_compat:
        for j, p in enumerate(it.batch_params(0)):  # batched == one by one
            _assert_replays(gen.apply_transform(x[j], p), a[j].astype(np.uint8), pipeline)
        raw = _batch(_iterator(_generator(values, False, output_dtype="uint8"), pipeline,
                               folder)[0])
        assert raw.dtype == np.uint8
        np.testing.assert_array_equal(raw, a.astype(np.uint8))


@pytest.mark.parametrize("name, values", CASES)
@pytest.mark.parametrize("keras_compat", MODES)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_single_image_conformance(name: str, values: dict[str, Any], keras_compat: bool,
                                  dtype: str) -> None:
    if keras_compat and spec(name).kind == "policy":
        pytest.skip("policies are refused under keras_compat (test_pipeline_conformance)")
    gen = _generator(values, keras_compat)
    x = _images(1)[0].astype(dtype)
    before = x.copy()
    outs = [gen.random_transform(x, seed=s) for s in (1, 1)]
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(outs[0], outs[1])
    params = gen.get_random_transform(x.shape, seed=1)
    np.testing.assert_array_equal(gen.apply_transform(x, params), outs[0])
    for out in outs:
        assert out.shape == x.shape
    if keras_compat:
        return  # Keras' own rules: flips return views, colour casts to float
    for out in outs:
        assert out.dtype == x.dtype and not np.shares_memory(out, x)
    cf = _generator(values, keras_compat, data_format="channels_first")
    assert cf.random_transform(x.transpose(2, 0, 1), seed=1).shape == (C, H, W)


def _draws(values: dict[str, Any], keras_compat: bool, n: int = 200) -> BatchParams:
    """``n`` parameter draws, in default-mode vocabulary."""
    gen = _generator(values, keras_compat)
    if keras_compat:
        swap = {"tx": "ty", "ty": "tx"}  # Keras' tx is vertical, its ty horizontal
        dicts = [gen.get_random_transform((H, W, C), seed=s) for s in range(n)]
        items = [TransformParams.from_dict({swap.get(k, k): v for k, v in d.items()})
                 for d in dicts]
        return BatchParams.stack(items, C)
    it = gen.flow(np.zeros((n, H, W, C), np.uint8), batch_size=n, shuffle=False, seed=5)
    return BatchParams.stack(it.batch_params(0), C)


@pytest.mark.parametrize("name, values", CASES)
@pytest.mark.parametrize("keras_compat", MODES)
def test_parameters_within_bounds(name: str, values: dict[str, Any], keras_compat: bool) -> None:
    s = spec(name)
    if keras_compat and s.kind == "policy":
        pytest.skip("policies are refused under keras_compat")
    cfg = AugmentConfig(**values)
    params = _draws(values, keras_compat)
    limits = s.limits(s.values(cfg), H, W)
    for param, (lo, hi) in limits.items():
        drawn = np.asarray(getattr(params, param), dtype=np.float64)
        assert drawn.min() >= lo - 1e-9 and drawn.max() <= hi + 1e-9, param
        assert drawn.max() > drawn.min(), f"{param} is not random"
    identity = BatchParams.identity(len(params))
    for other in TRANSFORMS:  # the other transforms stay at their identity
        for param in set(other.params) - set(s.params):
            got, want = getattr(params, param), getattr(identity, param)
            if param == "policy_ops":
                assert not got or not any(got)
            elif want is None:
                assert got is None or not np.any(got), param
            else:
                np.testing.assert_array_equal(got, want, err_msg=param)
    if s.kind == "policy":
        count = 1 if cfg.policy == "trivialaugment" else cfg.policy_num_ops
        assert params.policy_ops is not None
        assert all(len(ops) == count for ops in params.policy_ops)
        for ops in params.policy_ops:
            for op, v in ops:
                ends = [abs(op_value(str(cfg.policy), op, b, False)) for b in (0, BINS - 1)]
                assert min(ends) - 1e-9 <= abs(v) <= max(ends) + 1e-9


@pytest.mark.parametrize("name, values", CASES)
def test_serialisation_round_trip(name: str, values: dict[str, Any]) -> None:
    cfg = AugmentConfig(**values)
    assert AugmentConfig.from_dict(cfg.to_dict()) == cfg
    assert AugmentConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    assert AugmentConfig.from_json(cfg.to_json()) == cfg
    assert AugmentConfig.from_yaml(cfg.to_yaml()) == cfg
    assert AugmentConfig.from_yaml(cfg.to_yaml(only_changes=True)) == cfg
    for p in _draws(values, False, 20).to_list():
        assert TransformParams.from_dict(json.loads(json.dumps(p.to_dict()))) == p


@pytest.mark.parametrize("s", [s for s in TRANSFORMS if s.identity is not None],
                         ids=lambda s: s.name)
@pytest.mark.parametrize("keras_compat", MODES)
@pytest.mark.parametrize("pipeline", PIPELINES)
def test_identity_at_zero_strength(s: TransformSpec, keras_compat: bool, pipeline: str,
                                   folder: tuple[Path, np.ndarray]) -> None:
    assert s.identity is not None
    gen = _generator(s.identity, keras_compat)
    it, x = _iterator(gen, pipeline, folder)
    np.testing.assert_array_equal(_batch(it), x.astype(np.float32))


def test_alone_keeps_one_transform_with_the_fill_settings() -> None:
    full: dict[str, Any] = {k: v for s in TRANSFORMS for k, v in s.test_values[-1].items()}
    cfg = AugmentConfig(fill_mode="reflect", cval=3.0, interpolation_order=0, **full)
    for s in TRANSFORMS:
        alone = cfg.alone(s.name)
        assert [t.name for t in TRANSFORMS if t.active(alone)] == [s.name]
        assert (alone.fill_mode, alone.cval, alone.interpolation_order) == ("reflect", 3.0, 0)
        assert s.values(alone) == s.values(cfg)
    with pytest.raises(ValueError, match="unknown transform 'fill_mode': use one of"):
        cfg.alone("fill_mode")


# -- every policy op ------------------------------------------------------------------


PolicyFlow = tuple[str, ImageDataGenerator, np.ndarray, np.ndarray, list[TransformParams]]


@pytest.fixture(scope="module", params=PIPELINES)
def policy_flow(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> PolicyFlow:
    """TrivialAugment over 160 tiny images (an array or PNG files): every op appears."""
    x = _images(160, 6, 7, seed=1)
    gen = ImageDataGenerator(policy="trivialaugment", output_dtype="uint8")
    if request.param == "array":
        it = gen.flow(x, batch_size=160, shuffle=False, seed=0)
    else:
        root = tmp_path_factory.mktemp("policy")
        (root / "c").mkdir()
        for i, img in enumerate(x):
            Image.fromarray(img).save(root / "c" / f"{i:03d}.png")
        it = gen.flow_from_directory(root, target_size=(6, 7), batch_size=160, shuffle=False,
                                     seed=0, class_mode=None, verbose=False)
    return request.param, gen, x, _batch(it), it.batch_params(0)


@pytest.mark.parametrize("op", OPS)
def test_policy_op_in_a_batch_replays_one_by_one(op: str, policy_flow: PolicyFlow) -> None:
    pipeline, gen, x, batch, params = policy_flow
    rows = [j for j, p in enumerate(params) if p.policy_ops[0][0] == op]
    assert rows, f"op {op} never drawn"
    for j in rows:
        _assert_replays(gen.apply_transform(x[j], params[j]), batch[j], pipeline)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_policy_op_conformance(op: str, dtype: str) -> None:
    gen = ImageDataGenerator()
    x = _images(1)[0].astype(dtype)
    before = x.copy()
    spec_op = POLICY_OPS[op]
    for policy in POLICIES:
        values = [op_value(policy, op, b, neg) for b in range(BINS) for neg in (False, True)]
        ends = sorted(spec_op.strength(policy, f) for f in (0.0, 1.0))
        for v in values:
            assert ends[0] - 1e-9 <= abs(v) <= ends[1] + 1e-9
            assert v >= 0 or spec_op.signed
        p = TransformParams(policy_ops=((op, op_value(policy, op, 20, True)),))
        out = gen.apply_transform(x, p)
        np.testing.assert_array_equal(x, before)
        assert out.shape == x.shape and out.dtype == x.dtype
        np.testing.assert_array_equal(out, gen.apply_transform(x, p))
        zero = gen.apply_transform(x, TransformParams(policy_ops=((op, op_value(policy, op, 0,
                                                                                 False)),)))
        if spec_op.identity_at_zero:
            np.testing.assert_array_equal(zero, x)
