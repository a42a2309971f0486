"""The tuner's data: load DATA into memory, downscale, and split train / val / test.

DATA may be the shipped Fashion-MNIST sample (``demo``), a class-folder tree, a
folder of MNIST-style ``idx`` files (``train-images-idx3-ubyte[.gz]`` ...), an
``.npz`` file (``x_train``/``y_train`` [+ ``x_test``/``y_test``], or ``x``/``y``) or
a ``.csv`` of ``filename,class`` rows (paths relative to the CSV).  Images are kept
as uint8 ``(N, H, W, C)`` arrays no larger than ``max_side`` pixels: the proxy model
trains on this downscaled copy.  All selections are stratified and seeded.

>>> data = load_data("demo", LoadOptions(subset=600))
>>> data.train.x.shape, data.val.x.shape
((480, 28, 28, 1), (120, 28, 28, 1))
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
from PIL import Image

from augwise.io.decode import DecodeSpec, load_image
from augwise.io.demo import load_fashion_mnist
from augwise.io.sources import list_directory

MAX_SIDE = 64
DEMO = "demo"
_IDX = {
    "train_x": "train-images-idx3-ubyte",
    "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte",
    "test_y": "t10k-labels-idx1-ubyte",
}
# independent streams of the split generator
_SUBSET, _VAL, _TEST, _TEST_CAP = 0, 1, 2, 3


@dataclass(frozen=True)
class Split:
    """Images ``(N, H, W, C)`` uint8 and integer labels ``(N,)``."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return int(self.y.shape[0])


