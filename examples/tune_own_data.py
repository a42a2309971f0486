"""Tune the augmentation of your own class folders with a tiny budget.

Point ``--data`` at a folder with one sub-folder of images per class (without it, a
small folder is written from the shipped Fashion-MNIST sample).  The tuner searches
the ``ImageDataGenerator`` space on a small proxy CNN, retrains the best config and
fixed baselines (no augmentation, your config, TrivialAugment, a classic one) and
writes ``results.md``, ``results.json`` and ``recommended_config.yaml`` to ``--out``.
The defaults here are a smoke-test budget; real runs use the CLI defaults::

    python examples/tune_own_data.py --data my_images/ --out tune-run --trials 40 \\
        --epochs 15 --seeds 3
    augwise tune my_images/ --config current.yaml --out tune-run   # the same, as a command
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from augwise import AugmentConfig
from augwise.io.demo import export_class_folders, load_fashion_mnist
from augwise.tune.data import LoadOptions, load_data
from augwise.tune.proxy import ProxyBudget
from augwise.tune.report import TuneResult
from augwise.tune.runner import FinalSettings, tune
from augwise.tune.search import SearchSettings


def sample_folders(root: Path, classes: int = 3, per_class: int = 40) -> Path:
    """A small class-folder tree from the shipped sample (stands in for your data)."""
    demo = load_fashion_mnist()
    keep = np.concatenate([np.flatnonzero(demo.y_train == c)[:per_class]
                           for c in range(classes)])
    export_class_folders(root, demo.x_train[keep], demo.y_train[keep], demo.class_names)
    return root


def main(data: Path, out: Path, trials: int, epochs: int, seeds: int) -> TuneResult:
    tune_data = load_data(data, LoadOptions(seed=0))
    print(tune_data.describe())
    # your current config, as in a config file (or AugmentConfig.load("augment.yaml"))
    current = AugmentConfig.from_dict(
        {"rotation_range": 30, "zoom_range": 0.3, "horizontal_flip": True})
    result = tune(
        tune_data, current,
        ProxyBudget(epochs=epochs, batch_size=32, threads=1, workers=1),
        SearchSettings(trials=trials, seed=0),
        out,
        final=FinalSettings(seeds=seeds, finalists=1),
    )
    for row in result.results:
        print(f"{row.candidate.name:>24}: mean test accuracy {np.mean(row.test):.3f}")
    print(f"recommended: {result.recommended.candidate.name}; report in {out}")
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="class-folder tree (default: a sample)")
    parser.add_argument("--out", type=Path, default=Path("augwise-tune"))
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=1)
    args = parser.parse_args()
    if args.data is None:
        with tempfile.TemporaryDirectory() as tmp:
            main(sample_folders(Path(tmp)), args.out, args.trials, args.epochs, args.seeds)
    else:
        main(args.data, args.out, args.trials, args.epochs, args.seeds)
