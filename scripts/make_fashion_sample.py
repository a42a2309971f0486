"""Rebuild src/augwise/data/fashion_mnist_sample.npz from Debian's dataset-fashion-mnist.

    apt-get install dataset-fashion-mnist
    python scripts/make_fashion_sample.py

Takes the first 300 training and 100 test images of each class (3,000 + 1,000).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

SRC = Path("/usr/share/datasets/fashion-mnist")
OUT = Path(__file__).resolve().parents[1] / "src" / "augwise" / "data" / "fashion_mnist_sample.npz"
CLASSES = [
    "T-shirt_top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot",
]


def read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def first_per_class(x: np.ndarray, y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    keep = np.concatenate([np.flatnonzero(y == c)[:k] for c in range(10)])
    keep.sort()
    return x[keep], y[keep]


def main() -> None:
    xtr, ytr = read_idx(SRC / "train-images-idx3-ubyte.gz"), read_idx(SRC / "train-labels-idx1-ubyte.gz")
    xte, yte = read_idx(SRC / "t10k-images-idx3-ubyte.gz"), read_idx(SRC / "t10k-labels-idx1-ubyte.gz")
    x_train, y_train = first_per_class(xtr, ytr, 300)
    x_test, y_test = first_per_class(xte, yte, 100)
    np.savez_compressed(
        OUT,
        x_train=x_train[..., None],
        y_train=y_train.astype(np.int64),
        x_test=x_test[..., None],
        y_test=y_test.astype(np.int64),
        class_names=np.array(CLASSES),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
