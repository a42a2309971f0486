"""The transforms of ``ImageDataGenerator``, declared once.

One :class:`TransformSpec` per transform, in :data:`TRANSFORMS`: its config arguments,
its kind, how its parameters are drawn from a sample's uniforms, its tuner search
dimensions, its "alone" arguments (the transform without the rest of the config, for
the doctor's and the tuner's per-transform measurements), the arguments at which it
leaves images as they are, and the values the conformance tests run it with.  The
config's ``has_geometry``/``has_colour``, the engine's sampling, the tuner's search
space, the doctor's fill measurements and the tests are all derived from it.  The
policies' ops are declared the same way in :data:`augwise.core.policies.POLICY_OPS`.

>>> [s.name for s in TRANSFORMS if s.kind == "flip"]
['horizontal_flip', 'vertical_flip']
>>> spec("rotation_range").search[0].describe()
'rotation_range in 0..45 step 5'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from augwise.core.arrayops import NUMPY_OPS, ArrayOps
from augwise.core.geometry import augment_matrices, flip_matrices
from augwise.core.kernels import colour_lut
from augwise.core.policies import (
    MAX_OPS,
    POLICIES,
    UNIFORMS_PER_OP,
    apply_colour_ops,
    policy_matrix,
    sample_ops,
)

Kind = Literal["geometric", "flip", "colour", "policy"]
Values = tuple[Any, ...]  # a spec's argument values, in ``TransformSpec.fields`` order
Draw = Callable[..., dict[str, Any]]  # (values, u, height, width, channels, xp=NUMPY_OPS)
Limits = Callable[[Values, int, int], dict[str, tuple[float, float]]]

# slot layout of a sample's row of uniforms (fixed: adding a transform changes no draw)
SLOTS = 32
S_THETA, S_TX, S_TX_SIGN, S_TY, S_TY_SIGN, S_SHEAR, S_ZX, S_ZY, S_FH, S_FV = range(10)
S_CHANNEL = 10  # 10..13, one per channel (up to 4; more channels reuse them cyclically)
S_BRIGHT = 14
S_POLICY = 16  # 16..27: (op, strength, sign) for up to 4 policy ops


@dataclass(frozen=True)
class Dim:
    """One searched argument: numbers ``low..high`` by ``step``, or ``choices``.

        >>> Dim("zoom_range", 0, 0.3, 0.05).levels
        7
    """

    name: str
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0
    choices: tuple[Any, ...] = ()

    @property
    def levels(self) -> int:
        if self.choices:
            return len(self.choices)
        return round((self.high - self.low) / self.step) + 1

    @property
    def integer(self) -> bool:
        return not self.choices and all(float(v).is_integer() for v in (self.low, self.step))

    def describe(self) -> str:
        if self.choices:
            return f"{self.name} in {{{', '.join(str(c) for c in self.choices)}}}"
        return f"{self.name} in {self.low:g}..{self.high:g} step {self.step:g}"


@dataclass(frozen=True, eq=False)  # one object per transform: compared by identity
class TransformSpec:
    """One transform: everything the engine, the doctor, the tuner and the tests use.

    ``name`` is its main argument (the name reports use); ``extra_fields`` are the
    arguments that tune it and travel with it.  ``draw(values, u, height, width,
    channels, xp=NUMPY_OPS)`` maps ``(n, SLOTS)`` uniforms to its ``BatchParams`` fields
    (``params``; ``xp``: the array functions, see :class:`ArrayOps`); ``limits``
    bounds those parameters.  ``search`` are its tuner
    dimensions (``search_if[choice]``: searched only when the first takes ``choice``)
    and ``from_search`` turns a point of them into arguments.  ``identity``: arguments
    at zero strength, which leave every image as it is (None: there are none).
    ``test_values``: argument sets the conformance suite runs it with.  ``applied_by``:
    the kernels that apply its parameters (matrices for the fused warp, colour tables).
    """

    name: str
    kind: Kind
    doc: str
    params: tuple[str, ...]
    draw: Draw
    limits: Limits
    search: tuple[Dim, ...]
    from_search: Callable[[Mapping[str, Any]], dict[str, Any]]
    identity: dict[str, Any] | None
    test_values: tuple[dict[str, Any], ...]
    applied_by: tuple[Callable[..., Any], ...]
    extra_fields: tuple[str, ...] = ()
    active_when: Callable[[Any], bool] = bool
    search_if: dict[Any, tuple[Dim, ...]] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[str, ...]:
        """Every argument of this transform, its main one first."""
        return (self.name, *self.extra_fields)

    @property
    def fills(self) -> bool:
        """True when it moves pixels, so that the fill mode invents some."""
        return self.kind in ("geometric", "policy")

    @property
    def geometric(self) -> bool:
        return self.kind in ("geometric", "flip", "policy")

    @property
    def colour(self) -> bool:
        return self.kind in ("colour", "policy")

    def values(self, config: Any) -> Values:
        """This transform's argument values in ``config``."""
        return tuple(getattr(config, name) for name in self.fields)

    def active(self, config: Any) -> bool:
        """True when ``config`` turns this transform on."""
        return bool(self.active_when(getattr(config, self.name)))

    def alone(self, config: Any) -> dict[str, Any]:
        """The arguments of ``config`` that make this transform (see
        ``AugmentConfig.alone``)."""
        return dict(zip(self.fields, self.values(config), strict=True))


