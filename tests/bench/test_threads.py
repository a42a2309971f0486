"""OpenCV runs on one thread while an augwise pool of 2+ workers is alive."""

from __future__ import annotations

import gc
from typing import Any

import cv2
import numpy as np
import pytest

from augwise import ImageDataGenerator
from augwise.loader import executor


def test_opencv_threads_scoped_to_the_pool(fashion: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUGWISE_OPENCV_THREADS", raising=False)
    gc.collect()  # finish iterators of earlier tests
    monkeypatch.setattr(executor, "OPENCV_THREADS", executor._OpenCVThreads())
    before = cv2.getNumThreads()
    cv2.setNumThreads(3)
    try:
        a = ImageDataGenerator(rotation_range=5).flow(fashion.x_train[:64], batch_size=8,
                                                      seed=0, workers=2)
        b = ImageDataGenerator(rotation_range=5).flow(fashion.x_train[:64], batch_size=8,
                                                      seed=0, workers=2)
        list(a.epoch_batches(0))
        list(b.epoch_batches(0))
        assert cv2.getNumThreads() == 1
        a.close()
        assert cv2.getNumThreads() == 1  # b still runs
        b.close()
        assert cv2.getNumThreads() == 3
        one = ImageDataGenerator(rotation_range=5).flow(fashion.x_train[:64], batch_size=8,
                                                        seed=0, workers=1)
        list(one.epoch_batches(0))
        assert cv2.getNumThreads() == 3  # a single worker leaves OpenCV alone
        one.close()
    finally:
        cv2.setNumThreads(before)


def test_keep_leaves_opencv_alone(fashion: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUGWISE_OPENCV_THREADS", "keep")
    before = cv2.getNumThreads()
    cv2.setNumThreads(2)
    try:
        it = ImageDataGenerator(zoom_range=0.1).flow(fashion.x_train[:32], batch_size=8,
                                                     seed=0, workers=2)
        list(it.epoch_batches(0))
        assert cv2.getNumThreads() == 2
        it.close()
    finally:
        cv2.setNumThreads(before)


@pytest.mark.parametrize("cache", [None, "memory"])
def test_directory_batches_same_for_any_worker_count_with_cache(image_tree: Any,
                                                               cache: Any) -> None:
    kw = {"rotation_range": 15, "zoom_range": 0.2, "horizontal_flip": True}

    def epoch(workers: int) -> list[np.ndarray]:
        it = ImageDataGenerator(**kw).flow_from_directory(
            str(image_tree), target_size=(32, 40), batch_size=4, seed=7, workers=workers,
            cache=cache, verbose=False,
        )
        out = [x for e in range(2) for x, _ in it.epoch_batches(e)]
        it.close()
        return out

    for a, b in zip(epoch(0), epoch(2), strict=True):
        np.testing.assert_array_equal(a, b)
