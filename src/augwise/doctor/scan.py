"""Scan every image once, on all cores, with bounded memory.

The rows of all splits are cut into chunks measured by
:func:`~augwise.doctor.measure.run_task` in worker processes when there are enough of them,
else in the calling thread.  At most ``2 * workers + 2`` chunks are in flight and each
returns only numbers, hashes and 32x32 thumbnails, so memory grows by about 1.4 KB per
image whatever the image size (measured: docs/scaling.md).  From :data:`SPILL_ROWS` rows
on, the thumbnails (and the near-duplicate search's features, see :func:`column`) live
in an unlinked temporary file instead of the heap: the operating system pages them in
and out, so the client's own memory grows by about 0.4 KB per image.  A rich progress bar shows
the scan.  With a ``scheduler`` the same chunks run as Dask tasks
(:mod:`augwise.doctor.dask_scan`), merged here the same way; the result does not depend
on the executor.

Ctrl-C reaches every process of the terminal's process group: the workers ignore
SIGINT, and the parent, on ``KeyboardInterrupt`` (or any other exception), cancels the
queued chunks and terminates the workers at once instead of waiting for them.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections.abc import Generator, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import cv2
import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from augwise.core.kernels import value_range_of
from augwise.core.machine import usable_cores
from augwise.doctor.dask_scan import DaskScan, Scheduler
from augwise.doctor.interrupts import stop_signals_held
from augwise.doctor.measure import NUMBERS, TEXTS, THUMB, Chunk, ClassSum, Task, run_task
from augwise.io.datasets import DataSet
from augwise.io.decode import CHANNELS, DEFAULT_MAX_PIXELS

CHUNK_ROWS = 128
STOP_JOIN_S = 1.0  # terminated workers get this long to exit before they are killed
PROCESS_MIN_ROWS = 1500  # below this a process pool costs more than it saves
KEEP_ROWS = 96  # colour thumbnails kept for the fill-artefact measurement
SPILL_ROWS = 500_000  # from this many rows, per-row image data is kept on disk


@dataclass
class ScanResult:
    """One row per sample of every split, plus the streamed aggregates."""

    table: pd.DataFrame
    thumbs: np.ndarray  # (N, 32, 32) uint8 grey
    channel_mean: np.ndarray  # (N, C) float32 in 8-bit units
    channel_sq: np.ndarray
    hist: np.ndarray  # (C, 256) per-channel histogram of the training split
    class_sums: dict[int, ClassSum]
    kept: dict[int, np.ndarray]  # row -> colour thumbnail (HWC uint8, <= 64 px)
    class_names: list[str]  # global class index -> name
    value_ranges: dict[str, tuple[float, float]]  # split -> nominal value range
    seconds: float = 0.0
    workers: int = 1
    mode: str = "sequential"  # or "processes", "dask"
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> np.ndarray:
        """Rows that decoded."""
        return np.asarray(self.table["error_kind"] == "", bool)


def _global_labels(dataset: DataSet) -> tuple[list[str], list[np.ndarray]]:
    names: list[str] = []
    index: dict[str, int] = {}
    per_split = []
    for split in dataset.splits:
        mapping = np.full(max(len(split.class_names), 1), -1, np.int64)
        for k, cname in enumerate(split.class_names):
            if cname not in index:
                index[cname] = len(names)
                names.append(cname)
            mapping[k] = index[cname]
        labels = np.where(split.labels >= 0, mapping[np.maximum(split.labels, 0)], -1)
        per_split.append(labels.astype(np.int64))
    return names, per_split


def _keep_rows(labels: np.ndarray, seed: int) -> frozenset[int]:
    """A seeded, class-stratified sample of training rows."""
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    groups = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    per = max(1, KEEP_ROWS // max(len(groups), 1))
    for g in groups:
        chosen.extend(rng.permutation(g)[:per].tolist())
    return frozenset(chosen[:KEEP_ROWS])


def _tasks(dataset: DataSet, labels: list[np.ndarray], color_mode: str,
           max_pixels: int | None, seed: int) -> Iterator[Task]:
    start = 0
    keep = _keep_rows(labels[0], seed)
    for s, split in enumerate(dataset.splits):
        n = len(split)
        vr = value_range_of(split.x) if split.x is not None else (0.0, 255.0)
        for a in range(0, n, CHUNK_ROWS):
            b = min(n, a + CHUNK_ROWS)
            idx = np.arange(start + a, start + b)
            yield Task(
                indices=idx,
                labels=labels[s][a:b],
                stats_rows=np.full(b - a, s == 0),
                keep=frozenset(k for k in keep if start + a <= k < start + b),
                color_mode=color_mode,
                max_pixels=max_pixels,
                paths=tuple(split.paths[a:b]) if split.kind == "files" else (),
                images=split.x[a:b] if split.x is not None else None,
                value_range=vr,
            )
        start += n


def _os_threads() -> int:
    """Threads of this process as the OS sees them (OpenCV's and OpenBLAS' pools included)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count() + 1  # unknown: assume threads exist


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` only in a single-threaded process (then no main-module re-import is
    needed); else ``forkserver``: forking next to threads (OpenCV's own pool, for one) can
    deadlock the children.  No preloading: the fork server then answers at once, so
    starting a worker never holds Ctrl-C back for long (see
    :func:`~augwise.doctor.interrupts.stop_signals_held`);
    the workers import what they need in parallel."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and _os_threads() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    cv2.setNumThreads(1)  # parallelism comes from the processes


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop now: cancel the queued chunks and terminate the workers (joined briefly)."""
    # the public terminate_workers() arrives in Python 3.14
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for proc in processes:
        proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_JOIN_S
    for proc in processes:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join(0.1)


def _chunks(
    tasks: Iterator[Task], workers: int, use_processes: bool
) -> Generator[Chunk | None, None, None]:
    """Measured chunks as they complete; a first ``None`` once the workers are started.

    Close the generator to stop early: the workers are terminated, not waited for."""
    if not use_processes:
        yield None
        for task in tasks:
            yield run_task(task)
        return
    limit = 2 * workers + 2
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                               initializer=_init_worker)
    try:
        pending: set[Future[Chunk]] = set()
        first = True
        for task in tasks:
            with stop_signals_held():
                pending.add(pool.submit(run_task, task))
            if first:
                first = False
                yield None
            if len(pending) >= limit:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield fut.result()
        for fut in pending:
            yield fut.result()
    except BaseException:  # Ctrl-C, a failed chunk, or the consumer closing us
        _stop(pool)
        raise
    pool.shutdown()


def column(shape: tuple[int, ...], dtype: type | np.dtype) -> np.ndarray:
    """A zeroed array for per-row image data (thumbnails, features): on the heap below
    :data:`SPILL_ROWS` rows, else mapped from an unlinked temporary file (freed with the
    array), so that millions of rows do not need their size in RAM.

        >>> column((3, 2), np.uint8).shape
        (3, 2)
    """
    if shape[0] < SPILL_ROWS:
        return np.zeros(shape, dtype)
    with tempfile.TemporaryFile(prefix="augwise-doctor-") as f:
        return np.memmap(f, dtype=dtype, mode="w+", shape=shape)


class _Totals:
    """Merges chunks into preallocated columns and running aggregates."""

    def __init__(self, total: int, channels: int) -> None:
        self.numbers = np.full((total, len(NUMBERS)), np.nan)
        self.texts: dict[str, list[str]] = {k: [""] * total for k in TEXTS}
        self.ext_ok = np.ones(total, bool)
        self.phash = np.zeros(total, np.uint64)
        self.thumbs = column((total, THUMB, THUMB), np.uint8)
        self.ch_mean = np.full((total, channels), np.nan, np.float32)
        self.ch_sq = np.full((total, channels), np.nan, np.float32)
        self.hist = np.zeros((channels, 256))
        self.sums: dict[int, ClassSum] = {}
        self.kept: dict[int, np.ndarray] = {}
        self._next = 0  # first row whose chunk's sums are not added yet
        self._early: dict[int, tuple[int, np.ndarray | None, dict[int, ClassSum]]] = {}

    def merge(self, chunk: Chunk) -> None:
        """Chunks may arrive in any order; the float sums are added in row order, so the
        result is the sequential scan's whatever the executor."""
        idx = chunk.indices
        if not len(idx):
            return
        self.numbers[idx] = chunk.numbers
        for k in TEXTS:
            col = self.texts[k]
            for j, v in zip(idx, chunk.texts[k], strict=True):
                col[j] = v
        self.ext_ok[idx] = chunk.ext_ok
        self.phash[idx] = chunk.phash
        self.thumbs[idx] = chunk.thumbs
        same = chunk.channel_mean.shape[1] == self.ch_mean.shape[1]
        if same:
            self.ch_mean[idx] = chunk.channel_mean
            self.ch_sq[idx] = chunk.channel_sq
        self.kept.update(chunk.kept)
        self._early[int(idx[0])] = (len(idx), chunk.hist if same else None, chunk.class_sums)
        while self._next in self._early:
            rows, hist, sums = self._early.pop(self._next)
            if hist is not None:
                self.hist += hist
            for label, cs in sums.items():
                self.sums.setdefault(label, ClassSum.empty()).merge(cs)
            self._next += rows


def scan(
    dataset: DataSet,
    *,
    color_mode: str = "rgb",
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
    workers: int | None = None,
    progress: bool = False,
    seed: int = 0,
    console: Console | None = None,
    scheduler: str | Scheduler | None = None,
) -> ScanResult:
    """Measure every sample of ``dataset`` (see the module docstring).

    ``scheduler``: run the chunks on a Dask cluster instead of local processes
    (``"local:N"`` or ``"tcp://host:8786"``: see :mod:`augwise.doctor.dask_scan`)."""
    t0 = time.perf_counter()
    n_workers = usable_cores() if workers is None else int(workers)
    if n_workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers!r}")
    cluster = DaskScan(scheduler) if scheduler is not None else None
    total = sum(len(s) for s in dataset.splits)
    use_processes = n_workers > 1 and total >= PROCESS_MIN_ROWS and cluster is None
    class_names, labels = _global_labels(dataset)
    channels = (
        dataset.train.x.shape[3] if dataset.train.x is not None else CHANNELS[color_mode]
    )
    cons = console or Console(stderr=True)
    notes: list[str] = []

    def collect(processes: bool) -> _Totals:
        totals = _Totals(total, channels)
        tasks = _tasks(dataset, labels, color_mode, max_pixels, seed)
        chunks = (cluster.chunks(tasks) if cluster is not None
                  else _chunks(tasks, n_workers, processes))
        next(chunks)  # workers start before the progress bar's thread does
        with contextlib.closing(chunks), Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeRemainingColumn(), console=cons, disable=not progress, transient=False,
        ) as bar:
            task_id = bar.add_task("scanning images", total=total)
            for chunk in chunks:
                if chunk is not None:
                    totals.merge(chunk)
                    bar.advance(task_id, len(chunk.indices))
        return totals

    try:
        totals = collect(use_processes)
    except BrokenProcessPool:
        use_processes = False
        notes.append("worker processes could not start (a script without an "
                     "`if __name__ == '__main__':` guard?): scanned in one process")
        totals = collect(False)

    split_col: list[str] = []
    names = dataset.row_names()  # unique: other splits' samples carry their split
    paths: list[str] = []
    for split in dataset.splits:
        split_col.extend([split.name] * len(split))
        paths.extend(split.paths if split.kind == "files" else [""] * len(split))
    label_col = np.concatenate(labels) if labels else np.zeros(0, np.int64)
    table = pd.DataFrame({"split": split_col, "name": names, "path": paths, "label": label_col})
    for k, name in enumerate(NUMBERS):
        table[name] = totals.numbers[:, k]
    for key in TEXTS:
        table[key] = totals.texts[key]
    table["ext_ok"] = totals.ext_ok
    table["phash"] = totals.phash
    value_ranges = {
        s.name: (value_range_of(s.x) if s.x is not None else (0.0, 255.0))
        for s in dataset.splits
    }
    if cluster is not None:
        n_workers, mode = cluster.workers, "dask"
    else:
        n_workers, mode = ((n_workers, "processes") if use_processes else (1, "sequential"))
    return ScanResult(
        table=table, thumbs=totals.thumbs, channel_mean=totals.ch_mean,
        channel_sq=totals.ch_sq, hist=totals.hist, class_sums=totals.sums, kept=totals.kept,
        class_names=class_names, value_ranges=value_ranges,
        seconds=time.perf_counter() - t0, workers=n_workers, mode=mode, notes=notes,
    )
