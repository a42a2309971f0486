"""The doctor's scan on Dask (issue 13, item 2): the same diagnosis as the local scan,
``--scheduler local:N`` from the CLI, plain errors for a bad scheduler or a URL, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from augwise.doctor.api import Diagnosis, diagnose
from augwise.doctor.dask_scan import Scheduler, refuse_url
from tests.doctor.planted import scene_tree
from tests.reliability.test_interrupt import after, big_dir, once_workers_run, start, stop

__all__ = ["big_dir"]  # the Ctrl-C test's fixture, shared with the interrupt tests

CONFIG = {"rotation_range": 15, "horizontal_flip": True, "zoom_range": 0.2}


def _comparable(doc: dict[str, Any]) -> dict[str, Any]:
    """A report without what differs between executors: timings and the worker count."""
    doc = json.loads(json.dumps(doc))
    doc.pop("created", None)
    for key in ("scan_seconds", "workers"):
        doc["summary"].pop(key)
    return doc


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dask")
    scene_tree(root / "train", per_class=12)
    scene_tree(root / "test", classes=("a", "b"), per_class=4, seed=3)
    return root


@pytest.fixture(scope="module")
def local(tree: Path) -> Diagnosis:
    return diagnose(tree / "train", test=tree / "test", config=CONFIG, progress=False)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A LocalCluster of two worker processes: its scheduler's tcp:// address."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as lc:
        yield lc.scheduler_address


@pytest.mark.parametrize("text, parsed", [
    ("local:3", Scheduler(None, 3)), (" local:1 ", Scheduler(None, 1)),
    ("tcp://10.0.0.5:8786", Scheduler("tcp://10.0.0.5:8786")),
    ("tls://sched.example.org:8786", Scheduler("tls://sched.example.org:8786")),
])
def test_scheduler_forms(text: str, parsed: Scheduler) -> None:
    assert Scheduler.parse(text) == parsed
    assert str(parsed) == text.strip()


@pytest.mark.parametrize("text", ["local:0", "local:", "local:two", "8786", "host:8786",
                                  "http://host:8786", "tcp://", "tcp://host:port"])
def test_bad_scheduler_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"^scheduler .* is neither local:N .* tcp://host:8786"):
        Scheduler.parse(text)


def test_workers_with_scheduler_is_refused() -> None:
    from augwise.doctor import diagnose

    x = np.zeros((6, 8, 8, 1), np.uint8)
    with pytest.raises(ValueError, match=r"^workers=2 and scheduler='local:2' both .* give one"):
        diagnose((x, np.arange(6) % 2), workers=2, scheduler="local:2", progress=False)


def test_urls_are_refused_with_the_fix() -> None:
    for value in ("s3://bucket/train", Path("gs://bucket/train")):
        with pytest.raises(ValueError, match=r"^test data .* is a URL: .*every Dask worker"):
            refuse_url("test", value)
    refuse_url("test", "/data/train")


@pytest.mark.slow
def test_dask_scan_gives_the_local_diagnosis(tree: Path, local: Diagnosis, cluster: str) -> None:
    on_dask = diagnose(tree / "train", test=tree / "test", config=CONFIG, progress=False,
                       scheduler=cluster)
    assert (local.context.scan.mode, on_dask.context.scan.mode) == ("sequential", "dask")
    assert on_dask.context.scan.workers == 2
    assert _comparable(on_dask.to_dict()) == _comparable(local.to_dict())
    assert on_dask.findings  # the comparison covers findings, not two empty reports


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "augwise.cli.main", "doctor", *args],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_cli_scheduler_local(tree: Path, tmp_path: Path) -> None:
    common = (str(tree / "train"), "--test", str(tree / "test"), "--rotation-range", "15",
              "--fail-on", "never")
    plain = _cli(*common, "--out", str(tmp_path / "plain"))
    dask = _cli(*common, "--scheduler", "local:2", "--out", str(tmp_path / "dask"))
    assert (plain.returncode, dask.returncode) == (0, 0), dask.stderr
    docs = [json.loads((tmp_path / name / "report.json").read_text())
            for name in ("plain", "dask")]
    assert docs[1]["summary"]["workers"] == 2
    assert _comparable(docs[1]) == _comparable(docs[0])
    assert "Traceback" not in dask.stderr, dask.stderr


@pytest.mark.slow
@pytest.mark.parametrize("args, words", [
    (("--scheduler", "tcp:/host"), "error: scheduler 'tcp:/host' is neither local:N"),
    (("--scheduler", "local:0"), "error: scheduler 'local:0' is neither local:N"),
    (("--scheduler", "local:2", "--test", "s3://bucket/test"),
     "error: test data 's3://bucket/test' is a URL"),
])
def test_cli_bad_scheduler_or_url_exits_2(tree: Path, tmp_path: Path,
                                          args: tuple[str, ...], words: str) -> None:
    proc = _cli(str(tree / "train"), *args, "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(words), proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("moment", [after(0.5), once_workers_run, after(6.0)],
                         ids=["starting", "cluster-starting", "scanning"])
def test_ctrl_c_stops_the_dask_scan(big_dir: Path, tmp_path: Path, moment: Any) -> None:
    stop(start("doctor", str(big_dir), "--scheduler", "local:2", "--out",
               str(tmp_path / "out")), moment)


def test_spilled_rows_give_the_same_diagnosis(monkeypatch: pytest.MonkeyPatch) -> None:
    """From SPILL_ROWS rows on, thumbnails and duplicate features are file-backed: the
    diagnosis (duplicates included) is the heap's."""
    from augwise.doctor import scan
    from tests.doctor.planted import plant_copies

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (80, 16, 16), dtype=np.uint8)
    y = np.arange(80) % 4
    arrays, _ = plant_copies(x[:60], y[:60], x[60:], y[60:], per_kind=2, seed=0)
    data = (arrays["x_train"], arrays["y_train"])
    held = (arrays["x_test"], arrays["y_test"])
    heap = diagnose(data, test=held, config=CONFIG, workers=1, progress=False)
    monkeypatch.setattr(scan, "SPILL_ROWS", 1)
    disk = diagnose(data, test=held, config=CONFIG, workers=1, progress=False)
    assert isinstance(disk.context.scan.thumbs, np.memmap)
    assert not isinstance(heap.context.scan.thumbs, np.memmap)
    assert {"duplicates.exact", "duplicates.near"} <= {f.id for f in disk.findings}
    assert _comparable(disk.to_dict()) == _comparable(heap.to_dict())
