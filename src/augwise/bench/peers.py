"""The runners: augwise, Keras 3's legacy ImageDataGenerator, albumentations in a torch
DataLoader, and a decode + resize loop, each doing the same job.

A runner is built by :func:`build` (imports happen there, outside the timing) and
returns a :class:`Job`: ``run_pass(epoch, limit)`` processes one pass of at most
``limit`` images (0: the whole epoch) and returns how many images it produced.  A peer
that is not installed raises :class:`Skip` with the reason; nothing is ever faked.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import random
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from augwise.bench.workloads import BATCH_SIZE, REFERENCE_CONFIG, TARGET, WORKLOADS, RunSpec


class Skip(Exception):
    """This runner cannot run here; the message says why."""


def _nothing() -> None:
    return None


def _no_info() -> dict[str, Any]:
    return {}


@dataclass
class Job:
    """A built runner: one timed pass at a time; ``info()`` adds facts to the result."""

    run_pass: Callable[[int, int], int]
    close: Callable[[], None] = _nothing
    info: Callable[[], dict[str, Any]] = _no_info


def require(module: str, pip_name: str) -> None:
    """Raise :class:`Skip` unless ``module`` can be imported."""
    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise Skip(f"{pip_name} is not installed (pip install {pip_name}): {exc}") from exc


def files_of(data_dir: str, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """The tree's JPEG paths (sorted) and class indices."""
    paths = sorted(str(p) for p in Path(data_dir).glob("*/*.jpg"))
    if limit:
        paths = paths[:limit]
    names = sorted({Path(p).parent.name for p in paths})
    labels = np.array([names.index(Path(p).parent.name) for p in paths], np.int64)
    return paths, labels


def load_arrays(spec: RunSpec) -> tuple[np.ndarray, np.ndarray]:
    """The workload's arrays: 224x224x3 float32 photos or 28x28x1 uint8 Fashion-MNIST."""
    folder = Path(spec.arrays_dir)
    if spec.workload == "arr224":
        x = np.load(folder / "photos224.npy", allow_pickle=False).astype(np.float32)
        y = np.load(folder / "photos224_labels.npy", allow_pickle=False)
    else:
        x = np.load(folder / "fmnist28.npy", allow_pickle=False)
        y = np.load(folder / "fmnist28_labels.npy", allow_pickle=False)
    n = WORKLOADS[spec.workload].images(spec.quick)
    reps = -(-n // len(x))
    if reps > 1:
        x, y = np.concatenate([x] * reps)[:n], np.concatenate([y] * reps)[:n]
    return x[:n], y[:n]


def _take(batches: Iterator[Any], images: int) -> int:
    """Consume batches until ``images`` images (0: all); returns the count."""
    n = 0
    for batch in batches:
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        n += len(x)
        if images and n >= images:
            break
    return n


# -- augwise ---------------------------------------------------------------------------


def augwise_job(spec: RunSpec) -> Job:
    from augwise import ImageDataGenerator

    workers = spec.workers
    kw: dict[str, Any] = {} if workers is None else {"workers": workers}
    it: Any
    if spec.workload in ("dir224", "dir224_cached"):
        if spec.workload == "dir224_cached":
            kw["cache"] = "memory"
        it = ImageDataGenerator(**REFERENCE_CONFIG).flow_from_directory(
            spec.data_dir, target_size=TARGET, batch_size=BATCH_SIZE, seed=0, verbose=False,
            **kw,
        )
    elif spec.workload == "fit_dir":
        return _augwise_fit_job(spec)
    else:
        x, y = load_arrays(spec)
        it = ImageDataGenerator(**REFERENCE_CONFIG).flow(
            x, y, batch_size=BATCH_SIZE, seed=0, **kw
        )
    if spec.workload == "rss100k":
        return _rss_job(lambda e: it.epoch_batches(e), it.close)
    def run_pass(epoch: int, limit: int) -> int:
        return _take(it.epoch_batches(epoch), limit)

    def info() -> dict[str, Any]:
        cache = it.cache_info() if hasattr(it, "cache_info") else None
        return {"workers": it.workers, **({"cache": cache} if cache else {})}

    return Job(run_pass, it.close, info)


def _augwise_fit_job(spec: RunSpec) -> Job:
    from augwise import ImageDataGenerator

    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             **REFERENCE_CONFIG)
    it = gen.flow_from_directory(spec.data_dir, target_size=TARGET, batch_size=BATCH_SIZE,
                                 seed=0, verbose=False, workers=spec.workers)

    def run_pass(epoch: int, limit: int) -> int:
        gen.fit(it, augment=False)
        return it.n

    return Job(run_pass, it.close)


