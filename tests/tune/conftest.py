"""Fixtures for the tuner tests: tiny data sets, a tiny budget, CLI and PostgreSQL helpers."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from augwise.tune.data import LoadOptions, TuneData, arrays_data, load_data
from augwise.tune.proxy import ProxyBudget


@pytest.fixture(scope="session")
def tiny_fashion() -> TuneData:
    """400 Fashion-MNIST sample images (320 train / 80 val) and 200 test images."""
    return load_data("demo", LoadOptions(subset=400, test_size=200, seed=0))


@pytest.fixture
def tiny_budget() -> ProxyBudget:
    return ProxyBudget(epochs=2, batch_size=64, threads=1, workers=1)


def mirror_images(n: int, seed: int, size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: a 'Г' glyph; class 1: its left-right mirror image (jittered, noisy)."""
    rng = np.random.default_rng(seed)
    glyph = np.zeros((size, size), np.float64)
    glyph[3:13, 3:6] = 200.0  # vertical stroke on the left
    glyph[3:6, 3:12] = 200.0  # top stroke to the right
    x = np.empty((n, size, size, 1), np.uint8)
    y = np.arange(n) % 2
    for i in range(n):
        img = glyph[:, ::-1] if y[i] else glyph
        img = np.roll(img, tuple(rng.integers(-1, 2, size=2)), axis=(0, 1))
        x[i, :, :, 0] = np.clip(img + 30 + rng.normal(0, 12, img.shape), 0, 255)
    return x, y.astype(np.int64)


@pytest.fixture(scope="session")
def mirror_data() -> TuneData:
    """Planted data where a horizontal flip turns one class into the other."""
    x, y = mirror_images(360, seed=3)
    return arrays_data(x, y, class_names=("glyph", "mirrored glyph"),
                       options=LoadOptions(val_fraction=0.25, test_fraction=0.2, seed=0))


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "augwise.cli.main", *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )


def start_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "augwise.cli.main", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


# -- a real PostgreSQL server from Debian's binaries ------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL server on a free loopback port; skipped if unavailable."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not bins:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("psycopg2 is not installed (pip install psycopg2-binary)")
    bindir = Path(bins[-1]).parent
    prefix: list[str] = []
    root = tempfile.mkdtemp(prefix="augwise-pg-")
    if os.geteuid() == 0:  # the server refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, log, port = os.path.join(root, "data"), os.path.join(root, "server.log"), _free_port()
    init = subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", data, "-A", "trust", "-U", "augwise", "--no-sync"],
        capture_output=True, text=True, check=False,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"initdb failed: {init.stderr.strip()[-300:]}")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -F"
    start = subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", data, "-o", options, "-l", log, "-w", "-t", "30",
         "start"],
        capture_output=True, text=True, check=False,
    )
    if start.returncode != 0:
        tail = Path(log).read_text()[-300:] if os.path.exists(log) else start.stderr[-300:]
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"the PostgreSQL server did not start: {tail.strip()}")
    try:
        yield f"postgresql+psycopg2://augwise@127.0.0.1:{port}/postgres"
    finally:
        with contextlib.suppress(Exception):
            subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", data, "-m", "immediate",
                            "stop"], capture_output=True, check=False, timeout=60)
        shutil.rmtree(root, ignore_errors=True)
