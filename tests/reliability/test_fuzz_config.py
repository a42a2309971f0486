"""Property-based fuzzing of config files and mappings (issue 9, items 8-11).

Whatever a config document or mapping holds, reading it either gives an
``AugmentConfig`` or raises ``ValueError``/``TypeError`` with a bounded message; it
never imports code, crashes with another exception, or takes long.
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augwise import AugmentConfig
from augwise.core.config import config_fields, parse_config_text

FIELDS = [f.name for f in config_fields()]
FUZZ = settings(max_examples=100, deadline=2000,
                suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["nearest", "constant", "uint8", "float32", "channels_first",
                       "trivialaugment", "numpy:sqrt", "os:system", "this:s"])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5)
    | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
keys = st.sampled_from(FIELDS) | st.text(max_size=20)
documents = st.dictionaries(keys, values, max_size=6)


@contextmanager
def keras_warnings_ignored() -> Iterator[None]:
    """Keras' own implied-flag warnings are expected; any other warning stays an error."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="This ImageDataGenerator specifies")
        yield


def _loads_or_refuses(build: Any) -> None:
    modules = set(sys.modules)
    with keras_warnings_ignored():
        try:
            cfg = build()
        except (ValueError, TypeError) as exc:
            assert len(str(exc)) < 1000, str(exc)[:200]
        else:
            assert isinstance(cfg, AugmentConfig)
            assert cfg.preprocessing_function is None or callable(cfg.preprocessing_function)
    assert "this" not in set(sys.modules) - modules  # nothing was imported from the data


@FUZZ
@given(documents)
def test_random_mappings_load_or_raise(data: dict[str, Any]) -> None:
    _loads_or_refuses(lambda: AugmentConfig.from_dict(data))


@FUZZ
@given(documents)
def test_random_documents_load_or_raise(data: dict[str, Any]) -> None:
    text_yaml = yaml.safe_dump(data)
    _loads_or_refuses(lambda: AugmentConfig.from_yaml(text_yaml))
    if all(not isinstance(v, float) or math.isfinite(v) for v in data.values()):
        text_json = json.dumps(data)
        _loads_or_refuses(lambda: AugmentConfig.from_json(text_json))


@FUZZ
@given(st.text(max_size=300), st.sampled_from(["yaml", "json"]))
def test_random_text_parses_or_raises_value_error(text: str, fmt: str) -> None:
    try:
        data = parse_config_text(text, fmt)
    except ValueError as exc:
        assert len(str(exc)) < 1000
    else:
        assert isinstance(data, dict)


yaml_tokens = st.sampled_from([
    "rotation_range", "zoom_range", ":", " ", "\n", "  ", "- ", "[", "]", "{", "}", ",",
    "&a", "*a", "<<", "!!python/object:os.system", "!!binary", "!!set", "? ", "'", '"',
    "1e400", "-3", ".nan", "~", "#", "---", "...", "%YAML 1.1", "\t", "\\u0000",
])


@FUZZ
@given(st.lists(yaml_tokens, max_size=40).map("".join))
def test_yaml_shaped_text_parses_or_raises_value_error(text: str) -> None:
    try:
        data = parse_config_text(text, "yaml")
    except ValueError as exc:
        assert len(str(exc)) < 1000
    else:
        assert isinstance(data, dict)
        _loads_or_refuses(lambda: AugmentConfig.from_dict(data))
