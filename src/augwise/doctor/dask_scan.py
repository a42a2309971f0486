"""The doctor's scan on a Dask cluster: the same chunk tasks, another executor.

``scheduler`` is ``"local:N"`` (a ``dask.distributed.LocalCluster`` of N single-threaded
worker processes, started and closed here) or the address of a running scheduler, such as
``"tcp://host:8786"``.  Each chunk of :func:`~augwise.doctor.scan._tasks` becomes one Dask
task running :func:`~augwise.doctor.measure.run_task`; at most ``2 * threads + 2`` are in
flight, and the client merges the returned numbers, hashes and thumbnails as the local scan
does.  The workers must have augwise installed and read the files by the paths the client
lists: the data must sit on a filesystem every worker mounts at the same path (URLs are
refused: augwise reads local paths only).

>>> Scheduler.parse("local:2")
Scheduler(address=None, local_workers=2)
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import re
import signal
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from multiprocessing import resource_tracker
from typing import Any

import cv2

from augwise.doctor.interrupts import stop_signals_held
from augwise.doctor.measure import Chunk, Task, run_task

LOCAL = "local:"
_ADDRESS = re.compile(r"^(tcp|tls|ws|wss|ucx)://[^\s/:]+(:\d{1,5})?/?$")
WORKERS_WAIT_S = 60.0  # a remote scheduler without workers: give up after this long
CLOSE_S = 1.0  # a LocalCluster gets this long to close before its workers are killed
INSTALL = "pip install 'augwise[dask]'"


@dataclass(frozen=True)
class Scheduler:
    """Where the scan runs: a scheduler ``address``, or ``local_workers`` processes here."""

    address: str | None
    local_workers: int = 0

    @classmethod
    def parse(cls, text: str) -> Scheduler:
        """``"local:N"`` or a scheduler address (``tcp://``, ``tls://``, ``ws://``...)."""
        if not isinstance(text, str):
            raise TypeError(f"scheduler must be a string such as 'local:2' or "
                            f"'tcp://host:8786', got {type(text).__name__}")
        value = text.strip()
        if value.startswith(LOCAL):
            count = value[len(LOCAL):]
            if count.isdigit() and int(count) >= 1:
                return cls(None, int(count))
        elif _ADDRESS.match(value):
            return cls(value)
        raise ValueError(f"scheduler {text!r} is neither local:N (N >= 1 worker processes "
                         f"on this machine) nor a Dask scheduler address such as "
                         f"tcp://host:8786")

    def __str__(self) -> str:
        return self.address or f"{LOCAL}{self.local_workers}"


def refuse_url(name: str, value: Any) -> None:
    """Raise if ``value`` (the ``name`` data) is a URL: the engine reads local paths only."""
    text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    # "s3:/bucket": a Path of "s3://bucket" keeps one slash
    if isinstance(text, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:/", text):
        raise ValueError(f"{name} data {text!r} is a URL: augwise reads local paths only; "
                         f"mount it (NFS, s3fs, gcsfuse...) at the same path on this machine "
                         f"and on every Dask worker, and give that path")


def _distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(f"scheduler needs dask.distributed, which cannot be imported "
                          f"({exc}): {INSTALL}", name="distributed") from exc
    return distributed


def _run(task: Task) -> Chunk:
    """:func:`run_task` on a worker: parallelism comes from the Dask workers."""
    cv2.setNumThreads(1)
    return run_task(task)


def _abandon(loop: Any) -> None:
    """Close the clusters on ``loop`` briefly, and not again in distributed's exit hook."""
    from distributed.deploy.spec import SpecCluster

    # the cluster may still be starting, so not assigned yet: find it by its loop
    for cluster in list(getattr(SpecCluster, "_instances", ())):
        if cluster.loop is loop:
            cluster.shutdown_on_close = False
            with contextlib.suppress(Exception):
                cluster.close(timeout=CLOSE_S)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (if not running) with its stderr closed.

    After Ctrl-C stops a starting cluster, the tracker warns, once this process is gone,
    about the semaphores of the killed workers that it then removes: nothing to act on,
    and it would print below the one "interrupted" line."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _kill(pids: list[int]) -> None:
    for pid in pids:  # worker processes only: nothing to save there
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _completed(client: Any, pending: set[Any], keep: int) -> Iterator[Chunk]:
    """Results of finished futures (removed from ``pending``) until ``keep`` are left."""
    from distributed import wait

    while len(pending) > keep:
        with client.as_current():
            done, _ = wait(list(pending), return_when="FIRST_COMPLETED")
        for fut in done:
            pending.discard(fut)
            yield fut.result()


class DaskScan:
    """Runs the scan's chunk tasks on ``scheduler``; ``workers``: its threads once started.

    >>> DaskScan("tcp://10.0.0.5:8786").scheduler.address
    'tcp://10.0.0.5:8786'

    ``chunks(tasks)`` yields None once the workers run, then the measured chunks.
    """

    def __init__(self, scheduler: str | Scheduler) -> None:
        self.scheduler = (scheduler if isinstance(scheduler, Scheduler)
                          else Scheduler.parse(scheduler))
        self.workers = 0

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        distributed = _distributed()
        if self.scheduler.address is not None:
            with distributed.Client(self.scheduler.address, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=WORKERS_WAIT_S)
                yield client
            return
        from distributed.utils import LoopRunner

        # The workers start from the event loop's thread: started with Ctrl-C blocked, it
        # passes the mask on to them, while this thread takes Ctrl-C during their start.
        # Starting the resource tracker unblocks Ctrl-C in its thread: start it here first.
        _start_resource_tracker()
        runner = LoopRunner()
        with stop_signals_held():
            runner.start()
        before = set(multiprocessing.active_children())
        try:
            cluster = distributed.LocalCluster(
                n_workers=self.scheduler.local_workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", loop=runner.loop,
                silence_logs=logging.CRITICAL)  # a chunk's error reaches us as its result
            client = distributed.Client(cluster, set_as_default=False)
            yield client
        except BaseException:  # Ctrl-C (maybe while the cluster starts) or a failed chunk
            # the start, if under way, fails too: not worth a traceback after ours
            runner.loop.asyncio_loop.set_exception_handler(lambda _loop, _context: None)
            _abandon(runner.loop)
            _kill([p.pid for p in set(multiprocessing.active_children()) - before if p.pid])
            raise
        else:
            client.close()
            cluster.close()
        finally:
            runner.stop(timeout=CLOSE_S)

    def chunks(self, tasks: Iterator[Task]) -> Generator[Chunk | None, None, None]:
        """Measured chunks as they complete; a first ``None`` once the workers run."""
        with self._client() as client:
            self.workers = max(1, sum(client.nthreads().values()))
            limit = 2 * self.workers + 2
            yield None
            pending: set[Any] = set()
            try:
                for task in tasks:
                    pending.add(client.submit(_run, task, pure=False))
                    yield from _completed(client, pending, limit - 1)
                yield from _completed(client, pending, 0)
            except BaseException:
                with contextlib.suppress(Exception):
                    client.cancel(list(pending))
                raise
