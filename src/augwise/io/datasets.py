"""Every data source as named splits of samples: the one reader for doctor and tuner.

:func:`open_source` (all splits) and :func:`load_splits` (one ``data`` argument) read

* a class-folder tree (``cat/*.png``, ``dog/*.png``), or one holding split folders
  (``train/``, ``test/``, ``validation/`` or ``val/``, each of class folders);
* a CSV file or pandas DataFrame of file names and labels (pandas is imported only here);
* an ``.npz`` (``x_train``/``y_train``, ``x_val``/``y_val``, ``x_test``/``y_test``, or
  ``x``/``y``; ``class_names`` when present), an ``.npy`` file of images;
* a folder of MNIST / Fashion-MNIST ``idx`` files (``train-images-idx3-ubyte[.gz]`` ...);
* ``"demo"``: the shipped Fashion-MNIST sample (unless a file or folder has that name);
* in-memory arrays ``x`` or ``(x, y)``, or an augwise / Keras iterator.

Each split gives sample names (``cat/001.png``, ``test[12]``), integer labels into one
list of class names shared by all splits, and either file paths or ``(N, H, W, C)``
arrays.  Integer array labels are class indices (as ``flow(x, y)`` reads them); other
labels (strings, CSV columns, sparse ids) are numbered in sorted order, as ``flow_from_dataframe``
numbers them.  Validation subsets follow :func:`augwise.io.sources.validation_rows`.

>>> ds = open_source("demo")
>>> [(s.name, len(s)) for s in ds.splits], ds.train.class_names[:2]
([('train', 3000), ('test', 1000)], ['T-shirt_top', 'Trouser'])
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from augwise.core.files import check_regular
from augwise.core.machine import total_memory
from augwise.core.validate import check_finite
from augwise.io.dataframe import is_dataframe
from augwise.io.demo import load_fashion_mnist
from augwise.io.inventory import Inventory, take_inventory
from augwise.io.sources import IMAGE_FORMATS, list_directory, validation_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEMO", "SPLIT_NAMES", "DataSet", "Split", "apply_validation_split", "is_iterator",
    "load_splits", "open_source", "read_idx", "take",
]

DEMO = "demo"
SPLIT_NAMES = ("train", "validation", "test")
_NPZ_KEYS = {
    "train": (("x_train", "y_train"), ("x", "y")),
    "validation": (("x_val", "y_val"), ("x_valid", "y_valid"), ("x_validation", "y_validation")),
    "test": (("x_test", "y_test"),),
}
_SPLIT_DIRS = {"train": ("train",), "validation": ("validation", "val", "valid"),
               "test": ("test",)}
_IDX = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass
class Split:
    """The samples of one split, as files or as an array, with integer labels."""

    name: str
    origin: str  # directory | dataframe | csv | npz | npy | idx | demo | arrays | validation_split
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
    layout_problem: str = ""  # directory: why the tree gives no samples (see Listing)

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


# -- readers -----------------------------------------------------------------------------


def _directory(name: str, root: str, inventory: bool) -> Split:
    listing = list_directory(root)
    return Split(
        name=name, origin="directory", source=root, kind="files",
        names=list(listing.filenames),
        paths=[os.path.join(root, f) for f in listing.filenames],
        labels=listing.classes.astype(np.int64), class_names=list(listing.class_indices),
        inventory=take_inventory(root) if inventory else None, root=root,
        layout_problem=listing.layout_problem(),
    )


def _split_folders(root: str) -> dict[str, str]:
    """``{split: folder}`` when ``root`` holds split folders of class folders, else ``{}``.

    It does when its folders are all split names (``train`` among them) and each holds
    only folders, so a class-folder tree whose classes are named ``train`` and ``test``
    (images directly inside) stays a class-folder tree."""
    entries = [e for e in sorted(os.listdir(root)) if not e.startswith(".")]
    known = {d: split for split, dirs in _SPLIT_DIRS.items() for d in dirs}
    folders = [e for e in entries if os.path.isdir(os.path.join(root, e))]
    if "train" not in folders or any(e not in known for e in folders):
        return {}
    found: dict[str, str] = {}
    for entry in folders:
        full = os.path.join(root, entry)
        inner = [f for f in os.listdir(full) if not f.startswith(".")]
        if not inner or any(not os.path.isdir(os.path.join(full, f)) for f in inner):
            return {}
        found.setdefault(known[entry], full)
    return {split: found[split] for split in SPLIT_NAMES if split in found}


def _read_directory(name: str, root: str, inventory: bool) -> list[Split]:
    folders = _split_folders(root)
    if not folders:
        return [_directory(name, root, inventory)]
    splits = [_directory(split, folder, inventory) for split, folder in folders.items()]
    return _pick(_align(splits), name)


def _label_codes(values: Sequence[Any], *, indices: bool = False) -> tuple[
        np.ndarray, list[str], str]:
    """Integer codes and class names for labels, or multi-label / none markers.

    ``indices``: non-negative integers are class indices themselves (array labels), unless
    most indices below the largest are unused (ids such as 1000, 2000 are numbered)."""
    if len(values) == 0:
        return np.zeros(0, np.int64), [], "none"
    if any(isinstance(v, (list, tuple, set)) for v in values):
        return np.full(len(values), -1, np.int64), [], "multi"
    ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
               for v in values)
    if indices and ints and min(values) >= 0 and max(values) < 2 * len(set(values)):
        return np.asarray(values, np.int64), [str(i) for i in range(int(max(values)) + 1)], \
            "single"
    uniq = sorted(set(values), key=lambda v: (isinstance(v, str), v))
    index = {v: i for i, v in enumerate(uniq)}
    codes = np.array([index[v] for v in values], np.int64)
    return codes, [str(v) for v in uniq], "single"


DEFAULT_Y_COL = "class"


def _frame(name: str, df: pd.DataFrame, root: str | None, x_col: str, y_col: str,
           origin: str, source: str | None) -> Split:
    for arg, col in (("x_col", x_col), ("y_col", y_col)):
        # without the default label column the rows are unlabelled; a named one must exist
        if col not in df.columns and (arg == "x_col" or col != DEFAULT_Y_COL):
            raise ValueError(f"{arg}={col!r} is not a column of the {origin} (columns: "
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
            channels_first: bool, class_names: Sequence[str] | None = None) -> Split:
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
    where = f"{source} ({name} split)" if source else f"the {name} split"
    if n == 0 or 0 in arr.shape[1:]:
        raise ValueError(f"{where}: the images' shape {arr.shape} holds no image")
    check_finite("images", arr, where=where)
    if y is None:
        labels, classes, kind = np.full(n, -1, np.int64), [], "none"
    else:
        ya = np.asarray(y)
        if ya.ndim == 0 or len(ya) != n:
            raise ValueError(f"{name}: {n} images but {ya.size if ya.ndim == 0 else len(ya)} "
                             "labels")
        check_finite("labels", ya, where=where)
        if ya.ndim == 2 and ya.shape[1] > 1:
            single = np.isin(ya, (0, 1)).all() and (ya.sum(axis=1) == 1).all()
            if single:
                labels, classes, kind = ya.argmax(axis=1).astype(np.int64), [
                    str(i) for i in range(ya.shape[1])], "single"
            else:
                labels, classes, kind = np.full(n, -1, np.int64), [], "multi"
        else:
            labels, classes, kind = _label_codes(ya.reshape(n).tolist(), indices=True)
    if class_names is not None and kind == "single" and classes == [
            str(i) for i in range(len(classes))]:  # labels are indices into class_names
        if len(class_names) < len(classes):
            raise ValueError(
                f"{source or name}: class_names has {len(class_names)} names for labels up to "
                f"{len(classes) - 1}; give one name per class"
            )
        classes = [str(c) for c in class_names]
    return Split(
        name=name, origin=origin, source=source, kind="arrays",
        names=[f"{name}[{i}]" for i in range(n)], labels=labels, class_names=classes,
        x=arr, label_kind=kind,
    )


def _align(splits: list[Split]) -> list[Split]:
    """The splits numbered into one list of class names: the first split's, then the
    names only later splits have (so the training split's indices never change)."""
    if len(splits) < 2:
        return splits
    names = list(splits[0].class_names)
    for split in splits[1:]:
        names.extend(c for c in split.class_names if c not in names)
    out = []
    for split in splits:
        if split.label_kind != "single":
            out.append(split)
            continue
        index = np.asarray([names.index(c) for c in split.class_names] or [0], np.int64)
        labels = np.where(split.labels >= 0, index[np.maximum(split.labels, 0)], -1) \
            if len(split.labels) else split.labels
        out.append(replace(split, labels=labels.astype(np.int64), class_names=list(names)))
    return out


def _pick(splits: list[Split], want: str) -> list[Split]:
    """All splits for ``want='train'``; otherwise that split alone (or the first one),
    renamed: its rows are ``test[i]``, not ``train[i]``."""
    if want == "train" or not splits:
        return splits
    chosen = next((s for s in splits if s.name == want), splits[0])
    if chosen.kind == "arrays":
        chosen = replace(chosen, names=[f"{want}[{i}]" for i in range(len(chosen))])
    return [replace(chosen, name=want)]


def _declared_bytes(fp: Any) -> int | None:
    """The bytes of data the ``.npy`` header at ``fp`` declares (``fp`` is left at the
    data), or None for a header version NumPy has no public reader for."""
    fmt = np.lib.format
    version = fmt.read_magic(fp)
    if version == (1, 0):
        shape, _, dtype = fmt.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, _, dtype = fmt.read_array_header_2_0(fp)
    else:
        return None
    return int(np.prod(shape, dtype=object)) * dtype.itemsize


def check_array_file(path: str) -> None:
    """Refuse a ``.npy``/``.npz`` file whose arrays declare more data than the file holds
    (truncated, or a header crafted to make the reader allocate terabytes) or more than
    this machine's memory; before NumPy allocates anything."""
    import zipfile

    check_regular(path)
    memory = total_memory()  # 0 if unknown: no bound

    def check(member: str, declared: int | None, held: int) -> None:
        if declared is None:
            return
        if declared > held:
            raise ValueError(
                f"{path!r}{member}: the array declares {declared:,} bytes of data but the "
                f"file holds {held:,}: truncated or corrupt"
            )
        if memory and declared > memory:
            raise ValueError(
                f"{path!r}{member}: the array needs {declared / 2**30:.1f} GiB, more than "
                f"this machine's {memory / 2**30:.1f} GiB of memory"
            )

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if info.filename.endswith(".npy"):
                        with zf.open(info) as fp:
                            declared = _declared_bytes(fp)
                            held = info.file_size - fp.tell()
                        check(f" [{info.filename}]", declared, held)
        elif path.lower().endswith(".npy"):
            with open(path, "rb") as fp:
                declared = _declared_bytes(fp)
                check("", declared, os.fstat(fp.fileno()).st_size - fp.tell())
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{path!r} is not a readable NumPy file: {exc}") from exc


def _npz(path: str, channels_first: bool, want: str = "train") -> list[Split]:
    check_array_file(path)
    with np.load(path, allow_pickle=False) as z:
        keys = set(z.files)
        names = [str(c) for c in z["class_names"]] if "class_names" in keys else None
        splits = []
        for name in SPLIT_NAMES:
            for xk, yk in _NPZ_KEYS[name]:
                if xk in keys:
                    y = z[yk] if yk in keys else None
                    split = _arrays(name, z[xk], y, "npz", path, channels_first, names)
                    split.npz_keys = (xk, yk if yk in keys else "")
                    splits.append(split)
                    break
    if not splits or (want == "train" and splits[0].name != "train"):
        raise ValueError(f"{path!r} has no image array: expected keys x_train/y_train "
                         f"(or x/y; x_test/y_test for --test), found "
                         f"{', '.join(sorted(keys)) or 'none'}")
    return _pick(_align(splits), want)


def _find_idx(folder: str, name: str) -> str | None:
    for suffix in (".gz", ""):
        path = os.path.join(folder, name + suffix)
        if os.path.isfile(path):
            return path
    return None


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """An MNIST-style ``idx`` array of unsigned bytes (optionally gzip-compressed)."""
    path = os.fspath(path)
    opener: Any = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path!r} is not an unsigned-byte idx file (MNIST format)")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _is_idx_folder(folder: str) -> bool:
    return _find_idx(folder, _IDX["train"][0]) is not None


