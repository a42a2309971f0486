"""Immutable values for sampled transform parameters.

A :class:`TransformParams` is what one image went through; a :class:`BatchParams`
holds the same fields as arrays for a batch.  Both convert to and from the dict that
Keras' ``get_random_transform`` returns, so they can be replayed.

>>> p = TransformParams(theta=10.0, flip_horizontal=True)
>>> TransformParams.from_dict(p.to_dict()) == p
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from augwise.core.policies import GEOMETRIC, PolicyOps

ChannelShift = float | tuple[float, ...] | None


@dataclass(frozen=True)
class TransformParams:
    """Parameters of one transform, in Keras' ``get_random_transform`` vocabulary.

    ``tx``/``ty`` are shifts in pixels of the transformed image (in default mode ``tx``
    is horizontal and ``ty`` vertical; under ``keras_compat`` they keep Keras' swapped
    meaning).  ``zx``/``zy`` < 1 magnify.  ``channel_shift_intensity`` is one value per
    channel in default mode, one value for all channels under ``keras_compat``.
    """

    theta: float = 0.0
    tx: float = 0.0
    ty: float = 0.0
    shear: float = 0.0
    zx: float = 1.0
    zy: float = 1.0
    flip_horizontal: bool = False
    flip_vertical: bool = False
    channel_shift_intensity: ChannelShift = None
    brightness: float | None = None
    policy_ops: PolicyOps = ()

    @property
    def is_identity_geometry(self) -> bool:
        return (
            all(op not in GEOMETRIC for op, _ in self.policy_ops)
            and self.theta == 0
            and self.tx == 0
            and self.ty == 0
            and self.shear == 0
            and self.zx == 1
            and self.zy == 1
            and not self.flip_horizontal
            and not self.flip_vertical
        )

    def to_dict(self) -> dict[str, Any]:
        """Keras-style dict; JSON-safe (tuples become lists)."""
        out = asdict(self)
        if isinstance(out["channel_shift_intensity"], tuple):
            out["channel_shift_intensity"] = list(out["channel_shift_intensity"])
        if self.policy_ops:
            out["policy_ops"] = [[op, v] for op, v in self.policy_ops]
        else:
            del out["policy_ops"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TransformParams:
        """Accept a (possibly partial) Keras transform dict; missing keys are identity."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown transform parameter(s): {', '.join(unknown)}")
        kw: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("flip_horizontal", "flip_vertical"):
                kw[key] = _flag(key, value)
            elif key == "channel_shift_intensity":
                kw[key] = _channel_shift(value)
            elif key == "brightness":
                kw[key] = None if value is None else _number(key, value)
            elif key == "policy_ops":
                kw[key] = tuple((str(op), _number("policy_ops", v)) for op, v in (value or ()))
            else:
                if value is None:
                    continue
                kw[key] = _number(key, value)
        return cls(**kw).checked()

    def checked(self) -> TransformParams:
        """``self``, if every value is finite and the zooms are not 0 (a zoom of 0 maps
        the whole image onto one point); raises ``ValueError`` naming the field."""
        for name in ("theta", "tx", "ty", "shear", "zx", "zy"):
            _number(name, getattr(self, name))
        if self.zx == 0 or self.zy == 0:
            raise ValueError(f"zx and zy must not be 0 (< 1 magnifies), got {self.zx}, {self.zy}")
        if self.brightness is not None:
            _number("brightness", self.brightness)
        shift = self.channel_shift_intensity
        if shift is not None and not np.isfinite(np.asarray(shift, np.float64)).all():
            raise ValueError(f"channel_shift_intensity must be finite, got {shift!r}")
        return self


