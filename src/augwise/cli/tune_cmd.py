"""``augwise tune``: search augmentation configs, compare with baselines, measure harm."""

from __future__ import annotations

import contextlib
import json
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from augwise.cli.config_options import with_config_options
from augwise.cli.emit import EMIT_HELP, emit_targets, write_snippets
from augwise.cli.help import Command
from augwise.cli.paths import check_writable
from augwise.core.config import AugmentConfig
from augwise.tune.progress import Step

if TYPE_CHECKING:
    from augwise.tune.data import TuneData
    from augwise.tune.proxy import ModelFactory, ProxyBudget
    from augwise.tune.runner import FinalSettings
    from augwise.tune.search import SearchSettings

STAGES = {"search": "search", "final": "final runs", "harm": "harm runs"}


class RichReporter:
    """Progress bars with ETA and the last unit's cost, one per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, step: Step) -> None:
        task = self.tasks.get(step.stage)
        if task is None:
            task = self.progress.add_task(
                STAGES.get(step.stage, step.stage), total=step.total, last=step.label
            )
            self.tasks[step.stage] = task
        cost = f" [{step.seconds:.1f}s]" if step.seconds else ""
        self.progress.update(task, completed=step.done, total=step.total,
                             last=step.label + cost)


def make_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"),
        console=console,
    )


def tune(
    data: str | None = typer.Argument(
        None, help="Class-folder tree, MNIST-style idx folder, .npz or .csv (filename,class)."
    ),
    demo: bool = typer.Option(
        False, "--demo", help="Use the shipped Fashion-MNIST sample and, unless options are "
        "given, the classic over-augmented config as 'your config'."
    ),
    out: Path = typer.Option(Path("augwise-tune"), "--out", "-o", help="Output folder."),
    trials: int = typer.Option(40, "--trials", min=1, help="Finished trials the study "
                               "should hold (shared by all workers; reruns resume)."),
    budget_minutes: float | None = typer.Option(
        None, "--budget-minutes", min=0.01, help="Stop starting trials after this many minutes."
    ),
    epochs: int = typer.Option(15, "--epochs", min=1, help="Training epochs per config."),
    subset: int | None = typer.Option(
        None, "--subset", min=2, help="Training pool size (train + val), stratified."
    ),
    test_size: int | None = typer.Option(None, "--test-size", min=2,
                                         help="Cap on held-out test images."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Seeds of the final comparison "
                              "(each re-splits train/validation)."),
    max_seeds: int | None = typer.Option(
        None, "--max-seeds", min=1, help="Add seeds, up to this many, while the top configs "
        "are not separated (default: twice --seeds)."
    ),
    rope: float = typer.Option(
        0.5, "--rope", min=0.0, max=99.0, help="Region of practical equivalence in accuracy "
        "points: smaller differences count as a tie."
    ),
    finalists: int = typer.Option(3, "--finalists", min=1,
                                  help="Best search configs retrained over the seeds."),
    storage: str | None = typer.Option(
        None, "--storage", metavar="URL", help="Optuna storage shared by workers: a "
        "database URL (e.g. postgresql://h/db) or journal:FILE (default: the "
        "SQLite file study.db in --out)."
    ),
    study: str = typer.Option("augwise-tune", "--study", help="Study name in the storage."),
    final: bool = typer.Option(True, "--final/--no-final",
                               help="Retrain finalists and baselines and write the report."),
    measure_harm: bool = typer.Option(
        False, "--measure-harm", help="Instead of searching, measure what each transform of "
        "the config costs (harm.json for `augwise doctor --harm`)."
    ),
    model: str | None = typer.Option(
        None, "--model", metavar="MODULE:FUNC", help="Your model factory, a function "
        "(image_shape, num_classes) returning a torch.nn.Module or a Keras 3 model."
    ),
    workers: int = typer.Option(1, "--workers", min=0, help="Augmentation threads."),
    threads: int | None = typer.Option(None, "--threads", min=1,
                                       help="Torch threads (default: cores - workers)."),
    emit: str | None = typer.Option(None, "--emit", metavar="TARGETS", help=EMIT_HELP),
    *,
    augment_config: AugmentConfig,
) -> None:
    """Find the augmentation that helps most on held-out data (or measure harm).

    The tuner seed is --seed (default 0); DATA images are downscaled to <= 64 px.
    """
    from augwise.tune.storage import check_storage_url

    if (data is None) == (not demo):
        raise typer.BadParameter("give DATA or --demo (not both)")
    if data is not None and data != "demo" and not Path(data).exists():
        from augwise.io.datasets import SOURCE_KINDS

        raise typer.BadParameter(f"DATA {data!r} does not exist ({SOURCE_KINDS})")
    try:
        if storage is not None:
            check_storage_url(storage)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    check_writable(out)
    targets = emit_targets(emit)

    import optuna  # a missing optional package: augwise.cli.main says how to install it

    from augwise.tune.baselines import CLASSIC_OVERAUGMENTED
    from augwise.tune.data import DEMO, LoadOptions, load_data
    from augwise.tune.proxy import ProxyBudget, resolve_factory
    from augwise.tune.runner import FinalSettings
    from augwise.tune.search import SearchSettings

    console = Console(stderr=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seed = augment_config.seed if augment_config.seed is not None else 0
    user = augment_config.replace(seed=None)
    if demo and not user.augments:
        user = CLASSIC_OVERAUGMENTED
    try:
        dataset = load_data(DEMO if demo else str(data),
                            LoadOptions(subset=subset, test_size=test_size, seed=seed))
        budget = ProxyBudget(epochs=epochs, workers=workers, threads=threads)
        factory = resolve_factory(model) if model else None
        settings = SearchSettings(trials=trials, seed=seed, budget_minutes=budget_minutes,
                                  study=study)
        final_settings = FinalSettings(seeds=seeds, finalists=finalists, max_seeds=max_seeds,
                                       rope=rope)
    except (ValueError, TypeError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    console.print(f"data: {dataset.describe()}")
    console.print(f"budget per config: {budget.describe(len(dataset.train))}")
    console.print(f"your config: {user.python_call()}")
    command = "augwise " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with make_progress(console) as progress:
        reporter = RichReporter(progress)
        if measure_harm:
            _harm(dataset, user, budget, factory, seeds, seed, out, reporter, console)
            return
        with _storage_errors():
            _tune(dataset, user, budget, settings, out, storage, final, final_settings,
                  factory, command, reporter, console, targets)


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    """A study database that cannot be reached or fails: an input error naming --storage
    (augwise.cli.main prints it as one line, exit status 2)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except SQLAlchemyError as exc:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        raise ValueError(f"the study storage (--storage) failed: {first}") from exc