# -- drawing ------------------------------------------------------------------------


def _symmetric(value: float, u: Any, xp: ArrayOps) -> Any:
    return (2.0 * u - 1.0) * value if value else xp.full(u, 0.0)


def _shift_draw(rng: Any, u: Any, u_sign: Any, extent: float, xp: ArrayOps) -> Any:
    """Vectorised Keras shift semantics (float range, int N, or list of values)."""
    if isinstance(rng, tuple):
        if not rng or not any(rng):
            return xp.full(u, 0.0)
        pick = xp.take(rng, xp.index(u, len(rng)))
        out = pick * xp.where(u_sign < 0.5, -1.0, 1.0)
        limit = float(max(rng))
    elif isinstance(rng, int):
        if rng == 0:
            return xp.full(u, 0.0)
        pick = xp.to_float(xp.index(u, rng))
        out = pick * xp.where(u_sign < 0.5, -1.0, 1.0)
        limit = float(rng)
    else:
        if not rng:
            return xp.full(u, 0.0)
        out = (2.0 * u - 1.0) * rng
        limit = float(rng)
    if limit < 1:
        out = out * extent
    return out


def shift_limit(rng: Any, extent: int) -> float:
    """The largest shift in pixels that ``rng`` (any shift form) draws."""
    if isinstance(rng, tuple):
        if not rng:
            return 0.0
        # Keras: fractions when the largest value (signed) is < 1; each draw gets a sign
        size = max(abs(x) for x in rng)
        return float(size * extent if max(rng) < 1 else size)
    if isinstance(rng, int):
        return float(max(rng - 1, 0))
    return float(rng * extent if rng < 1 else rng)


def shift_active(rng: Any) -> bool:
    """True when a shift range (any form) can move an image."""
    if isinstance(rng, tuple):
        return any(x != 0 for x in rng)
    return bool(rng)


