"""Ctrl-C held back while worker processes start (the scan's process pool and Dask).

A process started meanwhile inherits the blocked signal mask, and so does a thread (such
as Dask's event loop thread, which starts the ``LocalCluster`` workers): the workers then
ignore the terminal's Ctrl-C, and the parent stops them.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

STOP_SIGNALS = ("SIGINT", "SIGTERM")  # held back while a worker starts


@contextlib.contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold Ctrl-C (and SIGTERM) back while the pool may start a worker.

    A ``KeyboardInterrupt`` inside ``submit`` could leave a half-started worker behind;
    here a signal that arrives meanwhile is re-raised on the way out.  The signal mask
    also passes to the worker (or the fork server), which then ignores Ctrl-C before
    its initializer runs."""
    defer = threading.current_thread() is threading.main_thread()
    caught: list[int] = []
    previous: dict[int, Any] = {}
    if defer:
        for name in STOP_SIGNALS:
            signum = getattr(signal, name)
            handler = signal.getsignal(signum)
            if callable(handler) or handler == signal.SIG_DFL:
                previous[signum] = signal.signal(signum, lambda num, _frame: caught.append(num))
    masked = hasattr(signal, "pthread_sigmask")  # not on Windows
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked else set()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)
