"""sha256 of ``flow()`` batches over array kinds (float32 whole numbers, float32 with
fractions, uint8, channels-first, 28x28 Fashion-MNIST) x 3 configs: run on the code
before and after a change that must not change output.

    python digest_arrays.py LABEL
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

from augwise import ImageDataGenerator
from augwise.bench.data import fashion_mnist
from augwise.bench.workloads import REFERENCE_CONFIG

CACHE = Path.home() / ".cache/augwise/bench"
photos = np.load(CACHE / "arrays-full/photos224.npy")[:96]
f28, _ = fashion_mnist(512)
arrays = {
    "float_whole": photos.astype(np.float32),
    "float_fraction": photos.astype(np.float32) + 0.25,
    "uint8": photos.astype(np.uint8),
    "float_whole_first": np.ascontiguousarray(photos.astype(np.float32).transpose(0, 3, 1, 2)),
    "f28_float": f28.astype(np.float32),
    "f28_uint8": f28,
}
configs = {
    "balanced": dict(REFERENCE_CONFIG),
    "constant": {"rotation_range": 30, "fill_mode": "constant", "cval": 9.0,
                 "channel_shift_range": 20.0},
    "identity": {"rescale": 1 / 255},
}
h = hashlib.sha256()
for name, x in arrays.items():
    fmt = "channels_first" if name.endswith("_first") else "channels_last"
    for cfg in configs.values():
        it = ImageDataGenerator(**cfg, data_format=fmt).flow(x, batch_size=16, seed=5,
                                                             workers=0)
        for epoch in (0, 1):
            for k, batch in enumerate(it.epoch_batches(epoch)):
                if k >= 3:
                    break
                h.update(np.ascontiguousarray(batch).tobytes())
        it.close()
print(sys.argv[1], h.hexdigest())
