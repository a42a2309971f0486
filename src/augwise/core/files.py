"""Reading a file the user named, as data: regular files only, of bounded size.

A FIFO would block a plain ``open`` forever, ``/dev/zero`` would fill the memory, and a
directory or socket gives an unrelated ``OSError``; each is refused here with the
reason, before anything is read.
"""

from __future__ import annotations

import os
import stat


class UnreadableFile(ValueError):
    """A file that cannot be read as data: ``reason`` says why (``path`` names it)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class FileTooLarge(UnreadableFile):
    """A file over the bound its reader sets."""


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _not_regular(mode: int) -> str:
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"{kind}, not a regular file"


def read_regular(path: str, max_bytes: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``max_bytes``; None: no bound).

    Raises :class:`UnreadableFile` for a missing or unreadable file, a FIFO, device,
    socket or directory (opened without blocking, so a FIFO is refused, not waited on),
    or a file over ``max_bytes``.

    >>> read_regular("/dev/zero")
    Traceback (most recent call last):
    ...
    augwise.core.files.UnreadableFile: /dev/zero: a character device, not a regular file
    """
    fd, size = _open_regular(path)
    try:
        if max_bytes is not None and size > max_bytes:
            raise FileTooLarge(path, f"{size:,} bytes, over the {max_bytes:,} read as data")
        data = os.read(fd, size + 1)  # one read, where the size holds
        if len(data) == size:
            return data
        parts, got = [data], len(data)  # a short read, or the file changed: read to EOF
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
            got += len(chunk)
            if max_bytes is not None and got > max_bytes:
                raise FileTooLarge(path, f"over the {max_bytes:,} bytes read as data")
        return b"".join(parts)
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from exc
    finally:
        os.close(fd)


def read_head(path: str, n: int) -> bytes:
    """The first ``n`` bytes of the regular file ``path`` (see :func:`read_regular`)."""
    fd, _ = _open_regular(path)
    try:
        return os.read(fd, n)
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from exc
    finally:
        os.close(fd)


def check_regular(path: str) -> None:
    """Raise :class:`UnreadableFile` unless ``path`` is a regular file that can be opened
    (for readers that take a path, such as NumPy's and pandas')."""
    os.close(_open_regular(path)[0])


def _open_regular(path: str) -> tuple[int, int]:
    """A descriptor of the regular file ``path`` opened for reading, and its size."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableFile(path, exc.strerror or str(exc)) from exc
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise UnreadableFile(path, exc.strerror or str(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise UnreadableFile(path, _not_regular(info.st_mode))
    return fd, info.st_size
