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
import importlib
import json
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from augwise.core.policies import BINS, MAX_OPS, POLICIES

ShiftRange = float | int | tuple[float, ...]
FILL_MODES = ("nearest", "constant", "reflect", "wrap")
DATA_FORMATS = ("channels_last", "channels_first")
SPLIT_MODES = ("first", "stratified")
FEATUREWISE_METHODS = ("mean_std", "median_iqr")
OUTPUT_DTYPES = (None, "uint8")


def _doc(text: str, *, keras: bool = True, cli: bool = True) -> dict[str, Any]:
    return {"doc": text, "keras": keras, "cli": cli}


@dataclass(frozen=True)
class AugmentConfig:
    """Every argument of ``ImageDataGenerator``, validated and normalised."""

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
        return bool(
            self.rotation_range
            or _shift_nonzero(self.width_shift_range)
            or _shift_nonzero(self.height_shift_range)
            or self.shear_range
            or self.zoom_range != (1.0, 1.0)
            or self.horizontal_flip
            or self.vertical_flip
            or self.policy is not None
        )

    @property
    def has_colour(self) -> bool:
        return (
            bool(self.channel_shift_range)
            or self.brightness_range is not None
            or self.policy is not None
        )

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
    def from_dict(cls, data: Mapping[str, Any]) -> AugmentConfig:
        """Build from a mapping; unknown keys raise ``ValueError`` naming them."""
        if not isinstance(data, Mapping):
            raise TypeError(f"config must be a mapping, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown ImageDataGenerator argument(s): {', '.join(unknown)}")
        return cls(**dict(data))

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AugmentConfig:
        return cls.from_dict(json.loads(text))

    def to_yaml(self, *, only_changes: bool = False) -> str:
        data = self.non_default_dict() if only_changes else self.to_dict()
        return yaml.safe_dump(data, sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> AugmentConfig:
        data = yaml.safe_load(text) or {}
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> AugmentConfig:
        """Read a ``.json``, ``.yaml`` or ``.yml`` file (safe loaders only)."""
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read config file {str(p)!r}: {exc}") from exc
        if p.suffix.lower() == ".json":
            return cls.from_json(text)
        if p.suffix.lower() in (".yaml", ".yml"):
            return cls.from_yaml(text)
        raise ValueError(f"config file {str(p)!r} must end in .json, .yaml or .yml")

    def python_call(self) -> str:
        """The ``ImageDataGenerator(...)`` line that builds this configuration."""
        parts = []
        for key, value in self.non_default_dict().items():
            parts.append(f"{key}={value!r}")
        return "ImageDataGenerator(" + ", ".join(parts) + ")"


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
            f"preprocessing_function={path!r} must be an import path 'module:function'"
        )
    module_name, _, attr = path.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"preprocessing_function={path!r} cannot be imported: {exc}") from exc
    if not callable(obj):
        raise ValueError(f"preprocessing_function={path!r} is not callable")
    fn: Callable[..., Any] = obj
    return fn


# -- validation --------------------------------------------------------------------


def _set(cfg: AugmentConfig, name: str, value: Any) -> None:
    object.__setattr__(cfg, name, value)


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _number(name: str, v: Any, *, minimum: float | None = 0.0) -> float:
    if not _is_number(v):
        raise TypeError(f"{name} must be a number, got {v!r}")
    fv = float(v)
    if not np.isfinite(fv):
        raise ValueError(f"{name} must be finite, got {v!r}")
    if minimum is not None and fv < minimum:
        raise ValueError(f"{name} must be >= {minimum:g}, got {v!r}")
    return fv


def _bool(name: str, v: Any) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    raise TypeError(f"{name} must be True or False, got {v!r}")


def _shift_nonzero(v: ShiftRange) -> bool:
    if isinstance(v, tuple):
        return len(v) > 0 and any(x != 0 for x in v)
    return bool(v)


