"""Built-in augmentation policies: TrivialAugment (wide) and RandAugment.

Ops and magnitude ranges follow the papers' reference implementations (TrivialAugment:
Müller & Hutter 2021, one op per image at a uniformly random strength; RandAugment:
Cubuk et al. 2020, N ops at a fixed strength M of 30), with translations as a fraction
of the image size so the strength means the same at 28 px and at 224 px.

Every op is one :class:`PolicyOp` in :data:`POLICY_OPS`: its kind, its strength at each
magnitude, whether its sign is random, and its matrix (geometric ops, fused into the
engine's single warp) or its colour kernel (run afterwards on uint8 images in their
drawn order).

>>> ops = sample_ops("trivialaugment", np.array([[0.5, 0.99, 0.2]]), num_ops=1, magnitude=0)
>>> ops[0][0][0] in OPS
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from augwise.core.pixels import to_uint8

PolicyOps = tuple[tuple[str, float], ...]
OpKind = Literal["identity", "geometric", "colour"]
Matrix = Callable[[float, int, int], np.ndarray]
Kernel = Callable[[np.ndarray, float], np.ndarray]
Strength = Callable[[str, float], float]

POLICIES = ("trivialaugment", "randaugment")
BINS = 31
MAX_OPS = 4  # uniforms per op: (op choice, magnitude bin, sign)
UNIFORMS_PER_OP = 3


@dataclass(frozen=True)
class PolicyOp:
    """One op of the policies.

    ``strength(policy, fraction)`` is the op's unsigned value at a magnitude of
    ``fraction`` (0..1) of the policy's scale; ``signed`` ops take a random sign.
    ``matrix(value, height, width)`` is a geometric op's output-to-input step (about the
    image centre when ``centred``); ``kernel(uint8 image, value)`` a colour op's.
    ``identity_at_zero``: the op leaves images as they are at magnitude 0.  ``unit``:
    what its value means.
    """

    name: str
    kind: OpKind
    strength: Strength
    signed: bool = False
    matrix: Matrix | None = None
    centred: bool = True
    kernel: Kernel | None = None
    identity_at_zero: bool = True
    unit: str = ""


def _scaled(wide: float, rand: float) -> Strength:
    def strength(policy: str, fraction: float) -> float:
        return (wide if policy == "trivialaugment" else rand) * fraction

    return strength


def _none(policy: str, fraction: float) -> float:
    return 0.0


def _posterize_bits(policy: str, fraction: float) -> float:
    low = 2 if policy == "trivialaugment" else 4
    return float(8 - round(fraction * (8 - low)))


def _solarize_threshold(policy: str, fraction: float) -> float:
    return float(255.0 * (1.0 - fraction))


def _shear_x(v: float, height: int, width: int) -> np.ndarray:
    return np.array([[1.0, v, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def _shear_y(v: float, height: int, width: int) -> np.ndarray:
    return np.array([[1.0, 0.0, 0.0], [v, 1.0, 0.0], [0.0, 0.0, 1.0]])


def _translate_x(v: float, height: int, width: int) -> np.ndarray:
    return np.array([[1.0, 0.0, -v * width], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def _translate_y(v: float, height: int, width: int) -> np.ndarray:
    return np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -v * height], [0.0, 0.0, 1.0]])


def _rotate(v: float, height: int, width: int) -> np.ndarray:
    t = math.radians(v)
    return np.array(
        [[math.cos(t), -math.sin(t), 0.0], [math.sin(t), math.cos(t), 0.0], [0, 0, 1.0]]
    )


def _grey(img: np.ndarray) -> np.ndarray:
    if img.shape[2] == 1:
        return img[:, :, 0].astype(np.float64)
    return img[:, :, :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _blend(img: np.ndarray, other: np.ndarray, factor: float) -> np.ndarray:
    return to_uint8(other.astype(np.float64) + factor * (img.astype(np.float64) - other))


def _brightness(img: np.ndarray, v: float) -> np.ndarray:
    return _blend(img, np.zeros_like(img), 1.0 + v)


def _color(img: np.ndarray, v: float) -> np.ndarray:
    grey = np.repeat(_grey(img)[:, :, None], img.shape[2], axis=2)
    if img.shape[2] == 4:
        grey[:, :, 3] = img[:, :, 3]
    return _blend(img, grey, 1.0 + v)


def _contrast(img: np.ndarray, v: float) -> np.ndarray:
    mean = float(_grey(img).mean())
    return _blend(img, np.full(img.shape, mean), 1.0 + v)


def _sharpness(img: np.ndarray, v: float) -> np.ndarray:
    kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float32) / 13.0
    smooth = cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)
    smooth = smooth.reshape(img.shape)
    smooth[0, :], smooth[-1, :], smooth[:, 0], smooth[:, -1] = (
        img[0, :], img[-1, :], img[:, 0], img[:, -1]
    )
    return _blend(img, smooth, 1.0 + v)


def _posterize(img: np.ndarray, v: float) -> np.ndarray:
    mask = np.uint8((0xFF << (8 - int(v))) & 0xFF)
    return np.bitwise_and(img, mask)


def _solarize(img: np.ndarray, v: float) -> np.ndarray:
    return np.where(img >= v, 255 - img, img).astype(np.uint8)


def _autocontrast(img: np.ndarray, v: float) -> np.ndarray:
    out = np.empty_like(img)
    for c in range(img.shape[2]):
        ch = img[:, :, c]
        lo, hi = int(ch.min()), int(ch.max())
        out[:, :, c] = to_uint8((ch.astype(np.float64) - lo) * 255.0 / (hi - lo)) if hi > lo else ch
    return out


def _equalize(img: np.ndarray, v: float) -> np.ndarray:
    out = np.empty_like(img)
    for c in range(img.shape[2]):
        out[:, :, c] = cv2.equalizeHist(np.ascontiguousarray(img[:, :, c]))
    return out


def _geometric(name: str, wide: float, rand: float, matrix: Matrix, unit: str,
               centred: bool = True) -> PolicyOp:
    return PolicyOp(name, "geometric", _scaled(wide, rand), signed=True, matrix=matrix,
                    centred=centred, unit=unit)


def _colour(name: str, kernel: Kernel, strength: Strength, unit: str = "", *,
            signed: bool = False, identity_at_zero: bool = True) -> PolicyOp:
    return PolicyOp(name, "colour", strength, signed=signed, kernel=kernel,
                    identity_at_zero=identity_at_zero, unit=unit)


_BLEND = "blend factor - 1"


# the order is the op choice's order: it is part of the random streams' meaning
POLICY_OPS: dict[str, PolicyOp] = {op.name: op for op in (
    PolicyOp("identity", "identity", _none),
    _geometric("shear_x", 0.99, 0.3, _shear_x, "shear factor"),
    _geometric("shear_y", 0.99, 0.3, _shear_y, "shear factor"),
    _geometric("translate_x", 0.45, 150 / 331, _translate_x, "fraction of the width",
               centred=False),
    _geometric("translate_y", 0.45, 150 / 331, _translate_y, "fraction of the height",
               centred=False),
    _geometric("rotate", 135.0, 30.0, _rotate, "degrees"),
    _colour("brightness", _brightness, _scaled(0.99, 0.9), _BLEND, signed=True),
    _colour("color", _color, _scaled(0.99, 0.9), _BLEND, signed=True),
    _colour("contrast", _contrast, _scaled(0.99, 0.9), _BLEND, signed=True),
    _colour("sharpness", _sharpness, _scaled(0.99, 0.9), _BLEND, signed=True),
    _colour("posterize", _posterize, _posterize_bits, "bits kept"),
    _colour("solarize", _solarize, _solarize_threshold, "threshold (8-bit)",
            identity_at_zero=False),
    _colour("autocontrast", _autocontrast, _none, identity_at_zero=False),
    _colour("equalize", _equalize, _none, identity_at_zero=False),
)}
OPS = tuple(POLICY_OPS)
GEOMETRIC = frozenset(name for name, op in POLICY_OPS.items() if op.kind == "geometric")


def op_value(policy: str, op: str, bin_index: int, negative: bool) -> float:
    """The concrete value of ``op`` at magnitude ``bin_index`` (0..30)."""
    spec = POLICY_OPS[op]
    value = spec.strength(policy, bin_index / (BINS - 1))
    return -value if negative and spec.signed else value


def sample_ops(policy: str, u: np.ndarray, num_ops: int, magnitude: int) -> list[PolicyOps]:
    """Per-sample ops from uniform rows ``u`` of shape ``(n, >= 3 * num_ops)``.

    TrivialAugment draws one op and its strength bin; RandAugment draws ``num_ops`` ops
    at bin ``magnitude``.  Signed ops flip sign with probability 1/2.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {POLICIES}, got {policy!r}")
    count = 1 if policy == "trivialaugment" else num_ops
    out: list[PolicyOps] = []
    for row in u:
        ops = []
        for k in range(count):
            a, b, s = row[UNIFORMS_PER_OP * k : UNIFORMS_PER_OP * (k + 1)]
            op = OPS[min(int(a * len(OPS)), len(OPS) - 1)]
            bin_index = min(int(b * BINS), BINS - 1) if policy == "trivialaugment" else magnitude
            ops.append((op, op_value(policy, op, bin_index, s < 0.5)))
        out.append(tuple(ops))
    return out


def policy_matrix(ops: PolicyOps, height: int, width: int) -> np.ndarray:
    """Output-to-input 3x3 matrix of the geometric ops, about the image centre."""
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    centre = np.array([[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]])
    back = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
    m = np.eye(3)
    for op, v in ops:
        spec = POLICY_OPS[op]
        if spec.matrix is None:
            continue
        step = spec.matrix(v, height, width)
        m = m @ (centre @ step @ back if spec.centred else step)
    return m


def apply_colour_ops(
    img: np.ndarray, ops: PolicyOps, value_range: tuple[float, float] = (0.0, 255.0)
) -> np.ndarray:
    """Apply the colour ops of ``ops`` in order; returns a new array of ``img``'s dtype.

    Non-uint8 images are mapped to 8 bits through ``value_range`` and back.
    """
    kernels = [(kernel, v) for op, v in ops if (kernel := POLICY_OPS[op].kernel) is not None]
    if not kernels:
        return img.copy()
    out = to_uint8(img, value_range)
    for kernel, v in kernels:
        out = kernel(out, v)
    if img.dtype == np.uint8:
        return out
    lo, hi = value_range
    back = out.astype(np.float64) / 255.0 * (hi - lo) + lo
    return back.astype(img.dtype)