@dataclass(frozen=True)
class TuneData:
    """Training, validation (for selection) and test (held out for the report) splits."""

    train: Split
    val: Split
    test: Split
    class_names: tuple[str, ...]
    source: str
    original_hw: tuple[int, int]

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, C)`` of the (downscaled) images."""
        _, h, w, c = self.train.x.shape
        return (int(h), int(w), int(c))

    def fingerprint(self) -> str:
        """A short hash of every array: reruns must use the same data to resume."""
        digest = hashlib.sha256()
        for split in (self.train, self.val, self.test):
            digest.update(str(split.x.shape).encode())
            digest.update(np.ascontiguousarray(split.x).tobytes())
            digest.update(np.ascontiguousarray(split.y).tobytes())
        return digest.hexdigest()[:16]

    def describe(self) -> str:
        h, w, c = self.image_shape
        oh, ow = self.original_hw
        size = f"{h}x{w}x{c}" if (oh, ow) == (h, w) else f"{h}x{w}x{c} (downscaled from {oh}x{ow})"
        return (
            f"{self.source}: {len(self.train)} train / {len(self.val)} val / "
            f"{len(self.test)} test images, {self.num_classes} classes, {size}"
        )


@dataclass(frozen=True)
class LoadOptions:
    """How much of DATA to load and how to split it.

    ``subset`` caps the training pool (train + val) drawn from the source's training
    images; ``val_fraction`` of that pool validates.  The test split is the source's
    own test set when it has one, else a stratified ``test_fraction`` of the images;
    ``test_size`` caps it.  Images are downscaled to at most ``max_side`` pixels.
    """

    subset: int | None = None
    val_fraction: float = 0.2
    test_size: int | None = None
    test_fraction: float = 0.2
    max_side: int = MAX_SIDE
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("val_fraction", "test_fraction"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not 0 < value < 1:
                raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
        for name in ("subset", "test_size"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 2
            ):
                raise ValueError(f"{name} must be an int >= 2 or None, got {value!r}")
        if not isinstance(self.max_side, int) or self.max_side < 4:
            raise ValueError(f"max_side must be an int >= 4, got {self.max_side!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")


def load_data(source: str | os.PathLike[str], options: LoadOptions | None = None) -> TuneData:
    """Load ``source`` (a path or ``"demo"``) into memory and split it.

        >>> data = load_data("demo", LoadOptions(subset=100, test_size=50, seed=0))
        >>> data.describe()
        'Fashion-MNIST sample (shipped): 80 train / 20 val / 50 test images, 10 classes, 28x28x1'
        >>> load_data("my_images/")  # a class-folder tree, an .npz, a .csv  # doctest: +SKIP
    """
    return _resolve(source).load(options or LoadOptions())


def arrays_data(
    x: np.ndarray,
    y: np.ndarray,
    *,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    class_names: tuple[str, ...] | None = None,
    source: str = "arrays",
    options: LoadOptions | None = None,
) -> TuneData:
    """:class:`TuneData` from in-memory arrays (also the Python API for your own data).

    Without ``x_test``/``y_test`` a stratified ``test_fraction`` is held out.

        >>> import numpy as np
        >>> x, y = np.zeros((50, 16, 16, 1), np.uint8), np.arange(50) % 2
        >>> arrays_data(x, y, class_names=("cat", "dog")).describe()
        'arrays: 32 train / 8 val / 10 test images, 2 classes, 16x16x1'
    """
    opt = options or LoadOptions()
    xs, ys = _images(x, "x"), _labels(y, "y")
    if len(xs) != len(ys):
        raise ValueError(f"x and y must have the same length, got {len(xs)} and {len(ys)}")
    original_hw = (int(xs.shape[1]), int(xs.shape[2]))
    if x_test is None or y_test is None:
        test_rows = stratified_sample(ys, round(opt.test_fraction * len(ys)), opt.seed, _TEST)
        rest = np.setdiff1d(np.arange(len(ys)), test_rows)
        xt, yt = xs[test_rows], ys[test_rows]
        xs, ys = xs[rest], ys[rest]
    else:
        xt, yt = _images(x_test, "x_test"), _labels(y_test, "y_test")
        if xt.shape[1:] != xs.shape[1:]:
            raise ValueError(
                f"x_test images {xt.shape[1:]} differ in shape from x images {xs.shape[1:]}"
            )
    if opt.test_size is not None and opt.test_size < len(yt):
        keep = stratified_sample(yt, opt.test_size, opt.seed, _TEST_CAP)
        xt, yt = xt[keep], yt[keep]
    if opt.subset is not None and opt.subset < len(ys):
        keep = stratified_sample(ys, opt.subset, opt.seed, _SUBSET)
        xs, ys = xs[keep], ys[keep]
    n_val = max(1, round(opt.val_fraction * len(ys)))
    val_rows = stratified_sample(ys, n_val, opt.seed, _VAL)
    train_rows = np.setdiff1d(np.arange(len(ys)), val_rows)
    n_classes = int(max(ys.max(), yt.max())) + 1
    names = class_names or tuple(str(i) for i in range(n_classes))
    if len(names) < n_classes:
        raise ValueError(f"class_names has {len(names)} names for {n_classes} classes")
    return TuneData(
        train=Split(downscale(xs[train_rows], opt.max_side), ys[train_rows]),
        val=Split(downscale(xs[val_rows], opt.max_side), ys[val_rows]),
        test=Split(downscale(xt, opt.max_side), yt),
        class_names=tuple(names),
        source=source,
        original_hw=original_hw,
    )


def stratified_sample(labels: np.ndarray, k: int, seed: int, stream: int) -> np.ndarray:
    """Sorted indices of ``k`` samples, each class in proportion to its share."""
    labels = np.asarray(labels)
    n = len(labels)
    if k >= n:
        return np.arange(n)
    rng = np.random.default_rng([seed, stream])
    classes, counts = np.unique(labels, return_counts=True)
    exact = k * counts / n
    quota = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - quota), kind="stable")[: k - int(quota.sum())]:
        quota[i] += 1
    chosen = []
    for c, q in zip(classes, quota, strict=True):
        members = np.flatnonzero(labels == c)
        chosen.append(members[rng.permutation(len(members))[:q]])
    return np.sort(np.concatenate(chosen))


def downscale(x: np.ndarray, max_side: int) -> np.ndarray:
    """Area-downscale images whose longer side exceeds ``max_side`` (aspect kept)."""
    _, h, w, c = x.shape
    if max(h, w) <= max_side:
        return x
    scale = max_side / max(h, w)
    th, tw = max(1, round(h * scale)), max(1, round(w * scale))
    out = np.empty((len(x), th, tw, c), dtype=np.uint8)
    for i, img in enumerate(x):
        out[i] = cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA).reshape(th, tw, c)
    return out


def _images(x: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[3] not in (1, 3, 4):
        raise ValueError(
            f"{name} must be (N, H, W) or (N, H, W, C) with 1, 3 or 4 channels, got {arr.shape}"
        )
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    scale = 255.0 if arr.size and float(arr.max()) <= 1.0 else 1.0
    return np.clip(np.rint(arr.astype(np.float64) * scale), 0, 255).astype(np.uint8)


def _labels(y: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] > 1:
        arr = arr.argmax(axis=1)
    arr = arr.reshape(-1)
    if arr.dtype.kind not in "iu" or (arr.size and arr.min() < 0):
        raise ValueError(f"{name} must hold non-negative integer class labels, got {arr.dtype}")
    return arr.astype(np.int64)


# -- sources ---------------------------------------------------------------------------


class _Loader:
    def load(self, opt: LoadOptions) -> TuneData:
        raise NotImplementedError


def _resolve(source: str | os.PathLike[str]) -> _Loader:
    if str(source) == DEMO:
        return _DemoLoader()
    path = Path(source)
    if not path.exists():
        raise ValueError(f"DATA {str(source)!r} does not exist (a folder, .npz, .csv or 'demo')")
    if path.is_dir():
        if _find_idx(path, "train_x") is not None:
            return _IdxLoader(path)
        return _FolderLoader(path)
    if path.suffix.lower() == ".npz":
        return _NpzLoader(path)
    if path.suffix.lower() == ".csv":
        return _CsvLoader(path)
    raise ValueError(f"DATA {str(source)!r} must be a folder, an .npz or a .csv file")


class _DemoLoader(_Loader):
    def load(self, opt: LoadOptions) -> TuneData:
        demo = load_fashion_mnist()
        return arrays_data(
            demo.x_train, demo.y_train, x_test=demo.x_test, y_test=demo.y_test,
            class_names=tuple(demo.class_names), source="Fashion-MNIST sample (shipped)",
            options=opt,
        )


class _NpzLoader(_Loader):
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, opt: LoadOptions) -> TuneData:
        with np.load(self.path, allow_pickle=False) as z:
            keys = set(z.files)
            names = tuple(str(c) for c in z["class_names"]) if "class_names" in keys else None
            if {"x_train", "y_train"} <= keys:
                x, y = z["x_train"], z["y_train"]
                xt = z["x_test"] if "x_test" in keys else None
                yt = z["y_test"] if "y_test" in keys else None
            elif {"x", "y"} <= keys:
                x, y, xt, yt = z["x"], z["y"], None, None
            else:
                raise ValueError(
                    f"{str(self.path)!r} must hold x_train/y_train (and optionally x_test/y_test)"
                    f" or x/y arrays, found {sorted(keys)}"
                )
        return arrays_data(x, y, x_test=xt, y_test=yt, class_names=names,
                           source=str(self.path), options=opt)


def _find_idx(folder: Path, key: str) -> Path | None:
    for suffix in (".gz", ""):
        p = folder / (_IDX[key] + suffix)
        if p.is_file():
            return p
    return None


def read_idx(path: Path) -> np.ndarray:
    """An MNIST-style ``idx`` array of unsigned bytes (optionally gzip-compressed)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        data = fh.read()
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{str(path)!r} is not an unsigned-byte idx file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class _IdxLoader(_Loader):
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def load(self, opt: LoadOptions) -> TuneData:
        train_x, train_y = _find_idx(self.folder, "train_x"), _find_idx(self.folder, "train_y")
        if train_x is None or train_y is None:
            raise ValueError(f"{str(self.folder)!r} lacks {_IDX['train_x']} or {_IDX['train_y']}")
        x, y = read_idx(train_x), read_idx(train_y)
        test_x, test_y = _find_idx(self.folder, "test_x"), _find_idx(self.folder, "test_y")
        xt = read_idx(test_x) if test_x is not None and test_y is not None else None
        yt = read_idx(test_y) if test_x is not None and test_y is not None else None
        return arrays_data(x, y, x_test=xt, y_test=yt, source=str(self.folder), options=opt)


