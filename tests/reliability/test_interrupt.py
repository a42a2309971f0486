"""Ctrl-C (and SIGTERM) at several moments of ``augwise doctor`` and ``augwise tune``:
exit 130 (143) within 2 s of the signal, one line, no traceback, and no process of the
command left behind (issue 9, item 12).

The signal goes to the command's whole process group, as a terminal's Ctrl-C and
``timeout -s INT`` send it, so the worker processes receive it too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import psutil
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32",
                                                   reason="POSIX signals")]

IMAGES = 12000  # a scan of several seconds on worker processes, even on a busy machine
EXIT_WITHIN_S = 2.0
STATUS = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}
Moment = Callable[[subprocess.Popen[str]], None]


@pytest.fixture(scope="module")
def big_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few thousand small PNGs in three classes (written in about a second)."""
    root = tmp_path_factory.mktemp("big")
    rng = np.random.default_rng(0)
    tiles = rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
    for c in range(3):
        (root / f"class{c}").mkdir()
    for i in range(IMAGES):
        cv2.imwrite(str(root / f"class{i % 3}" / f"{i}.png"), tiles[i % 64] ^ np.uint8(i % 251))
    return root


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "augwise.cli.main", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def after(seconds: float) -> Moment:
    return lambda proc: time.sleep(seconds)


def once_workers_run(proc: subprocess.Popen[str]) -> None:
    """Wait until the scan's worker processes exist (the fork server and its workers)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if len(psutil.Process(proc.pid).children(recursive=True)) >= 3:
                time.sleep(0.3)
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.05)


def once_trials_run(out: Path) -> Moment:
    def wait(proc: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 60
        while not (out / "study.db").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    return wait


def group_members(pgid: int) -> list[int]:
    out = []
    for p in psutil.process_iter():
        try:
            if os.getpgid(p.pid) == pgid and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return out


def stop(proc: subprocess.Popen[str], moment: Moment, sig: int = signal.SIGINT,
         repeat: int = 0) -> None:
    """Signal ``proc``'s group at ``moment`` (``repeat`` more times right after) and check
    the status, the one line on stderr, the time it took and that nothing is left."""
    try:
        moment(proc)
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the command ended (status {proc.returncode}) before the "
                                 f"signal: make it longer\n{out[-800:]}\n{err[-800:]}")
        children = psutil.Process(proc.pid).children(recursive=True)
        sent = time.monotonic()
        os.killpg(proc.pid, sig)
        for _ in range(repeat):  # Ctrl-C pressed again while the command cleans up
            time.sleep(0.05)
            if proc.poll() is None:
                os.killpg(proc.pid, sig)
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.stdout is not None and not proc.stdout.closed:
            proc.communicate()  # closes the pipes (else a later test warns on them)
    status, word = STATUS[signal.Signals(sig)]
    assert proc.returncode == status, err
    assert took <= EXIT_WITHIN_S, (took, err)
    assert "Traceback" not in err and "Error" not in err, err
    assert ([line for line in err.splitlines() if line.strip()] or [""])[-1] == word, err
    deadline = time.monotonic() + 1.0  # orphaned helpers exit once our pipes close
    while time.monotonic() < deadline and (
        any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
        or group_members(proc.pid)
    ):
        time.sleep(0.05)
    left = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert not left and not group_members(proc.pid), (left, group_members(proc.pid))


@pytest.mark.parametrize("moment", [after(0.3), after(1.5), once_workers_run],
                         ids=["starting", "listing", "scanning"])
def test_ctrl_c_stops_the_doctor(big_dir: Path, tmp_path: Path, moment: Moment) -> None:
    stop(start("doctor", str(big_dir), "--workers", "2", "--out", str(tmp_path / "out")),
         moment)


def test_a_second_ctrl_c_and_sigterm_stop_the_doctor(big_dir: Path, tmp_path: Path) -> None:
    args = ("doctor", str(big_dir), "--workers", "2", "--out", str(tmp_path / "out"))
    stop(start(*args), once_workers_run, repeat=3)
    stop(start(*args), once_workers_run, sig=signal.SIGTERM)


@pytest.mark.parametrize("when", ["starting", "loading", "training"])
def test_ctrl_c_stops_the_tuner(tmp_path: Path, when: str) -> None:
    out = tmp_path / "out"
    moment = {"starting": after(0.5), "loading": after(2.0),
              "training": once_trials_run(out)}[when]
    stop(start("tune", "--demo", "--subset", "300", "--test-size", "100", "--epochs", "6",
               "--trials", "20", "--seeds", "1", "--finalists", "1", "--out", str(out)),
         moment, repeat=1 if when == "training" else 0)
