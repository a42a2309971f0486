"""One worker claims the final comparison through the storage; the others wait."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from augwise.tune.storage import Claim, open_storage


def test_one_worker_claims_and_the_other_gets_its_result(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    owner, other = Claim(open_storage(url), "job", "a"), Claim(open_storage(url), "job", "b")
    assert owner.acquire() and not other.acquire()
    waited: list[str] = []
    got: list[dict | None] = []
    thread = threading.Thread(target=lambda: got.append(other.wait(waited.append)))
    thread.start()
    time.sleep(0.5)
    owner.finish({"recommended": "no augmentation"})
    thread.join(timeout=30)
    assert got == [{"recommended": "no augmentation"}] and waited[:1] == ["a"]
    # a later worker finds the finished result without waiting
    assert Claim(open_storage(url), "job", "c").wait() == {"recommended": "no augmentation"}


@pytest.mark.slow
def test_a_failed_owner_releases_and_a_dead_one_is_taken_over(tmp_path: Path) -> None:
    storage = open_storage(f"sqlite:///{tmp_path / 's.db'}")
    first = Claim(storage, "job", "a")
    assert first.acquire()
    first.release()
    second = Claim(storage, "job", "b", stale_seconds=0.5)
    assert second.acquire()
    second._stop_beating()  # as if its process was killed: the heartbeat stops
    third = Claim(storage, "job", "c", stale_seconds=0.5)
    start = time.monotonic()
    assert third.wait() is None  # took the claim over
    assert time.monotonic() - start < 10
    third.finish({"ok": True})
    assert second.result() == {"ok": True}
    with pytest.raises(ValueError, match="not acquired"):
        Claim(storage, "other", "d").finish({})
