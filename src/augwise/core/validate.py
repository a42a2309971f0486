"""Checks of plain arguments, shared by every public entry point.

>>> check_bool("shuffle", True)
True
>>> check_int("batch_size", 32, minimum=1)
32
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np


class _BoundedRepr(reprlib.Repr):
    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * self.maxlong:  # too long to print (or to convert at all)
            return f"<int of {x.bit_length()} bits>"
        return super().repr_int(x, level)


def _bounded_repr(limit: int) -> reprlib.Repr:
    r = _BoundedRepr()
    r.maxlevel = 3  # a shared-reference "alias bomb" must not be walked in full
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = r.maxfrozenset = r.maxdeque = 8
    r.maxarray = 8
    r.maxstring = r.maxlong = r.maxother = limit
    return r


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for error messages about user input.

    Containers are walked only a few levels and items deep, so the cost is bounded too.
    """
    text = _bounded_repr(limit).repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""``.

    >>> did_you_mean("rotation_rang", ["rotation_range", "shear_range"])
    "; did you mean 'rotation_range'?"
    """
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_bool(name: str, value: Any) -> bool:
    """``value`` as a bool; only ``True``/``False`` (and numpy bools) are accepted.

    Truthy strings such as ``"no"`` are refused: ``bool("no")`` is True.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {short_repr(value)}")


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """``value`` as an int (bools refused), at least ``minimum`` when given."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an int, got {short_repr(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {short_repr(value)}")
    return int(value)


def native_order(values: np.ndarray) -> np.ndarray:
    """``values`` in the machine's byte order (a copy only when it is not): OpenCV and
    the kernels read raw memory, so a big-endian array would be read as noise.

    >>> native_order(np.array([1.5], ">f4")).dtype.byteorder in "=<"
    True
    """
    if values.dtype.isnative:
        return values
    return values.astype(values.dtype.newbyteorder("="))


def check_fits(name: str, values: np.ndarray, dtype: Any, chunk_values: int = 1 << 22) -> None:
    """Raise ``ValueError`` if the float array ``values`` holds a value beyond the finite
    range of the float ``dtype`` it is cast to (the cast would make it inf).

    >>> check_fits("x", np.array([1e300]), "float32")
    Traceback (most recent call last):
    ...
    ValueError: x holds values up to 1e+300 in magnitude, beyond float32's range ...
    """
    out = np.dtype(dtype)
    if values.dtype.kind != "f" or out.kind != "f" or values.size == 0:
        return
    limit = float(np.finfo(out).max)
    if float(np.finfo(values.dtype).max) <= limit:
        return
    flat = values.reshape(len(values), -1) if values.ndim else values.reshape(1, 1)
    rows = max(1, chunk_values // max(1, flat.shape[1]))
    top = max(float(np.abs(flat[i : i + rows]).max()) for i in range(0, len(flat), rows))
    if top > limit:
        raise ValueError(
            f"{name} holds values up to {top:.3g} in magnitude, beyond {out.name}'s range "
            f"(+-{limit:.3g}): the cast would make them inf. Scale them down, or pass "
            "dtype='float64'."
        )


def check_finite(name: str, values: np.ndarray, chunk_values: int = 1 << 22, *,
                 where: str = "") -> None:
    """Raise ``ValueError`` if the float array ``values`` holds NaN or inf, naming how
    many and the first one; other dtypes pass unchecked.

    Scans ``chunk_values`` values at a time along the first axis (bounded memory);
    ``where`` (a file or a split) starts the message.

    >>> check_finite("y", np.array([0.5, np.nan]))
    Traceback (most recent call last):
    ...
    ValueError: y holds 1 NaN or infinite value (the first: y[1] = nan, sample 1); ...
    """
    if values.dtype.kind not in "fc" or values.size == 0:
        return
    if values.ndim == 0:
        values = values.reshape(1)
    rows = max(1, chunk_values // max(1, values.size // len(values)))
    bad = 0
    first: tuple[int, ...] | None = None
    for start in range(0, len(values), rows):
        block = values[start : start + rows]
        finite = np.isfinite(block)
        if finite.all():
            continue
        bad += int(finite.size - np.count_nonzero(finite))
        if first is None:
            at = np.argwhere(~finite)[0]
            first = (start + int(at[0]), *(int(i) for i in at[1:]))
    if first is None:
        return
    at_first = ", ".join(str(i) for i in first)
    plural = "s" if bad > 1 else ""
    raise ValueError(
        f"{where + ': ' if where else ''}"
        f"{name} holds {bad} NaN or infinite value{plural} (the first: {name}[{at_first}] = "
        f"{values[first]}, sample {first[0]}); they would spread through every batch and "
        f"statistic. Replace them (e.g. np.nan_to_num({name})) or drop those samples."
    )


def check_not_empty(name: str, values: np.ndarray) -> None:
    """Raise ``ValueError`` if the array ``values`` has a dimension of size 0.

    >>> check_not_empty("x", np.zeros((0, 8, 8, 3)))
    Traceback (most recent call last):
    ...
    ValueError: x is empty (shape (0, 8, 8, 3)): ...
    """
    if values.size == 0:
        raise ValueError(
            f"{name} is empty (shape {values.shape}): pass at least one image of at least "
            "1x1 pixel and 1 channel."
        )


def _choice_list(choices: Sequence[str | None]) -> str:
    names = [repr(c) for c in choices if c is not None]
    if None in choices:
        names.append("None")
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_choice(name: str, value: Any, choices: Sequence[str | None]) -> Any:
    """``value`` if it is one of ``choices`` (strings, and None when listed).

    The type is checked first, so an array or a list gets a ``TypeError`` naming
    ``name`` rather than numpy's "truth value ... is ambiguous".

    >>> check_choice("subset", "training", ("training", "validation", None))
    'training'
    >>> check_choice("color_mode", "rbg", ("rgb", "rgba", "grayscale"))
    Traceback (most recent call last):
    ...
    ValueError: color_mode must be 'rgb', 'rgba' or 'grayscale', got 'rbg'; did you mean 'rgb'?
    """
    allowed = _choice_list(choices)
    if value is None and None in choices:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be {allowed}, got {short_repr(value)}")
    if value not in choices:
        names = [c for c in choices if c is not None]
        raise ValueError(
            f"{name} must be {allowed}, got {short_repr(value)}{did_you_mean(value, names)}"
        )
    return value
