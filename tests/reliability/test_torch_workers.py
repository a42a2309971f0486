"""PyTorch DataLoader worker processes: every epoch exactly as with ``num_workers=0``,
skipped files reported to the parent, integer class labels (issue 9, item 1)."""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator

torch = pytest.importorskip("torch")
from augwise.loader.torch_adapter import _PassLedger  # noqa: E402
from augwise.torch import as_dataset  # noqa: E402

EPOCHS = 3
BAD = ("cats/broken.png", "dogs/empty.jpg")


def small_flow(workers: int = 0) -> Any:
    """10 images, batches of 4 (the last one short): 3 batches per epoch."""
    x = np.random.default_rng(0).integers(0, 256, (10, 8, 8, 3), dtype=np.uint8)
    gen = ImageDataGenerator(rotation_range=40, horizontal_flip=True, width_shift_range=0.2)
    return gen.flow(x, np.arange(10) % 3, batch_size=4, seed=3, workers=workers)


def loader(ds: Any, num_workers: int = 0, **kw: Any) -> Any:
    if num_workers:
        kw.setdefault("timeout", 120)  # fail instead of hanging
    return torch.utils.data.DataLoader(ds, batch_size=None, num_workers=num_workers, **kw)


def reference(epochs: int = EPOCHS) -> list[list[tuple[Any, Any]]]:
    dl = loader(as_dataset(small_flow()))
    return [[(x.clone(), y.clone()) for x, y in dl] for _ in range(epochs)]


def assert_epoch(got: list[Any], want: list[tuple[Any, Any]]) -> None:
    assert len(got) == len(want) == 3
    for (x, y), (wx, wy) in zip(got, want, strict=True):
        assert torch.equal(x, wx) and torch.equal(y, wy)


@pytest.fixture(scope="module")
def ref() -> list[list[tuple[Any, Any]]]:
    epochs = reference()
    for a, b in itertools.pairwise(epochs):  # augmentation and order change every epoch
        assert not all(torch.equal(x, y) for (x, _), (y, _) in zip(a, b, strict=True))
    return epochs


@pytest.mark.parametrize("persistent", [False, True])
@pytest.mark.parametrize("num_workers", [1, 2])
def test_fork_workers_give_the_epochs_of_num_workers_0(
    ref: Any, num_workers: int, persistent: bool
) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    ds = as_dataset(small_flow())
    dl = loader(ds, num_workers, persistent_workers=persistent, multiprocessing_context="fork")
    for e in range(EPOCHS):
        assert ds.epoch == e
        assert_epoch(list(dl), ref[e])


@pytest.mark.slow
def test_spawn_workers_give_the_epochs_of_num_workers_0(ref: Any) -> None:
    """New workers every epoch; persistent spawn workers: the skipped-files test."""
    ds = as_dataset(small_flow())
    dl = loader(ds, 2, multiprocessing_context="spawn")
    for e in range(EPOCHS):
        assert_epoch(list(dl), ref[e])


def test_mixed_loaders_set_epoch_and_parent_epoch(ref: Any) -> None:
    extra = reference(6)
    it = small_flow(workers=2)  # the parent's thread pool exists before the fork
    ds = as_dataset(it)
    assert_epoch(list(loader(ds)), extra[0])
    assert it.epoch == ds.epoch == 1  # a main-process pass moves the parent iterator
    assert_epoch(list(loader(ds, 2)), extra[1])
    assert it.epoch == 1 and ds.epoch == 2  # worker processes cannot move it
    it.on_epoch_end()  # the iterator's own epoch does not steer the dataset
    assert_epoch(list(loader(ds, 1)), extra[2])
    persistent = loader(ds, 2, persistent_workers=True)
    next(iter(persistent))  # a pass stopped early still counts as epoch 3
    assert_epoch(list(persistent), extra[4])
    ds.set_epoch(1)  # explicit override, as with a DistributedSampler
    assert ds.epoch == 1
    assert_epoch(list(persistent), extra[1])
    assert_epoch(list(loader(ds)), extra[2])
    assert it.epoch == 3
    assert_epoch(list(persistent), extra[3])


def test_set_epoch_checks_its_argument() -> None:
    ds = as_dataset(small_flow())
    with pytest.raises(TypeError, match=r"set_epoch\(epoch\).*'1'"):
        ds.set_epoch("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"set_epoch\(epoch\).*>= 0"):
        ds.set_epoch(-1)


def test_keras_compat_with_workers_raises_with_the_fix() -> None:
    x = np.zeros((8, 8, 8, 3), dtype=np.uint8)
    it = ImageDataGenerator(rotation_range=10, keras_compat=True).flow(x, batch_size=4, seed=0)
    assert len(list(loader(as_dataset(it)))) == 2
    with pytest.raises(ValueError, match=r"keras_compat.*num_workers=0"):
        list(loader(as_dataset(it), 1))


def test_ledger_one_number_per_pass_under_concurrent_claims() -> None:
    """Many claimants of one pass at once (threads here; processes in the tests above)."""
    from concurrent.futures import ThreadPoolExecutor

    ledger = _PassLedger(5)
    with ThreadPoolExecutor(8) as pool:
        for n, token in enumerate(["a", "b", "c"]):
            assert list(pool.map(ledger.claim, [token] * 16)) == [n] * 16
            assert ledger.epoch(n) == 5 + n
    assert ledger.claim("b") == 1 and ledger.epoch(ledger.next_pass()) == 8
    assert sorted(os.listdir(ledger.root)) == [
        "anchor-0", "pass-0", "pass-1", "pass-2", "token-a", "token-b", "token-c"]
    root = ledger.root
    del ledger
    gc.collect()
    assert not os.path.exists(root)  # the folder goes with the dataset


@pytest.fixture
def bad_tree(tmp_path: Path) -> Path:
    rng = np.random.default_rng(1)
    for c in ("cats", "dogs"):
        (tmp_path / c).mkdir()
        for i in range(5):
            pixels = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / c / f"{i}.png")
    (tmp_path / BAD[0]).write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (tmp_path / BAD[1]).write_bytes(b"")
    return tmp_path


