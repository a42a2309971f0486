"""Preparing a dataframe of file names and labels, as Keras' ``DataFrameIterator`` does."""

from __future__ import annotations

import collections
import os
import sys
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from augwise.core.validate import check_choice, check_finite, short_repr
from augwise.io.sources import check_classes, image_formats, split_problem, subset_rows

if TYPE_CHECKING:
    import pandas as pd

CLASS_MODES = ("binary", "categorical", "input", "multi_output", "raw", "sparse", None)
_NO_CLASSES = ("input", "multi_output", "raw", None)
_ONE_COLUMN = ("binary", "categorical", "sparse")  # class modes that read one label column


@dataclass(frozen=True)
class DataFrameSamples:
    """The rows kept, with what the iterator needs from them."""

    filenames: list[str]
    class_indices: dict[str, int]
    classes: list[Any] | None  # int or list[int] per row (class modes with classes)
    targets: Any  # raw: ndarray, multi_output: list of arrays, else None
    sample_weight: np.ndarray | None
    invalid: list[str]  # filenames dropped by validate_filenames
    empty_classes: list[str]  # classes given in ``classes`` that no row has
    duplicates: int  # rows whose file name an earlier row already has (kept)
    why_empty: str = ""  # when no row is left: which step dropped the last ones, and the fix


def _check_column(name: str, value: Any, what: str = "a column name (str)") -> None:
    """Refuse what cannot name a dataframe column (arrays, lists, floats, bools)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, int, np.integer)):
        raise TypeError(f"{name} must be {what}, got {short_repr(value)}")


def _check_y_col(y_col: Any, class_mode: str | None) -> None:
    if y_col is None and class_mode in ("input", None):  # no labels: y_col is not read
        return
    if not isinstance(y_col, list):
        _check_column("y_col", y_col, "a column name (str) or a list of column names")
        return
    for i, col in enumerate(y_col):
        _check_column(f"y_col[{i}]", col)
    if class_mode in ("input", None):  # y_col is not read
        return
    if not y_col:
        raise ValueError(
            f"y_col=[] names no column: class_mode={class_mode!r} needs the label column "
            "(e.g. y_col='class'), or for 'multi_output' and 'raw' a list of columns"
        )
    if class_mode in _ONE_COLUMN:
        raise TypeError(
            f"y_col must be one column name for class_mode={class_mode!r}, got a list "
            f"{short_repr(y_col)}: lists of columns are for class_mode='multi_output' or 'raw'"
        )


def _check_numbers(name: str, values: Any) -> None:
    """NaN or inf in a target or weight column would reach the loss: refused, naming the
    column (values that are not float, e.g. strings for ``raw``, pass as Keras lets them)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            return
    check_finite("values", arr, where=f"the dataframe's {name}")


