"""Precision and recall of the doctor's near-duplicate search on planted copies.

Plants copies of each kind (exact, re-encoded, resized, shifted 1-2 px, brightened,
cropped) and look-alikes (another item inside the same silhouette) into Fashion-MNIST,
runs the duplicate search, and prints the table of docs/doctor.md.

    python examples/doctor_duplicates_benchmark.py               # the shipped sample
    python examples/doctor_duplicates_benchmark.py --full DIR    # DIR: Debian's
        dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), 70,000 images

A copy is found when it lands in its original's group; a reported pair (member,
representative) is correct when both rows are the same planted image, so pairs of the
original data that the search groups count against precision (they are printed for a
look).  Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.doctor.planted

from tests.doctor.planted import COPY_KINDS, LOOKALIKE, plant_copies

from augwise.doctor.duplicates import find_duplicates
from augwise.doctor.scan import scan
from augwise.io.datasets import DataSet, load_splits
from augwise.io.demo import load_fashion_mnist


def _idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path) as fh:
        return np.frombuffer(fh.read(), np.uint8, offset=offset)


def full_fashion_mnist(folder: Path) -> tuple[np.ndarray, ...]:
    """(x_train, y_train, x_test, y_test) from the idx files of ``folder``."""
    xtr = _idx(folder / "train-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    ytr = _idx(folder / "train-labels-idx1-ubyte.gz", 8).astype(np.int64)
    xte = _idx(folder / "t10k-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
    yte = _idx(folder / "t10k-labels-idx1-ubyte.gz", 8).astype(np.int64)
    return xtr, ytr, xte, yte


def run(x: tuple[np.ndarray, ...], per_kind: int, seed: int, workers: int,
        ) -> tuple[dict[str, list[int]], list[tuple[str, str, float, bool]], str]:
    """Plant, scan and search once: per-kind [planted, found], reported pairs, timing."""
    arrays, truth = plant_copies(*x, per_kind, seed=seed)
    splits = load_splits("train", (arrays["x_train"], arrays["y_train"]))
    splits += load_splits("test", (arrays["x_test"], arrays["y_test"]))
    t0 = time.perf_counter()
    result = scan(DataSet(splits, "arrays", None), color_mode="grayscale", workers=workers)
    t1 = time.perf_counter()
    dup = find_duplicates(result)
    t2 = time.perf_counter()
    offset = {"train": 0, "test": len(arrays["x_train"])}
    family: dict[int, int] = {}  # row -> planted image id (a look-alike is its own)
    for k, (kind, src, split, row) in enumerate(truth):
        family.setdefault(src, k)
        family[offset[split] + row] = k if kind == LOOKALIKE else family[src]
    group_of = {r: g for g, grp in enumerate(dup.groups) for r in grp.rows}
    counts: dict[str, list[int]] = {}
    for kind, src, split, row in truth:
        same = group_of.get(src, -1) == group_of.get(offset[split] + row, -2)
        counts.setdefault(kind, [0, 0])
        counts[kind][0] += 1
        counts[kind][1] += same
    names = result.table["name"].to_numpy()
    pairs = [(str(names[g.rows[0]]), str(names[r]), s,
              g.rows[0] in family and family.get(r) == family[g.rows[0]])
             for g in dup.groups for r, s in zip(g.rows[1:], g.similarity[1:], strict=True)]
    timing = (f"{len(result.table)} images: scan {t1 - t0:.1f} s, duplicates {t2 - t1:.1f} s, "
              f"{dup.compared} rows searched, {dup.candidates} pairs verified")
    return counts, pairs, timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", type=Path, help="folder of the Fashion-MNIST idx files")
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.full:
        x = full_fashion_mnist(args.full)
    else:
        d = load_fashion_mnist()
        x = (d.x_train[..., 0], d.y_train, d.x_test[..., 0], d.y_test)
    counts: dict[str, list[int]] = {}
    pairs: list[tuple[str, str, float, bool]] = []
    for seed in args.seeds:
        c, p, timing = run(x, args.per_kind, seed, args.workers)
        print(f"seed {seed}: {timing}")
        for kind, (planted, found) in c.items():
            counts.setdefault(kind, [0, 0])
            counts[kind][0] += planted
            counts[kind][1] += found
        pairs += p
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB\n")
    print("| kind | planted | grouped with the original | recall |\n| --- | --- | --- | --- |")
    scored = [0, 0]
    for kind in (*COPY_KINDS, LOOKALIKE, "conflicting label"):
        if kind not in counts:
            continue
        planted, found = counts[kind]
        if kind == LOOKALIKE:
            print(f"| {kind} (must not be grouped) | {planted} | {found} | - |")
            continue
        print(f"| {kind} | {planted} | {found} | {found / planted:.2f} |")
        if kind != "cropped":
            scored[0] += planted
            scored[1] += found
    right = sum(p[3] for p in pairs)
    print(f"\nrecall without crops {scored[1] / scored[0]:.3f} ({scored[1]}/{scored[0]}); "
          f"precision {right / max(len(pairs), 1):.3f} ({right}/{len(pairs)} reported pairs "
          "are planted copies)")
    for a, b, s, _ in sorted((p for p in pairs if not p[3]), key=lambda p: -p[2])[:20]:
        print(f"  not planted: {a} ~ {b} (similarity {s:.3f})")


if __name__ == "__main__":
    main()