def _flag(name: str, value: Any) -> bool:
    """A flip flag: a bool, None (no flip) or the number 0 or 1 (a string is refused: any
    non-empty string, 'False' included, would flip)."""
    if value is None:
        return False
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or (
            isinstance(value, (int, float, np.number)) and value in (0, 1)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def _number(name: str, value: Any) -> float:
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def _channel_shift(value: Any) -> ChannelShift:
    if value is None:
        return None
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return float(arr)
    return tuple(float(v) for v in arr.ravel())


@dataclass(frozen=True)
class BatchParams:
    """Transform parameters for ``n`` images as read-only arrays (struct of arrays)."""

    theta: np.ndarray
    tx: np.ndarray
    ty: np.ndarray
    shear: np.ndarray
    zx: np.ndarray
    zy: np.ndarray
    flip_horizontal: np.ndarray
    flip_vertical: np.ndarray
    channel_shift: np.ndarray | None  # (n, C) or None
    brightness: np.ndarray | None  # (n,) or None
    policy_ops: tuple[PolicyOps, ...] | None = None  # one op sequence per image

    def __post_init__(self) -> None:
        for f in fields(self):
            arr = getattr(self, f.name)
            if isinstance(arr, np.ndarray):
                arr.setflags(write=False)

    def __len__(self) -> int:
        return int(self.theta.shape[0])

    def at(self, i: int) -> TransformParams:
        """The parameters of image ``i`` as a :class:`TransformParams`."""
        shift: ChannelShift = None
        if self.channel_shift is not None:
            shift = tuple(float(v) for v in self.channel_shift[i])
        return TransformParams(
            theta=float(self.theta[i]),
            tx=float(self.tx[i]),
            ty=float(self.ty[i]),
            shear=float(self.shear[i]),
            zx=float(self.zx[i]),
            zy=float(self.zy[i]),
            flip_horizontal=bool(self.flip_horizontal[i]),
            flip_vertical=bool(self.flip_vertical[i]),
            channel_shift_intensity=shift,
            brightness=None if self.brightness is None else float(self.brightness[i]),
            policy_ops=() if self.policy_ops is None else self.policy_ops[i],
        )

    def to_list(self) -> list[TransformParams]:
        return [self.at(i) for i in range(len(self))]

    def select(self, rows: np.ndarray) -> BatchParams:
        """The rows picked by ``rows``: a boolean mask or integer indices."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)

        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[rows]

        return BatchParams(
            theta=self.theta[rows],
            tx=self.tx[rows],
            ty=self.ty[rows],
            shear=self.shear[rows],
            zx=self.zx[rows],
            zy=self.zy[rows],
            flip_horizontal=self.flip_horizontal[rows],
            flip_vertical=self.flip_vertical[rows],
            channel_shift=pick(self.channel_shift),
            brightness=pick(self.brightness),
            policy_ops=None
            if self.policy_ops is None
            else tuple(self.policy_ops[int(r)] for r in rows),
        )

    @classmethod
    def identity(cls, n: int) -> BatchParams:
        zeros = np.zeros(n)
        return cls(
            theta=zeros,
            tx=zeros.copy(),
            ty=zeros.copy(),
            shear=zeros.copy(),
            zx=np.ones(n),
            zy=np.ones(n),
            flip_horizontal=np.zeros(n, dtype=bool),
            flip_vertical=np.zeros(n, dtype=bool),
            channel_shift=None,
            brightness=None,
        )

    @classmethod
    def stack(cls, items: list[TransformParams], channels: int = 1) -> BatchParams:
        """Batch form of a list of single-image parameters.

        Scalar channel shifts are broadcast to ``channels`` (or to the length of the
        per-channel shifts present).
        """
        n = len(items)
        shifts = [p.channel_shift_intensity for p in items]
        channel_shift = None
        if any(s is not None for s in shifts):
            widths = [len(s) for s in shifts if isinstance(s, tuple)]
            channel_shift = np.zeros((n, max([channels, *widths])))
            for i, s in enumerate(shifts):
                if s is not None:
                    channel_shift[i] = s
        bright = [p.brightness for p in items]
        brightness = None
        if any(b is not None for b in bright):
            brightness = np.array([1.0 if b is None else b for b in bright])
        policy = tuple(p.policy_ops for p in items)
        return cls(
            policy_ops=policy if any(policy) else None,
            theta=np.array([p.theta for p in items], dtype=np.float64),
            tx=np.array([p.tx for p in items], dtype=np.float64),
            ty=np.array([p.ty for p in items], dtype=np.float64),
            shear=np.array([p.shear for p in items], dtype=np.float64),
            zx=np.array([p.zx for p in items], dtype=np.float64),
            zy=np.array([p.zy for p in items], dtype=np.float64),
            flip_horizontal=np.array([p.flip_horizontal for p in items], dtype=bool),
            flip_vertical=np.array([p.flip_vertical for p in items], dtype=bool),
            channel_shift=channel_shift,
            brightness=brightness,
        )
