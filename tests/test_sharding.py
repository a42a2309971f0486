"""Sharding for distributed training: each rank a disjoint, equally long shard of every
epoch, each sample augmented as on one process (issue 13, item 1)."""

from __future__ import annotations

import json
import os
import pickle
import socket
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from augwise import ImageDataGenerator
from augwise.loader.options import Shard

ROOT = Path(__file__).resolve().parents[1]
N = 13  # odd: two ranks need one padded sample


def make_flow(batch_size: int = 4, seed: int | None = 7, n: int = N, **kw: Any) -> Any:
    x = np.random.default_rng(0).integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)
    gen = ImageDataGenerator(rotation_range=30, horizontal_flip=True, width_shift_range=0.2,
                             brightness_range=(0.7, 1.3), **kw)
    return gen.flow(x, np.arange(n), batch_size=batch_size, seed=seed, workers=0)


def samples(it: Any, epoch: int) -> list[tuple[int, bytes]]:
    """(sample index, pixel bytes) of every slot of ``epoch``, in batch order."""
    order, out = it.order(epoch), []
    for b, batch in enumerate(it.epoch_batches(epoch)):
        images = batch[0] if isinstance(batch, tuple) else batch
        idx = order[b * it.batch_size : (b + 1) * it.batch_size]
        assert len(idx) == len(images)
        out += [(int(i), img.tobytes()) for i, img in zip(idx, images, strict=True)]
    return out


def shard_orders(it: Any, world_size: int, epoch: int, drop_last: bool) -> list[np.ndarray]:
    return [it.shard(r, world_size, drop_last=drop_last).order(epoch) for r in range(world_size)]


