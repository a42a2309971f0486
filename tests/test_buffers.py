"""The buffer pool: arrays are reused only once nothing else refers to them, and batches
the caller holds are never written again."""

from __future__ import annotations

import itertools
import pickle
from pathlib import Path

import numpy as np
import pytest

import augwise
from augwise.core.buffers import BufferPool


def test_a_held_array_is_not_handed_out_again() -> None:
    pool = BufferPool()
    a = pool.take((3, 4), np.float32)
    b = pool.take((3, 4), np.float32)
    assert a is not b and not np.shares_memory(a, b)
    first = id(a)
    del a
    c = pool.take((3, 4), np.float32)
    assert id(c) == first  # reused once released
    assert pool.made == 2 and pool.reused == 1


@pytest.mark.parametrize("holder", ["view", "memoryview", "list", "torch"])
def test_anything_sharing_the_memory_keeps_it(holder: str) -> None:
    pool = BufferPool()
    a = pool.take((8,), np.uint8)
    a[:] = 7
    keep: object
    if holder == "view":
        keep = a[2:]
    elif holder == "memoryview":
        keep = memoryview(a)
    elif holder == "list":
        keep = [a]
    else:
        torch = pytest.importorskip("torch")
        keep = torch.from_numpy(a)
    del a
    for _ in range(3):
        b = pool.take((8,), np.uint8)
        b[:] = 0
    assert np.all(np.asarray(keep if holder != "list" else keep[0]) == 7)  # type: ignore[index]


def test_different_shapes_and_dtypes_are_different_arrays() -> None:
    pool = BufferPool()
    a = pool.take((2, 2), np.uint8)
    del a
    b = pool.take((2, 2), np.float32)
    c = pool.take((4,), np.uint8)
    assert b.dtype == np.float32 and b.shape == (2, 2) and c.shape == (4,)
    assert pool.made == 3


def test_limits_bound_what_is_kept() -> None:
    pool = BufferPool(slots=2, max_bytes=1 << 20)
    held = [pool.take((16,), np.uint8) for _ in range(5)]  # 3 past the slots: not kept
    del held
    assert sum(len(v) for v in pool._lists.values()) == 2
    big = pool.take((2 << 20,), np.uint8)  # over max_bytes: fresh, not kept
    del big
    assert sum(len(v) for v in pool._lists.values()) == 2
    with pytest.raises(ValueError, match="slots"):
        BufferPool(slots=-1)


def test_pickled_pool_starts_empty() -> None:
    pool = BufferPool(slots=3)
    kept = pool.take((4,), np.uint8)
    clone = pickle.loads(pickle.dumps(pool))
    assert clone.slots == 3 and clone.made == 0 and not clone._lists
    assert kept.shape == (4,)


def _tree(root: Path, n: int = 40) -> Path:
    from PIL import Image

    from tests.conftest import photo

    for i in range(n):
        d = root / f"c{i % 2}"
        d.mkdir(parents=True, exist_ok=True)
        Image.fromarray(photo(60 + i % 7, 80, seed=i)).save(d / f"{i}.jpg", quality=90)
    return root


CONFIG = {"rotation_range": 20, "zoom_range": 0.2, "width_shift_range": 0.1,
          "horizontal_flip": True, "rescale": 1 / 255}


def _iterators(root: Path, workers: int) -> list[object]:
    gen = augwise.ImageDataGenerator(**CONFIG)
    x = np.stack([np.asarray(np.random.default_rng(i).integers(0, 256, (48, 48, 3)),
                             np.float32) for i in range(40)])
    return [
        gen.flow_from_directory(str(root), target_size=(32, 32), batch_size=8, seed=1,
                                workers=workers, verbose=False),
        gen.flow_from_directory(str(root), target_size=(32, 32), batch_size=8, seed=1,
                                workers=workers, cache="memory", verbose=False),
        gen.flow(x, batch_size=8, seed=1, workers=workers),
        augwise.ImageDataGenerator(rotation_range=20, output_dtype="uint8").flow(
            x.astype(np.uint8), batch_size=8, seed=1, workers=workers),
    ]


@pytest.mark.parametrize("workers", [0, 2])
def test_batches_the_caller_keeps_are_never_overwritten(tmp_path: Path, workers: int) -> None:
    root = _tree(tmp_path / "data")
    for it, again in zip(_iterators(root, workers), _iterators(root, workers), strict=True):
        n = len(it)  # type: ignore[arg-type]
        # two epochs, keeping every batch and a copy taken when it arrived
        held = list(itertools.islice(it, 2 * n))  # type: ignore[call-overload]
        copies = [np.array(b[0] if isinstance(b, tuple) else b) for b in held]
        for b, c in zip(held, copies, strict=True):
            np.testing.assert_array_equal(b[0] if isinstance(b, tuple) else b, c)
        # and the same numbers when each batch is dropped at once (buffers reused)
        for k, b in enumerate(itertools.islice(again, 2 * n)):  # type: ignore[call-overload]
            np.testing.assert_array_equal(b[0] if isinstance(b, tuple) else b, copies[k])
        it.close()  # type: ignore[attr-defined]
        again.close()  # type: ignore[attr-defined]


def test_reuse_happens(tmp_path: Path) -> None:
    root = _tree(tmp_path / "data")
    it = _iterators(root, 0)[0]
    for _ in itertools.islice(it, 10):  # type: ignore[call-overload]
        pass
    pool = it.pipeline.buffers  # type: ignore[attr-defined]
    assert pool.reused > pool.made
