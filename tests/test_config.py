"""AugmentConfig: one declaration, validation, serialisation."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

from augwise import AugmentConfig, ImageDataGenerator
from augwise.core.config import callable_path, keras_argument_names


def test_signature_is_derived_from_the_config() -> None:
    sig = inspect.signature(ImageDataGenerator)
    assert list(sig.parameters) == [f for f in AugmentConfig.__dataclass_fields__]
    keras_names = keras_argument_names()
    assert keras_names[:3] == ["featurewise_center", "samplewise_center",
                               "featurewise_std_normalization"]
    assert len(keras_names) == 23 and keras_names[-1] == "dtype"


def test_keras_positional_order_works() -> None:
    gen = ImageDataGenerator(False, False, False, False, False, 1e-6, 15)
    assert gen.rotation_range == 15


def test_zoom_and_shift_forms_are_normalised() -> None:
    cfg = AugmentConfig(zoom_range=0.2, width_shift_range=[1, 2], height_shift_range=np.int64(3))
    assert cfg.zoom_range == (0.8, 1.2)
    assert cfg.width_shift_range == (1, 2)
    assert cfg.height_shift_range == 3 and isinstance(cfg.height_shift_range, int)


def test_keras_implied_flags_warn_like_keras() -> None:
    with pytest.warns(UserWarning, match="zca_whitening"):
        cfg = AugmentConfig(zca_whitening=True)
    assert cfg.featurewise_center
    with pytest.warns(UserWarning, match="samplewise_std_normalization"):
        assert AugmentConfig(samplewise_std_normalization=True).samplewise_center


def test_preprocessing_function_serialises_as_an_import_path(tmp_path: Path) -> None:
    cfg = AugmentConfig(preprocessing_function=np.sqrt, rotation_range=5)
    data = cfg.to_dict()
    assert data["preprocessing_function"] == "numpy:sqrt"
    assert AugmentConfig.from_dict(data, allow_code=True).preprocessing_function is np.sqrt
    with pytest.raises(ValueError, match="allow_code=True"):
        AugmentConfig.from_dict(data)  # a serialised config is data: no code by default
    local = AugmentConfig(preprocessing_function=lambda x: x)
    with pytest.raises(ValueError, match="cannot be serialised"):
        local.to_dict()
    assert local.to_dict(drop_unserialisable=True)["preprocessing_function"] is None
    assert callable_path(lambda x: x) is None
    with pytest.raises(ValueError, match="cannot be imported"):
        AugmentConfig.from_dict({"preprocessing_function": "no_such_module:f"}, allow_code=True)


def test_files_use_safe_loaders_and_name_problems(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("rotation_range: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(Exception, match="python/object"):
        AugmentConfig.load(evil)
    other = tmp_path / "cfg.toml"
    other.write_text("x = 1")
    with pytest.raises(ValueError, match=r"cfg\.toml"):
        AugmentConfig.load(other)
    with pytest.raises(ValueError, match=r"missing\.yaml"):
        AugmentConfig.load(tmp_path / "missing.yaml")
    with pytest.raises(ValueError, match="unknown ImageDataGenerator argument"):
        AugmentConfig.from_dict({"rotation": 3})


def test_python_call_rebuilds_the_config() -> None:
    cfg = AugmentConfig(rotation_range=20, horizontal_flip=True, zoom_range=0.1)
    rebuilt = eval(cfg.python_call(), {"ImageDataGenerator": AugmentConfig})
    assert rebuilt == cfg


def test_parameter_docs_are_generated_from_the_config() -> None:
    import runpy

    root = Path(__file__).resolve().parents[1]
    render = runpy.run_path(str(root / "scripts" / "gen_docs.py"))["render"]
    assert (root / "docs" / "parameters.md").read_text(encoding="utf-8") == render(), (
        "docs/parameters.md is stale: run python scripts/gen_docs.py"
    )


def test_preprocessing_function_accepts_an_import_path() -> None:
    gen = ImageDataGenerator(preprocessing_function="numpy:sqrt")
    assert gen.preprocessing_function is np.sqrt


def test_brightness_deltas_get_a_pointed_message() -> None:
    with pytest.raises(ValueError, match=r"looks like \+/- deltas.*\(0\.8, 1\.2\)"):
        AugmentConfig(brightness_range=(-0.2, 0.2))
