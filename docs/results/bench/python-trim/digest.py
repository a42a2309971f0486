"""sha256 of batches over 6 configs x 5 loader settings x 2 trees (the bench's 192
500x375 JPEGs, and 40 photos resized to random sizes, PNG and JPEG, from
``make_tree``): run on the code before and after a change that must not change output.

    python digest.py LABEL
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from augwise import ImageDataGenerator
from augwise.bench.workloads import REFERENCE_CONFIG

CACHE = Path.home() / ".cache/augwise/bench"
VARIED = Path("/tmp/augwise-digest-varied")


def make_tree() -> None:
    photos = sorted((CACHE / "jpeg-500x375-q90-n2000-c10").glob("*/*.jpg"))[:40]
    rng = np.random.default_rng(0)
    for i, p in enumerate(photos):
        size = (int(rng.integers(60, 900)), int(rng.integers(60, 700)))
        folder = VARIED / f"c{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.open(p).resize(size).save(folder / f"{i}.{'png' if i % 4 == 0 else 'jpg'}")


CONFIGS = {
    "balanced": dict(REFERENCE_CONFIG),
    "identity": {},
    "constant": {"rotation_range": 30, "fill_mode": "constant", "cval": 7,
                 "zoom_range": (0.5, 1.5)},
    "shrink": {"zoom_range": (2.5, 3.0), "rotation_range": 10, "fill_mode": "reflect"},
    "colour": {"channel_shift_range": 30, "brightness_range": (0.5, 1.5),
               "horizontal_flip": True, "width_shift_range": [0, 3, 5]},
    "policy": {"policy": "randaugment"},
}
SETTINGS = ({}, {"keep_aspect_ratio": True}, {"interpolation": "bilinear"},
            {"interpolation": "lanczos", "keep_aspect_ratio": True}, {"cache": "memory"})

if not VARIED.exists():
    make_tree()
h = hashlib.sha256()
for tree in (CACHE / "jpeg-500x375-q90-n192-c10", VARIED):
    for cfg in CONFIGS.values():
        for kw in SETTINGS:
            it = ImageDataGenerator(**cfg).flow_from_directory(
                str(tree), target_size=(96, 128), batch_size=16, seed=3, verbose=False, **kw)
            for epoch in range(2 if "cache" in kw else 1):
                for k, batch in enumerate(it.epoch_batches(epoch)):
                    if k >= 4:
                        break
                    h.update(np.ascontiguousarray(batch[0]).tobytes())
            it.close()
print(sys.argv[1], h.hexdigest())
