"""Tuner throughput on a PostgreSQL study: 1 against 2 `augwise tune` processes.

Starts a throw-away PostgreSQL server (as tests/tune/conftest.py does), then runs
`augwise tune --demo --subset 300 --test-size 100 --epochs 2 --trials T --no-final`
with one process on study "one", and with two processes on study "two"; trials per
minute = finished trials / (last completion - first start) from the study itself.

    python docs/results/scaling/tune_throughput.py 8
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna

TUNE = ["--demo", "--subset", "300", "--test-size", "100", "--epochs", "2", "--no-final"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(trials: int) -> None:
    bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]).parent
    root = tempfile.mkdtemp(prefix="augwise-pg-")
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(root, "data"), free_port()
    subprocess.run([*prefix, str(bindir / "initdb"), "-D", data, "-A", "trust", "-U",
                    "augwise", "--no-sync"], check=True, capture_output=True)
    subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", data, "-o",
                    f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -F", "-l",
                    os.path.join(root, "log"), "-w", "start"], check=True, capture_output=True)
    url = f"postgresql+psycopg2://augwise@127.0.0.1:{port}/postgres"
    out = Path(tempfile.mkdtemp(prefix="augwise-tune-"))
    try:
        for study, procs in (("one", 1), ("two", 2)):
            t0 = time.perf_counter()
            running = [subprocess.Popen(
                [sys.executable, "-m", "augwise.cli.main", "tune", *TUNE, "--trials",
                 str(trials), "--storage", url, "--study", study, "--out",
                 str(out / f"{study}{i}")], stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True) for i in range(procs)]
            for p in running:
                _, err = p.communicate()
                assert p.returncode == 0, err[-500:]
            wall = time.perf_counter() - t0
            done = [t for t in optuna.load_study(study_name=study, storage=url).trials
                    if t.datetime_complete is not None]
            span = (max(t.datetime_complete for t in done)
                    - min(t.datetime_start for t in done)).total_seconds()
            pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in done)
            print(json.dumps({"processes": procs, "trials": len(done), "pruned": pruned,
                              "wall_s": round(wall, 1),
                              "trial_span_s": round(span, 1),
                              "trials_per_min": round(60 * len(done) / span, 2)}))
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", data, "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
