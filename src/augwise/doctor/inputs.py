"""Turn whatever the user points the doctor at into named splits of samples.

Accepted for ``data`` (and for ``validation`` / ``test``): a class-folder directory, a
CSV file or pandas DataFrame of file names and labels, an ``.npz`` file
(``x_train``/``y_train``, ``x_val``/``y_val``, ``x_test``/``y_test``, or ``x``/``y``),
an ``.npy`` file of images, in-memory arrays ``x`` or ``(x, y)``, or an augwise / Keras
iterator (its source, labels, flow arguments and generator are read).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from augwise.doctor.inventory import Inventory, take_inventory
from augwise.io.sources import IMAGE_FORMATS, list_directory, stratified_subset

SPLIT_NAMES = ("train", "validation", "test")
_NPZ_KEYS = {
    "train": (("x_train", "y_train"), ("x", "y")),
    "validation": (("x_val", "y_val"), ("x_valid", "y_valid"), ("x_validation", "y_validation")),
    "test": (("x_test", "y_test"),),
}


@dataclass
class Split:
    """The samples of one split, as files or as an array, with integer labels."""

    name: str
    origin: str  # directory | dataframe | csv | npz | npy | arrays | validation_split
    source: str | None
    kind: str  # "files" or "arrays"
    names: list[str]  # display name per sample (path relative to the root, or "train[12]")
    labels: np.ndarray  # int64 class index per sample into class_names; -1: unlabelled
    class_names: list[str]
    paths: list[str] = field(default_factory=list)  # files: absolute or root-joined paths
    x: np.ndarray | None = None  # arrays: (N, H, W, C), channels last
    inventory: Inventory | None = None
    dropped: dict[str, str] = field(default_factory=dict)  # name -> why a loader skips it
    label_kind: str = "single"  # single | multi | none
    label_types: tuple[str, ...] = ()  # Python types of raw labels (dataframes)
    root: str | None = None  # the folder flows read from (directory / dataframe directory)
    frame: pd.DataFrame | None = None  # dataframe rows kept (for previews)
    rows: np.ndarray | None = None  # indices of this split's samples in the loader's order
    npz_keys: tuple[str, str] = ("", "")  # npz: the image and label keys read ("" if none)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def labelled(self) -> bool:
        return self.label_kind == "single" and bool((self.labels >= 0).any())


@dataclass
class DataSet:
    """All splits, the training split first."""

    splits: list[Split]
    origin: str
    source: str | None

    def get(self, name: str) -> Split | None:
        return next((s for s in self.splits if s.name == name), None)

    @property
    def train(self) -> Split:
        return self.splits[0]

    @property
    def kind(self) -> str:
        return self.train.kind

    def row_names(self) -> list[str]:
        """A unique name per sample of every split, in row order.

        Training samples keep their name (``a/img_1.png``, ``train[12]``); the others carry
        their split (``test/a/img_1.png``, ``test[12]``, and ``validation/train[12]`` for a
        ``validation_split`` subset of arrays); a repeated name gets `` #2``, `` #3``...

        >>> DataSet([Split("train", "npz", None, "arrays", ["train[0]"], np.zeros(1), []),
        ...          Split("test", "npz", None, "arrays", ["test[0]"], np.zeros(1), [])],
        ...         "npz", None).row_names()
        ['train[0]', 'test[0]']
        """
        out: list[str] = []
        taken: set[str] = set()
        for split in self.splits:
            for name in split.names:
                if split.name != "train" and not name.startswith(f"{split.name}["):
                    name = f"{split.name}/{name}"
                unique, k = name, 1
                while unique in taken:
                    k += 1
                    unique = f"{name} #{k}"
                taken.add(unique)
                out.append(unique)
        return out


# -- loaders ---------------------------------------------------------------------------


def _directory(name: str, root: str) -> Split:
    listing = list_directory(root)
    inv = take_inventory(root)
    classes = list(listing.class_indices)
    return Split(
        name=name, origin="directory", source=root, kind="files",
        names=list(listing.filenames),
        paths=[os.path.join(root, f) for f in listing.filenames],
        labels=listing.classes.astype(np.int64), class_names=classes, inventory=inv, root=root,
    )


def _label_codes(values: Sequence[Any]) -> tuple[np.ndarray, list[str], str]:
    """Integer codes for labels (strings/ints), or multi-label/none markers."""
    if len(values) == 0:
        return np.zeros(0, np.int64), [], "none"
    if any(isinstance(v, (list, tuple, set)) for v in values):
        return np.full(len(values), -1, np.int64), [], "multi"
    uniq = sorted(set(values), key=lambda v: (isinstance(v, str), v))
    index = {v: i for i, v in enumerate(uniq)}
    codes = np.array([index[v] for v in values], np.int64)
    return codes, [str(v) for v in uniq], "single"


def _frame(name: str, df: pd.DataFrame, root: str | None, x_col: str, y_col: str,
           origin: str, source: str | None) -> Split:
    if x_col not in df.columns:
        raise ValueError(f"x_col={x_col!r} is not a column of the {origin} (columns: "
                         f"{', '.join(map(str, df.columns))})")
    base = root or ""
    keep: list[int] = []
    dropped: dict[str, str] = {}
    for i, f in enumerate(df[x_col].tolist()):
        fname = str(f)
        path = os.path.join(base, fname)
        if not fname.lower().endswith(IMAGE_FORMATS):
            dropped[fname] = "extension not read by flow_from_dataframe (dropped with a warning)"
        elif not os.path.isfile(path):
            dropped[fname] = "file does not exist (dropped with a warning)"
        else:
            keep.append(i)
    rows = df.iloc[keep]
    names = [str(f) for f in rows[x_col].tolist()]
    if y_col in df.columns:
        raw = rows[y_col].tolist()
        labels, classes, kind = _label_codes(raw)
        types = tuple(sorted({type(v).__name__ for v in raw}))
    else:
        labels, classes, kind, types = np.full(len(names), -1, np.int64), [], "none", ()
    return Split(
        name=name, origin=origin, source=source, kind="files", names=names,
        paths=[os.path.join(base, f) for f in names], labels=labels, class_names=classes,
        dropped=dropped, label_kind=kind, label_types=types, root=root, frame=rows,
    )


def _arrays(name: str, x: Any, y: Any, origin: str, source: str | None,
            channels_first: bool) -> Split:
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} images must be numeric, got dtype {arr.dtype}")
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4:
        raise ValueError(f"{name} images must have shape (N, H, W[, C]), got {arr.shape}")
    if channels_first:
        arr = arr.transpose(0, 2, 3, 1)
    n = arr.shape[0]
    if y is None:
        labels, classes, kind = np.full(n, -1, np.int64), [], "none"
    else:
        ya = np.asarray(y)
        if len(ya) != n:
            raise ValueError(f"{name}: {n} images but {len(ya)} labels")
        if ya.ndim == 2 and ya.shape[1] > 1:
            single = np.isin(ya, (0, 1)).all() and (ya.sum(axis=1) == 1).all()
            if single:
                labels, classes, kind = ya.argmax(axis=1).astype(np.int64), [
                    str(i) for i in range(ya.shape[1])], "single"
            else:
                labels, classes, kind = np.full(n, -1, np.int64), [], "multi"
        else:
            labels, classes, kind = _label_codes(ya.reshape(n).tolist())
    return Split(
        name=name, origin=origin, source=source, kind="arrays",
        names=[f"{name}[{i}]" for i in range(n)], labels=labels, class_names=classes,
        x=arr, label_kind=kind,
    )


def _npz(path: str, channels_first: bool, want: str = "train") -> list[Split]:
    """The splits of an ``.npz``; for ``want`` other than train, that split alone (or the
    file's only images), renamed: its rows are ``test[i]``, not ``train[i]``."""
    with np.load(path, allow_pickle=False) as z:
        keys = set(z.files)
        splits = []
        for name in SPLIT_NAMES:
            for xk, yk in _NPZ_KEYS[name]:
                if xk in keys:
                    y = z[yk] if yk in keys else None
                    split = _arrays(name, z[xk], y, "npz", path, channels_first)
                    split.npz_keys = (xk, yk if yk in keys else "")
                    splits.append(split)
                    break
    if want != "train" and splits:
        chosen = next((s for s in splits if s.name == want), splits[0])
        return [replace(chosen, name=want, names=[f"{want}[{i}]" for i in range(len(chosen))])]
    if not splits or splits[0].name != "train":
        raise ValueError(f"{path!r} has no image array: expected keys x_train/y_train "
                         f"(or x/y; x_test/y_test for --test), found "
                         f"{', '.join(sorted(keys)) or 'none'}")
    return splits


def _from_path(name: str, path: str, x_col: str, y_col: str, directory: str | None,
               channels_first: bool) -> list[Split]:
    p = Path(path)
    if p.is_dir():
        return [_directory(name, os.fspath(p))]
    if not p.exists():
        raise ValueError(f"{name} data {path!r} does not exist")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        df = pd.read_csv(p)
        root = directory if directory is not None else os.fspath(p.parent)
        return [_frame(name, df, root, x_col, y_col, "csv", os.fspath(p))]
    if suffix == ".npz":
        return _npz(os.fspath(p), channels_first, name)
    if suffix == ".npy":
        return [_arrays(name, np.load(p, allow_pickle=False), None, "npy", os.fspath(p),
                        channels_first)]
    raise ValueError(f"{name} data {path!r} must be a folder, .csv, .npz or .npy file")


def _from_iterator(name: str, it: Any, channels_first: bool) -> list[Split]:
    if hasattr(it, "filepaths"):
        directory = getattr(it, "directory", None)
        if directory and hasattr(it, "class_indices") and not hasattr(it, "x_col"):
            # a directory iterator: read the whole tree; validation_split is applied later
            return [_directory(name, os.fspath(directory))]
        classes = getattr(it, "classes", None)
        indices = getattr(it, "class_indices", {}) or {}
        names = [str(f) for f in it.filenames]
        inv = {v: k for k, v in indices.items()}
        if classes is not None and len(classes) == len(names) and not any(
            isinstance(c, list) for c in classes
        ):
            labels = np.asarray(classes, np.int64)
            kind = "single"
        else:
            labels, kind = np.full(len(names), -1, np.int64), "multi" if classes else "none"
        return [Split(
            name=name, origin="dataframe", source=directory or None, kind="files",
            names=names, paths=list(it.filepaths), labels=labels,
            class_names=[str(inv[i]) for i in range(len(inv))], label_kind=kind,
            root=directory or None,
        )]
    if isinstance(getattr(it, "x", None), np.ndarray):
        x = it.x
        if getattr(it, "data_format", "channels_last") == "channels_first":
            x = x.transpose(0, 2, 3, 1)
        return [_arrays(name, x, getattr(it, "y", None), "arrays", None, False)]
    raise TypeError(f"cannot read images from {type(it).__name__}: pass a folder, a CSV "
                    "file or DataFrame, an .npz/.npy file, arrays (x, y), or an augwise/Keras "
                    "iterator")


def is_iterator(obj: Any) -> bool:
    return hasattr(obj, "image_data_generator") and (
        hasattr(obj, "filepaths") or hasattr(obj, "x")
    )


def load_splits(name: str, data: Any, *, x_col: str = "filename", y_col: str = "class",
                directory: str | None = None, channels_first: bool = False) -> list[Split]:
    """Splits from one ``data`` argument (an ``.npz`` may hold several)."""
    if isinstance(data, (str, os.PathLike)):
        return _from_path(name, os.fspath(data), x_col, y_col, directory, channels_first)
    if isinstance(data, pd.DataFrame):
        return [_frame(name, data, directory, x_col, y_col, "dataframe", None)]
    if is_iterator(data):
        return _from_iterator(name, data, channels_first)
    if isinstance(data, np.ndarray):
        return [_arrays(name, data, None, "arrays", None, channels_first)]
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return [_arrays(name, data[0], data[1], "arrays", None, channels_first)]
    raise TypeError(
        f"{name} data must be a folder, a .csv/.npz/.npy path, a DataFrame, an array, "
        f"(x, y) arrays or an augwise/Keras iterator, got {type(data).__name__}"
    )


# -- validation_split --------------------------------------------------------------------


def _validation_rows(split: Split, fraction: float, mode: str, seed: int) -> np.ndarray:
    """Rows the loader puts in ``subset='validation'`` (same rule as the engine)."""
    labels = split.labels if split.label_kind == "single" else np.zeros(len(split), np.int64)
    if mode == "stratified":
        return stratified_subset(labels.tolist(), fraction, "validation", seed)
    if split.origin == "directory":
        rows: list[int] = []
        for c in range(len(split.class_names)):
            members = np.flatnonzero(split.labels == c)
            rows.extend(members[: int(fraction * len(members))].tolist())
        return np.asarray(sorted(rows), np.int64)
    return np.arange(int(len(split) * fraction), dtype=np.int64)


def take(split: Split, rows: np.ndarray, name: str, origin: str) -> Split:
    """The sub-split of ``rows``."""
    rows = np.asarray(rows, np.int64)
    return replace(
        split,
        name=name,
        origin=origin,
        names=[split.names[i] for i in rows],
        paths=[split.paths[i] for i in rows] if split.paths else [],
        labels=split.labels[rows],
        x=None if split.x is None else split.x[rows],
        inventory=split.inventory if name == "train" else None,
        dropped=split.dropped if name == "train" else {},
        frame=None if split.frame is None else split.frame.iloc[rows],
        rows=rows,
    )


def apply_validation_split(train: Split, fraction: float, mode: str, seed: int) -> list[Split]:
    """``[training subset, validation subset]`` of ``train``."""
    val_rows = _validation_rows(train, fraction, mode, seed)
    mask = np.ones(len(train), bool)
    mask[val_rows] = False
    return [take(train, np.flatnonzero(mask), "train", train.origin),
            take(train, val_rows, "validation", "validation_split")]
