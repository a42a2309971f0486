"""Built-in augmentation policies: TrivialAugment (wide) and RandAugment.

Ops and magnitude ranges follow the papers' reference implementations (TrivialAugment:
Müller & Hutter 2021, one op per image at a uniformly random strength; RandAugment:
Cubuk et al. 2020, N ops at a fixed strength M of 30), with translations as a fraction
of the image size so the strength means the same at 28 px and at 224 px.

Geometric ops are returned as one matrix and fused into the engine's single warp; colour
ops run afterwards on uint8 images in their drawn order.

>>> ops = sample_ops("trivialaugment", np.array([[0.5, 0.99, 0.2]]), num_ops=1, magnitude=0)
>>> ops[0][0][0] in OPS
True
"""

from __future__ import annotations

import math

import cv2
import numpy as np

PolicyOps = tuple[tuple[str, float], ...]

POLICIES = ("trivialaugment", "randaugment")
OPS = (
    "identity",
    "shear_x",
    "shear_y",
    "translate_x",
    "translate_y",
    "rotate",
    "brightness",
    "color",
    "contrast",
    "sharpness",
    "posterize",
    "solarize",
    "autocontrast",
    "equalize",
)
GEOMETRIC = frozenset({"shear_x", "shear_y", "translate_x", "translate_y", "rotate"})
SIGNED = GEOMETRIC | {"brightness", "color", "contrast", "sharpness"}
BINS = 31
MAX_OPS = 4  # uniforms per op: (op choice, magnitude bin, sign)
UNIFORMS_PER_OP = 3

# (max strength) per op and policy; strength grows linearly over the 31 bins
_WIDE = {
    "shear_x": 0.99, "shear_y": 0.99, "translate_x": 0.45, "translate_y": 0.45,
    "rotate": 135.0, "brightness": 0.99, "color": 0.99, "contrast": 0.99, "sharpness": 0.99,
}
_RAND = {
    "shear_x": 0.3, "shear_y": 0.3, "translate_x": 150 / 331, "translate_y": 150 / 331,
    "rotate": 30.0, "brightness": 0.9, "color": 0.9, "contrast": 0.9, "sharpness": 0.9,
}


def op_value(policy: str, op: str, bin_index: int, negative: bool) -> float:
    """The concrete value of ``op`` at magnitude ``bin_index`` (0..30)."""
    frac = bin_index / (BINS - 1)
    if op in ("identity", "autocontrast", "equalize"):
        return 0.0
    if op == "posterize":
        low = 2 if policy == "trivialaugment" else 4
        return float(8 - round(frac * (8 - low)))
    if op == "solarize":
        return float(255.0 * (1.0 - frac))
    table = _WIDE if policy == "trivialaugment" else _RAND
    value = table[op] * frac
    return -value if negative else value


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
    m = np.eye(3)
    for op, v in ops:
        if op == "shear_x":
            step = np.array([[1.0, v, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        elif op == "shear_y":
            step = np.array([[1.0, 0.0, 0.0], [v, 1.0, 0.0], [0.0, 0.0, 1.0]])
        elif op == "translate_x":
            step = np.array([[1.0, 0.0, -v * width], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
            m = m @ step
            continue
        elif op == "translate_y":
            step = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -v * height], [0.0, 0.0, 1.0]])
            m = m @ step
            continue
        elif op == "rotate":
            t = math.radians(v)
            step = np.array(
                [[math.cos(t), -math.sin(t), 0.0], [math.sin(t), math.cos(t), 0.0], [0, 0, 1.0]]
            )
        else:
            continue
        centre = np.array([[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]])
        back = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
        m = m @ (centre @ step @ back)
    return m


def _grey(img: np.ndarray) -> np.ndarray:
    if img.shape[2] == 1:
        return img[:, :, 0].astype(np.float64)
    return img[:, :, :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def _blend(img: np.ndarray, other: np.ndarray, factor: float) -> np.ndarray:
    out = other.astype(np.float64) + factor * (img.astype(np.float64) - other)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _colour_op(img: np.ndarray, op: str, v: float) -> np.ndarray:
    if op == "brightness":
        return _blend(img, np.zeros_like(img), 1.0 + v)
    if op == "color":
        grey = np.repeat(_grey(img)[:, :, None], img.shape[2], axis=2)
        if img.shape[2] == 4:
            grey[:, :, 3] = img[:, :, 3]
        return _blend(img, grey, 1.0 + v)
    if op == "contrast":
        mean = float(_grey(img).mean())
        return _blend(img, np.full(img.shape, mean), 1.0 + v)
    if op == "sharpness":
        kernel = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], np.float32) / 13.0
        smooth = cv2.filter2D(img, -1, kernel, borderType=cv2.BORDER_REPLICATE)
        smooth = smooth.reshape(img.shape)
        smooth[0, :], smooth[-1, :], smooth[:, 0], smooth[:, -1] = (
            img[0, :], img[-1, :], img[:, 0], img[:, -1]
        )
        return _blend(img, smooth, 1.0 + v)
    if op == "posterize":
        mask = np.uint8((0xFF << (8 - int(v))) & 0xFF)
        return np.bitwise_and(img, mask)
    if op == "solarize":
        return np.where(img >= v, 255 - img, img).astype(np.uint8)
    if op == "autocontrast":
        out = np.empty_like(img)
        for c in range(img.shape[2]):
            ch = img[:, :, c]
            lo, hi = int(ch.min()), int(ch.max())
            if hi > lo:
                out[:, :, c] = np.clip(
                    np.rint((ch.astype(np.float64) - lo) * 255.0 / (hi - lo)), 0, 255
                ).astype(np.uint8)
            else:
                out[:, :, c] = ch
        return out
    if op == "equalize":
        out = np.empty_like(img)
        for c in range(img.shape[2]):
            out[:, :, c] = cv2.equalizeHist(np.ascontiguousarray(img[:, :, c]))
        return out
    return img


def apply_colour_ops(
    img: np.ndarray, ops: PolicyOps, value_range: tuple[float, float] = (0.0, 255.0)
) -> np.ndarray:
    """Apply the colour ops of ``ops`` in order; returns a new array of ``img``'s dtype.

    Non-uint8 images are mapped to 8 bits through ``value_range`` and back.
    """
    colour = [(op, v) for op, v in ops if op not in GEOMETRIC and op != "identity"]
    if not colour:
        return img.copy()
    lo, hi = value_range
    as8 = img
    if img.dtype != np.uint8:
        scaled = (img.astype(np.float64) - lo) / max(hi - lo, 1e-12) * 255.0
        as8 = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    out = as8
    for op, v in colour:
        out = _colour_op(out, op, v)
    if img.dtype == np.uint8:
        return out
    back = out.astype(np.float64) / 255.0 * (hi - lo) + lo
    return back.astype(img.dtype)
