"""A class-folder tree of bad and odd files, for the reliability tests.

>>> corpus = make_corpus(tmp_path / "corpus")        # doctest: +SKIP
>>> sorted(corpus.good)[:2]                          # doctest: +SKIP
['good/<script>.png', 'good/animated.gif']

Every entry is written by :func:`make_corpus` and described in :class:`Corpus`:

* ``good``: files augwise loads in default mode, with their decoded ``(height, width)``
  (EXIF orientation applied);
* ``bad``: files with an image extension that cannot be decoded (each must raise
  :class:`augwise.ImageDecodeError` naming it, or be skipped and reported);
* ``ignored``: entries that are not samples (unknown extension, hidden, dangling link,
  symlink loop), each of which must appear in the iterator's ignored-files report.

Keras' own listing (``keras_compat=True``) differs: see :meth:`Corpus.keras_listed`.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = ("allbad", "bad", "empty", "good", "links")


@dataclass
class Corpus:
    """What :func:`make_corpus` wrote (paths relative to ``root``, ``/``-separated)."""

    root: Path
    good: dict[str, tuple[int, int]] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)  # path -> what it is
    keras_extra: list[str] = field(default_factory=list)  # ignored by default, Keras lists

    @property
    def classes(self) -> tuple[str, ...]:
        return CLASSES

    def listed(self) -> set[str]:
        """Files ``flow_from_directory`` lists in default mode."""
        return set(self.good) | set(self.bad)

    def keras_listed(self) -> set[str]:
        """Files Keras lists (``follow_links=False``): no GIF/WebP, hidden entries and broken
        links included."""
        keras_formats = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff")
        names = self.listed() | set(self.keras_extra)
        return {n for n in names if n.lower().endswith(keras_formats)}

    def on_disk(self) -> set[str]:
        """Every file and symlink under the class folders and the root, not following links
        (hidden folders are one entry each)."""
        found: set[str] = set()
        for folder, dirs, files in os.walk(self.root):
            rel = os.path.relpath(folder, self.root)
            for d in list(dirs):
                path = os.path.normpath(os.path.join(rel, d))
                if d.startswith(".") or os.path.islink(os.path.join(folder, d)):
                    found.add(path)
                    dirs.remove(d)
            found.update(os.path.normpath(os.path.join(rel, f)) for f in files)
        return found


def _photo(h: int, w: int, seed: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(seed)
    base = np.stack([xx * 255 // max(w - 1, 1), yy * 255 // max(h - 1, 1), (xx + yy) % 256], -1)
    return np.clip(base + rng.integers(0, 8, base.shape), 0, 255).astype(np.uint8)


def _png_bomb(width: int, height: int) -> bytes:
    """A valid PNG header declaring ``width x height`` with a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def make_corpus(root: Path) -> Corpus:
    """Write the corpus under ``root`` (created) and describe it."""
    c = Corpus(root=root)
    for name in CLASSES:
        (root / name).mkdir(parents=True)
    good = root / "good"

    def keep(rel: str, hw: tuple[int, int]) -> None:
        c.good[rel] = hw

    rgb = _photo(24, 36)
    Image.fromarray(rgb).save(good / "plain.jpg", quality=90)
    keep("good/plain.jpg", (24, 36))
    Image.fromarray(rgb).save(good / "plain.png")
    keep("good/plain.png", (24, 36))
    Image.fromarray(rgb).convert("CMYK").save(good / "cmyk.jpg", quality=90)
    keep("good/cmyk.jpg", (24, 36))
    deep = (np.arange(20 * 30, dtype=np.uint32).reshape(20, 30) * 100).astype(np.uint16)
    Image.fromarray(deep).save(good / "gray16.png")
    keep("good/gray16.png", (20, 30))
    pal = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    pal.save(good / "palette.png", transparency=0)
    keep("good/palette.png", (24, 36))
    rotated = Image.fromarray(_photo(20, 40, 1))
    exif = rotated.getexif()
    exif[0x0112] = 6  # displayed rotated by 90 degrees: 40 high, 20 wide
    rotated.save(good / "exif_rotated.jpg", exif=exif.tobytes(), quality=90)
    keep("good/exif_rotated.jpg", (40, 20))
    frames = [Image.fromarray(_photo(16, 24, s)).convert("P") for s in range(3)]
    frames[0].save(good / "animated.gif", save_all=True, append_images=frames[1:], duration=50)
    keep("good/animated.gif", (16, 24))
    Image.fromarray(rgb).save(good / "image.webp", quality=80)
    keep("good/image.webp", (24, 36))
    Image.fromarray(rgb).save(good / "image.tiff")
    keep("good/image.tiff", (24, 36))
    Image.fromarray(rgb).save(good / "image.bmp")
    keep("good/image.bmp", (24, 36))
    Image.fromarray(rgb[:1, :1]).save(good / "one_pixel.png")
    keep("good/one_pixel.png", (1, 1))
    Image.fromarray(_photo(1, 500)).save(good / "sliver_wide.png")
    keep("good/sliver_wide.png", (1, 500))
    Image.fromarray(_photo(500, 1)).save(good / "sliver_tall.png")
    keep("good/sliver_tall.png", (500, 1))
    Image.fromarray(rgb).save(good / "<script>.png")
    keep("good/<script>.png", (24, 36))
    Image.fromarray(rgb).save(good / '<img src=x onerror="alert(1)">.png')
    keep('good/<img src=x onerror="alert(1)">.png', (24, 36))
    Image.fromarray(rgb).save(good / "café ☕.jpg", quality=90)
    keep("good/café ☕.jpg", (24, 36))
    Image.fromarray(rgb).save(good / "png_bytes.jpg", format="PNG")  # misnamed, but readable
    keep("good/png_bytes.jpg", (24, 36))
    (good / "nested").mkdir()
    Image.fromarray(rgb).save(good / "nested" / "inner.png")
    keep("good/nested/inner.png", (24, 36))

    bad = root / "bad"
    jpeg = (good / "plain.jpg").read_bytes()
    png = (good / "plain.png").read_bytes()
    (bad / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    (bad / "truncated.png").write_bytes(png[: len(png) // 2])
    (bad / "zero_bytes.png").write_bytes(b"")
    (bad / "text.png").write_text("this is not an image\n")
    (bad / "bomb.png").write_bytes(_png_bomb(100_000, 100_000))  # Pillow refuses it
    (bad / "bomb_mid.png").write_bytes(_png_bomb(12_000, 12_000))  # Pillow only warns
    c.bad += [f"bad/{n}" for n in ("bomb.png", "bomb_mid.png", "text.png", "truncated.jpg",
                                   "truncated.png", "zero_bytes.png")]

    allbad = root / "allbad"
    (allbad / "broken.jpg").write_bytes(jpeg[:100])
    (allbad / "empty.png").write_bytes(b"")
    c.bad += ["allbad/broken.jpg", "allbad/empty.png"]

    links = root / "links"
    Image.fromarray(rgb).save(links / "real.png")
    keep("links/real.png", (24, 36))
    os.symlink(".", links / "loop")  # a folder that contains itself
    c.ignored["links/loop"] = "symlink loop"
    os.symlink("missing.png", links / "dangling.png")
    c.ignored["links/dangling.png"] = "dangling link"
    c.keras_extra.append("links/dangling.png")
    (links / "notes.txt").write_text("labelling notes\n")
    c.ignored["links/notes.txt"] = "unknown extension"
    Image.fromarray(rgb).save(links / ".hidden.png")
    c.ignored["links/.hidden.png"] = "hidden file"
    c.keras_extra.append("links/.hidden.png")
    (links / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    c.ignored["links/.DS_Store"] = "hidden file"
    (links / ".cache").mkdir()
    Image.fromarray(rgb).save(links / ".cache" / "thumb.png")
    c.ignored["links/.cache"] = "hidden folder"
    c.keras_extra.append("links/.cache/thumb.png")

    checkpoints = root / ".ipynb_checkpoints"
    checkpoints.mkdir()
    Image.fromarray(rgb).save(checkpoints / "x-checkpoint.png")
    c.ignored[".ipynb_checkpoints"] = "hidden folder"
    c.keras_extra.append(".ipynb_checkpoints/x-checkpoint.png")
    (root / "README.txt").write_text("a file outside the class folders\n")
    c.ignored["README.txt"] = "outside the class folders"
    return c
