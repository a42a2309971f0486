"""``augwise export``: a config as Keras layers, albumentations or torchvision code, and
how closely that code follows ``ImageDataGenerator``'s semantics, measured."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from augwise.cli.help import Command
from augwise.cli.paths import check_writable
from augwise.core.config import AugmentConfig, read_config
from augwise.export import TARGETS, EquivalenceReport, build_pipeline, emit_code, measure
from augwise.export.measure import ALPHA

WIDTH = 80
PROGRESS_AFTER_S = 1.0


def equivalence_table(report: EquivalenceReport) -> Table:
    """The measured equivalence, one row per transform and quantity (80 columns)."""
    table = Table(title=f"augwise vs {report.target}: {report.n} draws per transform "
                  f"(differs: KS p < {ALPHA:g} and W1 over tolerance)", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for col, justify in (("transform", "left"), ("quantity", "left"), ("augwise", "right"),
                         ("target", "right"), ("Δ (W1)", "right"), ("verdict", "left")):
        table.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    last = ""
    for row in report.rows:
        name = row.transform if row.transform != last else ""
        last = row.transform
        if row.status == "not expressible":
            table.add_row(name, "", "", "", "", "[red]not expressible[/red]")
            continue
        unit = "" if row.unit in ("x", "level") else f" {row.unit}"
        colour = "green" if row.status == "equivalent" else "yellow"
        table.add_row(name, row.quantity, f"{row.engine:.2f}", f"{row.target:.2f}",
                      f"{row.distance:.2f}{unit}", f"[{colour}]{row.status}[/{colour}]")
    return table


def export(
    config: Path = typer.Argument(..., help="The ImageDataGenerator config: a .json or "
                                  ".yaml file of its arguments."),
    to: str = typer.Option(..., "--to", metavar="TARGET",
                           help=f"Library to export to: {', '.join(TARGETS)}."),
    check: bool = typer.Option(False, "--check", help="Exit 1 when a transform differs "
                               "beyond tolerance or is not expressible."),
    n: int = typer.Option(300, "--n", min=20, help="Images drawn per transform."),
    seed: int = typer.Option(0, "--seed", help="Seed of both sides' draws."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Also write the code to this "
                                    "file."),
    measured: bool = typer.Option(True, "--measure/--no-measure", help="Measure the "
                                  "equivalence (keras-layer: needs augwise.keras)."),
) -> None:
    """Print the code of the closest equivalent pipeline, then measure it against
    augwise: parameters recovered from probe images, per transform.

    Example: augwise export augment.yaml --to albumentations --check
    """
    if to not in TARGETS:
        raise typer.BadParameter(f"--to must be one of {', '.join(TARGETS)}, got {to!r}")
    if out is not None:
        check_writable(out, file=True)
    cfg = read_config(config).config
    code = emit_code(cfg, to, seed=None)
    console = Console(width=WIDTH)
    typer.echo(code)
    if to == "albumentations":
        import albumentations as A

        typer.echo("# A.to_dict(pipeline):")
        typer.echo(json.dumps(A.to_dict(build_pipeline(cfg, to)), indent=1, default=str))
    if out is not None:
        out.write_text(code, encoding="utf-8")
        console.print(f"[green]wrote[/green] {out}", highlight=False)
    if not measured:
        return
    report = _measure(cfg, to, n, seed)
    console.print(equivalence_table(report))
    if check and report.differs:
        console.print("exit 1: a transform differs beyond tolerance or is not expressible "
                      "(--check)", style="red")
        raise typer.Exit(1)


def _measure(cfg: AugmentConfig, to: str, n: int, seed: int) -> EquivalenceReport:
    """``measure`` with a progress bar once it runs longer than a second."""
    start = time.monotonic()
    with Progress(TextColumn("measuring"), BarColumn(), MofNCompleteColumn(),
                  console=Console(stderr=True), transient=True, auto_refresh=False) as bar:
        task = bar.add_task("measure", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            if time.monotonic() - start > PROGRESS_AFTER_S:
                bar.refresh()

        return measure(cfg, to, n=n, seed=seed, progress=progress)


def register(app: typer.Typer) -> None:
    app.command("export", cls=Command)(export)
