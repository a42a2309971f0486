"""The benchmark's inputs: a JPEG class-folder tree cut from real photographs, and arrays.

Nothing is downloaded: the JPEGs are crops of the large wallpapers of Debian's
``ukui-wallpapers`` package (``/usr/share/backgrounds``) or of any folder of large
images given with ``photos=``; Fashion-MNIST comes from ``/usr/share/datasets`` when
present, else from the sample shipped with augwise.  A tree is built once and reused
while its manifest matches.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

PHOTO_DIRS = ("/usr/share/backgrounds",)
PHOTO_EXTS = (".jpg", ".jpeg", ".png")
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
MISSING_PHOTOS = (
    "no source photographs found in {where}: install Debian's wallpapers "
    "(`sudo apt-get install ukui-wallpapers`) or pass a folder of large photos "
    "(at least 1000x750) with --photos"
)


class BenchDataError(RuntimeError):
    """The benchmark's inputs cannot be built."""


@dataclass(frozen=True)
class TreeSpec:
    """What a JPEG tree holds: ``files`` crops of ``width`` x ``height`` in ``classes``."""

    files: int = 2000
    classes: int = 10
    width: int = 500
    height: int = 375
    quality: int = 90
    seed: int = 0
    min_scale: float = 2.0  # crops cover 2x to 6x the output size of their photo
    max_scale: float = 6.0

    @property
    def name(self) -> str:
        return f"jpeg-{self.width}x{self.height}-q{self.quality}-n{self.files}-c{self.classes}"