@pytest.mark.parametrize("n", [10, 11, 12])
@pytest.mark.parametrize("world_size", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shards_split_each_epoch_as_distributed_sampler(
    n: int, world_size: int, drop_last: bool
) -> None:
    it = make_flow(n=n)
    for epoch in (0, 1):
        full = it.order(epoch)
        parts = shard_orders(it, world_size, epoch, drop_last)
        size = n // world_size if drop_last else -(-n // world_size)
        assert [len(p) for p in parts] == [size] * world_size
        assert {len(it.shard(r, world_size, drop_last=drop_last)) for r in range(world_size)} \
            == {-(-size // it.batch_size)}
        # rank r takes positions r, r + w, ... of the order, padded from its start or cut
        merged = np.empty(size * world_size, np.int64)
        for r, p in enumerate(parts):
            merged[r::world_size] = p
        want = full[: size * world_size] if drop_last else np.resize(full, size * world_size)
        np.testing.assert_array_equal(merged, want)
        counts = Counter(merged.tolist())
        if drop_last:
            assert max(counts.values()) == 1  # no overlap; n % w samples left out
            assert len(counts) == n - n % world_size
        else:
            assert set(counts) == set(range(n))  # the whole epoch; repeats only to pad
            assert sorted(k for k, c in counts.items() if c > 1) == sorted(
                full[: size * world_size - n].tolist())


@pytest.mark.parametrize("world_size", [2, 3])
@pytest.mark.parametrize("drop_last", [False, True])
def test_shard_indices_match_torch_distributed_sampler(world_size: int, drop_last: bool) -> None:
    torch = pytest.importorskip("torch")
    for r in range(world_size):
        sampler = torch.utils.data.DistributedSampler(
            range(11), num_replicas=world_size, rank=r, shuffle=False, drop_last=drop_last)
        got = Shard(r, world_size, drop_last).select(np.arange(11))
        assert got.tolist() == list(sampler)


def test_shards_are_deterministic_and_change_per_epoch() -> None:
    a, b = make_flow().shard(1, 3), make_flow().shard(1, 3)
    clone = pickle.loads(pickle.dumps(a))
    for e in (0, 1, 5):
        assert a.order(e).tolist() == b.order(e).tolist() == clone.order(e).tolist()
    assert a.order(0).tolist() != a.order(1).tolist()
    assert samples(a, 2) == samples(clone, 2)
    assert a.sharding == Shard(1, 3) and make_flow().sharding == Shard()


@pytest.mark.parametrize("world_size", [2, 3])
def test_ranks_see_the_augmented_samples_of_one_process(world_size: int) -> None:
    """Pixel bytes per sample index equal one process's, with another batch size too."""
    for epoch in (0, 1):
        one = dict(samples(make_flow(batch_size=5), epoch))
        assert len(one) == N
        seen: list[int] = []
        for r in range(world_size):
            for i, pixels in samples(make_flow(batch_size=3).shard(r, world_size), epoch):
                assert pixels == one[i], f"sample {i} differs on rank {r}"
                seen.append(i)
        assert set(seen) == set(range(N))


def test_file_iterator_shards_augment_as_one_process(image_tree: Path) -> None:
    gen = ImageDataGenerator(rotation_range=20, zoom_range=0.2, horizontal_flip=True)

    def files(batch_size: int) -> Any:
        return gen.flow_from_directory(str(image_tree), target_size=(12, 12), seed=3,
                                       batch_size=batch_size, class_mode=None, workers=0)

    one = dict(samples(files(4), 1))
    parts = [samples(files(3).shard(r, 2), 1) for r in range(2)]
    assert len(parts[0]) == len(parts[1]) == 11  # 21 files: one padded
    assert {i for p in parts for i, _ in p} == set(range(21))
    assert all(pixels == one[i] for p in parts for i, pixels in p)


def test_shard_refuses_bad_arguments_naming_them() -> None:
    it = make_flow()
    with pytest.raises(TypeError, match=r"^rank must be an int, got '0'.*rank=0, world_size=2"):
        it.shard("0", 2)
    with pytest.raises(TypeError, match=r"^world_size must be an int, got True"):
        it.shard(0, True)
    with pytest.raises(ValueError, match=r"^world_size must be >= 1 .*got 0"):
        it.shard(0, 0)
    with pytest.raises(ValueError, match=r"^rank must be in 0 \.\. world_size - 1 = 1, got 2"):
        it.shard(2, 2)
    with pytest.raises(ValueError, match=r"^rank must be in .*got -1: pass this process's rank"):
        it.shard(-1, 2)
    with pytest.raises(ValueError, match=r"^rank is missing: world_size was given.*both rank="):
        it.shard(world_size=2)
    with pytest.raises(ValueError, match=r"^world_size is missing: rank was given"):
        it.shard(rank=0)
    with pytest.raises(TypeError, match=r"^drop_last must be True or False"):
        it.shard(0, 2, drop_last="yes")
    with pytest.raises(ValueError, match=r"drop_last=True leaves no samples.*drop_last=False"):
        make_flow(n=3).shard(0, 4, drop_last=True)
    with pytest.raises(ValueError, match=r"world_size=2 needs the same seed.*pass seed=<int>"):
        make_flow(seed=None).shard(0, 2)
    assert len(make_flow(seed=None).shard(0, 1)) == 4  # one process: any seed
    seeded = ImageDataGenerator(seed=5).flow(np.zeros((N, 4, 4, 1)), batch_size=4)
    assert seeded.shard(0, 2).order(0).size == 7  # the generator's seed is shared too
    with pytest.raises(ValueError, match=r"keras_compat=True.*use keras_compat=False"):
        make_flow(keras_compat=True).shard(0, 2)


def test_shard_without_arguments_outside_torch_distributed_is_the_whole_epoch() -> None:
    it = make_flow()
    whole = it.shard()
    assert whole.sharding == Shard() and whole is not it
    assert whole.order(0).tolist() == it.order(0).tolist() and len(whole) == len(it)


def test_as_dataset_shards_by_argument() -> None:
    torch = pytest.importorskip("torch")
    from augwise.torch import as_dataset

    it = make_flow()
    ds = as_dataset(it)  # no torch.distributed: the iterator itself, as before
    assert ds.iterator is it
    ranks = [as_dataset(it, rank=r, world_size=2) for r in range(2)]
    assert [len(d) for d in ranks] == [2, 2] and it.sharding == Shard()
    got = [int(i) for d in ranks for _, y in torch.utils.data.DataLoader(d, batch_size=None)
           for i in y]
    assert sorted(got) == sorted([*range(N), int(it.order(0)[0])])
    sharded = it.shard(1, 3)
    assert as_dataset(sharded).iterator is sharded  # an explicit shard is kept
    assert as_dataset(sharded, rank=0, world_size=2).iterator.sharding == Shard(0, 2)
    dropped = as_dataset(it, rank=1, world_size=2, drop_last=True)
    assert dropped.iterator.order(0).size == 6
    with pytest.raises(ValueError, match=r"^rank must be in 0 \.\. world_size - 1 = 1, got 5"):
        as_dataset(it, rank=5, world_size=2)


@pytest.mark.slow
def test_sharded_dataset_in_dataloader_worker_processes() -> None:
    torch = pytest.importorskip("torch")
    from augwise.torch import as_dataset

    def epochs(num_workers: int) -> list[list[tuple[Any, Any]]]:
        ds = as_dataset(make_flow(batch_size=3), rank=1, world_size=2)
        dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=num_workers,
                                         timeout=120 if num_workers else 0)
        return [[(x.clone(), y.clone()) for x, y in dl] for _ in range(2)]

    ref, got = epochs(0), epochs(2)
    assert [len(e) for e in ref] == [3, 3]
    for want, have in zip(ref, got, strict=True):
        assert len(want) == len(have)
        for (wx, wy), (hx, hy) in zip(want, have, strict=True):
            assert torch.equal(wx, hx) and torch.equal(wy, hy)
    assert not torch.equal(ref[0][0][0], ref[1][0][0])  # a new epoch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


RANK_SCRIPT = textwrap.dedent("""
    import sys

    import numpy as np
    import torch
    import torch.distributed as dist

    sys.path.insert(0, sys.argv[2])
    from tests.test_sharding import make_flow
    from augwise.torch import as_dataset

    dist.init_process_group("gloo", init_method="env://")
    ds = as_dataset(make_flow(batch_size=3))  # rank and world size from torch.distributed
    model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(192, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loader = torch.utils.data.DataLoader(ds, batch_size=None)
    out = {}
    for epoch in (0, 1):
        ds.set_epoch(epoch)
        for step, (x, y) in enumerate(loader):
            loss = model(x.reshape(len(x), -1).float() / 255).square().mean()
            opt.zero_grad()
            loss.backward()  # all-reduces the gradients: every rank needs the same steps
            opt.step()
            for i, img in zip(y.tolist(), x.numpy()):
                out[f"{epoch}_{step}_{i}"] = img
    weights = model.module.weight.detach().numpy()
    np.savez(sys.argv[1], rank=dist.get_rank(), world=dist.get_world_size(),
             batches=len(loader), weights=weights, **out)
    dist.destroy_process_group()
""")


@pytest.mark.slow
def test_two_torch_distributed_processes_share_out_each_epoch(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    script = tmp_path / "rank.py"
    script.write_text(RANK_SCRIPT)
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port()),
           "WORLD_SIZE": "2", "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, str(script), str(tmp_path / f"r{r}.npz"),
                               str(ROOT)], env={**env, "RANK": str(r)}, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for r in range(2)]
    for p in procs:
        out, _ = p.communicate(timeout=240)
        assert p.returncode == 0, out[-3000:]
    ranks = [np.load(tmp_path / f"r{r}.npz") for r in range(2)]
    assert [int(r["rank"]) for r in ranks] == [0, 1]
    assert [int(r["world"]) for r in ranks] == [2, 2]
    assert [int(r["batches"]) for r in ranks] == [3, 3]  # 7 samples each, batches of 3
    np.testing.assert_array_equal(ranks[0]["weights"], ranks[1]["weights"])  # DDP in step
    one = make_flow(batch_size=5)
    for epoch in (0, 1):
        want = dict(samples(one, epoch))
        got: list[int] = []
        for r in ranks:
            for key in r.files:
                if key.startswith(f"{epoch}_"):
                    i = int(key.rsplit("_", 1)[1])
                    assert r[key].tobytes() == want[i], f"sample {i} of epoch {epoch}"
                    got.append(i)
        assert len(got) == 14 and set(got) == set(range(N))  # the whole epoch, one pad
        assert sorted(got) == sorted([*range(N), int(one.order(epoch)[0])])


