"""Batch targets for every Keras ``class_mode``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FILE_CLASS_MODES = ("categorical", "binary", "sparse", "input", None)
DATAFRAME_CLASS_MODES = ("binary", "categorical", "input", "multi_output", "raw", "sparse", None)

Batch = Any  # np.ndarray | tuple of arrays/lists, as Keras returns them


@dataclass
class FileTargets:
    """Targets of a file iterator; ``classes`` holds ints (or lists for multi-label)."""

    class_mode: str | None
    classes: Any  # np.ndarray of int32, or list of int / list[int]
    num_classes: int
    targets: Any  # raw: ndarray; multi_output: list of arrays; else None
    sample_weight: np.ndarray | None
    dtype: np.dtype[Any]

    def batch(self, x: np.ndarray, index_array: np.ndarray) -> Batch:
        """Keras' output tuple for the images ``x`` of samples ``index_array``."""
        mode = self.class_mode
        y: Any
        if mode == "input":
            y = x.copy()
        elif mode in ("binary", "sparse"):
            y = np.empty(len(index_array), dtype=self.dtype)
            for i, j in enumerate(index_array):
                y[i] = self.classes[j]
        elif mode == "categorical":
            y = np.zeros((len(index_array), self.num_classes), dtype=self.dtype)
            for i, j in enumerate(index_array):
                y[i, self.classes[j]] = 1.0
        elif mode == "multi_output":
            y = [output[index_array] for output in self.targets]
        elif mode == "raw":
            y = self.targets[index_array]
        else:
            return x
        if self.sample_weight is None:
            return x, y
        return x, y, self.sample_weight[index_array]


@dataclass
class ArrayTargets:
    """Targets of ``flow()``: ``y``, extra inputs ``x_misc`` and ``sample_weight``."""

    y: np.ndarray | None
    x_misc: list[np.ndarray]
    sample_weight: np.ndarray | None

    def batch(self, x: np.ndarray, index_array: np.ndarray) -> Batch:
        miscs = [xx[index_array] for xx in self.x_misc]
        first: Any = x if not miscs else [x, *miscs]
        if self.y is None:
            return first
        out: tuple[Any, ...] = (first, self.y[index_array])
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out
