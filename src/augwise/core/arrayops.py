"""Array functions behind a small interface, so that one implementation of the draws and
the matrices runs on NumPy arrays (the engine) and on backend tensors (the Keras layer).

>>> NUMPY_OPS.matrices([[1, 0, 0], [0, 2, 0], [0, 0, 1]], np.zeros(2)).shape
(2, 3, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np


class ArrayOps:
    """The few array functions the draws and the matrices need, on NumPy arrays
    (:data:`NUMPY_OPS`).

    The registry's draws and :func:`augwise.core.geometry.affine_matrices` take ``xp``
    so that the Keras layer (``augwise.keras_layer``) runs the same code on backend
    tensors with a subclass built on ``keras.ops``.
    """

    def full(self, like: Any, value: float) -> Any:
        """An array shaped like the column ``like``, filled with ``value``."""
        return np.full(like.shape[0], value, dtype=np.float64)

    def where(self, cond: Any, a: float, b: float) -> Any:
        return np.where(cond, a, b)

    def index(self, u: Any, k: int) -> Any:
        """Integer bins ``floor(u * k)`` of uniforms ``u``, at most ``k - 1``."""
        return np.minimum((u * k).astype(np.int64), k - 1)

    def to_float(self, x: Any) -> Any:
        return x.astype(np.float64)

    def take(self, values: tuple[float, ...], index: Any) -> Any:
        return np.asarray(values, dtype=np.float64)[index]

    def columns(self, u: Any, cols: list[int]) -> Any:
        return u[:, cols]

    def flag(self, cond: Any, on: bool) -> Any:
        return np.asarray(cond & on, dtype=bool)

    def deg2rad(self, x: Any) -> Any:
        return np.deg2rad(x)

    def cos(self, x: Any) -> Any:
        return np.cos(x)

    def sin(self, x: Any) -> Any:
        return np.sin(x)

    def constant(self, rows: list[list[float]]) -> Any:
        """A fixed 3x3 matrix."""
        return np.array(rows, dtype=np.float64)

    def matrices(self, rows: list[list[Any]], like: Any) -> Any:
        """``(n, 3, 3)`` from a 3x3 nest of numbers and ``(n,)`` columns shaped like
        ``like``."""
        out = np.empty((like.shape[0], 3, 3), dtype=np.float64)
        for i, row in enumerate(rows):
            for j, entry in enumerate(row):
                out[:, i, j] = entry
        return out

    def matmul(self, a: Any, b: Any) -> Any:
        return np.matmul(a, b)


NUMPY_OPS = ArrayOps()