KERAS_SCRIPT = textwrap.dedent("""
    import json

    import jax
    import keras
    import numpy as np

    from augwise import ImageDataGenerator

    devices = jax.devices()
    dp = keras.distribution.DataParallel(devices=devices)
    keras.distribution.set_distribution(dp)
    x = np.random.default_rng(0).integers(0, 256, (16, 8, 8, 1), dtype=np.uint8)
    gen = ImageDataGenerator(horizontal_flip=True, rescale=1 / 255)

    def fit(n):
        it = gen.flow(x[:n], np.arange(n) % 2, batch_size=8, seed=0, workers=0)
        model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                  keras.layers.Dense(2)])
        model.compile(optimizer="sgd",
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        history = model.fit(it, epochs=2, verbose=0)
        return it, model, history

    it, model, history = fit(16)
    result = {
        "devices": len(devices),
        "pydataset": isinstance(it, keras.utils.PyDataset),
        "loss": history.history["loss"],
        "kernel_devices": len(model.layers[-1].kernel.value.sharding.device_set),
        "batch_axes": list(dp.get_data_layout((8, 8, 8, 1)).axes),
    }
    try:
        fit(15)  # the last batch holds 7 samples: not a multiple of the 2 devices
        result["odd_batch"] = "ok"
    except Exception as exc:
        result["odd_batch"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(result))
""")


