"""Checks of the commands' output paths, made before the work rather than after it."""

from __future__ import annotations

import os
from pathlib import Path


def check_writable(path: Path, option: str = "--out", *, file: bool = False) -> None:
    """Raise ``ValueError`` naming ``option`` unless ``path`` (a folder, or with ``file``
    a file) can be created or written.  Nothing is created.

    >>> check_writable(Path("report"))  # doctest: +SKIP
    """
    if file and path.is_dir():
        raise ValueError(f"{option} {str(path)!r} is a folder: give a file name")
    folder = path.parent if file else path
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"{option} {str(path)!r}: {str(existing)!r} is a file, not a folder; "
                         f"choose another {option}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ValueError(f"{option} {str(path)!r}: cannot write in {str(existing)!r} "
                         f"(permission denied); choose another {option}")
