"""The augmentation config under examination, wherever it comes from.

Accepted: nothing (defaults), an :class:`AugmentConfig`, a mapping of
``ImageDataGenerator`` arguments, a JSON/YAML file (read as data, like
:meth:`AugmentConfig.load`), an augwise ``ImageDataGenerator``, or Keras' own
``ImageDataGenerator`` (its attributes are read; Keras is never imported for this).
Values Keras accepts but augwise's validation refuses (brightness given as deltas such
as ``(-0.2, 0.2)``) are recorded as :class:`RawNote` for the lint and normalised so the
diagnosis can go on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from augwise.core.config import AugmentConfig, config_fields, read_config_file
from augwise.doctor.options import ENGINES


@dataclass(frozen=True)
class RawNote:
    """A value as given that had to be reinterpreted to build the config."""

    field: str
    given: Any
    used: Any


@dataclass(frozen=True)
class Setup:
    """The config, who runs it, and what is known about its fitted statistics."""

    config: AugmentConfig
    engine: str  # "augwise" or "keras": whose ImageDataGenerator trains the model
    source: str  # default | config | dict | file | augwise_generator | keras_generator
    fitted: bool | None  # featurewise statistics present (None: unknown, config only)
    notes: tuple[RawNote, ...] = ()
    generator: Any = None  # the generator object, when one was given

    def note(self, name: str) -> RawNote | None:
        return next((n for n in self.notes if n.field == name), None)


def _keras_like(obj: Any) -> bool:
    return all(hasattr(obj, a) for a in ("rotation_range", "fill_mode", "zoom_range"))


def _is_augwise_generator(obj: Any) -> bool:
    return isinstance(getattr(obj, "config", None), AugmentConfig)


def _normalise_raw(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[RawNote]]:
    """Reinterpret values Keras accepts but augwise refuses, noting each."""
    out = dict(data)
    notes: list[RawNote] = []
    br = out.get("brightness_range")
    if isinstance(br, (list, tuple)) and len(br) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in br
    ):
        lo, hi = float(br[0]), float(br[1])
        if lo < 0:
            used = (max(0.0, 1.0 + lo), max(0.0, 1.0 + hi))
            notes.append(RawNote("brightness_range", [lo, hi], list(used)))
            out["brightness_range"] = used
    return out, notes


def _from_mapping(
    data: Mapping[str, Any], allow_code: bool = False, source: str | None = None
) -> tuple[AugmentConfig, list[RawNote]]:
    clean, notes = _normalise_raw(data)
    return AugmentConfig.from_dict(clean, allow_code=allow_code, source=source), notes


def _keras_attributes(gen: Any) -> dict[str, Any]:
    """Keras ``ImageDataGenerator`` attributes as ``AugmentConfig`` arguments."""
    out: dict[str, Any] = {}
    for f in config_fields():
        if not f.metadata.get("keras"):
            continue
        name = "_validation_split" if f.name == "validation_split" else f.name
        if hasattr(gen, name):
            value = getattr(gen, name)
            if isinstance(value, np.ndarray):
                value = value.tolist()
            if isinstance(value, np.generic):
                value = value.item()
            out[f.name] = value
    if isinstance(out.get("zoom_range"), list):
        out["zoom_range"] = tuple(out["zoom_range"])
    if isinstance(out.get("brightness_range"), list):
        out["brightness_range"] = tuple(out["brightness_range"])
    return out


def _fitted(gen: Any, config: AugmentConfig) -> bool:
    if config.featurewise_center and getattr(gen, "mean", None) is None:
        return False
    if config.featurewise_std_normalization and getattr(gen, "std", None) is None:
        return False
    return not (config.zca_whitening and getattr(gen, "zca_whitening_matrix", None) is None)


def resolve_config(
    config: Any = None, engine: str | None = None, *, allow_code: bool = False
) -> Setup:
    """A :class:`Setup` from any accepted config form (see the module docstring).

    ``engine`` says whose ``ImageDataGenerator`` trains the model; by default Keras'
    for a Keras generator object or ``keras_compat=True``, else augwise's.  A file or
    mapping may name a ``preprocessing_function`` as ``'module:function'`` only with
    ``allow_code=True`` (files are read by :func:`~augwise.core.config.read_config_file`).
    """
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    notes: list[RawNote] = []
    fitted: bool | None = None
    generator = None
    if config is None:
        cfg, source = AugmentConfig(), "default"
    elif isinstance(config, AugmentConfig):
        cfg, source = config, "config"
    elif isinstance(config, (str, os.PathLike)):
        cfg, notes = _from_mapping(read_config_file(config), allow_code, os.fspath(config))
        source = "file"
    elif isinstance(config, Mapping):
        cfg, notes = _from_mapping(config, allow_code)
        source = "dict"
    elif _is_augwise_generator(config):
        cfg, source, generator = config.config, "augwise_generator", config
        fitted = config.current_stats() is not None if cfg.needs_fit else True
    elif _keras_like(config):
        cfg, notes = _from_mapping(_keras_attributes(config))
        source, generator = "keras_generator", config
        fitted = _fitted(config, cfg) if cfg.needs_fit else True
        engine = engine or "keras"
    else:
        raise TypeError(
            "config must be None, an AugmentConfig, a mapping of ImageDataGenerator "
            "arguments, a .json/.yaml path, or an ImageDataGenerator (augwise or Keras), "
            f"got {type(config).__name__}"
        )
    if engine is None:
        engine = "keras" if cfg.keras_compat else "augwise"
    return Setup(cfg, engine, source, fitted, tuple(notes), generator)


def config_kwargs(config: AugmentConfig) -> dict[str, Any]:
    """The config's fields as constructor keyword arguments (callables kept)."""
    return {f.name: getattr(config, f.name) for f in fields(config)}