def _shift(name: str, v: Any) -> ShiftRange:
    if isinstance(v, (list, tuple, np.ndarray)):
        values = list(np.asarray(v).ravel().tolist()) if isinstance(v, np.ndarray) else list(v)
        if not all(_is_number(x) for x in values):
            raise TypeError(f"{name} list must hold numbers, got {v!r}")
        if any(x < 0 or not np.isfinite(x) for x in values):
            raise ValueError(f"{name} values must be finite and >= 0, got {v!r}")
        return tuple(float(x) if isinstance(x, float) else int(x) for x in values)
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        if v < 0:
            raise ValueError(f"{name} must be >= 0, got {v!r}")
        return int(v)
    return _number(name, v)


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
        _set(cfg, name, _bool(name, getattr(cfg, name)))
    _set(cfg, "zca_epsilon", _number("zca_epsilon", cfg.zca_epsilon))
    _set(cfg, "rotation_range", _number("rotation_range", cfg.rotation_range))
    _set(cfg, "shear_range", _number("shear_range", cfg.shear_range))
    _set(cfg, "channel_shift_range", _number("channel_shift_range", cfg.channel_shift_range))
    _set(cfg, "cval", _number("cval", cfg.cval, minimum=None))
    _set(cfg, "width_shift_range", _shift("width_shift_range", cfg.width_shift_range))
    _set(cfg, "height_shift_range", _shift("height_shift_range", cfg.height_shift_range))

    zoom = cfg.zoom_range
    if _is_number(zoom):
        z = _number("zoom_range", zoom)
        pair: tuple[float, float] = (1.0 - z, 1.0 + z)
    elif isinstance(zoom, (list, tuple)) and len(zoom) == 2 and all(_is_number(v) for v in zoom):
        pair = (float(zoom[0]), float(zoom[1]))
    else:
        raise ValueError(
            f"zoom_range must be a float or a tuple or list of two floats, got {zoom!r}"
        )
    if pair[0] > pair[1] or pair[0] <= 0 or not all(np.isfinite(pair)):
        raise ValueError(f"zoom_range must satisfy 0 < lower <= upper, got {zoom!r}")
    _set(cfg, "zoom_range", pair)

    br = cfg.brightness_range
    if br is not None:
        if not isinstance(br, (list, tuple)) or len(br) != 2 or not all(_is_number(v) for v in br):
            raise ValueError(f"brightness_range must be a tuple or list of two floats, got {br!r}")
        lo, hi = float(br[0]), float(br[1])
        if lo < 0 and hi <= 1:
            raise ValueError(
                f"brightness_range={br!r} looks like +/- deltas, but it is a range of "
                f"multiplicative factors (1 = unchanged): use ({1 + lo:g}, {1 + hi:g})"
            )
        if lo < 0 or lo > hi or not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError(f"brightness_range must satisfy 0 <= lower <= upper, got {br!r}")
        _set(cfg, "brightness_range", (lo, hi))

    if cfg.fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {cfg.fill_mode!r}")
    if cfg.rescale is not None:
        _set(cfg, "rescale", _number("rescale", cfg.rescale, minimum=None))
    fn = cfg.preprocessing_function
    if isinstance(fn, str):
        fn = resolve_callable(fn)
        _set(cfg, "preprocessing_function", fn)
    if fn is not None and not callable(fn):
        raise TypeError(f"preprocessing_function must be callable or None, got {fn!r}")
    if cfg.data_format is None:
        _set(cfg, "data_format", default_data_format())
    if cfg.data_format not in DATA_FORMATS:
        raise ValueError(f"data_format must be one of {DATA_FORMATS}, got {cfg.data_format!r}")
    vs = _number("validation_split", cfg.validation_split)
    if vs and not 0 < vs < 1:
        raise ValueError(f"validation_split must be strictly between 0 and 1, got {vs!r}")
    _set(cfg, "validation_split", vs)
    order = cfg.interpolation_order
    if not isinstance(order, (int, np.integer)) or isinstance(order, bool) or not 0 <= order <= 5:
        raise ValueError(f"interpolation_order must be an int in 0..5, got {order!r}")
    _set(cfg, "interpolation_order", int(order))
    _set(cfg, "dtype", _float_dtype("dtype", cfg.dtype))
    if cfg.seed is not None:
        if not isinstance(cfg.seed, (int, np.integer)) or isinstance(cfg.seed, bool):
            raise TypeError(f"seed must be a non-negative int or None, got {cfg.seed!r}")
        if cfg.seed < 0:
            raise ValueError(f"seed must be a non-negative int or None, got {cfg.seed!r}")
        _set(cfg, "seed", int(cfg.seed))
    if cfg.validation_split_mode not in SPLIT_MODES:
        raise ValueError(
            f"validation_split_mode must be one of {SPLIT_MODES}, got {cfg.validation_split_mode!r}"
        )
    if cfg.featurewise_method not in FEATUREWISE_METHODS:
        raise ValueError(
            f"featurewise_method must be one of {FEATUREWISE_METHODS}, "
            f"got {cfg.featurewise_method!r}"
        )
    if cfg.zca_rank is not None and (
        not isinstance(cfg.zca_rank, (int, np.integer))
        or isinstance(cfg.zca_rank, bool)
        or cfg.zca_rank < 1
    ):
        raise ValueError(f"zca_rank must be a positive int or None, got {cfg.zca_rank!r}")
    if cfg.policy is not None and cfg.policy not in POLICIES:
        raise ValueError(f"policy must be None or one of {POLICIES}, got {cfg.policy!r}")
    for name, lo, hi in (("policy_num_ops", 1, MAX_OPS), ("policy_magnitude", 0, BINS - 1)):
        value = getattr(cfg, name)
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not (
            lo <= value <= hi
        ):
            raise ValueError(f"{name} must be an int in {lo}..{hi}, got {value!r}")
        _set(cfg, name, int(value))
    if cfg.policy is not None and cfg.keras_compat:
        raise ValueError("policy is an augwise extension and is not available with keras_compat")
    if cfg.output_dtype not in OUTPUT_DTYPES:
        raise ValueError(f"output_dtype must be None or 'uint8', got {cfg.output_dtype!r}")
    if cfg.output_dtype == "uint8" and cfg.standardizes:
        raise ValueError(
            "output_dtype='uint8' skips the float cast, so it cannot be combined with rescale, "
            "preprocessing_function or centring/normalisation options"
        )
    if cfg.keras_compat and cfg.output_dtype is not None:
        raise ValueError("output_dtype='uint8' is not available with keras_compat=True")
    _apply_keras_implications(cfg)


def _float_dtype(name: str, v: Any) -> str:
    if v is None:
        return "float32"
    try:
        dt = np.dtype(v)
    except TypeError as exc:
        raise TypeError(f"{name} must be a numpy dtype name, got {v!r}") from exc
    if dt.kind not in "fiu":
        raise ValueError(f"{name} must be a numeric dtype, got {v!r}")
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


def shift_values(v: ShiftRange) -> Sequence[float]:
    """The explicit values of a list-form shift range."""
    return list(v) if isinstance(v, tuple) else []


Interpolation = Literal["nearest", "bilinear", "bicubic", "lanczos", "box", "hamming"]