class _FileLoader(_Loader):
    """Image files with labels: decode only the rows selected, at <= max_side."""

    source: str

    def files(self) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
        raise NotImplementedError

    def load(self, opt: LoadOptions) -> TuneData:
        paths, labels, names = self.files()
        if len(paths) < 3:
            raise ValueError(f"{self.source!r} holds {len(paths)} images; need at least 3")
        n_test = round(opt.test_fraction * len(labels))
        test_rows = stratified_sample(labels, n_test, opt.seed, _TEST)
        if opt.test_size is not None:
            keep = stratified_sample(labels[test_rows], opt.test_size, opt.seed, _TEST_CAP)
            test_rows = test_rows[keep]
        pool = np.setdiff1d(np.arange(len(labels)), test_rows)
        if opt.subset is not None:
            pool = pool[stratified_sample(labels[pool], opt.subset, opt.seed, _SUBSET)]
        with Image.open(paths[int(pool[0])]) as first:
            grey = first.mode in ("1", "L", "LA", "I", "I;16", "F")
            ow, oh = first.size
        scale = min(1.0, opt.max_side / max(oh, ow))
        target = (max(1, round(oh * scale)), max(1, round(ow * scale)))
        spec = DecodeSpec(color_mode="grayscale" if grey else "rgb", target_hw=target)
        x = _decode_all([paths[int(i)] for i in pool], spec, target)
        xt = _decode_all([paths[int(i)] for i in test_rows], spec, target)
        data = arrays_data(
            x, labels[pool], x_test=xt, y_test=labels[test_rows], class_names=names,
            source=self.source, options=opt,
        )
        return dataclasses.replace(data, original_hw=(oh, ow))