def _idx(folder: str, channels_first: bool, want: str) -> list[Split]:
    splits = []
    for name, (images, labels) in _IDX.items():
        x_path, y_path = _find_idx(folder, images), _find_idx(folder, labels)
        if x_path is None:
            continue
        if y_path is None:
            raise ValueError(f"{folder!r} has {os.path.basename(x_path)} but not its labels "
                             f"{labels}[.gz]: add the labels file")
        splits.append(_arrays(name, read_idx(x_path), read_idx(y_path), "idx", folder,
                              channels_first))
    return _pick(_align(splits), want)


def _demo(want: str) -> list[Split]:
    demo = load_fashion_mnist()
    splits = [
        _arrays(name, x, y, "demo", DEMO, False, demo.class_names)
        for name, x, y in (("train", demo.x_train, demo.y_train),
                           ("test", demo.x_test, demo.y_test))
    ]
    return _pick(splits, want)


# what a data argument may name, for messages
SOURCE_KINDS = f"a folder, a .csv, .npz or .npy file, or {DEMO!r} for the shipped sample"


def _from_path(name: str, path: str, x_col: str, y_col: str, directory: str | None,
               channels_first: bool, inventory: bool, what: str) -> list[Split]:
    p = Path(path)
    if path == DEMO and not p.exists():
        return _demo(name)
    if p.is_dir():
        if _is_idx_folder(path):
            return _idx(path, channels_first, name)
        return _read_directory(name, os.fspath(p), inventory)
    if not p.exists():
        raise ValueError(f"{what} {path!r} does not exist ({SOURCE_KINDS})")
    suffix = p.suffix.lower()
    if suffix == ".csv":
        import pandas as pd

        check_regular(os.fspath(p))
        df = pd.read_csv(p)
        root = directory if directory is not None else os.fspath(p.parent)
        return [_frame(name, df, root, x_col, y_col, "csv", os.fspath(p))]
    if suffix == ".npz":
        return _npz(os.fspath(p), channels_first, name)
    if suffix == ".npy":
        check_array_file(os.fspath(p))
        return [_arrays(name, np.load(p, allow_pickle=False), None, "npy", os.fspath(p),
                        channels_first)]
    raise ValueError(f"{what} {path!r} must be a folder, .csv, .npz or .npy file")


