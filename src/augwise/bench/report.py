"""Ratios, target checks and the outputs: ``bench.json``, ``bench.md``, ``bench.png``."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Any

from augwise.bench.keras_layer import keras_layer_markdown
from augwise.bench.workloads import WORKLOADS

KERAS_DEFAULT = "keras (default)"
FLAT_MIB = 16.0  # P4: RSS may not grow more than this after the first tenth of the epoch


def _ok(r: dict[str, Any]) -> bool:
    return r.get("status") == "ok" and "median" in r


def _effective_workers(r: dict[str, Any]) -> int | None:
    w = r.get("workers")
    return int(w) if w is not None else None


def _find(results: list[dict[str, Any]], workload: str, peer: str,
          label: str | None = None, workers: int | None = None) -> dict[str, Any] | None:
    for r in results:
        if r["workload"] != workload or r["peer"] != peer or not _ok(r):
            continue
        if label is not None and r["label"] != label:
            continue
        if workers is not None and _effective_workers(r) != workers:
            continue
        return r
    return None


def ratio(r: dict[str, Any], ref: dict[str, Any]) -> float:
    """Median over rounds of the per-round ratio (rounds run back to back, so load on a
    shared machine hits both alike); the ratio of medians without round data."""
    pairs = [(a, b) for a, b in zip(r.get("round_rates", []), ref.get("round_rates", []),
                                    strict=False) if a and b]
    if r["workload"] == ref["workload"] and pairs:
        return float(statistics.median(a / b for a, b in pairs))
    return float(r["median"] / ref["median"])


def add_ratios(results: list[dict[str, Any]]) -> None:
    """``ratio_keras`` (to Keras' default on the same job), ``ratio_decode`` (to the decode
    + resize loop at the same worker count) and ``ratio_albumentations`` (same workers)."""
    for r in results:
        if not _ok(r):
            continue
        job = "dir224" if r["workload"] == "dir224_cached" else r["workload"]
        keras = _find(results, job, "keras", KERAS_DEFAULT)
        if keras is not None:
            r["ratio_keras"] = ratio(r, keras)
        workers = _effective_workers(r)
        decode = _find(results, job, "decode", workers=workers) if workers else None
        if decode is not None:
            r["ratio_decode"] = ratio(r, decode)
        albu = _find(results, job, "albumentations", workers=workers) if workers else None
        if albu is not None and r["peer"] == "augwise":
            r["ratio_albumentations"] = ratio(r, albu)


def _target(tid: str, what: str, value: float | None, threshold: float,
            unit: str = "x", higher: bool = True, note: str = "") -> dict[str, Any]:
    met = None if value is None else (value >= threshold if higher else value <= threshold)
    return {"id": tid, "what": what, "value": value, "threshold": threshold, "unit": unit,
            "met": met, "note": note}


def rss_growth(samples: list[list[float]]) -> float | None:
    """MiB the RSS grew after the first tenth of the epoch (None without samples)."""
    if len(samples) < 3:
        return None
    total = samples[-1][0]
    early = [rss for n, rss in samples if n <= total / 10] or [samples[0][1]]
    late = [rss for n, rss in samples if n > total / 10]
    return max(late) - max(early) if late else 0.0


def cached_vs_first_epoch(results: list[dict[str, Any]]) -> float | None:
    """Median images/s of the cached epochs over augwise's uncached first epoch."""
    first = _find(results, "dir224", "augwise", "augwise (default workers)")
    cached = _find(results, "dir224_cached", "augwise")
    if first is None or cached is None or not first.get("median"):
        return None
    return float(cached["median"]) / float(first["median"])


def cache_bytes_per_image(results: list[dict[str, Any]]) -> float | None:
    """Bytes the memory cache holds per cached image (from the cached run's stats)."""
    cached = _find(results, "dir224_cached", "augwise")
    info = cached.get("cache") if cached else None
    if not info or not info.get("entries"):
        return None
    return float(info["bytes"]) / float(info["entries"])


