"""The doctor on the whole Fashion-MNIST, and CleanVision on the same images.

Needs the 70,000 images of Debian's ``dataset-fashion-mnist`` package (``apt-get install
dataset-fashion-mnist``: idx files in /usr/share/datasets/fashion-mnist); nothing is
downloaded.  Writes them once to WORK as ``train.npz``/``test.npz`` and as PNG class
folders, runs ``augwise doctor`` on them (wall time and peak memory of the process),
draws three train/test pairs it found, and with ``--cleanvision PYTHON`` runs CleanVision
(``pip install cleanvision`` in the environment of PYTHON; not an augwise dependency) on
the PNG folders and counts what it reports, train/test overlaps included::

    python examples/fashion_mnist_audit.py --work /tmp/fmnist \\
        --picture docs/results/fashion-mnist-leakage.png --cleanvision /tmp/cv/bin/python
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle_boot"]
CLEANVISION = r"""
import json, sys, time
from cleanvision import Imagelab
t = time.perf_counter()
lab = Imagelab(data_path=sys.argv[1])
lab.find_issues()
seconds = time.perf_counter() - t
summary = {r["issue_type"]: int(r["num_images"]) for _, r in lab.issue_summary.iterrows()}
sets = {k: [list(map(str, s)) for s in lab.info.get(k, {}).get("sets", [])]
        for k in ("exact_duplicates", "near_duplicates")}
json.dump({"seconds": seconds, "summary": summary, "sets": sets}, open(sys.argv[2], "w"))
"""


def _idx(path: Path, offset: int) -> np.ndarray:
    with gzip.open(path) as fh:
        return np.frombuffer(fh.read(), np.uint8, offset=offset)


def prepare(source: Path, work: Path) -> None:
    """``train.npz``, ``test.npz`` and ``png/{train,test}/<class>/<index>.png`` in WORK."""
    if (work / "test.npz").exists():
        return
    work.mkdir(parents=True, exist_ok=True)
    for split, prefix in (("train", "train"), ("test", "t10k")):
        x = _idx(source / f"{prefix}-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28)
        y = _idx(source / f"{prefix}-labels-idx1-ubyte.gz", 8).astype(np.int64)
        for i, (img, label) in enumerate(zip(x, y, strict=True)):
            folder = work / "png" / split / CLASSES[label]
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(img).save(folder / f"{i:05d}.png")
        np.savez(work / f"{split}.npz", **{f"x_{split}": x, f"y_{split}": y})


def run_doctor(work: Path) -> dict[str, object]:
    """``augwise doctor train.npz --test test.npz``: report.json, seconds and peak MB."""
    out = work / "report"
    cmd = [sys.executable, "-m", "augwise.cli.main", "doctor", str(work / "train.npz"),
           "--test", str(work / "test.npz"), "--out", str(out), "--fail-on", "never"]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    doc = json.loads((out / "report.json").read_text())
    return {"seconds": seconds, "peak_mb": peak, "doc": doc, "command": " ".join(cmd[3:])}


def picture(work: Path, doc: dict, path: Path, pairs: int = 3) -> None:
    """The three most similar train/test pairs of ``duplicates.leakage``, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    finding = next(f for f in doc["findings"] if f["id"] == "duplicates.leakage")
    groups = finding["evidence"]["group_list"]
    near = [g for g in groups if not all(g["identical"])]
    chosen = sorted(near, key=lambda g: min(g["similarity"]))[:: max(1, len(near) // pairs)]
    arrays = {s: np.load(work / f"{s}.npz")[f"x_{s}"] for s in ("train", "test")}
    fig, axes = plt.subplots(1, 2 * pairs, figsize=(2.0 * pairs * 2, 2.6))
    for k, g in enumerate(chosen[:pairs]):
        members = [0, next(i for i, s in enumerate(g["splits"]) if s != g["splits"][0])]
        for j, m in enumerate(members):
            name = g["members"][m]
            split, index = name.split("[")
            ax = axes[2 * k + j]
            ax.imshow(arrays[split][int(index[:-1])], cmap="gray", vmin=0, vmax=255)
            raw = g["labels"][m]
            label = f"{name}\n{CLASSES[int(raw)] if raw.isdigit() else raw}"
            ax.set_title(label + (f"\nsimilarity {g['similarity'][m]:.3f}" if m else "\n"),
                         fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def run_cleanvision(work: Path, python: str) -> dict[str, object]:
    out = work / "cleanvision.json"
    t = time.perf_counter()
    subprocess.run([python, "-c", CLEANVISION, str(work / "png"), str(out)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result: dict[str, object] = json.loads(out.read_text())
    result["wall_seconds"] = time.perf_counter() - t
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--picture", type=Path)
    parser.add_argument("--cleanvision", metavar="PYTHON", help="a Python with cleanvision")
    args = parser.parse_args()
    prepare(args.source, args.work)
    doctor = run_doctor(args.work)
    doc = doctor["doc"]
    assert isinstance(doc, dict)
    found = {f["id"]: f for f in doc["findings"]}
    print(f"augwise {doctor['command']}: {doctor['seconds']:.1f} s, peak "
          f"{doctor['peak_mb']:.0f} MB (scan {doc['summary']['scan_seconds']:.1f} s)")
    for key in ("duplicates.leakage", "duplicates.near", "duplicates.exact",
                "duplicates.conflicting_labels", "quality.dark", "quality.blurry"):
        if key in found:
            print(f"  {key}: {found[key]['title']}")
    if args.picture:
        picture(args.work, doc, args.picture)
        print(f"  picture: {args.picture}")
    if args.cleanvision:
        cv = run_cleanvision(args.work, args.cleanvision)
        print(f"CleanVision: {cv['wall_seconds']:.1f} s (find_issues {cv['seconds']:.1f} s), "
              f"peak {cv['peak_mb']:.0f} MB")
        sets = cv["sets"]
        assert isinstance(sets, dict) and isinstance(cv["summary"], dict)
        for issue, n in sorted(cv["summary"].items()):
            print(f"  {issue}: {n} images")
        for kind, groups in sets.items():
            across = sum(1 for s in groups if {"/train/" in p for p in s} == {True, False})
            print(f"  {kind}: {len(groups)} sets, {across} spanning train and test")


if __name__ == "__main__":
    main()
