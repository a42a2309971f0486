"""Compare a few fixed augmentation configs directly (no search): the exploration table.

Each seed re-splits train/validation (``augwise.tune.final.compare_adaptively`` with a
fixed number of seeds), trains the SmallCNN proxy once per config and prints the
per-seed validation and test accuracies, the paired test difference with no
augmentation and P(validation better than no augmentation by > 0.5 points).

    python docs/results/tune-decision/explore_fixed.py /usr/share/datasets/fashion-mnist \
        --pool 500 --epochs 150 --configs none,TA,hflip,hflip+shift
    python docs/results/tune-decision/explore_fixed.py digits --size 24 --pool 120 \
        --epochs 150 --configs none,TA,rot15+shift+zoom

``digits`` is scikit-learn's bundled ``load_digits`` (1,797 8x8 digits, upscaled;
scikit-learn is not an augwise dependency: install it to try this).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from augwise.core.config import AugmentConfig
from augwise.tune import decide
from augwise.tune.baselines import Candidate
from augwise.tune.data import LoadOptions, TuneData, arrays_data, load_data
from augwise.tune.final import compare_adaptively
from augwise.tune.proxy import ProxyBudget
from augwise.tune.stats import paired_ci

SHIFT = {"width_shift_range": 0.1, "height_shift_range": 0.1}
CONFIGS: dict[str, dict[str, Any]] = {
    "none": {},
    "TA": {"policy": "trivialaugment"},
    "hflip": {"horizontal_flip": True},
    "shift": SHIFT,
    "hflip+shift": {"horizontal_flip": True, **SHIFT},
    "rot15+shift+zoom": {"rotation_range": 15, "zoom_range": 0.1, **SHIFT},
    "rot10+zoom+shear": {"rotation_range": 10, "zoom_range": 0.1, "shear_range": 10},
}


def digits(size: int, pool: int, test: int) -> TuneData:
    spec = importlib.util.find_spec("sklearn")  # its data file, without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("digits needs scikit-learn: pip install scikit-learn")
    csv = Path(spec.submodule_search_locations[0], "datasets", "data", "digits.csv.gz")
    with gzip.open(csv) as fh:
        raw = np.loadtxt(fh, delimiter=",")
    x = np.stack([cv2.resize((v * 255 / 16).astype(np.float32), (size, size),
                             interpolation=cv2.INTER_CUBIC)
                  for v in raw[:, :64].reshape(-1, 8, 8)])
    x = np.clip(x, 0, 255).astype(np.uint8)[..., None]
    y = raw[:, 64].astype(np.int64)
    order = np.random.default_rng(123).permutation(len(y))
    te, tr = order[:test], order[test:]
    return arrays_data(x[tr], y[tr], x_test=x[te], y_test=y[te], source="digits",
                       options=LoadOptions(subset=pool))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="'digits' or anything augwise tune reads")
    parser.add_argument("--size", type=int, default=24, help="digits: upscaled side")
    parser.add_argument("--pool", type=int, default=500, help="train + val (--subset)")
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--configs", default="none,TA", help=f"of {', '.join(CONFIGS)}")
    args = parser.parse_args()
    if args.data == "digits":
        data = digits(args.size, args.pool, min(args.test, 797))
    else:
        data = load_data(args.data, LoadOptions(subset=args.pool, test_size=args.test))
    print(data.describe())
    names = args.configs.split(",")
    candidates = [Candidate(n, AugmentConfig(**CONFIGS[n])) for n in names]
    seeds = list(range(1, args.seeds + 1))
    start = time.perf_counter()
    out = compare_adaptively(data, candidates, seeds, len(seeds),
                             ProxyBudget(epochs=args.epochs, threads=1))
    print(f"{args.epochs} epochs, {len(seeds)} seeds: {time.perf_counter() - start:.0f} s")
    rho = decide.correlation(len(data.train), len(data.val))
    none = out.results[0]
    for r in out.results:
        val = " ".join(f"{100 * a:.1f}" for a in r.val)
        test = " ".join(f"{100 * a:.1f}" for a in r.test)
        diff = paired_ci(list(r.test), list(none.test))
        p = decide.compare(list(r.val), list(none.val), rope=0.005, rho=rho).p_better
        print(f"{r.candidate.name:18s} val {val} | test {test} | test - none "
              f"{100 * diff.mean:+.1f} ± {100 * (diff.high - diff.mean):.1f} | "
              f"P(val better than none by > 0.5) {p:.2f}")


if __name__ == "__main__":
    main()