def _from_iterator(name: str, it: Any, channels_first: bool, inventory: bool) -> list[Split]:
    if hasattr(it, "filepaths"):
        directory = getattr(it, "directory", None)
        if directory and hasattr(it, "class_indices") and not hasattr(it, "x_col"):
            # a directory iterator: read the whole tree; validation_split is applied later
            return [_directory(name, os.fspath(directory), inventory)]
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
    """Whether ``obj`` is an augwise or Keras iterator (its source is read from it)."""
    return hasattr(obj, "image_data_generator") and (
        hasattr(obj, "filepaths") or hasattr(obj, "x")
    )


def load_splits(name: str, data: Any, *, x_col: str = "filename", y_col: str = "class",
                directory: str | None = None, channels_first: bool = False,
                inventory: bool = True, what: str | None = None) -> list[Split]:
    """Splits from one ``data`` argument, ``name`` first (an ``.npz``, an ``idx`` folder,
    a tree of split folders or the demo may hold several; for ``name`` other than
    ``'train'`` only that one).  ``inventory``: also classify every file of a folder tree
    (:func:`~augwise.io.inventory.take_inventory`); ``what`` names ``data`` in errors.

    >>> [s.names[:1] for s in load_splits("test", (np.zeros((2, 4, 4)), [0, 1]))]
    [['test[0]']]
    """
    what = what or f"{name} data"
    if isinstance(data, (str, os.PathLike)) and not os.fspath(data):
        raise ValueError(f"{what} is an empty path: name {SOURCE_KINDS}")
    if isinstance(data, (str, os.PathLike)):
        return _from_path(name, os.fspath(data), x_col, y_col, directory, channels_first,
                          inventory, what)
    if is_dataframe(data):
        return [_frame(name, data, directory, x_col, y_col, "dataframe", None)]
    if is_iterator(data):
        return _from_iterator(name, data, channels_first, inventory)
    if isinstance(data, np.ndarray):
        return [_arrays(name, data, None, "arrays", None, channels_first)]
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return [_arrays(name, data[0], data[1], "arrays", None, channels_first)]
    raise TypeError(
        f"{what} must be a folder, a .csv/.npz/.npy path, a DataFrame, an array, "
        f"(x, y) arrays or an augwise/Keras iterator, got {type(data).__name__}"
    )