def is_dataframe(obj: Any) -> bool:
    """Whether ``obj`` is a pandas DataFrame, without importing pandas (a DataFrame
    exists only once pandas is imported)."""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def check_params(
    df: pd.DataFrame, x_col: str, y_col: Any, weight_col: str | None, classes: Any,
    class_mode: str | None,
) -> list[Any] | None:
    """Keras' argument checks, with the same exception types; ``classes`` as a list.

    Every argument's type is checked first, naming it (an array where a column name or
    an option belongs is a ``TypeError``, not numpy's "truth value is ambiguous").
    """
    check_choice("class_mode", class_mode, CLASS_MODES)
    _check_column("x_col", x_col)
    _check_y_col(y_col, class_mode)
    if weight_col is not None:
        _check_column("weight_col", weight_col, "a column name (str) or None")
    classes = check_classes(classes, labels=True)
    if not is_dataframe(df):
        raise TypeError(f"dataframe must be a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise ValueError(
            f"dataframe is empty (0 rows, columns {[str(c) for c in df.columns][:10]}): "
            f"flow_from_dataframe needs one row per image, its file name in x_col={x_col!r}"
            + ("" if class_mode in _NO_CLASSES else f" and its label in y_col={y_col!r}")
        )
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
    return classes


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
    return df.dropna(subset=[y_col]), sorted(_labels(df[y_col]))


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
    keras_compat: bool = False,
) -> DataFrameSamples:
    """Filter, split and label the rows, in Keras' order of operations.

    Rows that repeat a file name are kept, as Keras keeps them, with a warning naming
    how many and the first one.  Default mode also accepts GIF and WebP file names.
    """
    classes = check_params(dataframe, x_col, y_col, weight_col, classes, class_mode)
    df = dataframe.copy()
    repeated = df[x_col].duplicated()
    duplicates = int(repeated.sum())
    if duplicates:
        warnings.warn(
            f"dataframe: {duplicates} row(s) repeat a file name of an earlier row in "
            f"x_col={x_col!r} (first: {df[x_col][repeated].iloc[0]!r}); they are kept, so "
            "those images count more than once per epoch. Drop them with "
            f"dataframe.drop_duplicates(subset={x_col!r}) if that is not intended.",
            stacklevel=4,
        )
    root = directory or ""
    invalid: list[str] = []
    why_empty = ""
    if validate_filenames:
        formats = image_formats(keras_compat)
        paths = df[x_col].map(lambda f: os.path.join(root, f))
        mask = paths.apply(lambda p: p.lower().endswith(formats) and os.path.isfile(p))
        mask = mask.astype(bool)
        n_invalid = int((~mask).sum())
        if n_invalid:
            invalid = df[x_col][~mask].tolist()
            warnings.warn(
                f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". '
                "These filename(s) will be ignored.",
                stacklevel=4,
            )
        df = df[mask]
        if not len(df):
            why_empty = (
                f"all {len(invalid)} file names in x_col={x_col!r} are invalid (no such file "
                f"under directory={root!r}, or an extension not read: {', '.join(formats)}); "
                f"the first: {short_repr(invalid[0])}. Fix the paths or the directory"
            )
    class_indices: dict[str, int] = {}
    used: set[Any] = set()
    if class_mode not in _NO_CLASSES:
        kept, found = _filter_classes(df, y_col, classes)
        if len(df) and not len(kept):
            why_empty = _no_class_matches(classes, _labels(df[y_col]), y_col)
        df = kept
        class_indices = dict(zip(found, range(len(found)), strict=True))
        for label in df[y_col]:
            used.update(label if isinstance(label, (list, tuple)) else [label])
    rows_before = len(df)
    if subset is not None:
        stratify = split_mode == "stratified" and class_mode not in _NO_CLASSES
        split_labels = df[y_col].tolist() if stratify else [0] * len(df)
        mode = split_mode if validation_split else "first"
        rows = subset_rows(split_labels, validation_split, mode, split_seed, subset)
        df = df.iloc[rows, :]
    if rows_before and not len(df):
        why_empty = split_problem(subset, validation_split, f"the {rows_before} rows")
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
        for col, values in zip(y_col, targets, strict=True):
            _check_numbers(f"y_col {col!r}", values)
    elif class_mode == "raw":
        targets = df[y_col].values
        _check_numbers(f"y_col {y_col!r}", targets)
    weights = df[weight_col].values if weight_col else None
    if weights is not None:
        _check_numbers(f"weight_col {weight_col!r}", weights)
    return DataFrameSamples(
        filenames=df[x_col].tolist(),
        class_indices=class_indices,
        classes=labels,
        targets=targets,
        sample_weight=weights,
        invalid=invalid,
        empty_classes=[str(c) for c in class_indices if c not in used],
        duplicates=duplicates,
        why_empty=why_empty,
    )


def _labels(column: pd.Series) -> set[Any]:
    """Every label in a ``y_col`` column (rows may hold one label or a list of them)."""
    found: set[Any] = set()
    for v in column:
        if isinstance(v, (list, tuple)):
            found.update(v)
        else:
            found.add(v)
    return found


def _no_class_matches(classes: list[Any] | None, labels: set[Any], y_col: str) -> str:
    shown = sorted(labels, key=repr)
    text = (
        f"none of classes={short_repr(classes)} is a label in y_col={y_col!r} (its labels: "
        f"{short_repr(shown)}); list labels of the dataframe in classes, or leave it out"
    )
    as_text = {str(v) for v in labels}
    for c in classes or []:
        if not isinstance(c, str) and str(c) in as_text:
            return text + f" (the labels are strings: write {str(c)!r}, not {c!r})"
    return text
