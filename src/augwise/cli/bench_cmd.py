"""``augwise bench``: throughput against Keras, albumentations and the decode floor."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from augwise.bench.workloads import WORKLOADS
from augwise.cli.help import Command
from augwise.cli.paths import check_writable

ONLY_HELP = f"Run only these workloads ({', '.join(WORKLOADS)}); repeatable."


def bench(
    quick: bool = typer.Option(
        False, "--quick", help="Small inputs, one repeat: a smoke test (under a minute)."
    ),
    workers: int = typer.Option(
        0, "--workers", "-w", min=0, help="Worker count for every peer (0: the usable cores)."
    ),
    data: Path = typer.Option(
        None, "--data", help="Folder where the inputs are built or reused "
        "(default: $AUGWISE_BENCH_DIR or ~/.cache/augwise/bench).",
    ),
    photos: Path = typer.Option(
        None, "--photos", help="Folder of large photos to cut the JPEG tree from "
        "(default: /usr/share/backgrounds from Debian's ukui-wallpapers).",
    ),
    out: Path = typer.Option(Path("augwise-bench"), "--out", "-o", help="Output folder."),
    repeats: int = typer.Option(
        0, "--repeats", "-r", min=0, help="Timed passes per runner (0: 3, or 1 with --quick)."
    ),
    only: list[str] = typer.Option(None, "--only", help=ONLY_HELP),
) -> None:
    """Time augwise, Keras' ImageDataGenerator, albumentations and a decode-only loop on
    the same jobs and cores; write bench.json, bench.md and bench.png."""
    from augwise.bench.data import BenchDataError
    from augwise.bench.report import COLUMNS, rows, target_rows
    from augwise.bench.runner import run_bench

    check_writable(out)
    console = Console()
    command = "augwise " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total}"), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("preparing inputs", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        try:
            doc = run_bench(quick=quick, workers=workers or None, data=data, out=out,
                            repeats=repeats or None, only=only or None, photos=photos,
                            progress=progress, command=command)
        except BenchDataError as exc:  # an input problem: augwise.cli.main exits 2
            raise ValueError(str(exc)) from exc
    table = Table(title="augwise bench", show_lines=False)
    for col in COLUMNS:
        table.add_column(col, overflow="fold")
    for row in rows(doc):
        table.add_row(*row)
    console.print(table)
    targets = Table(title="targets")
    for col in ("target", "what", "measured", "wanted", "result"):
        targets.add_column(col)
    for row in target_rows(doc):
        targets.add_row(*row)
    console.print(targets)
    for kind, path in doc["outputs"].items():
        console.print(f"[green]wrote[/green] {kind}: {path}")


def register(app: typer.Typer) -> None:
    app.command("bench", cls=Command)(bench)