def default_cache_dir() -> Path:
    """``$AUGWISE_BENCH_DIR``, else ``$XDG_CACHE_HOME/augwise/bench`` (``~/.cache``)."""
    env = os.environ.get("AUGWISE_BENCH_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "augwise" / "bench"


def find_photos(photos: str | os.PathLike[str] | None = None) -> list[Path]:
    """Large source photographs, sorted; raises :class:`BenchDataError` if none."""
    dirs = [Path(photos)] if photos is not None else [Path(d) for d in PHOTO_DIRS]
    found = sorted(
        p for d in dirs if d.is_dir() for p in d.iterdir()
        if p.suffix.lower() in PHOTO_EXTS and p.is_file()
    )
    if not found:
        raise BenchDataError(MISSING_PHOTOS.format(where=", ".join(map(str, dirs))))
    return found


def _load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def _crops(
    src: np.ndarray, count: int, spec: TreeSpec, rng: np.random.Generator
) -> list[np.ndarray]:
    """``count`` random crops of ``src``, each covering ``min_scale`` to ``max_scale``
    times the output size (less for small photos), area-resized, randomly mirrored."""
    h, w = src.shape[:2]
    max_scale = min(spec.max_scale, w / spec.width, h / spec.height)
    if max_scale < 1.0:
        raise BenchDataError(f"source photo of {w}x{h} is smaller than {spec.width}x{spec.height}")
    min_scale = min(spec.min_scale, max_scale)
    out = []
    for _ in range(count):
        s = rng.uniform(min_scale, max_scale)
        cw, ch = round(spec.width * s), round(spec.height * s)
        x0 = int(rng.integers(0, w - cw + 1))
        y0 = int(rng.integers(0, h - ch + 1))
        crop = src[y0 : y0 + ch, x0 : x0 + cw]
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        out.append(cv2.resize(crop, (spec.width, spec.height), interpolation=cv2.INTER_AREA))
    return out


def _manifest_ok(root: Path, manifest: dict[str, object]) -> bool:
    path = root / "manifest.json"
    if not path.is_file():
        return False
    try:
        old = json.loads(path.read_text())
    except ValueError:
        return False
    if old.get("spec") != manifest["spec"] or old.get("sources") != manifest["sources"]:
        return False
    files = old.get("files")
    if not isinstance(files, list) or not all((root / str(f)).is_file() for f in files):
        return False
    _refuse_strays(root, {str(f) for f in files})
    return True


_CLASS_DIR = re.compile(r"class_\d+")
_TREE_FILE = re.compile(r"class_\d+/img_\d+\.jpg")


def _refuse_strays(root: Path, files: set[str] | None = None) -> None:
    """Raise if ``root`` holds what a directory loader would read and the tree did not
    write: a folder that is not a class, or a file in a class folder that is not one of
    ``files`` (not named like the tree's own files, before a build).  Files beside the
    class folders are not read and are left alone."""
    stray = sorted(p.name for p in root.iterdir()
                   if p.is_dir() and not _CLASS_DIR.fullmatch(p.name))
    inside = {f"{p.parent.name}/{p.name}" for p in root.glob("class_*/*")}
    stray += sorted(inside - files if files is not None
                    else {f for f in inside if not _TREE_FILE.fullmatch(f)})
    if stray:  # a loader would read them as more classes or images: figures would not compare
        raise ValueError(f"the benchmark tree {root} holds entries it did not write: "
                         f"{', '.join(stray[:5])}; move them out (or delete the tree to "
                         "rebuild it)")


def build_jpeg_tree(
    cache_dir: str | os.PathLike[str] | None = None,
    spec: TreeSpec | None = None,
    photos: str | os.PathLike[str] | None = None,
) -> Path:
    """Build (or reuse) the JPEG class-folder tree; returns its root folder."""
    spec = spec or TreeSpec()
    base = Path(cache_dir or default_cache_dir())
    if (base / "manifest.json").is_file():
        raise ValueError(f"{base} is a benchmark tree itself (it holds manifest.json): "
                         f"pass the folder that holds the trees, {base.parent}")
    sources = find_photos(photos)
    root = base / spec.name
    manifest: dict[str, object] = {
        "spec": asdict(spec),
        "sources": [f"{p.name}:{p.stat().st_size}" for p in sources],
    }
    if _manifest_ok(root, manifest):
        return root
    if root.is_dir():
        _refuse_strays(root)
    rng = np.random.default_rng(spec.seed)
    per_source = np.bincount(np.arange(spec.files) % len(sources), minlength=len(sources))
    files: list[str] = []
    k = 0
    for src_path, count in zip(sources, per_source, strict=True):
        src = _load_rgb(src_path)
        for crop in _crops(src, int(count), spec, rng):
            rel = f"class_{k % spec.classes:02d}/img_{k:05d}.jpg"
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(crop).save(root / rel, quality=spec.quality)
            files.append(rel)
            k += 1
        del src
    manifest["files"] = files
    (root / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return root


def tree_stats(root: Path) -> dict[str, float]:
    """File count and mean size (KiB) of the JPEGs under ``root``."""
    sizes = [p.stat().st_size for p in root.glob("*/*.jpg")]
    return {"files": len(sizes), "mean_kib": float(np.mean(sizes)) / 1024 if sizes else 0.0}


def fashion_mnist(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` Fashion-MNIST training images ``(n, 28, 28, 1)`` uint8 and labels."""
    images = Path(FASHION_DIR) / "train-images-idx3-ubyte.gz"
    labels = Path(FASHION_DIR) / "train-labels-idx1-ubyte.gz"
    if images.is_file() and labels.is_file():
        from augwise.io.datasets import read_idx

        x, y = read_idx(images), read_idx(labels)
    else:
        from augwise.io.demo import load_fashion_mnist

        demo = load_fashion_mnist()
        x, y = demo.x_train[:, :, :, 0], demo.y_train
    reps = -(-n // len(x))
    x = np.concatenate([x] * reps)[:n]
    y = np.concatenate([y] * reps)[:n]
    return np.ascontiguousarray(x[:, :, :, None]), y.astype(np.int64)


def photo_arrays(root: Path, n: int, size: int = 224) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images of the JPEG tree resized to ``size`` x ``size`` (uint8) and labels."""
    files = sorted(root.glob("*/*.jpg"))
    if not files:
        raise BenchDataError(f"no JPEG files under {root}")
    out = np.empty((n, size, size, 3), np.uint8)
    labels = np.empty(n, np.int64)
    for i in range(n):
        path = files[i % len(files)]
        img = _load_rgb(path)
        out[i] = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
        labels[i] = int(path.parent.name.split("_")[-1])
    return out, labels