def _skipped(it: Any, root: Path) -> list[str]:
    return sorted(Path(p).relative_to(root).as_posix() for p in it.skipped)


def test_files_skipped_in_fork_workers_reach_the_parent(bad_tree: Path) -> None:
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    it = ImageDataGenerator().flow_from_directory(
        str(bad_tree), target_size=(8, 8), batch_size=4, class_mode="sparse",
        on_error="skip", seed=0, verbose=False,
    )
    ds = as_dataset(it)
    batches = list(loader(ds, 2, multiprocessing_context="fork"))
    assert len(batches) == len(it)
    assert _skipped(it, bad_tree) == sorted(BAD)
    assert len(it.pipeline.skipped) == 2
    clone = pickle.loads(pickle.dumps(it))  # pickle-safe, records kept
    assert _skipped(clone, bad_tree) == sorted(BAD)
    spool = it.pipeline.skipped._spool
    assert spool is not None and os.listdir(spool)
    del ds, batches, it, clone
    gc.collect()
    assert not os.path.exists(spool)


@pytest.mark.slow
def test_files_skipped_in_spawn_workers_reach_the_parent(bad_tree: Path) -> None:
    it = ImageDataGenerator(rotation_range=20).flow_from_directory(
        str(bad_tree), target_size=(8, 8), batch_size=4, class_mode="binary",
        on_error="skip", seed=0, verbose=False,
    )
    want = [list(loader(as_dataset(it))) for _ in range(EPOCHS)]
    assert _skipped(it, bad_tree) == sorted(BAD)
    it2 = ImageDataGenerator(rotation_range=20).flow_from_directory(
        str(bad_tree), target_size=(8, 8), batch_size=4, class_mode="binary",
        on_error="skip", seed=0, verbose=False,
    )
    dl = loader(as_dataset(it2), 2, persistent_workers=True, multiprocessing_context="spawn")
    for epoch in want:
        got = list(dl)
        assert len(got) == len(epoch)
        for (x, y), (wx, wy) in zip(got, epoch, strict=True):
            assert torch.equal(x, wx) and torch.equal(y, wy)
    assert _skipped(it2, bad_tree) == sorted(BAD)


def test_sparse_labels_are_int64_for_cross_entropy(image_tree: Path) -> None:
    gen = ImageDataGenerator(rescale=1 / 255)
    sparse = gen.flow_from_directory(str(image_tree), target_size=(8, 8), batch_size=6,
                                     class_mode="sparse", seed=0, verbose=False)
    images, labels = next(iter(loader(as_dataset(sparse, channels_first=True), 1)))
    assert labels.dtype == torch.int64
    assert labels.tolist() == sparse[0][1].astype(int).tolist()
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 3))
    loss = torch.nn.CrossEntropyLoss()(model(images), labels)
    loss.backward()
    assert torch.isfinite(loss)
    kept = next(iter(loader(as_dataset(sparse, labels="keep"))))[1]
    assert kept.dtype == torch.float32
    half = next(iter(loader(as_dataset(sparse, labels="float16"))))[1]
    assert half.dtype == torch.float16


def test_binary_and_categorical_labels_stay_float(image_tree: Path) -> None:
    gen = ImageDataGenerator()
    for mode in ("binary", "categorical"):
        classes = ["cats", "dogs"] if mode == "binary" else None
        it = gen.flow_from_directory(str(image_tree), target_size=(8, 8), batch_size=4,
                                     class_mode=mode, classes=classes, verbose=False)
        labels = next(iter(loader(as_dataset(it))))[1]
        assert labels.dtype == torch.float32, mode
    logits = torch.zeros(len(labels), labels.shape[1])
    assert torch.isfinite(torch.nn.BCEWithLogitsLoss()(logits, labels))


def test_integer_flow_labels_become_int64_and_bad_labels_argument_raises() -> None:
    x = np.zeros((4, 8, 8, 3), dtype=np.uint8)
    y = np.array([0, 1, 2, 1], dtype=np.uint8)
    it = ImageDataGenerator().flow(x, y, batch_size=4, shuffle=False)
    assert next(iter(loader(as_dataset(it))))[1].dtype == torch.int64
    assert next(iter(loader(as_dataset(it, labels="keep"))))[1].dtype == torch.uint8
    floats = ImageDataGenerator().flow(x, y.astype(np.float32), batch_size=4)
    assert next(iter(loader(as_dataset(floats))))[1].dtype == torch.float32
    with pytest.raises(ValueError, match="labels must be 'auto', 'keep' or a torch dtype"):
        as_dataset(it, labels="long_int")
