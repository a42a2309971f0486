"""Optuna storages for the search: URLs checked up front, tables created race-free.

``sqlite:///PATH`` (the default, ``OUT/study.db``), any SQLAlchemy URL Optuna's RDB
storage takes (``postgresql+psycopg2://user@host:port/db`` to share a study between
machines) or ``journal:PATH`` (Optuna's journal file).  RDB storages get heartbeats:
a trial whose worker was killed is marked failed after the grace period and its
parameters are queued again.  :class:`Claim` lets one worker of a shared study do a
job (the final retraining) while the others wait for its result.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

HEARTBEAT_SECONDS = 5
# a worker whose heartbeat is this late is taken for dead and its trial run again; 20 s
# was too short on a loaded 2-core machine (a live worker's trial was failed under it)
GRACE_SECONDS = 60
CREATE_ATTEMPTS = 4
JOURNAL = "journal:"


def check_storage_url(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` looks like an RDB URL or ``journal:PATH``."""
    if not isinstance(url, str) or not url:
        raise ValueError(f"storage must be a URL such as sqlite:///study.db, got {url!r}")
    if url.startswith(JOURNAL):
        path = url[len(JOURNAL) :]
        if not path:
            raise ValueError(f"storage={url!r} needs a file path after 'journal:'")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ValueError(f"storage={url!r}: the folder {folder!r} does not exist")
        return
    if "://" not in url:
        raise ValueError(
            f"storage={url!r} is not a URL: use sqlite:///PATH, postgresql://..., or journal:PATH"
        )
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(url).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ValueError(
            f"storage={url!r} names no database SQLAlchemy knows ({exc}): use "
            "sqlite:///PATH, postgresql://..., or journal:PATH"
        ) from None
    except ImportError as exc:  # a known dialect whose driver is not installed
        raise ValueError(f"storage={url!r}: its database driver is not installed ({exc})"
                         ) from None


def open_storage(url: str) -> optuna.storages.BaseStorage:
    """An Optuna storage for ``url``: an RDB URL (with heartbeats) or ``journal:PATH``."""
    import optuna
    from optuna.exceptions import ExperimentalWarning
    from optuna.storages.journal import JournalFileBackend

    check_storage_url(url)
    if url.startswith(JOURNAL):
        return optuna.storages.JournalStorage(JournalFileBackend(url[len(JOURNAL) :]))
    from sqlalchemy.exc import SQLAlchemyError

    engine: dict[str, Any] = (
        {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {"pool_pre_ping": True}
    )
    for attempt in range(CREATE_ATTEMPTS):
        try:
            with warnings.catch_warnings():
                # heartbeats (failing and re-queueing killed workers' trials) are "experimental"
                warnings.simplefilter("ignore", ExperimentalWarning)
                retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=3)
                return optuna.storages.RDBStorage(
                    url,
                    engine_kwargs=engine,
                    heartbeat_interval=HEARTBEAT_SECONDS,
                    grace_period=GRACE_SECONDS,
                    heartbeat_stale_trial_callback=retry,
                )
        except SQLAlchemyError:
            # workers starting together can race to create the tables: try again
            if attempt == CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


# -- one worker does the final retraining ------------------------------------------------

CLAIM_OWNER = "owner"
CLAIM_BEAT = "heartbeat"
CLAIM_RESULT = "result"
POLL_SECONDS = 2.0


class Claim:
    """A job that one worker of a shared study does and the others wait for.

    The claim is an Optuna study named ``name`` in the same storage: creating a study is
    atomic (a unique name in the database, a locked journal file), so exactly one worker
    creates it and owns the job.  The owner beats a heartbeat while it works and stores
    its result (JSON) in the claim when done; a waiter takes over a claim whose
    heartbeat stopped for ``stale_seconds`` (its owner was killed).

        >>> import optuna
        >>> storage = optuna.storages.InMemoryStorage()
        >>> first, second = Claim(storage, "final", "a"), Claim(storage, "final", "b")
        >>> first.acquire(), second.acquire()
        (True, False)
        >>> first.finish({"ok": 1}); second.wait()
        {'ok': 1}
    """

    def __init__(self, storage: optuna.storages.BaseStorage, name: str, worker: str,
                 stale_seconds: float = GRACE_SECONDS) -> None:
        self.storage = storage
        self.name = name
        self.worker = worker
        self.stale_seconds = stale_seconds
        self._stop: threading.Event | None = None
        self._study_id: int | None = None

    def _attrs(self) -> dict[str, Any] | None:
        """The claim's attributes, or None when there is no claim."""
        try:
            study_id = self.storage.get_study_id_from_name(self.name)
            return dict(self.storage.get_study_user_attrs(study_id))
        except KeyError:
            return None

    def acquire(self) -> bool:
        """Claim the job; False if another worker holds it (or already finished it)."""
        import optuna

        try:
            self._study_id = self.storage.create_new_study(
                [optuna.study.StudyDirection.MAXIMIZE], self.name)
        except optuna.exceptions.DuplicatedStudyError:
            return False
        self.storage.set_study_user_attr(self._study_id, CLAIM_OWNER, self.worker)
        self._beat()
        self._stop = threading.Event()
        threading.Thread(target=self._beat_until_stopped, args=(self._stop,),
                         daemon=True).start()
        return True

    def _beat(self) -> None:
        if self._study_id is not None:
            self.storage.set_study_user_attr(self._study_id, CLAIM_BEAT, time.time())

    def _beat_until_stopped(self, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(Exception):  # a missed beat only risks a takeover
                self._beat()

    def _stop_beating(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self._stop = None

    def finish(self, result: dict[str, Any]) -> None:
        """Store the owner's result for the waiters."""
        self._stop_beating()
        if self._study_id is None:
            raise ValueError(f"claim {self.name!r} was not acquired by this worker")
        self.storage.set_study_user_attr(self._study_id, CLAIM_RESULT, result)

    def release(self) -> None:
        """Give the job up unfinished (the owner failed): another worker may claim it."""
        self._stop_beating()
        if self._study_id is not None:
            with contextlib.suppress(KeyError):
                self.storage.delete_study(self._study_id)
            self._study_id = None

    def result(self) -> dict[str, Any] | None:
        """The finished result, if any."""
        attrs = self._attrs() or {}
        found = attrs.get(CLAIM_RESULT)
        return found if isinstance(found, dict) else None

    def wait(self, on_wait: Callable[[str], None] | None = None) -> dict[str, Any] | None:
        """Wait for the owner's result; None once this worker has taken the claim over
        (there was none, or its owner stopped beating): then this worker does the job."""
        first_seen = time.time()
        while True:
            attrs = self._attrs()
            if attrs is None:
                if self.acquire():
                    return None
                continue
            found = attrs.get(CLAIM_RESULT)
            if isinstance(found, dict):
                return found
            beat = attrs.get(CLAIM_BEAT)
            last = float(beat) if isinstance(beat, (int, float)) else first_seen
            if time.time() - last > self.stale_seconds:
                with contextlib.suppress(KeyError):
                    self.storage.delete_study(self.storage.get_study_id_from_name(self.name))
                continue
            if on_wait is not None:
                on_wait(str(attrs.get(CLAIM_OWNER, "another worker")))
            time.sleep(POLL_SECONDS)
