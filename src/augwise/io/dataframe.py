"""Preparing a dataframe of file names and labels, as Keras' ``DataFrameIterator`` does."""

from __future__ import annotations

import collections
import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from augwise.io.sources import WHITE_LIST_FORMATS, first_subset, stratified_subset

CLASS_MODES = ("binary", "categorical", "input", "multi_output", "raw", "sparse", None)
_NO_CLASSES = ("input", "multi_output", "raw", None)


@dataclass(frozen=True)
class DataFrameSamples:
    """The rows kept, with what the iterator needs from them."""

    filenames: list[str]
    class_indices: dict[str, int]
    classes: list[Any] | None  # int or list[int] per row (class modes with classes)
    targets: Any  # raw: ndarray, multi_output: list of arrays, else None
    sample_weight: np.ndarray | None
    invalid: list[str]  # filenames dropped by validate_filenames


def check_params(
    df: pd.DataFrame, x_col: str, y_col: Any, weight_col: str | None, classes: Any,
    class_mode: str | None,
) -> None:
    """Keras' argument checks, with the same exception types."""
    if class_mode not in CLASS_MODES:
        raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: {set(CLASS_MODES)}")
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"dataframe must be a pandas DataFrame, got {type(df).__name__}")
    if x_col not in df.columns:
        raise ValueError(f"x_col={x_col!r} is not a column of the dataframe")
    if class_mode == "multi_output" and not isinstance(y_col, list):
        raise TypeError(
            f'If class_mode="{class_mode}", y_col must be a list. Received {type(y_col).__name__}.'
        )
    y_cols = y_col if isinstance(y_col, list) else [y_col]
    if class_mode is not None and class_mode != "input":
        missing = [c for c in y_cols if c not in df.columns]
        if missing:
            raise ValueError(f"y_col={y_col!r}: column(s) {missing} not in the dataframe")
    if not all(df[x_col].apply(lambda x: isinstance(x, str))):
        raise TypeError(f"All values in column x_col={x_col} must be strings.")
    if class_mode in {"binary", "sparse"} and not all(
        df[y_col].apply(lambda x: isinstance(x, str))
    ):
        raise TypeError(
            f'If class_mode="{class_mode}", y_col="{y_col}" column values must be strings.'
        )
    if class_mode == "binary":
        if classes:
            if len(set(classes)) != 2:
                raise ValueError(
                    f'If class_mode="binary" there must be 2 classes. '
                    f"{len(set(classes))} class/es were given."
                )
        elif df[y_col].nunique() != 2:
            raise ValueError(
                f'If class_mode="binary" there must be 2 classes. '
                f"Found {df[y_col].nunique()} classes."
            )
    if class_mode == "categorical" and not all(
        df[y_col].apply(lambda x: isinstance(x, (str, list, tuple)))
    ):
        raise TypeError(
            f'If class_mode="{class_mode}", y_col="{y_col}" column values must be type '
            "string, list or tuple."
        )
    if classes and class_mode in _NO_CLASSES:
        warnings.warn(f'`classes` will be ignored given the class_mode="{class_mode}"',
                      stacklevel=4)
    if weight_col:
        if weight_col not in df.columns:
            raise ValueError(f"weight_col={weight_col!r} is not a column of the dataframe")
        if not issubclass(df[weight_col].dtype.type, np.number):
            raise TypeError(f"Column weight_col={weight_col} must be numeric.")


def _filter_classes(df: pd.DataFrame, y_col: str, classes: Any) -> tuple[pd.DataFrame, list[Any]]:
    df = df.copy()

    def remove_classes(labels: Any, keep: list[Any]) -> Any:
        if isinstance(labels, (list, tuple)):
            kept = [c for c in labels if c in keep]
            return kept or None
        if isinstance(labels, str):
            return labels if labels in keep else None
        raise TypeError(f"Expect string, list or tuple but found {type(labels)} in {y_col} column ")

    if classes:
        ordered = list(collections.OrderedDict.fromkeys(classes).keys())
        df[y_col] = df[y_col].apply(lambda x: remove_classes(x, ordered))
        return df.dropna(subset=[y_col]), ordered
    found: set[Any] = set()
    for v in df[y_col]:
        if isinstance(v, (list, tuple)):
            found.update(v)
        else:
            found.add(v)
    return df.dropna(subset=[y_col]), sorted(found)


def prepare_dataframe(
    dataframe: pd.DataFrame,
    directory: str | None,
    *,
    x_col: str,
    y_col: Any,
    weight_col: str | None,
    classes: Any,
    class_mode: str | None,
    validate_filenames: bool,
    validation_split: float,
    subset: str | None,
    split_mode: str,
    split_seed: int,
) -> DataFrameSamples:
    """Filter, split and label the rows, in Keras' order of operations."""
    check_params(dataframe, x_col, y_col, weight_col, classes, class_mode)
    df = dataframe.copy()
    root = directory or ""
    invalid: list[str] = []
    if validate_filenames:
        paths = df[x_col].map(lambda f: os.path.join(root, f))
        mask = paths.apply(
            lambda p: p.lower().endswith(WHITE_LIST_FORMATS) and os.path.isfile(p)
        )
        n_invalid = int((~mask).sum())
        if n_invalid:
            invalid = df[x_col][~mask].tolist()
            warnings.warn(
                f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". '
                "These filename(s) will be ignored.",
                stacklevel=4,
            )
        df = df[mask]
    class_indices: dict[str, int] = {}
    if class_mode not in _NO_CLASSES:
        df, found = _filter_classes(df, y_col, classes)
        class_indices = dict(zip(found, range(len(found)), strict=True))
    if subset is not None and validation_split:
        if split_mode == "stratified" and class_mode not in _NO_CLASSES:
            rows = stratified_subset(df[y_col].tolist(), validation_split, subset, split_seed)
        elif split_mode == "stratified":
            rows = stratified_subset([0] * len(df), validation_split, subset, split_seed)
        else:
            rows = first_subset(len(df), validation_split, subset)
        df = df.iloc[rows, :]
    elif subset is not None:
        df = df.iloc[first_subset(len(df), 0.0, subset), :]
    labels: list[Any] | None = None
    if class_mode not in _NO_CLASSES:
        labels = []
        for label in df[y_col]:
            if isinstance(label, (list, tuple)):
                labels.append([class_indices[lbl] for lbl in label])
            else:
                labels.append(class_indices[label])
    targets: Any = None
    if class_mode == "multi_output":
        targets = [np.array(df[col].tolist()) for col in y_col]
    elif class_mode == "raw":
        targets = df[y_col].values
    return DataFrameSamples(
        filenames=df[x_col].tolist(),
        class_indices=class_indices,
        classes=labels,
        targets=targets,
        sample_weight=df[weight_col].values if weight_col else None,
        invalid=invalid,
    )