def quality_targets(quality: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fidelity: augwise's PSNR at least Keras' for each mode and interpolation."""
    out = []
    for row in quality:
        if row["runner"] != "augwise":
            continue
        keras = next((k for k in quality if k["runner"] == "keras" and
                      (k["mode"], k["interpolation"]) == (row["mode"], row["interpolation"])),
                     None)
        diff = None if keras is None else row["psnr"] - keras["psnr"]
        out.append(_target("Q", f"PSNR {row['mode']}, interpolation={row['interpolation']}: "
                                "augwise - Keras", diff, 0.0, unit="dB"))
    return out


def evaluate_targets(results: list[dict[str, Any]],
                     quality: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The issue's targets, each from ratios measured in this run (None: not measured)."""
    default = "augwise (default workers)"
    p1 = _find(results, "dir224", "augwise", default)
    cached = _find(results, "dir224_cached", "augwise")
    p2 = _find(results, "arr224", "augwise", default)
    p3 = _find(results, "arr28", "augwise", default)
    rss = _find(results, "rss100k", "augwise", default)
    fit = _find(results, "fit_dir", "augwise")

    def get(r: dict[str, Any] | None, key: str) -> float | None:
        return None if r is None else r.get(key)

    growth = rss_growth(rss.get("rss_samples", [])) if rss else None
    dataset_mib = WORKLOADS["fit_dir"].full_images * 224 * 224 * 3 * 4 / 2**20
    return [
        _target("P1", "directory, first epoch, vs decode+resize loop (same workers)",
                get(p1, "ratio_decode"), 0.85),
        _target("P1", "directory, first epoch, vs Keras default", get(p1, "ratio_keras"), 13),
        _target("P1", "directory, first epoch, vs albumentations DataLoader (same workers)",
                get(p1, "ratio_albumentations"), 1.5),
        _target("P1b", "directory, epochs >= 2 with cache='memory', vs Keras default",
                get(cached, "ratio_keras"), 30),
        _target("P1b", "directory, epochs >= 2 with cache='memory', vs the uncached first "
                "epoch", cached_vs_first_epoch(results), 2),
        _target("P2", "flow() 224x224x3 float32 arrays vs Keras default",
                get(p2, "ratio_keras"), 25),
        _target("P3", "flow() 28x28x1 arrays vs Keras default", get(p3, "ratio_keras"), 10),
        _target("P4", "RSS growth over a 100k-sample epoch after its first tenth", growth,
                FLAT_MIB, unit="MiB", higher=False,
                note=f"{rss['images_per_pass']} samples" if rss else ""),
        _target("P4", "fit() on the directory: peak RSS of the whole process",
                get(fit, "peak_rss_mib"), dataset_mib, unit="MiB", higher=False,
                note=f"bound: the float32 dataset Keras' fit() holds ({dataset_mib:.0f} MiB)"),
        *quality_targets(quality or []),
    ]


# -- outputs -------------------------------------------------------------------------------


def _fmt_rate(r: dict[str, Any]) -> str:
    if not _ok(r):
        return "-"
    return f"{r['median']:,.0f} [{r['min']:,.0f}-{r['max']:,.0f}]"


def _fmt_ratio(r: dict[str, Any], key: str) -> str:
    v = r.get(key)
    return "-" if v is None else f"{v:.2f}x"


def _fmt_rss(r: dict[str, Any]) -> str:
    if "peak_rss_mib" not in r:
        return "-"
    kids = r.get("peak_rss_children_mib") or 0.0
    return f"{r['peak_rss_mib']:,.0f}" + (f" (+{kids:,.0f} workers)" if kids > 1 else "")


def _status(r: dict[str, Any]) -> str:
    if r.get("status") == "ok":
        return "ok"
    return f"{r.get('status')}: {r.get('reason', '')}"


COLUMNS = ("workload", "runner", "images/s median [min-max]", "x Keras", "x decode-only",
           "x albumentations", "peak RSS MiB", "status")


def rows(doc: dict[str, Any]) -> list[list[str]]:
    return [
        [r["workload"], r["label"], _fmt_rate(r), _fmt_ratio(r, "ratio_keras"),
         _fmt_ratio(r, "ratio_decode"), _fmt_ratio(r, "ratio_albumentations"), _fmt_rss(r),
         _status(r)]
        for r in doc["results"]
    ]


def target_rows(doc: dict[str, Any]) -> list[list[str]]:
    out = []
    for t in doc["targets"]:
        v = t["value"]
        unit = t["unit"]
        fmt = {"x": "{:.2f}x", "dB": "{:+.2f} dB"}.get(unit, "{:,.1f} MiB")
        value = "-" if v is None else fmt.format(v)
        cmp = "<=" if unit == "MiB" else ">="
        thr = {"x": f"{t['threshold']:g}x", "dB": f"{t['threshold']:g} dB"}.get(
            unit, f"{t['threshold']:,.0f} MiB")
        met = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        out.append([t["id"], t["what"], value, f"{cmp} {thr}", met])
    return out


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    lines = [
        f"`{doc['command'] or 'augwise bench'}` on {m['cpu']} ({m['usable_cores']} cores), "
        f"{doc['started']}; opencv {m['opencv']}, numpy {m['numpy']}, keras {m['keras']}, "
        f"albumentations {m['albumentations']}; {doc['repeats']} rounds (each runner in a "
        "fresh process, warm-up then one timed pass, runners interleaved); ratios are "
        "medians of per-round ratios.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows(doc)]
    per_image = cache_bytes_per_image(doc["results"])
    if per_image is not None:
        lines += ["", f"cache='memory' holds {per_image / 1024:,.0f} KiB per cached image "
                  "(the reduced image the warp needs, not the decoded file)."]
    if doc.get("quality"):
        lines += ["", quality_markdown(doc["quality"])]
    if doc.get("keras_layer"):
        lines += ["", keras_layer_markdown(doc["keras_layer"])]
    lines += ["", "| target | what | measured | wanted | |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in target_rows(doc)]
    return "\n".join(lines) + "\n"


def quality_markdown(quality: list[dict[str, Any]]) -> str:
    """Fidelity table: PSNR (dB) / SSIM per runner, mode and interpolation."""
    modes = sorted({q["mode"] for q in quality}, key=("identity", "augmented").index)
    runners = sorted({q["runner"] for q in quality})
    interps = list(dict.fromkeys(q["interpolation"] for q in quality))
    head = ["interpolation"] + [f"{r} {m}" for m in modes for r in runners]
    lines = [
        f"Fidelity against an anti-aliased reference, PSNR dB / SSIM "
        f"({quality[0]['images']} images; see `augwise.bench.quality`):",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for interp in interps:
        cells = [interp]
        for m in modes:
            for r in runners:
                q = next((q for q in quality if (q["runner"], q["mode"], q["interpolation"])
                          == (r, m, interp)), None)
                if q is None:
                    cells.append("-")
                    continue
                ssim = "" if q["ssim"] is None else f" / {q['ssim']:.4f}"
                cells.append(f"{q['psnr']:.2f}{ssim}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(doc: dict[str, Any], path: Path) -> None:
    """One horizontal bar panel per workload (images/s, min-max whiskers)."""
    from matplotlib.figure import Figure

    timed = [w for w in WORKLOADS if w not in ("rss100k", "fit_dir")]
    groups = [(w, [r for r in doc["results"] if r["workload"] == w]) for w in timed]
    groups = [(w, rs) for w, rs in groups if rs]
    height = sum(len(rs) for _, rs in groups) * 0.45 + 1.2 * max(len(groups), 1)
    fig = Figure(figsize=(10, max(height, 3)))
    axes = fig.subplots(max(len(groups), 1), 1, squeeze=False)
    for ax, (w, rs) in zip(axes[:, 0], groups, strict=False):
        labels = [r["label"] for r in rs]
        values = [r["median"] if _ok(r) else 0.0 for r in rs]
        lo = [r["median"] - r["min"] if _ok(r) else 0.0 for r in rs]
        hi = [r["max"] - r["median"] if _ok(r) else 0.0 for r in rs]
        colours = ["#2b6cb0" if r["peer"] == "augwise" else "#a0aec0" for r in rs]
        y = range(len(rs))
        ax.barh(y, values, xerr=[lo, hi], color=colours, capsize=3)
        ax.set_yticks(list(y), labels)
        ax.invert_yaxis()
        ax.set_title(f"{w}: {WORKLOADS[w].title}", loc="left", fontsize=10)
        ax.set_xlabel("images/s")
        top = max(values) if any(values) else 1.0
        for k, r in enumerate(rs):
            text = (f"{r['median']:,.0f}" + (f"  ({r['ratio_keras']:.1f}x Keras)"
                                           if "ratio_keras" in r else "")) if _ok(r) else \
                _status(r)[:60]
            ax.text(values[k] + top * 0.01, k, text, va="center", fontsize=8)
        ax.set_xlim(0, top * 1.45 if math.isfinite(top) else 1)
    fig.suptitle(f"augwise bench ({doc['machine']['usable_cores']} cores, batch "
                 f"{doc['batch_size']}{', quick' if doc['quick'] else ''})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_outputs(doc: dict[str, Any], out: Path) -> dict[str, Path]:
    """``bench.json``, ``bench.md`` and ``bench.png`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "bench.json", "md": out / "bench.md", "png": out / "bench.png"}
    paths["json"].write_text(json.dumps(doc, indent=1, default=str) + "\n")
    paths["md"].write_text(markdown(doc))
    chart(doc, paths["png"])
    doc["outputs"] = {k: str(v) for k, v in paths.items()}
    return paths
