"""``run_bench``: prepare the inputs, run every runner in its own process, report."""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from augwise.bench.data import (
    TreeSpec,
    build_jpeg_tree,
    default_cache_dir,
    fashion_mnist,
    photo_arrays,
    tree_stats,
)
from augwise.bench.report import add_ratios, evaluate_targets, write_outputs
from augwise.bench.timing import run_isolated
from augwise.bench.workloads import BATCH_SIZE, REFERENCE_CONFIG, WORKLOADS, RunSpec
from augwise.core.machine import usable_cores

Progress = Callable[[str, int, int], None]
KERAS_PASS_IMAGES = {"dir224": 640, "arr224": 640}  # Keras is slow: shorter timed passes
MEMORY_ONLY = ("rss100k", "fit_dir")


def plan(workloads: Sequence[str], quick: bool, workers: int, repeats: int) -> list[RunSpec]:
    """The runners of each workload, in order."""
    specs: list[RunSpec] = []

    def add(workload: str, peer: str, label: str, w: int | None, variant: str = "") -> None:
        images = WORKLOADS[workload].images(quick)
        if peer == "keras" and workload in KERAS_PASS_IMAGES:
            images = min(images, KERAS_PASS_IMAGES[workload] // (10 if quick else 1))
        r = 1 if workload in MEMORY_ONLY else repeats  # memory, not speed: one pass will do
        specs.append(RunSpec(workload, peer, label, w, variant, images, r, quick=quick))

    for name in workloads:
        if name in ("dir224", "arr224", "arr28"):
            add(name, "augwise", "augwise (default workers)", None)
            if not quick:
                add(name, "augwise", "augwise workers=1", 1)
                if workers > 1:
                    add(name, "augwise", f"augwise workers={workers}", workers)
            if not quick or name != "arr224":  # --quick: each Keras run costs its import
                add(name, "keras", "keras (default)", None)
            if not quick:
                add(name, "keras", f"keras workers={workers} threads", workers, "threads")
                add(name, "keras", f"keras workers={workers} processes", workers, "processes")
            if not quick or name == "dir224":
                add(name, "albumentations",
                    f"albumentations DataLoader num_workers={workers}", workers)
            if name == "dir224":
                add(name, "decode", f"decode+resize workers={workers}", workers)
                if not quick and workers > 1:
                    add(name, "decode", "decode+resize workers=1", 1)
        elif name == "dir224_cached":
            add(name, "augwise", "augwise cache='memory' (default workers)", None, "cache")
        elif name == "rss100k":
            add(name, "augwise", "augwise (default workers)", None)
            if not quick:
                add(name, "keras", "keras (default)", None)
        elif name == "fit_dir":
            add(name, "augwise", "augwise fit(directory iterator)", None)
            add(name, "keras", "keras fit()", None)
        elif name == "keras_layer224":
            continue  # measured in-process by augwise.bench.keras_layer
        else:
            raise ValueError(f"unknown workload {name!r}; choose from {sorted(WORKLOADS)}")
    return specs


def warmup_images(spec: RunSpec) -> int:
    """The warm-up: as many images as the timed pass (threads, pools and buffers, page
    cache, the kernel's huge pages all settled: measured, the first pass after a
    4-batch-per-worker warm-up ran 6-9 % below the next ones for ``arr224``), for every
    runner alike; a full epoch (0) to fill a cache."""
    if spec.variant == "cache" or spec.workload in MEMORY_ONLY:
        return 0
    return spec.images


def run_rounds(specs: list[RunSpec], timeout: float,
               progress: Progress | None = None) -> list[dict[str, Any]]:
    """Each workload's runners in round-robin: round r times one pass of every runner
    (each in a fresh process), so that load changing on the machine hits all of them
    alike; ``round_rates`` keeps the rounds aligned for per-round ratios."""
    merged: dict[int, dict[str, Any]] = {}
    order = [w for w in dict.fromkeys(s.workload for s in specs)]
    total = sum(s.repeats for s in specs)
    done = 0
    for workload in order:
        group = [(k, s) for k, s in enumerate(specs) if s.workload == workload]
        for r in range(max(s.repeats for _, s in group)):
            for k, spec in group:
                if r >= spec.repeats or merged.get(k, {}).get("status", "ok") != "ok":
                    continue
                if progress is not None:
                    progress(f"{workload}: {spec.label} (round {r + 1})", done, total)
                one = replace(spec, repeats=1,
                              extra={**spec.extra, "warmup": warmup_images(spec),
                                     "first_epoch": r + 1})
                res = run_isolated(one, timeout)
                done += 1
                _merge(merged.setdefault(k, {**spec.to_json(), "round_rates": []}), res, r)
    if progress is not None:
        progress("done", total, total)
    out = []
    for k in sorted(merged):
        m = merged[k]
        rates = [x for x in m["round_rates"] if x is not None]
        if m.get("status") == "ok" and rates:
            m.update(rates=rates, median=statistics.median(rates), min=min(rates),
                     max=max(rates))
        out.append(m)
    return out


_LATEST = ("images_per_pass", "workers", "cache", "rss_samples", "warmup_images")


def _merge(into: dict[str, Any], res: dict[str, Any], r: int) -> None:
    """Add one round's result to a runner's record (peaks: the maximum over rounds)."""
    ok = res.get("status") == "ok"
    into["round_rates"].append(res["rates"][0] if ok and res.get("rates") else None)
    into.setdefault("load_average", []).append(_load())
    if not ok:
        into["status"], into["reason"] = res.get("status"), res.get("reason", "")
        return
    into["status"] = "ok"
    for key in ("peak_rss_mib", "peak_rss_children_mib", "wall_s", "setup_s"):
        if key in res:
            into[key] = max(into.get(key, 0.0), res[key])
    into.update({key: res[key] for key in _LATEST if key in res})


def _load() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:  # pragma: no cover
        return None


def prepare(cache_dir: Path, quick: bool, photos: str | None,
            workloads: Sequence[str]) -> tuple[Path, Path, dict[str, Any]]:
    """Build or reuse the JPEG tree and the array files under ``cache_dir``."""
    files = WORKLOADS["dir224"].images(quick)
    tree = build_jpeg_tree(cache_dir, TreeSpec(files=files), photos=photos)
    arrays = cache_dir / f"arrays-{'quick' if quick else 'full'}"
    arrays.mkdir(parents=True, exist_ok=True)
    if "arr224" in workloads and not (arrays / "photos224.npy").is_file():
        x, y = photo_arrays(tree, WORKLOADS["arr224"].images(quick))
        np.save(arrays / "photos224_labels.npy", y)
        np.save(arrays / "photos224.npy", x)
    if {"arr28", "rss100k"} & set(workloads) and not (arrays / "fmnist28.npy").is_file():
        x, y = fashion_mnist(WORKLOADS["arr28"].images(quick))
        np.save(arrays / "fmnist28_labels.npy", y)
        np.save(arrays / "fmnist28.npy", x)
    return tree, arrays, {"tree": str(tree), **tree_stats(tree), "arrays": str(arrays)}


def machine() -> dict[str, Any]:
    import cv2
    import simplejpeg

    info: dict[str, Any] = {
        "cpu": _cpu_name(),
        "usable_cores": usable_cores(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "simplejpeg": simplejpeg.__version__,
    }
    from importlib import metadata

    for dist in ("augwise", "keras", "torch", "albumentations"):
        try:
            info[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            info[dist] = None
    with contextlib.suppress(OSError):
        info["load_average"] = os.getloadavg()
    return info


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor() or "unknown"


def run_bench(
    *,
    quick: bool = False,
    workers: int | None = None,
    data: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "augwise-bench",
    repeats: int | None = None,
    only: Sequence[str] | None = None,
    photos: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
    command: str = "",
) -> dict[str, Any]:
    """Run the benchmark and write ``bench.json``, ``bench.png`` and ``bench.md`` in ``out``.

    ``quick``: small inputs and one repeat (CI smoke test, under a minute).  ``workers``:
    the worker count for the peers (default: the usable cores).  ``data``: where the
    inputs are built or reused (default ``$AUGWISE_BENCH_DIR`` or
    ``~/.cache/augwise/bench``).  ``photos``: a folder of large photos to cut the JPEGs
    from (default: Debian's ``/usr/share/backgrounds``).  ``only``: workload names (see
    :data:`augwise.bench.workloads.WORKLOADS`).  Returns the JSON document.
    """
    n_workers = workers or usable_cores()
    n_repeats = repeats or (1 if quick else 3)
    names = list(only) if only else list(WORKLOADS)
    for name in names:
        if name not in WORKLOADS:
            raise ValueError(f"unknown workload {name!r}; choose from {sorted(WORKLOADS)}")
    cache = Path(data) if data else default_cache_dir()
    started = time.time()
    tree, arrays, data_info = prepare(cache, quick, os.fspath(photos) if photos else None,
                                      names)
    specs = [replace(s, data_dir=str(tree), arrays_dir=str(arrays))
             for s in plan(names, quick, n_workers, n_repeats)]
    timeout = 120.0 if quick else 1800.0
    results = run_rounds(specs, timeout, progress)
    add_ratios(results)
    quality = None
    if "dir224" in names:
        from augwise.bench.quality import INTERPOLATIONS, QUICK_INTERPOLATIONS, measure_quality

        if progress is not None:
            progress("fidelity (PSNR/SSIM)", 0, 1)
        quality = measure_quality(
            tree, images=16 if quick else 64,
            interpolations=QUICK_INTERPOLATIONS if quick else INTERPOLATIONS,
        )
    keras_layer = None
    if "keras_layer224" in names:
        from augwise.bench.keras_layer import measure_keras_layer

        if progress is not None:
            progress("Keras layer", 0, 1)
        keras_layer = measure_keras_layer(quick)
    doc: dict[str, Any] = {
        "command": command,
        "quick": quick,
        "started": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(started)),
        "duration_s": time.time() - started,
        "workers": n_workers,
        "repeats": n_repeats,
        "batch_size": BATCH_SIZE,
        "config": REFERENCE_CONFIG,
        "machine": machine(),
        "data": data_info,
        "results": results,
        "quality": quality,
        "keras_layer": keras_layer,
    }
    doc["targets"] = evaluate_targets(results, quality)
    write_outputs(doc, Path(out))
    return doc