@pytest.mark.slow
def test_keras_data_parallel_on_jax_trains_from_an_augwise_iterator(tmp_path: Path) -> None:
    """One process, two virtual CPU devices: Keras splits each augwise batch across them.
    Keras cannot split a batch that is not a multiple of the devices (the last one)."""
    pytest.importorskip("jax")
    script = tmp_path / "dp.py"
    script.write_text(KERAS_SCRIPT)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "XLA_FLAGS": "--xla_force_host_platform_device_count=2"}
    res = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                         text=True, timeout=240, check=False, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["devices"] == 2 and out["pydataset"] and out["kernel_devices"] == 2
    assert out["batch_axes"][0] == "batch" and len(out["loss"]) == 2
    assert np.isfinite(out["loss"]).all()
    assert out["odd_batch"].startswith("IndivisibleError") and "should evenly divide" in \
        out["odd_batch"], out["odd_batch"]


JAX_PROCESS_SCRIPT = textwrap.dedent("""
    import json
    import sys

    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(f"127.0.0.1:{sys.argv[1]}", num_processes=2,
                               process_id=int(sys.argv[2]))
    import keras
    import numpy as np

    from augwise import ImageDataGenerator

    keras.utils.set_random_seed(0)  # the same initial weights on both processes
    dp = keras.distribution.DataParallel()
    keras.distribution.set_distribution(dp)
    x = np.random.default_rng(0).integers(0, 256, (16, 8, 8, 1), dtype=np.uint8)
    it = ImageDataGenerator(horizontal_flip=True, rescale=1 / 255).flow(
        x, np.arange(16) % 2, batch_size=4, seed=0, workers=0)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
    model.compile(optimizer="sgd",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    try:
        model.fit(it, epochs=1, verbose=0)
        refused = ""
    except ValueError as exc:
        refused = str(exc)
    dp.auto_shard_dataset = False  # each process feeds its own shard
    part = it.shard(jax.process_index(), jax.process_count())
    history = model.fit(part, epochs=2, verbose=0)
    kernel = np.asarray(model.layers[-1].kernel.value.addressable_data(0))
    print(json.dumps({"process": jax.process_index(), "devices": len(jax.devices()),
                      "refused": refused, "batches": len(part), "order": part.order(0).tolist(),
                      "loss": history.history["loss"], "kernel": kernel.tolist()}))
""")


@pytest.mark.slow
def test_keras_data_parallel_across_two_jax_processes_feeds_shards(tmp_path: Path) -> None:
    """Two JAX processes (one CPU device each): Keras 3.15 refuses a PyDataset while
    ``auto_shard_dataset`` is on; off, each process trains on its ``it.shard()``."""
    pytest.importorskip("jax")
    script = tmp_path / "proc.py"
    script.write_text(JAX_PROCESS_SCRIPT)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    port = str(free_port())
    procs = [subprocess.Popen([sys.executable, str(script), port, str(r)], env=env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for r in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err[-3000:]
        outs.append(json.loads(out.strip().splitlines()[-1]))
    assert [o["process"] for o in outs] == [0, 1] and outs[0]["devices"] == 2
    for o in outs:
        assert "data must be provided as a `tf.data.Dataset`" in o["refused"]
        assert "auto_shard_dataset = False" in o["refused"]
        assert o["batches"] == 2 and np.isfinite(o["loss"]).all()
    assert sorted(outs[0]["order"] + outs[1]["order"]) == list(range(16))
    assert outs[0]["loss"] == outs[1]["loss"] and outs[0]["kernel"] == outs[1]["kernel"]