def _rss_job(epoch_batches: Callable[[int], Iterator[Any]], close: Callable[[], None]) -> Job:
    """One epoch with the process RSS sampled every 50 batches (P4)."""
    import psutil

    proc = psutil.Process()
    samples: list[tuple[int, float]] = []

    def run_pass(epoch: int, limit: int) -> int:
        samples.clear()
        n = 0
        for k, batch in enumerate(epoch_batches(epoch)):
            n += len(batch[0] if isinstance(batch, (tuple, list)) else batch)
            if k % 50 == 0:
                samples.append((n, proc.memory_info().rss / 2**20))
        samples.append((n, proc.memory_info().rss / 2**20))
        return n

    return Job(run_pass, close, lambda: {"rss_samples": samples})


# -- Keras 3 legacy ImageDataGenerator -------------------------------------------------------


def keras_job(spec: RunSpec) -> Job:
    require("keras", "keras")
    if spec.workload == "fit_dir":
        raise Skip("Keras' fit() needs the whole dataset as one in-memory array")
    if spec.workload == "dir224_cached":
        raise Skip("Keras has no decoded-image cache")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        from keras.src.legacy.preprocessing.image import ImageDataGenerator
    except ImportError as exc:  # pragma: no cover - other Keras versions
        raise Skip(f"keras.src.legacy.preprocessing.image not importable: {exc}") from exc
    gen = ImageDataGenerator(**REFERENCE_CONFIG)
    if spec.workload == "dir224":
        with contextlib.redirect_stdout(sys.stderr):
            it = gen.flow_from_directory(spec.data_dir, target_size=TARGET,
                                         batch_size=BATCH_SIZE, seed=0)
    else:
        x, y = load_arrays(spec)
        it = gen.flow(x, y, batch_size=BATCH_SIZE, seed=0)
    if spec.variant in ("threads", "processes"):
        it.workers = spec.workers or 1
        it.use_multiprocessing = spec.variant == "processes"
        it.max_queue_size = 10

    def batches(epoch: int) -> Iterator[Any]:
        if spec.variant in ("threads", "processes"):
            from keras.src.trainers.data_adapters.py_dataset_adapter import PyDatasetAdapter

            adapter = PyDatasetAdapter(it, shuffle=False)
            gen_ = adapter.get_numpy_iterator()
            try:
                yield from gen_
            finally:
                gen_.close()
                if adapter.enqueuer is not None and adapter.enqueuer.is_running():
                    adapter.enqueuer.stop()
            return
        for i in range(len(it)):
            yield it[i]
        it.on_epoch_end()

    if spec.workload == "rss100k":
        return _rss_job(batches, lambda: None)
    return Job(lambda e, limit: _take(batches(e), limit))


# -- albumentations + OpenCV in a torch DataLoader -----------------------------------------


def albumentations_transform(resize: bool) -> Any:
    """The reference config in albumentations 2: Keras' zoom z samples at z, i.e. scales
    by 1/z; shear is in degrees; shifts are fractions of the size; replicate border."""
    import albumentations as A
    import cv2

    cfg = REFERENCE_CONFIG
    z = cfg["zoom_range"]
    ops: list[Any] = [A.Resize(*TARGET, interpolation=cv2.INTER_LINEAR)] if resize else []
    ops += [
        A.Affine(
            scale={"x": (1 / (1 + z), 1 / (1 - z)), "y": (1 / (1 + z), 1 / (1 - z))},
            translate_percent={"x": (-cfg["width_shift_range"], cfg["width_shift_range"]),
                               "y": (-cfg["height_shift_range"], cfg["height_shift_range"])},
            rotate=(-cfg["rotation_range"], cfg["rotation_range"]),
            shear={"x": (-cfg["shear_range"], cfg["shear_range"]), "y": (0, 0)},
            interpolation=cv2.INTER_LINEAR,
            border_mode=cv2.BORDER_REPLICATE,
            keep_ratio=False,
            p=1.0,
        ),
        A.HorizontalFlip(p=0.5),
        A.ToFloat(max_value=255.0),
    ]
    return A.Compose(ops)


