"""The tuner's data: load DATA into memory, downscale, and split train / val / test.

DATA is anything the data layer reads (:func:`augwise.io.datasets.open_source`): the
shipped Fashion-MNIST sample (``demo``), a class-folder tree (with or without
``train/`` and ``test/`` split folders), a folder of MNIST-style ``idx`` files, an
``.npz`` file (``x_train``/``y_train`` [+ ``x_test``/``y_test``, ``class_names``], or
``x``/``y``) or a ``.csv`` of ``filename,class`` rows (paths relative to the CSV).  The
source's own test split is the test set; its training split is the pool that ``train``
and ``val`` are drawn from.  Images are kept as uint8 ``(N, H, W, C)`` arrays no larger
than ``max_side`` pixels: the proxy model trains on this downscaled copy.  All
selections are stratified and seeded (:func:`augwise.io.sources.stratified_sample`).

>>> data = load_data("demo", LoadOptions(subset=600))
>>> data.train.x.shape, data.val.x.shape
((480, 28, 28, 1), (120, 28, 28, 1))
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from augwise.core.validate import check_finite
from augwise.io.datasets import DEMO, open_source
from augwise.io.datasets import Split as SourceSplit
from augwise.io.decode import DecodeSpec, load_image
from augwise.io.sources import stratified_sample

__all__ = [
    "DEMO", "MAX_SIDE", "LoadOptions", "Split", "TuneData", "arrays_data", "downscale",
    "load_data", "resplit", "stratified_sample",
]

MAX_SIDE = 64
_DEMO_NAME = "Fashion-MNIST sample (shipped)"
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
    opt = options or LoadOptions()
    where = str(source)
    dataset = open_source(source, inventory=False, what="DATA")
    train, test = dataset.train, dataset.get("test")
    for split in (train, test):
        if split is not None:
            _check_source(split, where)
    name = _DEMO_NAME if dataset.origin == "demo" else where
    if train.x is None:
        return _files_data(train, test, name, opt)
    return arrays_data(
        train.x, train.labels, x_test=None if test is None else test.x,
        y_test=None if test is None else test.labels, class_names=tuple(train.class_names),
        source=name, options=opt,
    )


def _check_source(split: SourceSplit, where: str) -> None:
    """Refuse a split the tuner cannot train on, saying what to fix."""
    if split.layout_problem:
        raise ValueError(f"{where!r}: {split.layout_problem}")
    if split.dropped:
        name, why = next(iter(split.dropped.items()))
        raise ValueError(
            f"{where!r}: {len(split.dropped)} row(s) name files that cannot be read, such as "
            f"{name!r} ({why.split(' (')[0]}); fix or remove those rows"
        )
    if split.label_kind != "single" or (split.labels < 0).any():
        raise ValueError(
            f"{where!r}: the tuner needs one class label per {split.name} image, found "
            f"{'several per image' if split.label_kind == 'multi' else 'none'}; add the labels "
            "(y_train in an .npz, a 'class' column in a CSV)"
        )


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


def resplit(data: TuneData, seed: int, val_fraction: float | None = None) -> TuneData:
    """``data`` with train and val drawn again, stratified, from their union for ``seed``
    (``val_fraction`` of it; default: as many as ``data.val`` holds); test is unchanged.

        >>> import numpy as np
        >>> data = arrays_data(np.zeros((50, 8, 8, 1), np.uint8), np.arange(50) % 2)
        >>> again = resplit(data, seed=7)
        >>> (len(again.train), len(again.val)) == (len(data.train), len(data.val))
        True
    """
    x = np.concatenate([data.train.x, data.val.x])
    y = np.concatenate([data.train.y, data.val.y])
    if val_fraction is not None and not 0 < val_fraction < 1:
        raise ValueError(f"val_fraction must be strictly between 0 and 1, got {val_fraction!r}")
    n_val = len(data.val) if val_fraction is None else max(1, round(val_fraction * len(y)))
    val_rows = stratified_sample(y, n_val, seed, _VAL)
    train_rows = np.setdiff1d(np.arange(len(y)), val_rows)
    return dataclasses.replace(
        data, train=Split(x[train_rows], y[train_rows]), val=Split(x[val_rows], y[val_rows])
    )


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
    check_finite(name, arr)
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


def _files_data(
    train: SourceSplit, test: SourceSplit | None, source: str, opt: LoadOptions
) -> TuneData:
    """Image files with labels: decode only the rows selected, at <= max_side."""
    paths, labels = train.paths, train.labels
    if len(paths) < 3:
        raise ValueError(f"{source!r} holds {len(paths)} images; need at least 3")
    pool = np.arange(len(labels))
    if test is None:
        test_rows = stratified_sample(labels, round(opt.test_fraction * len(labels)), opt.seed,
                                      _TEST)
        test_paths, test_labels = [paths[int(i)] for i in test_rows], labels[test_rows]
        pool = np.setdiff1d(pool, test_rows)
    else:
        test_paths, test_labels = test.paths, test.labels
    if opt.test_size is not None:
        keep = stratified_sample(test_labels, opt.test_size, opt.seed, _TEST_CAP)
        test_paths, test_labels = [test_paths[int(i)] for i in keep], test_labels[keep]
    if opt.subset is not None:
        pool = pool[stratified_sample(labels[pool], opt.subset, opt.seed, _SUBSET)]
    with Image.open(paths[int(pool[0])]) as first:
        grey = first.mode in ("1", "L", "LA", "I", "I;16", "F")
        ow, oh = first.size
    scale = min(1.0, opt.max_side / max(oh, ow))
    target = (max(1, round(oh * scale)), max(1, round(ow * scale)))
    spec = DecodeSpec(color_mode="grayscale" if grey else "rgb", target_hw=target)
    x = _decode_all([paths[int(i)] for i in pool], spec, target)
    xt = _decode_all(test_paths, spec, target)
    data = arrays_data(
        x, labels[pool], x_test=xt, y_test=test_labels, class_names=tuple(train.class_names),
        source=source, options=opt,
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
