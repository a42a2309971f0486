"""The client's memory for the scan's merge, per row, without decoding anything.

Feeds synthetic chunks shaped as the workers return them (13 numbers, 7 texts with two
32-character hex hashes, a 32x32 grey thumbnail, 3 channel means, class sums) into the
scan's merge (``augwise.doctor.scan._Totals``) for N rows, then builds the scan's table,
and reports the growth of this process's memory at each stage: its RSS, and its
anonymous RSS (``RssAnon``: the heap, without the pages of files it maps; from
``SPILL_ROWS`` rows on the thumbnails are in a mapped temporary file, whose pages the
operating system can write out and drop).

    python docs/results/scaling/merge_memory.py 100000 300000 1000000
"""

from __future__ import annotations

import gc
import json
import secrets
import sys

import numpy as np
import pandas as pd
import psutil

from augwise.doctor.measure import NUMBERS, TEXTS, THUMB, Chunk, ClassSum
from augwise.doctor.scan import CHUNK_ROWS, _Totals


def rss() -> int:
    gc.collect()
    return int(psutil.Process().memory_info().rss)


def anon() -> int:
    with open("/proc/self/status") as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith("RssAnon:"))
    return kb * 1024


def chunk(start: int, n: int, rng: np.random.Generator) -> Chunk:
    c = Chunk.allocate(np.arange(start, start + n), 3)
    c.numbers[:] = rng.random((n, len(NUMBERS)))
    for key in TEXTS:
        c.texts[key] = ([secrets.token_hex(16) for _ in range(n)] if key.endswith("hash")
                        else ["PNG" if key == "format" else "RGB" if key == "mode" else ""] * n)
    c.thumbs[:] = rng.integers(0, 256, (n, THUMB, THUMB), dtype=np.uint8)
    c.phash[:] = rng.integers(0, 2**63, n, dtype=np.uint64)
    c.channel_mean[:] = rng.random((n, 3))
    c.channel_sq[:] = rng.random((n, 3))
    c.class_sums = {k: ClassSum.empty() for k in range(3)}
    return c


def measure(total: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    base, base_anon = rss(), anon()
    totals = _Totals(total, 3)
    for start in range(0, total, CHUNK_ROWS):
        totals.merge(chunk(start, min(CHUNK_ROWS, total - start), rng))
    merged, merged_anon = rss(), anon()
    table = pd.DataFrame({"split": ["train"] * total, "name": [f"class{i % 3}/{i}.png"
                          for i in range(total)], "label": np.arange(total) % 3})
    for k, name in enumerate(NUMBERS):
        table[name] = totals.numbers[:, k]
    for key in TEXTS:
        table[key] = totals.texts[key]
    tabled, tabled_anon = rss(), anon()
    return {"rows": total, "spilled": isinstance(totals.thumbs, np.memmap),
            "merge_bytes_per_row": (merged - base) / total,
            "with_table_bytes_per_row": (tabled - base) / total,
            "merge_anon_bytes_per_row": (merged_anon - base_anon) / total,
            "with_table_anon_bytes_per_row": (tabled_anon - base_anon) / total}


if __name__ == "__main__":
    for n in map(int, sys.argv[1:]):
        print(json.dumps(measure(n)))
