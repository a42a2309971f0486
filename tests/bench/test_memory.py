"""P4 proxies: prefetching is bounded, so memory does not grow with the epoch."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from augwise import ImageDataGenerator
from augwise.loader.executor import Prefetcher


class Counting:
    """Wraps a pipeline's ``run`` to count started calls."""

    def __init__(self, run: Any) -> None:
        self.run, self.started = run, 0
        self.lock = threading.Lock()

    def __call__(self, epoch: int, indices: np.ndarray, *rest: Any) -> Any:
        with self.lock:
            self.started += 1
        return self.run(epoch, indices, *rest)


@pytest.mark.parametrize("depth", [1, 3])
def test_iterator_prefetches_at_most_max_queue_size(fashion: Any, depth: int) -> None:
    it = ImageDataGenerator(rotation_range=10).flow(
        fashion.x_train[:800], batch_size=8, seed=0, workers=2, max_queue_size=depth
    )
    counter = Counting(it.pipeline.run)
    it.pipeline.run = counter  # type: ignore[method-assign]
    for consumed in range(1, 40):
        next(it)
        time.sleep(0.005)  # let the workers run ahead as far as they may
        assert counter.started <= consumed + depth + 1
    it.close()


def test_epoch_batches_bounded_too(fashion: Any) -> None:
    it = ImageDataGenerator(zoom_range=0.1).flow(
        fashion.x_train[:400], batch_size=4, seed=0, workers=2, max_queue_size=2
    )
    counter = Counting(it.pipeline.run)
    it.pipeline.run = counter  # type: ignore[method-assign]
    for consumed, _ in enumerate(it.epoch_batches(0), start=1):
        time.sleep(0.002)
        assert counter.started <= consumed + 2 + 1
    assert counter.started == len(it)


def test_prefetcher_pending_never_exceeds_depth() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        stream = Prefetcher(lambda k: k * 2, iter(range(100)), pool, depth=4)
        out = []
        for value in stream:
            assert len(stream._pending) <= 4
            out.append(value)
    assert out == [k * 2 for k in range(100)]


def test_cheap_batches_run_in_the_calling_thread() -> None:
    import threading as th
    from concurrent.futures import ThreadPoolExecutor

    def where(k: int) -> tuple[int, str]:
        return k, th.current_thread().name

    with ThreadPoolExecutor(2, thread_name_prefix="pool") as pool:
        stream = Prefetcher(where, iter(range(50)), pool, depth=4)
        out = list(stream)
    assert [k for k, _ in out] == list(range(50))  # order kept across the switch
    assert out[0][1].startswith("pool") and out[-1][1] == th.current_thread().name


def test_costly_batches_stay_on_the_pool() -> None:
    import threading as th
    from concurrent.futures import ThreadPoolExecutor

    def slow(k: int) -> str:
        time.sleep(0.004)
        return th.current_thread().name

    with ThreadPoolExecutor(2, thread_name_prefix="pool") as pool:
        names = list(Prefetcher(slow, iter(range(12)), pool, depth=3))
    assert all(n.startswith("pool") for n in names)
