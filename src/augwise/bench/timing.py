"""Timing one runner in its own process: warm-up, repeats, and peak memory.

``python -m augwise.bench.timing '<RunSpec JSON>'`` builds the runner (imports are not
timed), runs a warm-up pass (``extra["warmup"]`` images, default one pass), then
``repeats`` timed passes, and prints one JSON line:
images/s per pass, their median/min/max, and the peak RSS of the process (and of its
child processes, e.g. DataLoader workers).  :func:`run_isolated` starts it and reads it.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

from augwise.bench.workloads import RunSpec

RESULT_PREFIX = "AUGWISE-BENCH-RESULT "


class ChildRss:
    """Samples the summed RSS of this process's children (every 50 ms) and keeps the peak.

    Children forked from this process share pages with it, which each RSS counts again,
    so this overstates what the workers add; it is reported as is, separately.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._interval = interval
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ChildRss:
        try:
            import psutil
        except ImportError:
            return self
        proc = psutil.Process()

        def loop() -> None:
            while not self._stop.wait(self._interval):
                total = 0
                for child in proc.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
                self.peak = max(self.peak, total / 2**20)

        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far.

    Linux: ``VmHWM`` of ``/proc/self/status`` (``ru_maxrss`` is inherited from the parent
    across fork and exec, so it would report the launcher's peak); elsewhere ``ru_maxrss``.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def summary(rates: list[float]) -> dict[str, float]:
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def measure(spec: RunSpec) -> dict[str, Any]:
    """Build, warm up and time ``spec`` in this process."""
    from augwise.bench.peers import Skip, build

    out: dict[str, Any] = {"status": "ok"}
    with ChildRss() as children:
        t0 = time.perf_counter()
        try:
            job = build(spec)
        except Skip as exc:
            return {"status": "skipped", "reason": str(exc)}
        out["setup_s"] = time.perf_counter() - t0
        try:
            t0 = time.perf_counter()
            out["warmup_images"] = job.run_pass(0, int(spec.extra.get("warmup", spec.images)))
            out["warmup_s"] = time.perf_counter() - t0
            rates, counts = [], []
            first = int(spec.extra.get("first_epoch", 1))
            for r in range(spec.repeats):
                t0 = time.perf_counter()
                n = job.run_pass(first + r, spec.images)
                dt = time.perf_counter() - t0
                rates.append(n / dt)
                counts.append(n)
            out["images_per_pass"] = counts[0] if counts else 0
            out["rates"] = rates
            out.update(summary(rates) if rates else {})
            out.update(job.info())
        finally:
            job.close()
    out["peak_rss_mib"] = peak_rss_mib()
    out["peak_rss_children_mib"] = children.peak
    return out


def run_isolated(spec: RunSpec, timeout: float) -> dict[str, Any]:
    """:func:`measure` in a fresh Python process (own imports, own peak RSS)."""
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "torch")
    env.setdefault("PYTHONWARNINGS", "ignore")
    env["AUGWISE_KERAS"] = "0"  # augwise iterators need not be PyDatasets here
    cmd = [sys.executable, "-m", "augwise.bench.timing", json.dumps(spec.to_json())]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "reason": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines()[::-1]:
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line[len(RESULT_PREFIX):])
            result["wall_s"] = wall
            return result
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"status": "failed", "reason": " | ".join(tail) or f"exit code {proc.returncode}"}


def main(argv: list[str]) -> int:
    spec = RunSpec.from_json(json.loads(argv[0]))
    result = measure(spec)
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