def open_source(data: Any, **options: Any) -> DataSet:
    """Every split of ``data`` (see :func:`load_splits` for ``options``), training first.

    >>> ds = open_source((np.zeros((3, 4, 4)), np.array([0, 1, 1])))
    >>> ds.origin, ds.train.names, ds.train.class_names
    ('arrays', ['train[0]', 'train[1]', 'train[2]'], ['0', '1'])
    """
    splits = load_splits("train", data, **options)
    source = os.fspath(data) if isinstance(data, (str, os.PathLike)) else None
    return DataSet(splits, splits[0].origin, source)


# -- validation_split --------------------------------------------------------------------


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
    """``[training subset, validation subset]`` of ``train``, as the loader splits it.

    >>> s = load_splits("train", (np.zeros((4, 2, 2)), np.array([0, 0, 1, 1])))[0]
    >>> [p.names for p in apply_validation_split(s, 0.5, "first", 0)]
    [['train[2]', 'train[3]'], ['train[0]', 'train[1]']]
    """
    labels = train.labels if train.label_kind == "single" else np.zeros(len(train), np.int64)
    val_rows = validation_rows(labels, fraction, mode, seed,
                               per_class=train.origin == "directory")
    mask = np.ones(len(train), bool)
    mask[val_rows] = False
    return [take(train, np.flatnonzero(mask), "train", train.origin),
            take(train, val_rows, "validation", "validation_split")]
