"""Where the time goes, per image, on one thread: ``python -m augwise.bench.micro [DIR]``
(DIR: the folder that holds the benchmark's inputs, ``~/.cache/augwise/bench`` unless
given; not a tree inside it).

Prints JSON: CPU milliseconds per image (``time.thread_time``, OpenCV on one thread, the
minimum over several rounds) for each stage of the directory job (read, decode, the
anti-aliasing reduce, warp, cast + rescale, and the Python overhead left over), the
decode + resize floor, and the array jobs.  Run it with two interpreters to compare
OpenCV builds (see ``docs/bench.md``).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import simplejpeg

ROUNDS = 5


def per_image(fn: Callable[[int], object], n: int, rounds: int = ROUNDS) -> float:
    """Minimum over ``rounds`` of the CPU ms per call of ``fn(0..n-1)``."""
    fn(0)
    best = float("inf")
    for _ in range(rounds):
        t = time.thread_time()
        for i in range(n):
            fn(i)
        best = min(best, (time.thread_time() - t) / n * 1e3)
    return best


class StageTimer:
    """CPU time spent inside wrapped functions, by stage name (this thread only)."""

    def __init__(self) -> None:
        self.ns: dict[str, int] = {}
        self._patched: list[tuple[Any, str, Any]] = []
        self._inside = False  # a wrapped call inside another counts for the outer stage

    def wrap(self, owner: Any, attr: str, stage: str) -> None:
        fn = getattr(owner, attr)
        ns = self.ns
        ns.setdefault(stage, 0)
        clock = time.thread_time_ns

        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._inside:
                return fn(*args, **kwargs)
            self._inside = True
            t = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                ns[stage] += clock() - t
                self._inside = False

        self._patched.append((owner, attr, fn))
        setattr(owner, attr, timed)

    def reset(self) -> None:
        for k in self.ns:
            self.ns[k] = 0

    def restore(self) -> None:
        for owner, attr, fn in reversed(self._patched):
            setattr(owner, attr, fn)
        self._patched.clear()


def directory_profile(tree: Path, n: int = 512) -> dict[str, dict[str, float]]:
    """Per image: read, decode, reduce, warp, cast + rescale and what is left
    (Python: parameters, matrices, bookkeeping), measured inside the real pipeline in the
    same loop; the same stages of the decode + resize floor; and epochs >= 2 from
    ``cache='memory'`` (warp, cast and what is left, copies of the cached rows included)."""
    from augwise import ImageDataGenerator
    from augwise.bench.workloads import BATCH_SIZE, REFERENCE_CONFIG, TARGET
    from augwise.io import decode as decode_module
    from augwise.loader.pipeline import Pipeline

    flow: dict[str, Any] = {"target_size": TARGET, "batch_size": BATCH_SIZE, "seed": 0,
                            "workers": 0, "shuffle": False, "verbose": False}
    it = ImageDataGenerator(**REFERENCE_CONFIG).flow_from_directory(str(tree), **flow)
    cached = ImageDataGenerator(**REFERENCE_CONFIG).flow_from_directory(
        str(tree), cache="memory", **flow)
    batches = min(n, it.n) // BATCH_SIZE
    timer = StageTimer()
    timer.wrap(decode_module, "read_bytes", "read")
    if hasattr(decode_module, "reduce_decoded"):  # the anti-aliasing first stage
        timer.wrap(decode_module, "reduce_decoded", "reduce")
    timer.wrap(simplejpeg, "decode_jpeg", "decode")
    timer.wrap(simplejpeg, "decode_jpeg_header", "decode")
    timer.wrap(cv2, "warpAffine", "warp")
    timer.wrap(cv2, "resize", "resize")
    timer.wrap(Pipeline, "finish", "cast_rescale")
    scale = np.float32(REFERENCE_CONFIG["rescale"])
    paths = it.filepaths

    def floor_batch(b: int) -> None:
        out = np.empty((BATCH_SIZE, *TARGET, 3), np.uint8)
        for i, path in enumerate(paths[b * BATCH_SIZE : (b + 1) * BATCH_SIZE]):
            img = simplejpeg.decode_jpeg(decode_module.read_bytes(path))
            cv2.resize(img, TARGET[::-1], dst=out[i], interpolation=cv2.INTER_LINEAR)
        t = time.thread_time_ns()
        np.multiply(out, scale, out=np.empty(out.shape, np.float32))
        timer.ns["cast_rescale"] += time.thread_time_ns() - t

    def rounds(fn: Callable[[int], object]) -> dict[str, float]:
        best: dict[str, float] = {}
        for _ in range(ROUNDS):
            timer.reset()
            t = time.thread_time_ns()
            for b in range(batches):
                fn(b)
            total = time.thread_time_ns() - t
            stages = {k: v / 1e6 / (batches * BATCH_SIZE) for k, v in timer.ns.items()}
            stages["total"] = total / 1e6 / (batches * BATCH_SIZE)
            stages["python_and_other"] = stages["total"] - sum(
                v for k, v in stages.items() if k != "total")
            if not best or stages["total"] < best["total"]:
                best = stages
        return best

    try:
        it[0]
        floor_batch(0)
        for b in range(batches):  # fill the cache: the timed rounds are epochs >= 2
            cached[b]
        res = {"augwise": rounds(lambda b: it[b]), "floor": rounds(floor_batch),
               "augwise_cached": rounds(lambda b: cached[b])}
    finally:
        timer.restore()
        it.close()
        cached.close()
    return res


def array_profile(arrays: Path | None) -> dict[str, float]:
    from augwise import ImageDataGenerator
    from augwise.bench.data import fashion_mnist
    from augwise.bench.workloads import BATCH_SIZE, REFERENCE_CONFIG

    res: dict[str, float] = {}
    photos = arrays / "photos224.npy" if arrays else None
    if photos is not None and photos.is_file():
        x = np.load(photos, allow_pickle=False).astype(np.float32)
        it = ImageDataGenerator(**REFERENCE_CONFIG).flow(x, batch_size=BATCH_SIZE, seed=0,
                                                          workers=0)
        res["arr224_total"] = per_image(lambda b: it[b], len(it), rounds=3) / BATCH_SIZE
    x28, _ = fashion_mnist(8192)
    it28 = ImageDataGenerator(**REFERENCE_CONFIG).flow(x28, batch_size=BATCH_SIZE, seed=0,
                                                        workers=0)
    res["arr28_total"] = per_image(lambda b: it28[b], len(it28), rounds=3) / BATCH_SIZE
    pipe: Any = it28.pipeline
    from augwise.core.geometry import transform_matrices

    def params(b: int) -> None:
        p = pipe.params(0, np.arange(b * BATCH_SIZE, (b + 1) * BATCH_SIZE))
        transform_matrices(p, 28, 28)

    res["arr28_params_matrices"] = per_image(params, 64) / BATCH_SIZE
    return res


def kernel_profile() -> dict[str, float]:
    """OpenCV kernels alone on synthetic data (for comparing builds)."""
    rng = np.random.default_rng(0)
    src = cv2.GaussianBlur(rng.integers(0, 255, (375, 500, 3), np.uint8), (5, 5), 0)
    th = np.deg2rad(12)
    m = np.array([[2.1 * np.cos(th), -1.6 * np.sin(th), 40.0],
                  [2.1 * np.sin(th), 1.6 * np.cos(th), -20.0]])
    out = np.empty((224, 224, 3), np.uint8)
    f32 = src[:224, :224].astype(np.float32)
    out32 = np.empty((224, 224, 3), np.float32)
    m224 = m.copy()
    m224[:, :2] /= 2.0
    small = src[:28, :28, :1].copy()
    out28 = np.empty((28, 28, 1), np.uint8)
    m28 = m224.copy()
    m28[:, 2] = (3.0, -2.0)
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    rep = cv2.BORDER_REPLICATE
    return {
        "warpAffine_u8c3_500x375_to_224": per_image(
            lambda i: cv2.warpAffine(src, m, (224, 224), dst=out, flags=flags,
                                     borderMode=rep), 300),
        "warpAffine_f32c3_224": per_image(
            lambda i: cv2.warpAffine(f32, m224, (224, 224), dst=out32, flags=flags,
                                     borderMode=rep), 300),
        "warpAffine_u8c1_28": per_image(
            lambda i: cv2.warpAffine(small, m28, (28, 28), dst=out28, flags=flags,
                                     borderMode=rep), 3000),
        "resize_linear_500x375_to_224": per_image(
            lambda i: cv2.resize(src, (224, 224), dst=out, interpolation=cv2.INTER_LINEAR), 300),
        "resize_area_exact_2x": per_image(
            lambda i: cv2.resize(src[:374], (250, 187), interpolation=cv2.INTER_AREA), 300),
    }


def main(argv: list[str]) -> int:
    cv2.setNumThreads(1)
    from augwise.bench.data import TreeSpec, build_jpeg_tree, default_cache_dir

    base = Path(argv[0]) if argv else default_cache_dir()
    tree = build_jpeg_tree(base, TreeSpec())
    arrays = base / "arrays-full"
    doc: dict[str, Any] = {
        "opencv": cv2.__version__,
        "numpy": np.__version__,
        "simplejpeg": simplejpeg.__version__,
        "pid": os.getpid(),
        "kernels_ms": kernel_profile(),
        "directory_ms_per_image": directory_profile(tree),  # min-total round
        "arrays_ms_per_image": array_profile(arrays if arrays.is_dir() else None),
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
