"""Ordered, bounded prefetching on a thread pool.

OpenCV, libjpeg-turbo and numpy release the GIL in their kernels, so threads give real
parallelism without copying batches between processes.  Results come back in order,
and since every batch is a pure function of its key, the output does not depend on
the number of workers.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")


class Prefetcher(Generic[K, R]):
    """Compute ``fn(key)`` for a stream of keys, at most ``depth`` ahead, in order."""

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

    def _fill(self) -> None:
        if self._pool is None:
            return
        while len(self._pending) < self._depth:
            try:
                key = next(self._keys)
            except StopIteration:
                return
            self._pending.append(self._pool.submit(self._fn, key))

    def __iter__(self) -> Prefetcher[K, R]:
        return self

    def __next__(self) -> R:
        with self._lock:
            if self._closed:
                raise StopIteration
            if self._pool is None:
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


class WorkerPool:
    """A lazily started thread pool owned by one iterator."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def get(self) -> ThreadPoolExecutor | None:
        """The executor, or None when work should run in the calling thread."""
        if self.workers <= 0:
            return None
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="augwise")
            return self._pool

    def shutdown(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None