def _draw_rotation(v: Values, u: Any, h: int, w: int, c: int,
                   xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    return {"theta": _symmetric(v[0], u[:, S_THETA], xp)}


def _draw_width_shift(v: Values, u: Any, h: int, w: int, c: int,
                      xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    return {"tx": _shift_draw(v[0], u[:, S_TX], u[:, S_TX_SIGN], w, xp)}


def _draw_height_shift(v: Values, u: Any, h: int, w: int, c: int,
                       xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    return {"ty": _shift_draw(v[0], u[:, S_TY], u[:, S_TY_SIGN], h, xp)}


def _draw_shear(v: Values, u: Any, h: int, w: int, c: int,
                xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    return {"shear": _symmetric(v[0], u[:, S_SHEAR], xp)}


def _draw_zoom(v: Values, u: Any, h: int, w: int, c: int,
               xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    lo, hi = v[0]
    if lo == 1 and hi == 1:
        return {"zx": xp.full(u, 1.0), "zy": xp.full(u, 1.0)}
    return {"zx": lo + (hi - lo) * u[:, S_ZX], "zy": lo + (hi - lo) * u[:, S_ZY]}


def _draw_flip(param: str, slot: int) -> Draw:
    def draw(v: Values, u: Any, h: int, w: int, c: int,
             xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
        return {param: xp.flag(u[:, slot] < 0.5, bool(v[0]))}

    return draw


def _draw_channel_shift(v: Values, u: Any, h: int, w: int, c: int,
                        xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    if not v[0]:
        return {"channel_shift": None}
    cols = [S_CHANNEL + (k % 4) for k in range(c)]
    return {"channel_shift": (2.0 * xp.columns(u, cols) - 1.0) * v[0]}


def _draw_brightness(v: Values, u: Any, h: int, w: int, c: int,
                     xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    if v[0] is None:
        return {"brightness": None}
    lo, hi = v[0]
    return {"brightness": lo + (hi - lo) * u[:, S_BRIGHT]}


def _draw_policy(v: Values, u: Any, h: int, w: int, c: int,
                 xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    policy, num_ops, magnitude = v
    if policy is None:
        return {"policy_ops": None}
    if xp is not NUMPY_OPS:
        raise ValueError("policy ops are drawn on NumPy arrays only (xp=NUMPY_OPS)")
    policy_u = u[:, S_POLICY : S_POLICY + UNIFORMS_PER_OP * MAX_OPS]
    return {"policy_ops": tuple(sample_ops(policy, policy_u, num_ops, magnitude))}


# -- bounds and search --------------------------------------------------------------


def _symmetric_limits(param: str) -> Limits:
    def limits(v: Values, h: int, w: int) -> dict[str, tuple[float, float]]:
        return {param: (-float(v[0]), float(v[0]))}

    return limits


def _shift_limits(param: str, width: bool) -> Limits:
    def limits(v: Values, h: int, w: int) -> dict[str, tuple[float, float]]:
        top = shift_limit(v[0], w if width else h)
        return {param: (-top, top)}

    return limits


def _zoom_limits(v: Values, h: int, w: int) -> dict[str, tuple[float, float]]:
    return {"zx": v[0], "zy": v[0]}


def _flip_limits(param: str) -> Limits:
    def limits(v: Values, h: int, w: int) -> dict[str, tuple[float, float]]:
        return {param: (0.0, 1.0 if v[0] else 0.0)}

    return limits


def _brightness_limits(v: Values, h: int, w: int) -> dict[str, tuple[float, float]]:
    return {} if v[0] is None else {"brightness": v[0]}


def _no_limits(v: Values, h: int, w: int) -> dict[str, tuple[float, float]]:
    return {}  # policy ops: bounded by POLICY_OPS (their strength at magnitude 0 and 30)


def _number(name: str, digits: int | None = None) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    def from_search(point: Mapping[str, Any]) -> dict[str, Any]:
        value = float(point.get(name, 0.0))
        return {name: value if digits is None else round(value, digits)}

    return from_search


def _flag(name: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    def from_search(point: Mapping[str, Any]) -> dict[str, Any]:
        return {name: bool(point.get(name, False))}

    return from_search


def _zoom_from_search(point: Mapping[str, Any]) -> dict[str, Any]:
    zoom = round(float(point.get("zoom_range", 0.0)), 4)
    return {"zoom_range": (round(1 - zoom, 4), round(1 + zoom, 4))}


def _brightness_from_search(point: Mapping[str, Any]) -> dict[str, Any]:
    bright = round(float(point.get("brightness", 0.0)), 4)
    return {"brightness_range": None if bright == 0 else (round(1 - bright, 4),
                                                          round(1 + bright, 4))}


NO_POLICY = "none"
POLICY_DIM = Dim("policy", choices=(NO_POLICY, *POLICIES))


def _policy_from_search(point: Mapping[str, Any]) -> dict[str, Any]:
    policy = point.get("policy", NO_POLICY)
    if policy not in POLICY_DIM.choices:
        raise ValueError(f"policy must be one of {POLICY_DIM.choices}, got {policy!r}")
    out: dict[str, Any] = {}
    if policy != NO_POLICY:
        out["policy"] = policy
    if policy == "randaugment":
        out["policy_num_ops"] = int(point.get("policy_num_ops", 2))
        out["policy_magnitude"] = int(point.get("policy_magnitude", 9))
    return out


def _is_set(value: Any) -> bool:
    return value is not None


def _zoom_active(value: Any) -> bool:
    return tuple(value) != (1.0, 1.0)


# the order is the tuner's order of suggestions and the reports' order of transforms
TRANSFORMS: tuple[TransformSpec, ...] = (
    TransformSpec(
        "rotation_range", "geometric", "rotation by a uniform angle", ("theta",),
        _draw_rotation, _symmetric_limits("theta"), (Dim("rotation_range", 0, 45, 5),),
        _number("rotation_range"), {"rotation_range": 0},
        ({"rotation_range": 30},),
        applied_by=(augment_matrices,),
    ),
    TransformSpec(
        "width_shift_range", "geometric", "horizontal shift", ("tx",),
        _draw_width_shift, _shift_limits("tx", width=True),
        (Dim("width_shift_range", 0, 0.3, 0.05),), _number("width_shift_range", 4),
        {"width_shift_range": 0.0},
        ({"width_shift_range": 0.2}, {"width_shift_range": 3}),
        active_when=shift_active,
        applied_by=(augment_matrices,),
    ),
    TransformSpec(
        "height_shift_range", "geometric", "vertical shift", ("ty",),
        _draw_height_shift, _shift_limits("ty", width=False),
        (Dim("height_shift_range", 0, 0.3, 0.05),), _number("height_shift_range", 4),
        {"height_shift_range": 0.0},
        ({"height_shift_range": 0.25}, {"height_shift_range": [1.0, 2.0]}),
        active_when=shift_active,
        applied_by=(augment_matrices,),
    ),
    TransformSpec(
        "shear_range", "geometric", "shear by a uniform angle", ("shear",),
        _draw_shear, _symmetric_limits("shear"), (Dim("shear_range", 0, 30, 5),),
        _number("shear_range"), {"shear_range": 0},
        ({"shear_range": 20},),
        applied_by=(augment_matrices,),
    ),
    TransformSpec(
        "zoom_range", "geometric", "zoom, each axis its own factor", ("zx", "zy"),
        _draw_zoom, _zoom_limits, (Dim("zoom_range", 0, 0.3, 0.05),), _zoom_from_search,
        {"zoom_range": (1.0, 1.0)},
        ({"zoom_range": 0.3}, {"zoom_range": (0.6, 0.9)}),
        active_when=_zoom_active,
        applied_by=(augment_matrices,),
    ),
    TransformSpec(
        "channel_shift_range", "colour", "additive shift of each channel",
        ("channel_shift",), _draw_channel_shift, _symmetric_limits("channel_shift"),
        (Dim("channel_shift_range", 0, 60, 10),), _number("channel_shift_range"),
        {"channel_shift_range": 0},
        ({"channel_shift_range": 30.0},),
        applied_by=(colour_lut,),
    ),
    TransformSpec(
        "brightness_range", "colour", "multiplicative brightness", ("brightness",),
        _draw_brightness, _brightness_limits, (Dim("brightness", 0, 0.4, 0.1),),
        _brightness_from_search, {"brightness_range": (1.0, 1.0)},
        ({"brightness_range": (0.5, 1.5)},),
        active_when=_is_set,
        applied_by=(colour_lut,),
    ),
    TransformSpec(
        "horizontal_flip", "flip", "left-right flip of half the images",
        ("flip_horizontal",), _draw_flip("flip_horizontal", S_FH),
        _flip_limits("flip_horizontal"), (Dim("horizontal_flip", choices=(False, True)),),
        _flag("horizontal_flip"), {"horizontal_flip": False},
        ({"horizontal_flip": True},),
        applied_by=(flip_matrices,),
    ),
    TransformSpec(
        "vertical_flip", "flip", "upside-down flip of half the images",
        ("flip_vertical",), _draw_flip("flip_vertical", S_FV),
        _flip_limits("flip_vertical"), (Dim("vertical_flip", choices=(False, True)),),
        _flag("vertical_flip"), {"vertical_flip": False},
        ({"vertical_flip": True},),
        applied_by=(flip_matrices,),
    ),
    TransformSpec(
        "policy", "policy", "TrivialAugment or RandAugment ops (below)",
        ("policy_ops",), _draw_policy, _no_limits, (POLICY_DIM,), _policy_from_search,
        None,
        ({"policy": "trivialaugment"},
         {"policy": "randaugment", "policy_num_ops": 3, "policy_magnitude": 20}),
        extra_fields=("policy_num_ops", "policy_magnitude"),
        active_when=_is_set,
        search_if={"randaugment": (Dim("policy_num_ops", 1, 3, 1),
                                   Dim("policy_magnitude", 0, 30, 3))},
        applied_by=(policy_matrix, apply_colour_ops),
    ),
)
_BY_NAME = {s.name: s for s in TRANSFORMS}
TRANSFORM_FIELDS = tuple(name for s in TRANSFORMS for name in s.fields)


def spec(name: str) -> TransformSpec:
    """The transform whose main argument is ``name``.

        >>> spec("zoom_range").kind
        'geometric'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"unknown transform {name!r}: use one of {', '.join(_BY_NAME)}"
        ) from None


def active_transforms(config: Any, *, fills: bool = False) -> list[TransformSpec]:
    """The transforms ``config`` turns on, in registry order (``fills``: only those that
    move pixels)."""
    return [s for s in TRANSFORMS if s.active(config) and (s.fills or not fills)]


def draw_params(config: Any, u: Any, height: int, width: int, channels: int,
                xp: ArrayOps = NUMPY_OPS) -> dict[str, Any]:
    """Every transform's parameters drawn from uniform rows ``u``: ``BatchParams``
    keyword arguments (tensors with other array ops ``xp``; policies need NumPy)."""
    out: dict[str, Any] = {}
    for s in TRANSFORMS:
        out.update(s.draw(s.values(config), u, height, width, channels, xp=xp))
    return out
