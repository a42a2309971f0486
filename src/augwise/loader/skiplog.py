"""The record of files skipped with ``on_error='skip'``.

Copies of a log in other processes (PyTorch ``DataLoader`` workers, forked or spawned)
report back once :meth:`SkipLog.share` has been called (``augwise.torch.as_dataset``
does): each new record is appended as one JSON line to the copy's own file in a
temporary folder, and the original merges those lines whenever it is read.  The folder
is removed when the original is garbage-collected or its process exits.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import weakref
from typing import Any

log = logging.getLogger("augwise")


def owned_tempdir(owner: object, prefix: str) -> str:
    """A new temporary folder, removed when ``owner`` is collected or at exit by the
    process that made it (never by a forked child that inherited ``owner``)."""
    path = tempfile.mkdtemp(prefix=prefix)
    weakref.finalize(owner, _remove_owned, path, os.getpid())
    return path


def _remove_owned(path: str, pid: int) -> None:
    if os.getpid() == pid:
        shutil.rmtree(path, ignore_errors=True)


def _report(spool: str, path: str, reason: str) -> None:
    """Append one record to this process's file in ``spool``."""
    try:
        with open(os.path.join(spool, f"{os.getpid()}.jsonl"), "a", encoding="ascii") as fh:
            fh.write(json.dumps([path, reason]) + "\n")
    except OSError as exc:
        log.warning("augwise: could not report skipped image %s to the main process (%s); "
                    "it is missing from iterator.skipped there", path, exc)


class SkipLog:
    """Thread-safe record of files skipped with ``on_error='skip'``: path -> reason."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, str] = {}
        self._owner = os.getpid()
        self._spool: str | None = None
        self._offsets: dict[str, int] = {}

    def share(self) -> None:
        """Let copies of this log in other processes report their records to it."""
        with self._lock:
            if self._spool is None and os.getpid() == self._owner:
                self._spool = owned_tempdir(self, "augwise-skipped-")

    @property
    def files(self) -> dict[str, str]:
        """Every skipped file, including those reported by other processes."""
        self._merge()
        return self._files

    def add(self, path: str, reason: str) -> bool:
        """Record ``path``; True the first time this process sees it."""
        with self._lock:
            if path in self._files:
                return False
            self._files[path] = reason
            if self._spool is not None and os.getpid() != self._owner:
                _report(self._spool, path, reason)
        log.warning("augwise: skipped unreadable image %s: %s", path, reason)
        return True

    def _merge(self) -> None:
        if self._spool is None or os.getpid() != self._owner:
            return
        with self._lock:
            try:
                names = sorted(os.listdir(self._spool))
            except FileNotFoundError:
                return
            for name in names:
                start = self._offsets.get(name, 0)
                try:
                    with open(os.path.join(self._spool, name), "rb") as fh:
                        fh.seek(start)
                        data = fh.read()
                except FileNotFoundError:
                    continue
                end = data.rfind(b"\n") + 1  # a line still being written waits
                self._offsets[name] = start + end
                for line in data[:end].splitlines():
                    path, reason = json.loads(line)
                    self._files.setdefault(path, reason)

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def __len__(self) -> int:
        return len(self.files)

    def __getstate__(self) -> dict[str, Any]:
        return {"files": dict(self.files), "owner": self._owner, "spool": self._spool}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._files = dict(state["files"])
        self._owner = state["owner"]
        self._spool = state["spool"]
        self._offsets = {}
