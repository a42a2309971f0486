"""In-process A/B of the loaders, 2 workers: images/s, best of 2 epochs.

    PYTHONPATH=/tmp/base/src python ab.py cached 2   # the code before (a worktree)
    PYTHONPATH=src python ab.py cached 2             # this tree

Jobs: ``cached`` (flow_from_directory with cache='memory', epochs >= 2), ``dir`` (the
first, uncached epoch), ``arr`` (flow() on the bench's 224x224x3 photos as float32).
Needs the bench inputs (``augwise bench`` builds them under ~/.cache/augwise/bench).
The logs beside this file are three and two rounds of all six runs, alternating.
"""

import itertools
import sys
import time
from pathlib import Path

import numpy as np

import augwise
from augwise.bench.workloads import REFERENCE_CONFIG

BENCH = Path.home() / ".cache/augwise/bench"
TREE = str(BENCH / "jpeg-500x375-q90-n2000-c10")


def main(job: str, workers: int) -> None:
    gen = augwise.ImageDataGenerator(**REFERENCE_CONFIG)
    if job in ("cached", "dir"):
        it = gen.flow_from_directory(TREE, target_size=(224, 224), batch_size=32, seed=0,
                                     workers=workers,
                                     **({"cache": "memory"} if job == "cached" else {}))
    else:
        x = np.load(BENCH / "arrays-full/photos224.npy").astype(np.float32)
        it = gen.flow(x, batch_size=32, seed=0, workers=workers)
    n = len(it)
    # warm-up: the whole first epoch fills the cache; otherwise a few batches
    for _ in itertools.islice(it, n if job == "cached" else 3):
        pass
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        for _ in itertools.islice(it, n):
            pass
        rates.append(n * 32 / (time.perf_counter() - start))
    print(job, workers, max(rates), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