def _harm(
    dataset: TuneData, user: AugmentConfig, budget: ProxyBudget, factory: ModelFactory | None,
    seeds: int, seed: int, out: Path, reporter: RichReporter, console: Console,
) -> None:
    from augwise.tune.harm import measure_harm, ranked_harm

    rep = measure_harm(dataset, user, seeds=seeds, budget=budget, factory=factory, seed=seed,
                       progress=reporter)
    reporter.progress.stop()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "harm.json"
    path.write_text(json.dumps(rep.to_dict(), indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"measured harm ({seeds} seeds, mean ± 95 % CI)")
    for col in ("transform", "value", "Δ accuracy (points)", "affinity", "diversity"):
        table.add_column(col)
    rows = ranked_harm(rep) + [i for i in rep.items if i.transform == "full_config"]
    for item in rows:
        d = item.delta
        table.add_row(
            item.transform, json.dumps(item.value),
            f"{100 * d.mean:+.1f} ± {100 * (d.high - d.low) / 2:.1f}",
            f"{item.affinity.mean:.3f}", f"{item.diversity.mean:.2f}",
        )
    Console().print(table)
    console.print(f"[green]wrote[/green] {path}  (render it: augwise doctor --harm {path})")


def _tune(
    dataset: TuneData, user: AugmentConfig, budget: ProxyBudget, settings: SearchSettings,
    out: Path, storage: str | None, final: bool, final_settings: FinalSettings,
    factory: ModelFactory | None, command: str, reporter: RichReporter, console: Console,
    targets: tuple[str, ...] = (),
) -> None:
    from augwise.tune import report, runner, search
    from augwise.tune.storage import open_storage

    if not final:
        out.mkdir(parents=True, exist_ok=True)
        url = storage or runner.default_storage(out)
        st = search.run_search(dataset, budget, settings, open_storage(url),
                               factory=factory, progress=reporter)
        reporter.progress.stop()
        done = search.summaries(st)
        console.print(f"study {settings.study!r}: {len(done)} finished trials in {url}")
        return
    res = runner.tune(dataset, user, budget, settings, out, storage_url=storage,
                      final=final_settings, factory=factory, command=command,
                      progress=reporter)
    reporter.progress.stop()
    out_console = Console()
    table = Table(title=f"held-out test accuracy, mean ± 95 % CI over {res.seeds_started}-"
                  f"{res.seeds_used} seeds, same budget")
    for col in report.TABLE_HEADER[:5]:
        table.add_column(col.replace("**", ""))
    for row in report.table_rows(res):
        table.add_row(row[0].replace("**", ""), *row[1:5])
    out_console.print(table)
    pairs = Table(title=f"paired with each baseline: Δ points (val: 95 % credible; test: "
                  f"95 % CI), P of better / within / worse than ±{100 * res.rope:g} (val)")
    for col in ("config", "vs", "seeds", "Δ val", "P better", "P within", "P worse", "Δ test"):
        pairs.add_column(col)
    for crow in report.comparison_rows(res):
        pairs.add_row(*crow)
    out_console.print(pairs)
    for line in report.decision_lines(res) + report.summary_lines(res):
        out_console.print(Markdown(line))
    if res.reused:
        console.print(f"the final comparison was run by worker {res.worker}; its report is in "
                      f"{res.out}")
    else:
        for path in write_snippets(res.recommended.candidate.config, targets,
                                   out / report.RECOMMENDED_YAML):
            console.print(f"[green]wrote[/green] {path}")
        console.print(f"[green]wrote[/green] {out / report.RESULTS_MD}, "
                      f"{out / report.RESULTS_JSON}, {out / report.RECOMMENDED_YAML}, "
                      f"{out / report.PLOT}")


def register(app: typer.Typer) -> None:
    app.command("tune", cls=Command)(with_config_options(tune))
