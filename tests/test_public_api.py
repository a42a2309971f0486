"""The public API: what ``augwise`` and ``augwise.tune`` export, lazily, and the engine
and flow options behind ``ImageDataGenerator``."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import augwise
import augwise.tune
from augwise.loader.engine import AugwiseEngine, KerasCompatEngine, engine_for
from augwise.loader.options import FIELDS, FlowOptions

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "matplotlib", "scipy", "torch", "keras", "optuna")


@pytest.mark.parametrize("module", ["augwise", "augwise.tune"])
def test_import_loads_no_heavy_library(module: str) -> None:
    code = (
        f"import sys, {module}; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_augwise_exports_the_public_names() -> None:
    from augwise.core.config import AugmentConfig
    from augwise.core.presets import CLASSIC_BALANCED, CLASSIC_OVERAUGMENTED
    from augwise.keras_api.generator import ImageDataGenerator

    assert augwise.ImageDataGenerator is ImageDataGenerator
    assert augwise.AugmentConfig is AugmentConfig
    assert augwise.CLASSIC_BALANCED is CLASSIC_BALANCED
    assert augwise.CLASSIC_OVERAUGMENTED is CLASSIC_OVERAUGMENTED
    assert set(augwise.__all__) <= set(dir(augwise))
    for name in augwise.__all__:
        assert getattr(augwise, name) is not None


def test_diagnose_is_the_doctors() -> None:
    from augwise.doctor import diagnose

    assert augwise.diagnose is diagnose


def test_presets_build_generators() -> None:
    gen = augwise.ImageDataGenerator(**augwise.CLASSIC_BALANCED)
    assert gen.config.rotation_range == 20


@pytest.mark.slow  # imports torch and Optuna
def test_tune_exports_tune_and_measure_harm() -> None:
    from augwise.tune.harm import measure_harm
    from augwise.tune.runner import tune

    assert augwise.tune.tune is tune
    assert augwise.tune.measure_harm is measure_harm
    assert set(augwise.tune.__all__) <= set(dir(augwise.tune))


@pytest.mark.parametrize("module", [augwise, augwise.tune])
def test_unknown_names_raise_attribute_error_naming_them(module: object) -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        getattr(module, "nope")  # noqa: B009


def test_docs_point_to_public_names() -> None:
    tuner = (ROOT / "docs" / "tuner.md").read_text(encoding="utf-8")
    assert "augwise.tune.runner.tune" not in tuner
    assert "augwise.tune.tune(" in tuner
    api = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert "::: augwise.tune.measure_harm" in api
    # documented from its module (a static re-export would be an import cycle for now),
    # under its public name
    assert 'heading: "augwise.tune.tune"' in api
    assert "::: augwise.diagnose" in api


# -- the engine: chosen once, from the config ------------------------------------------


def test_engine_is_chosen_from_keras_compat() -> None:
    assert isinstance(engine_for(augwise.AugmentConfig()), AugwiseEngine)
    assert isinstance(engine_for(augwise.AugmentConfig(keras_compat=True)), KerasCompatEngine)
    gen = augwise.ImageDataGenerator()
    gen.keras_compat = True
    assert gen.engine.name == "keras"


@pytest.mark.parametrize("keras_compat", [False, True])
def test_iterators_hold_their_engine_and_build_the_pipeline_once(keras_compat: bool) -> None:
    gen = augwise.ImageDataGenerator(rotation_range=10, keras_compat=keras_compat)
    x = np.arange(6 * 4 * 4 * 1, dtype=np.uint8).reshape(6, 4, 4, 1)
    it = augwise.NumpyArrayIterator(x, None, gen, batch_size=4, seed=3)
    assert it.keras_compat is keras_compat
    assert it.engine is engine_for(gen.config)
    if not keras_compat:
        # the pipeline is built with the iterator's streams, not patched afterwards
        assert it.pipeline.streams is it._streams
        assert it.pipeline.streams.seed == 3


def test_replay_needs_the_default_engine() -> None:
    gen = augwise.ImageDataGenerator(keras_compat=True)
    it = augwise.NumpyArrayIterator(np.zeros((4, 4, 4, 1), np.uint8), None, gen, batch_size=2)
    with pytest.raises(ValueError, match="batch_params needs default mode"):
        it.batch_params(0)


# -- flow options: declared once --------------------------------------------------------


def test_flow_signatures_only_restate_flow_options_and_data() -> None:
    data = {"self", "x", "y", "sample_weight", "directory", "dataframe", "x_col", "y_col",
            "weight_col", "kwargs"}
    gen = augwise.ImageDataGenerator
    for method in (gen.flow, gen.flow_from_directory, gen.flow_from_dataframe):
        names = set(inspect.signature(method).parameters)
        assert names - data <= FIELDS, method.__name__
        for name in names & FIELDS:
            default = inspect.signature(method).parameters[name].default
            if name != "shuffle":  # True in flow*(), as in Keras
                assert default == getattr(FlowOptions(), name), (method.__name__, name)


def test_flow_passes_its_options_to_the_iterator() -> None:
    x = np.zeros((5, 4, 4, 1), np.uint8)
    it = augwise.ImageDataGenerator().flow(x, batch_size=2, shuffle=False, seed=7, workers=0)
    assert it.options == FlowOptions(batch_size=2, shuffle=False, seed=7, workers=0,
                                     data_format="channels_last", dtype="float32")


def test_iterator_takes_options_or_keywords() -> None:
    x = np.zeros((5, 4, 4, 1), np.uint8)
    gen = augwise.ImageDataGenerator()
    a = augwise.NumpyArrayIterator(x, None, gen, options=FlowOptions(batch_size=2))
    b = augwise.NumpyArrayIterator(x, None, gen, batch_size=2)
    assert (a.batch_size, a.shuffle, b.batch_size, b.shuffle) == (2, True, 2, False)
    with pytest.raises(TypeError, match=r"NumpyArrayIterator.*unexpected keyword argument 'bogus'"):
        augwise.NumpyArrayIterator(x, None, gen, bogus=1)


@pytest.mark.parametrize(
    ("field", "value", "error", "message"),
    [
        ("batch_size", 0, ValueError, "batch_size must be >= 1"),
        ("shuffle", "yes", TypeError, "shuffle must be True or False"),
        ("target_size", (0, 8), ValueError, "target_size must be .height, width."),
        ("color_mode", "rbg", ValueError, "did you mean 'rgb'"),
        ("interpolation", "cubic", ValueError, "interpolation must be"),
        ("on_error", "ignore", ValueError, "on_error must be"),
        ("workers", -1, ValueError, "workers must be >= 0"),
        ("max_queue_size", 0, ValueError, "max_queue_size must be >= 1"),
        ("data_format", "nhwc", ValueError, "data_format must be"),
    ],
)
def test_flow_options_refuse_bad_values_naming_them(
    field: str, value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        FlowOptions(**{field: value})  # type: ignore[arg-type]


def test_flow_options_replace_checks_again() -> None:
    opts = FlowOptions(target_size=[8, 8])  # type: ignore[arg-type]
    assert opts.target_size == (8, 8)
    with pytest.raises(ValueError, match="batch_size"):
        opts.replace(batch_size=-1)


def test_flow_options_store_plain_python_values() -> None:
    opts = FlowOptions(batch_size=np.int64(4), shuffle=np.False_, workers=np.int32(2))
    assert (opts.batch_size, opts.shuffle, opts.workers) == (4, False, 2)
    assert (type(opts.batch_size), type(opts.shuffle), type(opts.workers)) == (int, bool, int)
