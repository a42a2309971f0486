"""The augmentation config under examination, wherever it comes from.

Accepted: nothing (defaults), an :class:`AugmentConfig`, a mapping of
``ImageDataGenerator`` arguments, a JSON/YAML file, a :class:`ReadConfig` (what the CLI
read), an augwise ``ImageDataGenerator``, or Keras' own ``ImageDataGenerator`` (its
attributes are read; Keras is never imported for this).  Files and mappings go through
:func:`~augwise.core.config.read_config`, the reader the CLI uses: values Keras accepts
but augwise's validation refuses (brightness given as deltas such as ``(-0.2, 0.2)``)
are recorded as :class:`RawNote` for the lint and normalised so the diagnosis can go on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from augwise.core.config import AugmentConfig, RawNote, ReadConfig, config_fields, read_config
from augwise.doctor.options import ENGINES


@dataclass(frozen=True)
class Setup:
    """The config, who runs it, and what is known about its fitted statistics."""

    config: AugmentConfig
    engine: str  # "augwise" or "keras": whose ImageDataGenerator trains the model
    source: str  # default | config | dict | file | augwise_generator | keras_generator
    fitted: bool | None  # featurewise statistics present (None: unknown, config only)
    notes: tuple[RawNote, ...] = ()  # values reinterpreted (see read_config)

    def note(self, name: str) -> RawNote | None:
        return next((n for n in self.notes if n.field == name), None)


def _keras_like(obj: Any) -> bool:
    return all(hasattr(obj, a) for a in ("rotation_range", "fill_mode", "zoom_range"))


def _is_augwise_generator(obj: Any) -> bool:
    return isinstance(getattr(obj, "config", None), AugmentConfig)


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
    ``allow_code=True``.
    """
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    notes: tuple[RawNote, ...] = ()
    fitted: bool | None = None
    if config is None:
        cfg, source = AugmentConfig(), "default"
    elif isinstance(config, AugmentConfig):
        cfg, source = config, "config"
    elif isinstance(config, (str, os.PathLike, Mapping, ReadConfig)):
        read = config if isinstance(config, ReadConfig) else read_config(
            config, allow_code=allow_code, keras_values=True)
        cfg, notes = read.config, read.notes
        source = "file" if read.source is not None else "dict"
    elif _is_augwise_generator(config):
        cfg, source = config.config, "augwise_generator"
        fitted = config.current_stats() is not None if cfg.needs_fit else True
    elif _keras_like(config):
        read = read_config(_keras_attributes(config), keras_values=True)
        cfg, notes = read.config, read.notes
        source = "keras_generator"
        fitted = _fitted(config, cfg) if cfg.needs_fit else True
        engine = engine or "keras"
    else:
        raise TypeError(
            "config must be None, an AugmentConfig, a mapping of ImageDataGenerator "
            "arguments, a .json/.yaml path, a ReadConfig, or an ImageDataGenerator (augwise "
            "or Keras), "
            f"got {type(config).__name__}"
        )
    if engine is None:
        engine = "keras" if cfg.keras_compat else "augwise"
    return Setup(cfg, engine, source, fitted, notes)
