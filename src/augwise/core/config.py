"""The augmentation configuration, declared once.

:class:`AugmentConfig` holds every ``ImageDataGenerator`` argument (Keras' own and
augwise's) with its validation, defaults and help text.  The public constructor, the
JSON/YAML serialisation, the CLI options and the parameter table in the docs are all
derived from the fields below.

>>> cfg = AugmentConfig(rotation_range=20, horizontal_flip=True)
>>> AugmentConfig.from_dict(cfg.to_dict()) == cfg
True
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import numbers
import os
import warnings
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from augwise.core.files import FileTooLarge, UnreadableFile, read_regular
from augwise.core.policies import BINS, MAX_OPS, POLICIES, POLICY_OPS
from augwise.core.transforms import TRANSFORMS, spec
from augwise.core.validate import check_bool, check_choice, did_you_mean, short_repr

ShiftRange = float | int | tuple[float, ...]
FILL_MODES = ("nearest", "constant", "reflect", "wrap")
DATA_FORMATS = ("channels_last", "channels_first")
SPLIT_MODES = ("first", "stratified")
FEATUREWISE_METHODS = ("mean_std", "median_iqr")
OUTPUT_DTYPES = (None, "uint8")
# Bounds that keep every draw and every output value finite, far above any useful setting.
MAX_RANGE = 1e6  # degrees (rotation, shear), shift pixels, zoom and brightness factors
MAX_VALUE = 1e30  # pixel-value settings: rescale, cval, channel_shift_range, zca_epsilon


def _doc(text: str, *, keras: bool = True, cli: bool = True) -> dict[str, Any]:
    return {"doc": text, "keras": keras, "cli": cli}


@dataclass(frozen=True)
class AugmentConfig:
    """Every argument of ``ImageDataGenerator``, validated and normalised.

        >>> cfg = AugmentConfig(rotation_range=20, horizontal_flip=True)
        >>> cfg.rotation_range, cfg.replace(rotation_range=5).rotation_range
        (20.0, 5.0)
        >>> AugmentConfig(rotation_range=-1)
        Traceback (most recent call last):
        ValueError: rotation_range ...
    """

    featurewise_center: bool = field(
        default=False, metadata=_doc("Subtract the dataset mean (per channel); needs fit().")
    )
    samplewise_center: bool = field(default=False, metadata=_doc("Subtract each image's mean."))
    featurewise_std_normalization: bool = field(
        default=False, metadata=_doc("Divide by the dataset std (per channel); needs fit().")
    )
    samplewise_std_normalization: bool = field(
        default=False, metadata=_doc("Divide each image by its own std.")
    )
    zca_whitening: bool = field(default=False, metadata=_doc("Apply ZCA whitening; needs fit()."))
    zca_epsilon: float = field(default=1e-6, metadata=_doc("Epsilon added in ZCA whitening."))
    rotation_range: float = field(
        default=0.0, metadata=_doc("Random rotation in degrees, uniform in [-r, r].")
    )
    width_shift_range: ShiftRange = field(
        default=0.0,
        metadata=_doc(
            "Horizontal shift: float < 1 is a fraction of the width, >= 1 pixels; "
            "int N draws from {-(N-1)..N-1}; a list draws one of its values with a random sign."
        ),
    )
    height_shift_range: ShiftRange = field(
        default=0.0, metadata=_doc("Vertical shift, same forms as width_shift_range.")
    )
    brightness_range: tuple[float, float] | None = field(
        default=None,
        metadata=_doc("Multiplicative brightness factor range (lo, hi); 1 leaves images as is."),
    )
    shear_range: float = field(default=0.0, metadata=_doc("Shear angle in degrees, [-s, s]."))
    zoom_range: tuple[float, float] = field(
        default=(1.0, 1.0),
        metadata=_doc("Zoom: scalar z means [1-z, 1+z]; values < 1 magnify (Keras' convention)."),
    )
    channel_shift_range: float = field(
        default=0.0, metadata=_doc("Random additive shift of channel values, in [-c, c].")
    )
    fill_mode: str = field(
        default="nearest", metadata=_doc("Points outside the input: nearest|constant|reflect|wrap.")
    )
    cval: float = field(default=0.0, metadata=_doc("Fill value for fill_mode='constant'."))
    horizontal_flip: bool = field(default=False, metadata=_doc("Randomly flip left-right."))
    vertical_flip: bool = field(default=False, metadata=_doc("Randomly flip upside-down."))
    rescale: float | None = field(
        default=None, metadata=_doc("Multiply images by this factor after augmentation.")
    )
    preprocessing_function: Callable[[np.ndarray], np.ndarray] | None = field(
        default=None,
        metadata=_doc(
            "Function called on each augmented image (3-D float array) before rescale; "
            "in files, a 'module:function' import path.",
            cli=False,
        ),
    )
    data_format: str = field(
        default="channels_last", metadata=_doc("channels_last (N,H,W,C) or channels_first.")
    )
    validation_split: float = field(
        default=0.0, metadata=_doc("Fraction of the data reserved for subset='validation'.")
    )
    interpolation_order: int = field(
        default=1, metadata=_doc("Spline order for transforms: 0 nearest, 1 linear, 2-5 cubic.")
    )
    dtype: str = field(default="float32", metadata=_doc("Floating dtype of the output batches."))
    keras_compat: bool = field(
        default=False,
        metadata=_doc(
            "Bug-for-bug Keras 3 behaviour, global np.random draw order included.", keras=False
        ),
    )
    seed: int | None = field(
        default=None,
        metadata=_doc(
            "Default seed for flows and random_transform; None draws one per run.", keras=False
        ),
    )
    augment_validation: bool = field(
        default=False,
        metadata=_doc("Also augment subset='validation' (Keras always does).", keras=False),
    )
    validation_split_mode: str = field(
        default="first",
        metadata=_doc(
            "'first': the first fraction of each class (Keras); 'stratified': a seeded, "
            "stratified random split.",
            keras=False,
        ),
    )
    featurewise_method: str = field(
        default="mean_std",
        metadata=_doc(
            "fit() statistics: 'mean_std', or 'median_iqr' (robust to outlier images).",
            keras=False,
        ),
    )
    zca_rank: int | None = field(
        default=None,
        metadata=_doc(
            "ZCA components kept; None: exact when H*W*C <= 4096, else 256 (randomized).",
            keras=False,
        ),
    )
    policy: str | None = field(
        default=None,
        metadata=_doc(
            "Built-in policy applied after the transforms above: 'trivialaugment' (one random "
            "op at a random strength) or 'randaugment' (policy_num_ops ops at policy_magnitude).",
            keras=False,
        ),
    )
    policy_num_ops: int = field(
        default=2, metadata=_doc("RandAugment: ops per image (1-4).", keras=False)
    )
    policy_magnitude: int = field(
        default=9, metadata=_doc("RandAugment: strength of every op, 0-30.", keras=False)
    )
    output_dtype: str | None = field(
        default=None,
        metadata=_doc(
            "'uint8' returns uint8 batches (no float cast, no standardisation).", keras=False
        ),
    )

    def __post_init__(self) -> None:
        _validate(self)

    # -- derived views -------------------------------------------------------------

    @property
    def channel_axis(self) -> int:
        """Channel axis of a single image (0 or 2)."""
        return 0 if self.data_format == "channels_first" else 2

    @property
    def has_geometry(self) -> bool:
        """True when any geometric transform can differ from the identity."""
        return any(s.geometric and s.active(self) for s in TRANSFORMS)

    @property
    def has_colour(self) -> bool:
        return any(s.colour and s.active(self) for s in TRANSFORMS)

    @property
    def augments(self) -> bool:
        """True when random augmentation is configured."""
        return self.has_geometry or self.has_colour

    @property
    def needs_fit(self) -> bool:
        return self.featurewise_center or self.featurewise_std_normalization or self.zca_whitening

    @property
    def standardizes(self) -> bool:
        return bool(
            self.preprocessing_function is not None
            or self.rescale
            or self.samplewise_center
            or self.samplewise_std_normalization
            or self.needs_fit
        )

    def replace(self, **changes: Any) -> AugmentConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def alone(self, name: str) -> AugmentConfig:
        """Only the transform ``name`` of this config (same fill and interpolation).

        The per-transform measurements of the doctor and the tuner run these.

            >>> cfg = AugmentConfig(rotation_range=20, zoom_range=0.1, fill_mode="reflect")
            >>> cfg.alone("rotation_range").non_default_dict()
            {'rotation_range': 20.0, 'fill_mode': 'reflect'}
        """
        return AugmentConfig(fill_mode=self.fill_mode, cval=self.cval,
                             interpolation_order=self.interpolation_order,
                             **spec(name).alone(self))

    def augmentation_only(self) -> AugmentConfig:
        """This configuration without its standardisation steps."""
        return self.replace(
            featurewise_center=False,
            samplewise_center=False,
            featurewise_std_normalization=False,
            samplewise_std_normalization=False,
            zca_whitening=False,
            rescale=None,
            preprocessing_function=None,
        )

    # -- serialisation -------------------------------------------------------------

    def to_dict(self, *, drop_unserialisable: bool = False) -> dict[str, Any]:
        """JSON/YAML-safe dict of all fields.

        ``preprocessing_function`` is written as its ``module:qualname`` import path;
        a lambda or local function raises ``ValueError`` unless ``drop_unserialisable``.

            >>> d = AugmentConfig(rotation_range=20, zoom_range=(0.9, 1.1)).to_dict()
            >>> d["rotation_range"], d["zoom_range"], d["fill_mode"]
            (20.0, [0.9, 1.1], 'nearest')
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "preprocessing_function" and value is not None:
                path = callable_path(value)
                if path is None:
                    if not drop_unserialisable:
                        raise ValueError(
                            f"preprocessing_function={value!r} cannot be serialised: use a "
                            "module-level function importable as 'module:function'"
                        )
                    value = None
                else:
                    value = path
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    def non_default_dict(self) -> dict[str, Any]:
        """Only the fields that differ from the defaults (for short configs)."""
        default = AugmentConfig().to_dict()
        full = self.to_dict(drop_unserialisable=True)
        return {k: v for k, v in full.items() if v != default[k]}

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, allow_code: bool = False, source: str | None = None
    ) -> AugmentConfig:
        """Build from a mapping of arguments, e.g. a parsed config file.

        Keys and code are screened by :func:`screen_config`: a ``preprocessing_function``
        given as ``'module:function'`` is imported only with ``allow_code=True``.
        ``source`` (a file name) prefixes every error.

            >>> AugmentConfig.from_dict({"rotation_range": 10}).rotation_range
            10.0
        """
        values = screen_config(data, allow_code=allow_code, source=source)
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            if source is None:
                raise
            kind = TypeError if isinstance(exc, TypeError) else ValueError
            raise kind(f"config file {short_repr(source)}: {exc}") from exc

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, *, allow_code: bool = False) -> AugmentConfig:
        """Build from JSON text, read like a config file (see :func:`read_config_file`)."""
        return cls.from_dict(parse_config_text(text, "json"), allow_code=allow_code)

    def to_yaml(self, *, only_changes: bool = False) -> str:
        data = self.non_default_dict() if only_changes else self.to_dict()
        return yaml.safe_dump(data, sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str, *, allow_code: bool = False) -> AugmentConfig:
        """Build from YAML text, read like a config file (see :func:`read_config_file`)."""
        return cls.from_dict(parse_config_text(text, "yaml"), allow_code=allow_code)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, allow_code: bool = False) -> AugmentConfig:
        """Read a ``.json``, ``.yaml`` or ``.yml`` config file (see :func:`read_config`).

        ``allow_code=True`` lets the file name a ``preprocessing_function`` as
        ``'module:function'``, which is then imported: only for files you trust.

            >>> import tempfile
            >>> from pathlib import Path
            >>> tmp = tempfile.TemporaryDirectory()
            >>> path = Path(tmp.name) / "augment.json"
            >>> _ = path.write_text('{"rotation_range": 15, "horizontal_flip": true}')
            >>> AugmentConfig.load(path).python_call()
            'ImageDataGenerator(rotation_range=15.0, horizontal_flip=True)'
            >>> tmp.cleanup()
        """
        return read_config(path, allow_code=allow_code).config

    def python_call(self) -> str:
        """The ``ImageDataGenerator(...)`` line that builds this configuration.

            >>> AugmentConfig(width_shift_range=0.1).python_call()
            'ImageDataGenerator(width_shift_range=0.1)'
        """
        parts = []
        for key, value in self.non_default_dict().items():
            parts.append(f"{key}={value!r}")
        return "ImageDataGenerator(" + ", ".join(parts) + ")"


