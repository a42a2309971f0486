"""Dask's cost per chunk task: the scan's bounded submit loop with a no-op task.

Runs `augwise.doctor.dask_scan.DaskScan` on "local:2" over N chunk tasks of 128 paths
each whose measurement is replaced by a no-op (returns an empty chunk), so the wall time
is the scheduler's round trip, the task's pickling and the client's loop, per chunk.

    python docs/results/scaling/dask_overhead.py 2000
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from augwise.doctor import dask_scan
from augwise.doctor.measure import Chunk, Task


def noop(task: Task) -> Chunk:
    return Chunk.allocate(task.indices[:0], 3)


def tasks(n: int) -> list[Task]:
    paths = tuple(f"/data/train/class{i % 3}/{i:09d}.png" for i in range(128))
    return [Task(indices=np.arange(128 * k, 128 * k + 128), labels=np.zeros(128, np.int64),
                 stats_rows=np.ones(128, bool), keep=frozenset(), color_mode="rgb",
                 max_pixels=None, paths=paths) for k in range(n)]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    dask_scan._run = noop  # the executor's task function, here a no-op
    todo = tasks(n)
    scan = dask_scan.DaskScan("local:2")
    chunks = scan.chunks(iter(todo))
    next(chunks)
    t0 = time.perf_counter()
    count = sum(1 for _ in chunks)
    wall = time.perf_counter() - t0
    print(json.dumps({"tasks": count, "workers": scan.workers, "wall_s": round(wall, 2),
                      "client_ms_per_task": round(1000 * wall / count, 3)}))
