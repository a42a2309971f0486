"""Ordered, bounded prefetching on a thread pool.

OpenCV, libjpeg-turbo and numpy release the GIL in their kernels, so threads give real
parallelism without copying batches between processes.  Results come back in order,
and since every batch is a pure function of its key, the output does not depend on
the number of workers.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")


INLINE_SECONDS = 0.002  # batches cheaper than this are computed in the consumer's thread


class Prefetcher(Generic[K, R]):
    """Compute ``fn(key)`` for a stream of keys, at most ``depth`` ahead, in order.

    Batches that turn out cheaper than :data:`INLINE_SECONDS` (small images) are then
    computed in the calling thread: their work is mostly Python, so pool threads would
    only pass the GIL back and forth (measured: two threads at half the speed of one).
    """

    def __init__(
        self, fn: Callable[[K], R], keys: Iterator[K], pool: ThreadPoolExecutor | None, depth: int
    ) -> None:
        self._fn = fn
        self._keys = keys
        self._pool = pool
        self._depth = max(1, depth)
        self._pending: collections.deque[Future[R]] = collections.deque()
        self._lock = threading.Lock()
        self._closed = False
        self._seconds: list[float] = []

    def _timed(self, key: K) -> R:
        start = time.perf_counter()
        out = self._fn(key)
        if len(self._seconds) < 8:
            self._seconds.append(time.perf_counter() - start)
        return out

    def _inline(self) -> bool:
        """Decided once from the first few batches (deterministic output either way)."""
        times = self._seconds
        if self._pool is not None and len(times) >= 3 and sorted(times)[1] < INLINE_SECONDS:
            self._pool = None
        return self._pool is None

    def _fill(self) -> None:
        if self._pool is None:
            return
        while len(self._pending) < self._depth:
            try:
                key = next(self._keys)
            except StopIteration:
                return
            self._pending.append(self._pool.submit(self._timed, key))

    def __iter__(self) -> Prefetcher[K, R]:
        return self

    def __next__(self) -> R:
        with self._lock:
            if self._closed:
                raise StopIteration
            if self._inline() and not self._pending:
                return self._fn(next(self._keys))
            self._fill()
            if not self._pending:
                raise StopIteration
            future = self._pending.popleft()
            self._fill()
        return future.result()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for f in self._pending:
                f.cancel()
            self._pending.clear()


class _OpenCVThreads:
    """OpenCV's own thread pool is set to one thread while any augwise pool of two or
    more workers is alive, then restored: our workers already use the cores, and OpenCV
    splitting each small warp across threads too only adds contention.
    ``AUGWISE_OPENCV_THREADS=keep`` leaves OpenCV alone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved: int | None = None

    def acquire(self) -> None:
        if os.environ.get("AUGWISE_OPENCV_THREADS", "").lower() == "keep":
            return
        import cv2

        with self._lock:
            if self._users == 0:
                self._saved = cv2.getNumThreads()
                cv2.setNumThreads(1)
            self._users += 1

    def release(self) -> None:
        import cv2

        with self._lock:
            if self._users == 0:
                return
            self._users -= 1
            if self._users == 0 and self._saved is not None:
                cv2.setNumThreads(self._saved)
                self._saved = None


OPENCV_THREADS = _OpenCVThreads()


class WorkerPool:
    """A lazily started thread pool owned by one iterator."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._holds_opencv = False

    def get(self) -> ThreadPoolExecutor | None:
        """The executor, or None when work should run in the calling thread."""
        if self.workers <= 0:
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="augwise")
                if self.workers > 1 and not self._holds_opencv:
                    OPENCV_THREADS.acquire()
                    self._holds_opencv = True
            return self._pool

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
            if self._holds_opencv:
                OPENCV_THREADS.release()
                self._holds_opencv = False
