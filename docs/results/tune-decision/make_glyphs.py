"""A planted-invariance data set where augmentation must help: wrapped bar glyphs.

Four classes of bar glyphs (an L-like stroke with a bar at the top, the bottom, the
middle, or top and bottom) drawn at a uniformly random *cyclic* position of a 20x20
image, with Gaussian noise.  The label is invariant to wrapped shifts, so
``width_shift_range``/``height_shift_range`` with ``fill_mode='wrap'`` is a perfect
augmentation, while a vertical flip turns class 0 into class 1 (it destroys the label).
With a few hundred training images, no augmentation cannot learn every position.

    python docs/results/tune-decision/make_glyphs.py /tmp/glyphs.npz --train 300
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def glyphs(n: int, seed: int, size: int = 20, noise: float = 40.0) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = []
    for bars in ((2,), (7,), (5,), (2, 7)):
        g = np.zeros((size, size))
        g[2:9, 2:4] = 200.0
        for row in bars:
            g[row : row + 2, 2:8] = 200.0
        shapes.append(g)
    x = np.empty((n, size, size, 1), np.uint8)
    y = np.arange(n) % 4
    for i in range(n):
        img = np.roll(shapes[y[i]], tuple(rng.integers(0, size, size=2)), axis=(0, 1))
        x[i, :, :, 0] = np.clip(img + 30 + rng.normal(0, noise, img.shape), 0, 255)
    return x, y.astype(np.int64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--train", type=int, default=300, help="training pool (train + val)")
    parser.add_argument("--test", type=int, default=1000)
    args = parser.parse_args()
    x, y = glyphs(args.train, seed=0)
    xt, yt = glyphs(args.test, seed=1)
    names = np.array(["top bar", "bottom bar", "middle bar", "two bars"])
    np.savez_compressed(args.out, x_train=x, y_train=y, x_test=xt, y_test=yt, class_names=names)
    print(f"{args.train} training and {args.test} test images in {args.out}")


if __name__ == "__main__":
    main()
