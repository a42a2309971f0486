"""Augmented-mode fidelity (PSNR dB, 64 images) with libjpeg-turbo's fast paths:
``fastupsample`` (nearest chroma upsampling) and ``fastdct`` (the fast IDCT), each
patched into augwise's JPEG decode; the reference decodes with OpenCV as always.

    python decode_flags.py
"""

from __future__ import annotations

import functools
from pathlib import Path

import simplejpeg

from augwise.bench.quality import measure_quality
from augwise.io import decode

TREE = Path.home() / ".cache/augwise/bench/jpeg-500x375-q90-n2000-c10"
original = simplejpeg.decode_jpeg
for flags in ({}, {"fastupsample": True}, {"fastdct": True}):
    decode.simplejpeg.decode_jpeg = functools.partial(original, **flags)  # type: ignore[attr-defined]
    rows = measure_quality(TREE, 64, keras=False)
    got = {r["interpolation"]: round(r["psnr"], 2) for r in rows if r["mode"] == "augmented"}
    print(flags or "default", got, flush=True)
decode.simplejpeg.decode_jpeg = original  # type: ignore[attr-defined]
