"""In-process throughput of one job on N worker threads, with the process's CPU use.

    python ab.py JOB WORKERS LABEL      # JOB: first | cached | arr224 | arr28

Run it alternately against a worktree of the code before (PYTHONPATH=/tmp/base/src) and
the code after; each run prints images/s for 2 timed epochs (after a warm-up epoch that
also fills the cache), cores busy (CPU seconds / wall seconds, all threads) and CPU ms
per image.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

import numpy as np

from augwise import ImageDataGenerator
from augwise.bench.data import fashion_mnist
from augwise.bench.workloads import REFERENCE_CONFIG

CACHE = Path.home() / ".cache/augwise/bench"
job, workers, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
gen = ImageDataGenerator(**REFERENCE_CONFIG)
if job in ("first", "cached"):
    kw = {"cache": "memory"} if job == "cached" else {}
    it = gen.flow_from_directory(str(CACHE / "jpeg-500x375-q90-n2000-c10"),
                                 target_size=(224, 224), batch_size=32, seed=0,
                                 workers=workers, verbose=False, **kw)
elif job == "arr224":
    x = np.load(CACHE / "arrays-full/photos224.npy").astype(np.float32)
    it = gen.flow(x, batch_size=32, seed=0, workers=workers)
else:
    x, y = fashion_mnist(60000)
    it = gen.flow(x, y, batch_size=32, seed=0, workers=workers)
for _ in it.epoch_batches(0):
    pass
rows = []
for epoch in (1, 2):
    r0, t0, n = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter(), 0
    for batch in it.epoch_batches(epoch):
        n += len(batch[0] if isinstance(batch, tuple) else batch)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    rows.append(f"{n / wall:,.0f} img/s, {cpu / wall:.2f} cores, {cpu / n * 1e3:.3f} ms/img")
it.close()
print(f"{label:6s} {job} workers={workers}: " + " | ".join(rows), flush=True)
