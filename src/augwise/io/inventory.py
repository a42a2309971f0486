"""Everything in a class-folder tree, including what a loader would skip or mistake.

:func:`list_directory` gives what augwise loads; :func:`take_inventory` also finds what
it (or Keras) would not: hidden folders (Keras counts ``.ipynb_checkpoints`` as a class),
hidden image files, files whose extension is not read (a ``.webp`` image is silently
ignored), non-image files, loose files at the root and empty class folders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from augwise.core.files import UnreadableFile, read_head
from augwise.io.sources import IMAGE_FORMATS

# magic bytes of image formats, to tell an ignored image from an ignored non-image
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"WEBP", 8, "WEBP"),
    (b"ftypheic", 4, "HEIC"),
    (b"ftypheix", 4, "HEIC"),
    (b"ftypmif1", 4, "HEIF"),
    (b"ftypavif", 4, "AVIF"),
    (b"\x00\x00\x00\x0cjP  ", 0, "JPEG2000"),
)


def sniff_format(path: str) -> str | None:
    """The image format named by a file's first bytes, or None."""
    try:
        head = read_head(path, 16)
    except UnreadableFile:
        return None
    for magic, offset, name in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return name
    if len(head) >= 2 and head[0:1] == b"P" and head[1:2] in b"123456":
        return "PPM"
    return None


@dataclass(frozen=True)
class Inventory:
    """A class-folder tree as found on disk (paths relative to ``root``)."""

    root: str
    classes: list[str]  # non-hidden class folders, sorted as Keras sorts them
    class_counts: dict[str, int]  # readable-extension files per class folder
    hidden_dirs: dict[str, int] = field(default_factory=dict)  # root-level, with image counts
    hidden_files: list[str] = field(default_factory=list)  # hidden files with image extensions
    ignored_images: dict[str, str] = field(default_factory=dict)  # path -> format
    other_files: list[str] = field(default_factory=list)  # non-image files in class folders
    loose_files: list[str] = field(default_factory=list)  # files directly under the root


def _count_images(folder: str) -> int:
    n = 0
    for _, _, files in os.walk(folder):
        n += sum(1 for f in files if f.lower().endswith(IMAGE_FORMATS))
    return n


def take_inventory(root: str, follow_links: bool = False) -> Inventory:
    """Walk ``root`` once and classify every entry."""
    if not os.path.isdir(root):
        raise ValueError(f"directory {root!r} does not exist or is not a folder")
    classes: list[str] = []
    hidden_dirs: dict[str, int] = {}
    loose: list[str] = []
    for name in sorted(os.listdir(root)):
        full = os.path.join(root, name)
        if os.path.isdir(full):
            if name.startswith("."):
                hidden_dirs[name] = _count_images(full)
            else:
                classes.append(name)
        else:
            loose.append(name)
    counts: dict[str, int] = {}
    hidden_files: list[str] = []
    ignored: dict[str, str] = {}
    other: list[str] = []
    for cls in classes:
        base = os.path.join(root, cls)
        n = 0
        for folder, _, files in sorted(os.walk(base, followlinks=follow_links)):
            inner = os.path.relpath(folder, base).split(os.sep)
            hidden_folder = any(p.startswith(".") for p in inner if p != ".")
            rel_folder = os.path.relpath(folder, root)
            for fname in sorted(files):
                rel = os.path.join(rel_folder, fname)
                readable_ext = fname.lower().endswith(IMAGE_FORMATS)
                if hidden_folder or fname.startswith("."):
                    if readable_ext:
                        hidden_files.append(rel)
                    continue
                if readable_ext:
                    n += 1
                    continue
                fmt = sniff_format(os.path.join(folder, fname))
                if fmt is not None:
                    ignored[rel] = fmt
                else:
                    other.append(rel)
        counts[cls] = n
    return Inventory(
        root=root,
        classes=classes,
        class_counts=counts,
        hidden_dirs=hidden_dirs,
        hidden_files=hidden_files,
        ignored_images=ignored,
        other_files=other,
        loose_files=loose,
    )
