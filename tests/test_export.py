"""``augwise.export`` and ``augwise export``: the emitted code builds the pipeline, the
measurement recovers what was applied and tells equivalent from different."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer

from augwise.cli.emit import emit_targets, write_snippets
from augwise.core.config import AugmentConfig
from augwise.core.kernels import WarpSpec, apply_params
from augwise.core.presets import CLASSIC_BALANCED
from augwise.core.sampling import RandomStreams, params_from_uniforms
from augwise.export import build_pipeline, emit_code, measure
from augwise.export.measure import coordinate_probe, fit_affines, geometry_of

RICH = AugmentConfig(**CLASSIC_BALANCED, channel_shift_range=20.0, vertical_flip=True,
                     brightness_range=(0.7, 1.3)).replace(height_shift_range=4)


def _run_code(code: str) -> Any:
    scope: dict[str, Any] = {}
    exec(compile(code, "<emitted>", "exec"), scope)  # the code under test is ours
    return scope["pipeline"]


def _keras_configs(model: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in layer.get_config().items() if k != "name"}
            for layer in model.layers]


def test_emitted_albumentations_code_builds_the_pipeline() -> None:
    import albumentations as A

    code = emit_code(RICH, "albumentations", image_size=(48, 64), seed=3)
    built = build_pipeline(RICH, "albumentations", image_size=(48, 64), seed=3)
    assert A.to_dict(_run_code(code)) == A.to_dict(built)
    names = [t["__class_fullname__"] for t in A.to_dict(built)["transform"]["transforms"]]
    assert names == ["Affine", "RGBShift", "MultiplicativeNoise", "HorizontalFlip",
                     "VerticalFlip"]


@pytest.mark.parametrize("order", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
def test_albumentations_samples_and_fills_as_the_engine(order: int, fill_mode: str) -> None:
    import albumentations as A

    cfg = AugmentConfig(rotation_range=10, interpolation_order=order, fill_mode=fill_mode)
    engine = WarpSpec.create(fill_mode, 0.0, order)
    code = emit_code(cfg, "albumentations")
    affine = _run_code(code).transforms[0]
    assert isinstance(affine, A.Affine)
    assert (affine.interpolation, affine.border_mode) == (engine.interpolation, engine.border)
    built = build_pipeline(cfg, "albumentations").transforms[0]
    assert (built.interpolation, built.border_mode) == (engine.interpolation, engine.border)


@pytest.mark.parametrize("zero", [0, 0.0])
def test_a_still_axis_exports_as_no_shift_without_a_note(zero: float,
                                                         torchvision_v2: Any) -> None:
    cfg = AugmentConfig(width_shift_range=5, height_shift_range=zero)
    tv = build_pipeline(cfg, "torchvision", image_size=(48, 64))
    assert tv.transforms[0].translate == (4 / 64, 0.0)
    alb = build_pipeline(cfg, "albumentations", image_size=(48, 64)).transforms[0]
    assert (alb.translate_px["x"], alb.translate_px["y"]) == ((-4, 4), (0, 0))
    for target in ("torchvision", "albumentations"):
        assert "height_shift_range" not in emit_code(cfg, target, image_size=(48, 64))


def test_library_plans_refuse_the_keras_layer_target() -> None:
    from augwise.export.mapping import make_plan

    with pytest.raises(ValueError, match="'keras-layer' has no step plan"):
        make_plan(AugmentConfig(rotation_range=10), "keras-layer")


@pytest.mark.slow
def test_emitted_keras_code_builds_the_pipeline() -> None:
    code = emit_code(RICH, "keras", image_size=(48, 64))
    built = build_pipeline(RICH, "keras", image_size=(48, 64))
    assert _keras_configs(_run_code(code)) == _keras_configs(built)
    assert "not expressible: channel_shift_range" in code
    assert "# IDG resamples once" in code
    translation = next(c for c in _keras_configs(built) if "height_factor" in c
                       and "width_factor" in c and "fill_mode" in c and "x_factor" not in c
                       and c["height_factor"] != c["width_factor"])
    assert translation["height_factor"] == pytest.approx((-3 / 48, 3 / 48))  # int 4: ±3 px
    assert translation["width_factor"] == pytest.approx((-0.2, 0.2))


def test_emitted_torchvision_code_builds_the_pipeline(torchvision_v2: Any) -> None:
    code = emit_code(RICH, "torchvision", image_size=(48, 64))
    built = build_pipeline(RICH, "torchvision", image_size=(48, 64))
    assert repr(_run_code(code)) == repr(built)
    affine = built.transforms[0]
    assert affine.degrees == [-20.0, 20.0] and affine.translate == (0.2, 3 / 48)
    assert "fill_mode='nearest' is not expressible" in code
    assert "IDG's per-axis zoom is not expressible" in code


def test_keras_layer_snippet_compiles() -> None:
    code = emit_code(AugmentConfig(rotation_range=10, rescale=1 / 255), "keras-layer")
    assert "ImageDataAugmentation({'rotation_range': 10.0})" in code  # rescale left out
    scope: dict[str, Any] = {}
    exec(compile(code, "<snippet>", "exec"), scope)
    assert scope["augment"].config.rotation_range == 10.0


def test_keras_layer_snippet_leaves_out_what_the_layer_refuses() -> None:
    cfg = AugmentConfig(policy="randaugment", policy_num_ops=3, rotation_range=10,
                        interpolation_order=3)
    code = emit_code(cfg, "keras-layer")
    assert "ImageDataAugmentation({'rotation_range': 10.0})" in code
    assert "# not expressible, left out: policy='randaugment'" in code
    assert "interpolation_order=3 is not available" in code
    scope: dict[str, Any] = {}
    exec(compile(code, "<snippet>", "exec"), scope)
    assert scope["augment"].config.policy is None
    assert build_pipeline(cfg, "keras-layer").config.interpolation_order == 1


def test_unknown_target_is_refused_naming_the_targets() -> None:
    with pytest.raises(ValueError, match="target must be one of keras, albumentations"):
        emit_code(AugmentConfig(), "opencv")
    with pytest.raises(ValueError, match=r"n must be an integer >= 20"):
        measure(AugmentConfig(rotation_range=5), "albumentations", n=3)


def test_probe_recovers_the_engines_drawn_parameters() -> None:
    cfg = AugmentConfig(rotation_range=30, zoom_range=(0.7, 1.2), width_shift_range=5.0,
                        fill_mode="constant")
    h, w = 48, 64
    batch = np.repeat(coordinate_probe(h, w)[None], 40, axis=0)
    params = params_from_uniforms(cfg, RandomStreams(5).uniforms(0, np.arange(40)), h, w, 3)
    out = np.stack([apply_params(img, params.at(i), WarpSpec.create("constant", 0.0, 1),
                                 (0.0, 1.0)) for i, img in enumerate(batch)])
    found = geometry_of(fit_affines(out), h, w)
    assert np.abs(found["angle"] - params.theta).max() < 0.1
    assert np.abs(found["zoom_x"] - params.zx).max() < 0.005
    assert np.abs(found["zoom_y"] - params.zy).max() < 0.005


@pytest.mark.slow
@pytest.mark.parametrize("target", ["albumentations", "torchvision"])
def test_rotation_only_is_equivalent(target: str, request: pytest.FixtureRequest) -> None:
    if target == "torchvision":
        request.getfixturevalue("torchvision_v2")
    cfg = AugmentConfig(rotation_range=30, fill_mode="constant")
    report = measure(cfg, target, n=150, seed=1)
    assert report.verdicts() == {"rotation_range": "equivalent", "whole config": "equivalent"}
    angle = report.rows[0]
    assert angle.quantity == "angle" and angle.p_value > 0.01


@pytest.mark.slow
def test_per_axis_zoom_differs_in_torchvision(torchvision_v2: Any) -> None:
    report = measure(AugmentConfig(zoom_range=(0.6, 1.2), fill_mode="constant"),
                     "torchvision", n=120)
    aspect = next(r for r in report.rows if r.quantity == "zoom y/x")
    assert aspect.status == "differs" and aspect.target == pytest.approx(1.0, abs=1e-3)
    assert report.differs


def test_missing_transforms_are_not_expressible(torchvision_v2: Any) -> None:
    report = measure(AugmentConfig(channel_shift_range=30.0), "torchvision", n=20)
    (row,) = report.rows
    assert (row.transform, row.status) == ("channel_shift_range", "not expressible")
    assert "torchvision" in row.note


def test_keras_additive_brightness_differs() -> None:
    report = measure(AugmentConfig(brightness_range=(0.5, 1.5)), "keras", n=100)
    factor = next(r for r in report.rows if r.quantity == "factor")
    assert factor.status == "differs" and factor.distance > 0.1


def test_emit_targets_and_snippets(tmp_path: Path) -> None:
    assert emit_targets("keras-layer, albumentations") == ("keras-layer", "albumentations")
    with pytest.raises(typer.BadParameter, match="--emit takes targets"):
        emit_targets("albumentations,opencv")
    paths = write_snippets(AugmentConfig(horizontal_flip=True), ("albumentations",
                           "keras-layer"), tmp_path / "fixed_config.yaml")
    assert [p.name for p in paths] == ["fixed_config.albumentations.py",
                                       "fixed_config.keras_layer.py"]
    assert "A.HorizontalFlip(p=0.5)" in paths[0].read_text()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "augwise.cli.main", "export", *args],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_cli_prints_code_dict_and_table(tmp_path: Path) -> None:
    cfg = tmp_path / "augment.yaml"
    cfg.write_text("horizontal_flip: true\n")
    out = tmp_path / "pipe.py"
    res = _cli(str(cfg), "--to", "albumentations", "--check", "--n", "60", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "A.HorizontalFlip(p=0.5)" in res.stdout and '"__class_fullname__"' in res.stdout
    assert "horizontal_flip" in res.stdout.split("A.to_dict")[1]
    assert out.read_text().startswith("# albumentations equivalent of")
    assert max(len(line) for line in res.stdout.split("augwise vs")[1].splitlines()) <= 80


@pytest.mark.slow
def test_cli_check_exits_1_on_a_known_mismatch(tmp_path: Path) -> None:
    cfg = tmp_path / "augment.yaml"
    cfg.write_text("width_shift_range: [12.0]\n")  # IDG: ±12 px exactly
    res = _cli(str(cfg), "--to", "albumentations", "--check", "--n", "60")
    assert res.returncode == 1, res.stderr
    assert "differs" in res.stdout and "(--check)" in res.stdout


def test_cli_bad_file_exits_2(tmp_path: Path) -> None:
    cfg = tmp_path / "augment.yaml"
    cfg.write_text("rotation_range: -5\n")
    res = _cli(str(cfg), "--to", "keras")
    assert res.returncode == 2
    assert "augment.yaml" in res.stderr and "rotation_range" in res.stderr
    assert len(res.stderr.strip().splitlines()) <= 2
    res = _cli(str(cfg), "--to", "opencv")
    assert res.returncode == 2 and "--to must be one of" in res.stderr


def test_keras_export_flips_each_axis_on_its_own() -> None:
    """Two RandomFlip layers: Keras' "horizontal_and_vertical" draws one coin for both
    axes (an image is never flipped on one axis only), IDG one per axis."""
    cfg = AugmentConfig(horizontal_flip=True, vertical_flip=True)
    layers = _keras_configs(build_pipeline(cfg, "keras", seed=0))
    assert [c["mode"] for c in layers] == ["horizontal", "vertical"]
    assert _keras_configs(_run_code(emit_code(cfg, "keras", seed=0))) == layers
    img = np.arange(2 * 3, dtype=np.float32).reshape(1, 2, 3, 1)
    pipeline = build_pipeline(cfg, "keras", seed=1)
    seen = {np.asarray(pipeline(img, training=True)).tobytes() for _ in range(60)}
    assert len(seen) == 4  # none, horizontal only, vertical only, both


@pytest.mark.parametrize(("cfg", "target", "note"), [
    (AugmentConfig(zoom_range=(0.5, 2.5)), "keras", "clipped to 2"),
    (AugmentConfig(width_shift_range=300), "keras", "clipped to 1"),
    (AugmentConfig(channel_shift_range=500.0), "albumentations", "clipped to 255"),
    (AugmentConfig(channel_shift_range=20.0), "keras", "identity"),
])
def test_exported_code_runs_for_every_accepted_value(cfg: AugmentConfig, target: str,
                                                     note: str) -> None:
    code = emit_code(cfg, target, image_size=(40, 40), seed=0)
    assert note in code
    pipeline = _run_code(code)
    img = np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    if target == "albumentations":
        assert pipeline(image=img)["image"].shape == img.shape
    else:
        assert tuple(pipeline(img[None].astype(np.float32)).shape) == (1, 40, 40, 3)


def test_exports_state_what_they_leave_out() -> None:
    cfg = AugmentConfig(rescale=1 / 255, rotation_range=10, samplewise_center=True)
    assert "rescale and standardisation are preprocessing" in emit_code(cfg, "keras-layer")
    sheared = AugmentConfig(shear_range=30)
    for target in ("keras", "albumentations", "torchvision"):
        assert "scales rows by cos(shear)" in emit_code(sheared, target), target
