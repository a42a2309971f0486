"""Write N small PNGs (32x32 RGB, 3 class folders) for the doctor's scaling runs.

    python docs/results/scaling/make_tree.py /tmp/tree100k 100000

The same recipe as tests/reliability/test_interrupt.py's tree: 64 random tiles XORed with
the index, so the files are distinct.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np


def main(root: Path, n: int) -> None:
    rng = np.random.default_rng(0)
    tiles = rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
    for c in range(3):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        cv2.imwrite(str(root / f"class{i % 3}" / f"{i}.png"), tiles[i % 64] ^ np.uint8(i % 251))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