def _decode_all(paths: list[str], spec: DecodeSpec, target: tuple[int, int]) -> np.ndarray:
    th, tw = target
    c = 1 if spec.color_mode == "grayscale" else 3
    out = np.empty((len(paths), th, tw, c), dtype=np.uint8)
    for i, p in enumerate(paths):
        arr = load_image(p, spec).array
        if arr.dtype != np.uint8:
            arr = (arr >> 8).astype(np.uint8)
        if arr.shape[:2] != (th, tw):
            arr = cv2.resize(arr, (tw, th), interpolation=cv2.INTER_AREA)
        out[i] = arr.reshape(th, tw, c)
    return out


class _FolderLoader(_FileLoader):
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.source = str(folder)

    def files(self) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
        listing = list_directory(str(self.folder))
        if not listing.class_indices:
            raise ValueError(
                f"{self.source!r} has no class sub-folders: the tuner needs one sub-folder of "
                f"images per class (DATA/cat/*.png, DATA/dog/*.png); the {len(listing.ignored)} "
                "entries directly in it are not read"
            )
        if len(listing.empty_classes) == len(listing.class_indices):
            raise ValueError(
                f"{self.source!r}: its {len(listing.class_indices)} class sub-folder(s) hold no "
                "image files; put each class's images in its folder (DATA/cat/*.png)"
            )
        paths = [str(self.folder / f) for f in listing.filenames]
        names = tuple(sorted(listing.class_indices, key=listing.class_indices.__getitem__))
        return paths, listing.classes.astype(np.int64), names


class _CsvLoader(_FileLoader):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = str(path)

    def files(self) -> tuple[list[str], np.ndarray, tuple[str, ...]]:
        df = pd.read_csv(self.path)
        for col in ("filename", "class"):
            if col not in df.columns:
                raise ValueError(
                    f"{str(self.path)!r} needs a {col!r} column, has {list(df.columns)}"
                )
        names = tuple(sorted(str(c) for c in df["class"].unique()))
        index = {n: i for i, n in enumerate(names)}
        labels = np.array([index[str(c)] for c in df["class"]], dtype=np.int64)
        paths = [str(self.path.parent / str(f)) for f in df["filename"]]
        return paths, labels, names
