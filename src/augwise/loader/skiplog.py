"""The record of files skipped with ``on_error='skip'``."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger("augwise")


class SkipLog:
    """Thread-safe record of files skipped with ``on_error='skip'``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.files: dict[str, str] = {}

    def __getstate__(self) -> dict[str, str]:
        return dict(self.files)

    def __setstate__(self, state: dict[str, str]) -> None:
        self._lock = threading.Lock()
        self.files = dict(state)

    def add(self, path: str, reason: str) -> bool:
        """Record ``path``; True the first time it is seen."""
        with self._lock:
            if path in self.files:
                return False
            self.files[path] = reason
        log.warning("augwise: skipped unreadable image %s: %s", path, reason)
        return True

    def __contains__(self, path: str) -> bool:
        return path in self.files

    def __len__(self) -> int:
        return len(self.files)