_FIELD_NAMES = tuple(f.name for f in fields(AugmentConfig))
_dataclass_init = AugmentConfig.__init__


@functools.wraps(_dataclass_init)
def _init(self: AugmentConfig, *args: Any, **kwargs: Any) -> None:
    try:
        _dataclass_init(self, *args, **kwargs)
    except TypeError as exc:
        problem = _call_problem(args, kwargs)
        if problem is None:
            raise
        raise TypeError(problem) from exc


AugmentConfig.__init__ = _init  # type: ignore[method-assign]


def _call_problem(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> str | None:
    """What is wrong with the arguments themselves, in the public class's name."""
    if len(args) > len(_FIELD_NAMES):
        return (
            f"ImageDataGenerator takes at most {len(_FIELD_NAMES)} positional arguments, "
            f"got {len(args)}"
        )
    for key in kwargs:
        if key not in _FIELD_NAMES:
            return (
                f"ImageDataGenerator got an unexpected keyword argument {short_repr(key)}"
                f"{did_you_mean(key, _FIELD_NAMES)}"
            )
    for key in _FIELD_NAMES[: len(args)]:
        if key in kwargs:
            return f"ImageDataGenerator got multiple values for argument {key!r}"
    return None


def screen_config(
    data: Mapping[str, Any], *, allow_code: bool = False, source: str | None = None
) -> dict[str, Any]:
    """``data`` as ``ImageDataGenerator`` arguments, before their values are validated.

    Keys must be argument names (unknown ones get a did-you-mean).  A
    ``preprocessing_function`` given as a ``'module:function'`` string is code: refused
    unless ``allow_code``, then imported.  ``source`` (a file name) prefixes errors.

        >>> screen_config({"rotation_range": 10})
        {'rotation_range': 10}
    """
    where = f"config file {short_repr(source)}: " if source is not None else ""
    if not isinstance(data, Mapping):
        raise TypeError(
            f"{where}config must be a mapping of ImageDataGenerator arguments, "
            f"got {type(data).__name__}"
        )
    for key in data:
        if not isinstance(key, str):
            raise TypeError(f"{where}argument names must be strings, got {short_repr(key)}")
    unknown = [key for key in data if key not in _FIELD_NAMES]
    if unknown:
        shown = "; ".join(
            f"unknown ImageDataGenerator argument {short_repr(key)}"
            f"{did_you_mean(key, _FIELD_NAMES)}"
            for key in unknown[:3]
        )
        more = f" (and {len(unknown) - 3} more)" if len(unknown) > 3 else ""
        raise ValueError(where + shown + more)
    values = dict(data)
    code = values.get("preprocessing_function")
    if isinstance(code, str):
        if not allow_code:
            raise ValueError(
                f"{where}preprocessing_function={short_repr(code)} names code to import and "
                "run, which a config may do only if you trust it: pass allow_code=True "
                "(command line: --allow-code)"
            )
        try:
            values["preprocessing_function"] = resolve_callable(code)
        except ValueError as exc:
            raise ValueError(f"{where}{exc}") from exc
    return values


# -- config files ------------------------------------------------------------------

MAX_CONFIG_BYTES = 1 << 20
MAX_CONFIG_DEPTH = 16
MAX_CONFIG_NODES = 10_000
CONFIG_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


class _Refused(ValueError):
    """A config document that parses but exceeds what a config may hold."""


class _ConfigLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without aliases or duplicate keys, with bounded nesting and size."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                f"line {line}: YAML aliases (*{short_repr(event.anchor)[1:-1]}) are not "
                "allowed in config files: write the value out"
            )
        self._nodes += 1
        if self._nodes > MAX_CONFIG_NODES:
            raise _Refused(f"line {line}: more than {MAX_CONFIG_NODES} values")
        self._depth += 1
        try:
            if self._depth > MAX_CONFIG_DEPTH:
                raise _Refused(f"line {line}: nested deeper than {MAX_CONFIG_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self.flatten_mapping(node)
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # the safe constructor refuses it below
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _Refused(
                    f"line {line}: duplicate key {short_repr(key)} (first on line "
                    f"{seen[key]}): keep one"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"duplicate key {short_repr(key)}: keep one")
        out[key] = value
    return out


def _check_bounds(data: Any) -> None:
    """Refuse JSON documents nested or sized beyond the YAML loader's bounds."""
    stack = [(data, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_CONFIG_NODES:
            raise _Refused(f"more than {MAX_CONFIG_NODES} values")
        if depth > MAX_CONFIG_DEPTH:
            raise _Refused(f"nested deeper than {MAX_CONFIG_DEPTH} levels")
        if isinstance(value, dict):
            nodes += len(value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{where}{problem}"


def parse_config_text(text: str, fmt: str, source: str | None = None) -> dict[str, Any]:
    """The mapping in a JSON (``fmt="json"``) or YAML config document, read as data.

    Safe loaders only; at most ``MAX_CONFIG_BYTES`` of text, ``MAX_CONFIG_DEPTH``
    levels and ``MAX_CONFIG_NODES`` values; no YAML aliases; duplicate keys refused.
    An empty YAML document is an empty mapping.  ``source`` names the file in errors.

        >>> parse_config_text("rotation_range: 10", "yaml")
        {'rotation_range': 10}
    """
    name = f"config file {short_repr(source)}" if source is not None else f"{fmt} config"
    if fmt not in ("json", "yaml"):
        raise ValueError(f"config format must be 'json' or 'yaml', got {short_repr(fmt)}")
    if len(text) > MAX_CONFIG_BYTES:
        raise ValueError(f"{name} is over {MAX_CONFIG_BYTES >> 20} MiB: not a config")
    try:
        if fmt == "json":
            data = json.loads(text, object_pairs_hook=_json_object)
            _check_bounds(data)
        else:
            loader = _ConfigLoader(text)
            try:
                data = loader.get_single_data()
            finally:
                loader.dispose()
            data = {} if data is None else data
    except _Refused as exc:
        raise ValueError(f"{name}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{name} is not valid YAML: {_yaml_problem(exc)}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{name} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ValueError(f"{name}: nested deeper than {MAX_CONFIG_DEPTH} levels") from None
    except ValueError as exc:  # e.g. an integer too long to convert
        raise ValueError(f"{name}: {short_repr(str(exc), 200)[1:-1]}") from None
    if not isinstance(data, dict):
        raise ValueError(
            f"{name} must hold a mapping of ImageDataGenerator arguments, "
            f"got {type(data).__name__}"
        )
    return data


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The argument mapping in a ``.json``/``.yaml``/``.yml`` file, read as data.

    Nothing in it is run or imported here (see :func:`parse_config_text` for the
    bounds); :meth:`AugmentConfig.load` builds the config from it.
    """
    p = Path(path)
    name = f"config file {short_repr(str(p))}"
    fmt = CONFIG_SUFFIXES.get(p.suffix.lower())
    if fmt is None:
        raise ValueError(f"{name} must end in .json, .yaml or .yml")
    try:
        raw = read_regular(os.fspath(p), MAX_CONFIG_BYTES)
    except FileTooLarge:
        raise ValueError(f"{name} is over {MAX_CONFIG_BYTES >> 20} MiB: not a config") from None
    except UnreadableFile as exc:
        raise ValueError(f"cannot read {name}: {exc.reason}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} is not UTF-8 text (byte {exc.start})") from None
    return parse_config_text(text, fmt, str(p))


@dataclass(frozen=True)
class RawNote:
    """A value as given that was reinterpreted to build the config (see :func:`read_config`)."""

    field: str
    given: Any
    used: Any


@dataclass(frozen=True)
class ReadConfig:
    """A config as read: the validated config, the values reinterpreted, the file read."""

    config: AugmentConfig
    notes: tuple[RawNote, ...] = ()
    source: str | None = None  # the file's path; None for a mapping

    def note(self, name: str) -> RawNote | None:
        """The note on argument ``name``, if its value was reinterpreted."""
        return next((n for n in self.notes if n.field == name), None)


def _keras_values(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[RawNote]]:
    """Reinterpret values Keras accepts but augwise refuses, noting each.

    Brightness given as deltas (``[-0.2, 0.2]``) becomes factors (``[0.8, 1.2]``).
    """
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


def read_config(
    source: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    allow_code: bool = False,
    keras_values: bool = False,
) -> ReadConfig:
    """The one config reader: a ``.json``/``.yaml`` file or a mapping -> validated config.

    The file is read as data (:func:`read_config_file`); a ``preprocessing_function``
    given as ``'module:function'`` is imported only with ``allow_code=True``.
    ``overrides`` (the command line's values) win over the source's; errors in the
    source name the file, errors in the overrides do not.  With ``keras_values=True``
    values Keras accepts but augwise refuses (brightness deltas such as ``[-0.2, 0.2]``)
    are reinterpreted and listed in ``notes`` (the doctor lints them); otherwise they
    are refused like any invalid value.

        >>> read = read_config({"brightness_range": [-0.2, 0.2]}, keras_values=True)
        >>> read.config.brightness_range, read.note("brightness_range").given
        ((0.8, 1.2), [-0.2, 0.2])
    """
    path: str | None = None
    if source is None:
        data: dict[str, Any] = {}
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        data = read_config_file(source)
    elif isinstance(source, Mapping):
        data = dict(source)
    else:
        raise TypeError(
            "source must be a .json/.yaml path, a mapping of ImageDataGenerator arguments or "
            f"None, got {type(source).__name__}"
        )
    extra = dict(overrides or {})
    notes: list[RawNote] = []
    if keras_values:
        data, notes = _keras_values(data)
        extra, extra_notes = _keras_values(extra)
        notes = [n for n in notes if n.field not in extra] + extra_notes
    given = {k: v for k, v in data.items() if k not in extra}
    config = AugmentConfig.from_dict(given, allow_code=allow_code, source=path)
    if extra:
        config = config.replace(**screen_config(extra, allow_code=allow_code))
    return ReadConfig(config, tuple(notes), path)


def parameter_table() -> str:
    """The Markdown table of every argument (generated into docs/parameters.md)."""
    rows = [
        "| argument | default | Keras | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for f in fields(AugmentConfig):
        default = f.default
        shown = "None" if default is None else json.dumps(
            list(default) if isinstance(default, tuple) else default
        )
        keras = "yes" if f.metadata.get("keras") else "augwise"
        doc = f.metadata.get("doc", "").replace("|", "\\|")
        rows.append(f"| `{f.name}` | `{shown}` | {keras} | {doc} |")
    rows += [
        "",
        "## Transforms",
        "",
        "The random transforms, from `augwise.core.transforms.TRANSFORMS`, with what the",
        "tuner searches for each (`augwise tune`).",
        "",
        "| transform | kind | arguments | applied by | tuner searches |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in TRANSFORMS:
        dims = [d.describe() for d in s.search]
        dims += [f"{d.describe()} (with {choice})" for choice, more in s.search_if.items()
                 for d in more]
        arguments = ", ".join(f"`{name}`" for name in s.fields)
        kernels = ", ".join(f"`{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}`"
                            for fn in s.applied_by)
        rows.append(f"| {s.doc} | {s.kind} | {arguments} | {kernels} | {'; '.join(dims)} |")
    rows += [
        "",
        "## Policy ops",
        "",
        "The ops of `policy`, from `augwise.core.policies.POLICY_OPS`: their value at",
        "magnitude 0 and at the top magnitude (30); signed ops take a random sign.",
        "",
        "| op | kind | value | signed | trivialaugment | randaugment |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for op in POLICY_OPS.values():
        ends = [f"{op.strength(p, 0.0):.4g}..{op.strength(p, 1.0):.4g}" for p in POLICIES]
        signed = "yes" if op.signed else "no"
        rows.append(f"| `{op.name}` | {op.kind} | {op.unit} | {signed} | {ends[0]} | {ends[1]} |")
    return "\n".join(rows) + "\n"


def config_fields() -> list[dataclasses.Field[Any]]:
    """The declared fields, in signature order."""
    return list(fields(AugmentConfig))


def keras_argument_names() -> list[str]:
    return [f.name for f in fields(AugmentConfig) if f.metadata.get("keras")]


def callable_path(fn: Callable[..., Any]) -> str | None:
    """``module:qualname`` for an importable function, else None."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    try:
        if resolve_callable(f"{module}:{qualname}") is fn:
            return f"{module}:{qualname}"
    except ValueError:
        return None
    return None


def resolve_callable(path: str) -> Callable[..., Any]:
    """Import ``module:attr.path`` and return it (used for preprocessing_function)."""
    if ":" not in path:
        raise ValueError(
            f"preprocessing_function={short_repr(path)} must be an import path 'module:function'"
        )
    module_name, _, attr = path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(
            f"preprocessing_function={short_repr(path)} cannot be imported: {exc}"
        ) from exc
    if not callable(obj):
        raise ValueError(f"preprocessing_function={short_repr(path)} is not callable")
    fn: Callable[..., Any] = obj
    return fn


# -- validation --------------------------------------------------------------------


def _set(cfg: AugmentConfig, name: str, value: Any) -> None:
    object.__setattr__(cfg, name, value)


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _float(v: Any) -> float:
    """``float(v)``, with integers too large for a float as infinity."""
    try:
        return float(v)
    except OverflowError:
        return float("inf") if v > 0 else float("-inf")


def _number(
    name: str, v: Any, *, minimum: float | None = 0.0, maximum: float | None = None,
    unit: str = "",
) -> float:
    """``v`` as a finite float, at least ``minimum`` and at most ``maximum`` in size."""
    if not _is_number(v):
        raise TypeError(f"{name} must be a number, got {short_repr(v)}")
    fv = _float(v)
    if not np.isfinite(fv):
        raise ValueError(f"{name} must be finite, got {short_repr(v)}")
    if minimum is not None and fv < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {short_repr(v)}")
    if maximum is not None and abs(fv) > maximum:
        raise ValueError(
            f"{name} must be at most {maximum:g}{unit}{' in size' if minimum is None else ''},"
            f" got {short_repr(v)}: larger values overflow the random draws or the output"
        )
    return fv


def _pair(name: str, v: Any) -> tuple[float, float]:
    """``v`` as ``(lower, upper)``: two finite floats (their order is the caller's check)."""
    if not isinstance(v, (list, tuple)) or len(v) != 2 or not all(_is_number(x) for x in v):
        raise ValueError(f"{name} must be a tuple or list of two floats, got {short_repr(v)}")
    lo, hi = _float(v[0]), _float(v[1])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"{name} must hold two finite numbers, got {short_repr(v)}")
    return lo, hi


def _shift(name: str, v: Any) -> ShiftRange:
    if isinstance(v, (list, tuple, np.ndarray)):
        values = list(np.asarray(v).ravel().tolist()) if isinstance(v, np.ndarray) else list(v)
        if not all(_is_number(x) for x in values):
            raise TypeError(f"{name} list must hold numbers, got {short_repr(v)}")
        # a list's values may be negative, as in Keras (each draw gets a random sign)
        if any(not np.isfinite(_float(x)) for x in values):
            raise ValueError(f"{name} values must be finite, got {short_repr(v)}")
        if any(abs(x) > MAX_RANGE for x in values):
            raise ValueError(
                f"{name} values are pixels when >= 1 and must be at most {MAX_RANGE:g}, "
                f"got {short_repr(v)}"
            )
        return tuple(float(x) if isinstance(x, float) else int(x) for x in values)
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        if v < 0:
            raise ValueError(f"{name} must be >= 0, got {short_repr(v)}")
        if v > MAX_RANGE:
            raise ValueError(
                f"{name} is in pixels when >= 1 and must be at most {MAX_RANGE:g}, "
                f"got {short_repr(v)}"
            )
        return int(v)
    return _number(name, v, maximum=MAX_RANGE, unit=" (pixels; < 1 is a fraction)")


def _validate(cfg: AugmentConfig) -> None:
    for name in (
        "featurewise_center",
        "samplewise_center",
        "featurewise_std_normalization",
        "samplewise_std_normalization",
        "zca_whitening",
        "horizontal_flip",
        "vertical_flip",
        "keras_compat",
        "augment_validation",
    ):
        _set(cfg, name, check_bool(name, getattr(cfg, name)))
    _set(cfg, "zca_epsilon", _number("zca_epsilon", cfg.zca_epsilon, maximum=MAX_VALUE))
    _set(cfg, "rotation_range", _number("rotation_range", cfg.rotation_range, maximum=MAX_RANGE,
                                            unit=" degrees"))
    _set(cfg, "shear_range", _number("shear_range", cfg.shear_range, maximum=MAX_RANGE,
                                         unit=" degrees"))
    _set(cfg, "channel_shift_range",
         _number("channel_shift_range", cfg.channel_shift_range, maximum=MAX_VALUE))
    _set(cfg, "cval", _number("cval", cfg.cval, minimum=None, maximum=MAX_VALUE))
    _set(cfg, "width_shift_range", _shift("width_shift_range", cfg.width_shift_range))
    _set(cfg, "height_shift_range", _shift("height_shift_range", cfg.height_shift_range))

    zoom = cfg.zoom_range
    if _is_number(zoom):
        z = _number("zoom_range", zoom)
        pair: tuple[float, float] = (1.0 - z, 1.0 + z)
    elif isinstance(zoom, (list, tuple)) and len(zoom) == 2 and all(_is_number(v) for v in zoom):
        pair = _pair("zoom_range", zoom)
    else:
        raise ValueError(
            f"zoom_range must be a float or a tuple or list of two floats, got {short_repr(zoom)}"
        )
    if pair[0] > pair[1] or pair[0] <= 0:
        raise ValueError(f"zoom_range must satisfy 0 < lower <= upper, got {short_repr(zoom)}")
    if pair[1] > MAX_RANGE:
        raise ValueError(
            f"zoom_range must be at most {MAX_RANGE:g} (a zoom factor), got {short_repr(zoom)}"
        )
    _set(cfg, "zoom_range", pair)

    br = cfg.brightness_range
    if br is not None:
        lo, hi = _pair("brightness_range", br)
        if lo < 0 and hi <= 1:
            raise ValueError(
                f"brightness_range={short_repr(br)} looks like +/- deltas, but it is a range of "
                f"multiplicative factors (1 = unchanged): use ({1 + lo:g}, {1 + hi:g})"
            )
        if lo < 0 or lo > hi:
            raise ValueError(
                f"brightness_range must satisfy 0 <= lower <= upper, got {short_repr(br)}"
            )
        if hi > MAX_RANGE:
            raise ValueError(
                f"brightness_range must be at most {MAX_RANGE:g} (a brightness factor), "
                f"got {short_repr(br)}"
            )
        _set(cfg, "brightness_range", (lo, hi))

    check_choice("fill_mode", cfg.fill_mode, FILL_MODES)
    if cfg.rescale is not None:
        _set(cfg, "rescale", _number("rescale", cfg.rescale, minimum=None, maximum=MAX_VALUE))
    fn = cfg.preprocessing_function
    if isinstance(fn, str):
        fn = resolve_callable(fn)
        _set(cfg, "preprocessing_function", fn)
    if fn is not None and not callable(fn):
        raise TypeError(f"preprocessing_function must be callable or None, got {short_repr(fn)}")
    if cfg.data_format is None:
        _set(cfg, "data_format", default_data_format())
    check_choice("data_format", cfg.data_format, DATA_FORMATS)
    vs = _number("validation_split", cfg.validation_split)
    if vs and not 0 < vs < 1:
        raise ValueError(f"validation_split must be strictly between 0 and 1, got {short_repr(vs)}")
    _set(cfg, "validation_split", vs)
    order = cfg.interpolation_order
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or not 0 <= order <= 5:
        raise ValueError(f"interpolation_order must be an int in 0..5, got {short_repr(order)}")
    _set(cfg, "interpolation_order", int(order))
    _set(cfg, "dtype", _float_dtype("dtype", cfg.dtype))
    _check_output_range(cfg)
    if cfg.seed is not None:
        if not isinstance(cfg.seed, (int, np.integer)) or isinstance(cfg.seed, bool):
            raise TypeError(f"seed must be a non-negative int or None, got {short_repr(cfg.seed)}")
        if cfg.seed < 0:
            raise ValueError(f"seed must be a non-negative int or None, got {short_repr(cfg.seed)}")
        _set(cfg, "seed", int(cfg.seed))
    check_choice("validation_split_mode", cfg.validation_split_mode, SPLIT_MODES)
    check_choice("featurewise_method", cfg.featurewise_method, FEATUREWISE_METHODS)
    if cfg.zca_rank is not None and (
        not isinstance(cfg.zca_rank, (int, np.integer))
        or isinstance(cfg.zca_rank, bool)
        or cfg.zca_rank < 1
    ):
        raise ValueError(f"zca_rank must be a positive int or None, got {short_repr(cfg.zca_rank)}")
    check_choice("policy", cfg.policy, (*POLICIES, None))
    for name, lo, hi in (("policy_num_ops", 1, MAX_OPS), ("policy_magnitude", 0, BINS - 1)):
        value = getattr(cfg, name)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not (
            lo <= value <= hi
        ):
            raise ValueError(f"{name} must be an int in {lo}..{hi}, got {short_repr(value)}")
        _set(cfg, name, int(value))
    if cfg.policy is not None and cfg.keras_compat:
        raise ValueError("policy is an augwise extension and is not available with keras_compat")
    check_choice("output_dtype", cfg.output_dtype, OUTPUT_DTYPES)
    if cfg.output_dtype == "uint8" and cfg.standardizes:
        raise ValueError(
            "output_dtype='uint8' skips the float cast, so it cannot be combined with rescale, "
            "preprocessing_function or centring/normalisation options"
        )
    if cfg.keras_compat and cfg.output_dtype is not None:
        raise ValueError("output_dtype='uint8' is not available with keras_compat=True")
    if cfg.keras_compat and cfg.zca_whitening and cfg.dtype == "float16":
        raise ValueError(
            "zca_whitening with keras_compat=True needs dtype='float32' or 'float64': Keras' "
            "fit() runs NumPy's SVD in dtype, which has no float16"
        )
    _apply_keras_implications(cfg)


# standardisation steps whose results an integer dtype cannot hold
_FRACTIONAL_STEPS = ("samplewise_center", "samplewise_std_normalization", "featurewise_center",
                     "featurewise_std_normalization", "zca_whitening")


def _check_output_range(cfg: AugmentConfig) -> None:
    """Refuse a ``rescale`` (with ``cval``) that turns pixel values into inf in ``dtype``
    (or, for an integer dtype, beyond its range)."""
    dt = np.dtype(cfg.dtype)
    floating = dt.kind == "f"
    top = float(np.finfo(dt).max if floating else np.iinfo(dt).max)
    pixel = max(255.0, abs(cfg.cval)) if floating else 255.0
    scale = abs(cfg.rescale) if cfg.rescale else 1.0
    if not floating:
        steps = [name for name in _FRACTIONAL_STEPS if getattr(cfg, name)]
        if cfg.rescale and (float(cfg.rescale) != int(cfg.rescale)
                            or (cfg.rescale < 0 and dt.kind == "u")):
            steps.insert(0, f"rescale={cfg.rescale:g}")
        if steps:
            raise ValueError(
                f"dtype={dt.name!r} cannot hold what {' and '.join(steps)} makes of pixel "
                "values (fractions, negatives): every batch would be truncated. Use a "
                "float dtype (dtype='float32')"
            )
        if top < 255:
            raise ValueError(
                f"dtype={dt.name!r} cannot hold pixel values from 0 to 255 (it holds "
                f"{np.iinfo(dt).min} to {np.iinfo(dt).max}): use dtype='uint8', a wider "
                "integer or a float dtype"
            )
    if pixel * scale > top:
        names = (["rescale"] if cfg.rescale else []) + (["cval"] if pixel > 255 else [])
        given = " with ".join(f"{n}={getattr(cfg, n):g}" for n in names)
        raise ValueError(
            f"{given} and dtype={dt.name!r} turn a pixel value of {pixel:g} into "
            f"{pixel * scale:.3g}, beyond the largest {dt.name} ({top:.4g}): every batch "
            f"would hold {'inf' if floating else 'overflowed values'}. Use a smaller "
            f"{' or '.join(names)} or a wider dtype (e.g. dtype='float32')"
        )


def _float_dtype(name: str, v: Any) -> str:
    if v is None:
        return "float32"
    try:
        dt = np.dtype(v)
    except TypeError as exc:
        raise TypeError(f"{name} must be a numpy dtype name, got {short_repr(v)}") from exc
    if dt.kind not in "fiu":
        raise ValueError(f"{name} must be a numeric dtype, got {short_repr(v)}")
    return dt.name


def _apply_keras_implications(cfg: AugmentConfig) -> None:
    """Keras' own overrides between the normalisation flags, with its warnings."""
    if cfg.zca_whitening:
        if not cfg.featurewise_center:
            _set(cfg, "featurewise_center", True)
            warnings.warn(
                "This ImageDataGenerator specifies `zca_whitening`, which overrides "
                "setting of `featurewise_center`.",
                stacklevel=4,
            )
        if cfg.featurewise_std_normalization:
            _set(cfg, "featurewise_std_normalization", False)
            warnings.warn(
                "This ImageDataGenerator specifies `zca_whitening` which overrides "
                "setting of `featurewise_std_normalization`.",
                stacklevel=4,
            )
    if cfg.featurewise_std_normalization and not cfg.featurewise_center:
        _set(cfg, "featurewise_center", True)
        warnings.warn(
            "This ImageDataGenerator specifies `featurewise_std_normalization`, which "
            "overrides setting of `featurewise_center`.",
            stacklevel=4,
        )
    if cfg.samplewise_std_normalization and not cfg.samplewise_center:
        _set(cfg, "samplewise_center", True)
        warnings.warn(
            "This ImageDataGenerator specifies `samplewise_std_normalization`, which "
            "overrides setting of `samplewise_center`.",
            stacklevel=4,
        )


def default_data_format() -> str:
    """Keras' configured image data format when Keras is already imported."""
    import sys

    keras = sys.modules.get("keras")
    if keras is not None:
        try:
            fmt = keras.config.image_data_format()
            if fmt in DATA_FORMATS:
                return str(fmt)
        except AttributeError:
            pass
    return "channels_last"
