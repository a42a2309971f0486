"""Kernel costs on one thread (ms per call, best of 5 rounds over 300 real photos):
decode variants (full, 6/8 DCT scale, fastupsample, RGBX) and the warp and reduce on
3- and 4-channel images.

    python kernels.py
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import simplejpeg

from augwise.bench.micro import per_image

cv2.setNumThreads(1)
TREE = Path.home() / ".cache/augwise/bench/jpeg-500x375-q90-n2000-c10"


def per(fn: Callable[[int], object]) -> float:
    """CPU ms per call over 300 calls, best of 5 rounds (augwise.bench.micro's timer)."""
    return round(per_image(fn, 300), 4)


data = [p.read_bytes() for p in sorted(TREE.glob("*/*.jpg"))[:300]]
for cs in ("RGB", "RGBX"):
    for fu in (False, True):
        print(cs, "fastupsample" if fu else "", "full decode",
              per(lambda i: simplejpeg.decode_jpeg(data[i], cs, fastupsample=fu)),
              "6/8 decode", per(lambda i: simplejpeg.decode_jpeg(
                  data[i], cs, fastupsample=fu, min_height=282, min_width=375,
                  min_factor=1.33)))
th = np.deg2rad(12)
m = np.array([[1.25 * np.cos(th), -1.25 * np.sin(th), 20.0],
              [1.25 * np.sin(th), 1.25 * np.cos(th), 10.0]])
flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
for name, cs in (("c3", "RGB"), ("c4", "RGBX")):
    src = simplejpeg.decode_jpeg(data[0], cs)
    small = cv2.resize(src, (280, 280), interpolation=cv2.INTER_LINEAR)
    out = np.empty((224, 224, src.shape[2]), np.uint8)
    for border in ("CONSTANT", "REPLICATE"):
        mode = getattr(cv2, f"BORDER_{border}")
        print(name, f"warp 280->224 {border}", per(lambda i: cv2.warpAffine(
            small, m, (224, 224), dst=out, flags=flags, borderMode=mode)))
    print(name, "bilinear reduce 500x375->280", per(lambda i: cv2.resize(
        src, (280, 280), interpolation=cv2.INTER_LINEAR)))
