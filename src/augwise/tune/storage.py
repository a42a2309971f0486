"""Optuna storages for the search: URLs checked up front, tables created race-free.

``sqlite:///PATH`` (the default, ``OUT/study.db``), any SQLAlchemy URL Optuna's RDB
storage takes (``postgresql+psycopg2://user@host:port/db`` to share a study between
machines) or ``journal:PATH`` (Optuna's journal file).  RDB storages get heartbeats:
a trial whose worker was killed is marked failed after the grace period and its
parameters are queued again.
"""

from __future__ import annotations

import time
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna

HEARTBEAT_SECONDS = 5
GRACE_SECONDS = 20
CREATE_ATTEMPTS = 4
JOURNAL = "journal:"


def check_storage_url(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` looks like an RDB URL or ``journal:PATH``."""
    if not isinstance(url, str) or not url:
        raise ValueError(f"storage must be a URL such as sqlite:///study.db, got {url!r}")
    if url.startswith(JOURNAL):
        if not url[len(JOURNAL) :]:
            raise ValueError(f"storage={url!r} needs a file path after 'journal:'")
    elif "://" not in url:
        raise ValueError(
            f"storage={url!r} is not a URL: use sqlite:///PATH, postgresql://..., or journal:PATH"
        )


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