def _cv2_one_thread(_: int) -> None:
    import cv2

    cv2.setNumThreads(1)


class _FileDataset:
    def __init__(self, paths: list[str], labels: np.ndarray, transform: Any) -> None:
        self.paths, self.labels, self.transform = paths, labels, transform

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        import cv2

        img = cv2.imread(self.paths[i], cv2.IMREAD_COLOR_RGB)
        return self.transform(image=img)["image"], int(self.labels[i])


class _ArrayDataset:
    def __init__(self, x: np.ndarray, y: np.ndarray, transform: Any) -> None:
        self.x, self.y, self.transform = x, y, transform

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return self.transform(image=self.x[i])["image"], int(self.y[i])


def albumentations_job(spec: RunSpec) -> Job:
    require("albumentations", "albumentations")
    require("torch", "torch")
    if spec.workload in ("fit_dir", "rss100k", "dir224_cached"):
        raise Skip("not part of this comparison (augwise-only measurement)")
    import torch

    if spec.workload == "dir224":
        paths, labels = files_of(spec.data_dir)
        ds: Any = _FileDataset(paths, labels, albumentations_transform(resize=True))
    else:
        x, y = load_arrays(spec)
        ds = _ArrayDataset(x, y, albumentations_transform(resize=False))
    workers = spec.workers or 0
    loader = torch.utils.data.DataLoader(
        ds, batch_size=BATCH_SIZE, shuffle=True, num_workers=workers,
        persistent_workers=workers > 0, worker_init_fn=_cv2_one_thread if workers else None,
        generator=torch.Generator().manual_seed(0),
    )
    if workers == 0:
        _cv2_one_thread(0)
    return Job(lambda e, limit: _take(iter(loader), limit))


# -- decode + resize only: the floor ---------------------------------------------------------


def decode_job(spec: RunSpec) -> Job:
    """Read, decode (libjpeg-turbo, reduced DCT scale only when the target is at most half
    the image), ``cv2.resize`` (bilinear) into a uint8 batch, one cast + rescale per batch:
    what any augmenting loader must do at least.  Same worker threads as augwise."""
    if spec.workload != "dir224":
        raise Skip("no decoding in this workload")
    import cv2
    import simplejpeg

    from augwise.io.decode import DecodeSpec, read_bytes, reduction_factor

    paths, _ = files_of(spec.data_dir)
    random.Random(0).shuffle(paths)
    dspec = DecodeSpec(target_hw=TARGET)
    scale = np.float32(REFERENCE_CONFIG["rescale"])
    workers = spec.workers or 0
    if workers > 1:
        cv2.setNumThreads(1)

    def batch(chunk: list[str]) -> np.ndarray:
        out = np.empty((len(chunk), *TARGET, 3), np.uint8)
        for i, path in enumerate(chunk):
            data = read_bytes(path)
            h, w, _, _ = simplejpeg.decode_jpeg_header(data)
            k = reduction_factor(h, w, dspec)
            img = simplejpeg.decode_jpeg(data, colorspace="RGB", min_factor=k,
                                         min_height=-(-h // k), min_width=-(-w // k))
            cv2.resize(img, TARGET[::-1], dst=out[i], interpolation=cv2.INTER_LINEAR)
        return np.multiply(out, scale, out=np.empty(out.shape, np.float32))

    pool = ThreadPoolExecutor(workers) if workers else None

    def batches() -> Iterator[np.ndarray]:
        chunks = (paths[i : i + BATCH_SIZE] for i in range(0, len(paths), BATCH_SIZE))
        if pool is None:
            yield from map(batch, chunks)
            return
        pending: deque[Future[np.ndarray]] = deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(batch, chunk))
                if len(pending) > 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()

    def close() -> None:
        if pool is not None:
            pool.shutdown()

    return Job(lambda e, limit: _take(batches(), limit), close)


BUILDERS: dict[str, Callable[[RunSpec], Job]] = {
    "augwise": augwise_job,
    "keras": keras_job,
    "albumentations": albumentations_job,
    "decode": decode_job,
}


def build(spec: RunSpec) -> Job:
    """The job for ``spec`` (raises :class:`Skip` when it cannot run here)."""
    return BUILDERS[spec.peer](spec)
