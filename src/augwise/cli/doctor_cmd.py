"""``augwise doctor``: why is my augmentation under-performing?

Audits the data, lints the ImageDataGenerator config against it, and writes
``report.html``, ``report.json`` and ``fixed_config.yaml`` to ``--out``.  Exit status:
0, or 1 when a finding is at least as severe as ``--fail-on`` (default ``error``);
2 for a usage error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from augwise.cli.config_options import with_config_options
from augwise.cli.emit import EMIT_HELP, emit_targets, write_snippets
from augwise.cli.help import Command
from augwise.cli.paths import check_writable
from augwise.core.config import AugmentConfig, ReadConfig
from augwise.doctor import report
from augwise.doctor.api import FAIL_ON, diagnose
from augwise.doctor.cleanup import write_data_fixes
from augwise.doctor.demo import CLASSIC_OVERAUGMENTED, DEMO_FLOW, prepare_demo
from augwise.doctor.options import ENGINES


def _target_size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    parts = [p for p in text.lower().replace("x", ",").replace(" ", ",").split(",") if p.strip()]
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 2 or min(values) < 1:
        raise typer.BadParameter(f"--target-size must be two positive integers H,W: 224,224, "
                                 f"224x224 or 224 224; got {text!r}")
    return (values[0], values[1])


def doctor(
    data: str | None = typer.Argument(
        None, show_default=False, help="Training data: a class-folder directory, a CSV "
        "file (filename,class), or an .npz/.npy file."),
    validation: str | None = typer.Option(None, "--validation", help="Validation data (same "
                                          "forms)."),
    test: str | None = typer.Option(None, "--test", help="Test data (same forms)."),
    target_size: str | None = typer.Option(None, "--target-size", metavar="H,W", help="Size "
                                           "given to flow*(): 224,224, 224x224 or 224 224 "
                                           "(default: Keras' 256,256 for files)."),
    color_mode: str | None = typer.Option(None, "--color-mode", metavar="MODE",
                                          help="rgb, rgba or grayscale."),
    class_mode: str = typer.Option("categorical", "--class-mode", metavar="MODE",
                                   help="categorical, binary, sparse, input, raw, "
                                   "multi_output or none."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Batch size of the flow."),
    no_shuffle: bool = typer.Option(False, "--no-shuffle", help="The training flow does not "
                                    "shuffle."),
    subset: str | None = typer.Option(None, "--subset", metavar="SUBSET",
                                      help="training or validation."),
    interpolation: str = typer.Option("nearest", "--interpolation", help="Resize "
                                      "interpolation of the flow (Keras' default: nearest)."),
    keep_aspect_ratio: bool = typer.Option(False, "--keep-aspect-ratio", help="The flow crops "
                                           "to the target aspect ratio."),
    x_col: str = typer.Option("filename", "--x-col", help="CSV column of file names."),
    y_col: str = typer.Option("class", "--y-col", help="CSV column of labels."),
    directory: Path | None = typer.Option(None, "--directory", help="Folder the CSV's file "
                                          "names are relative to (default: the CSV's)."),
    engine: str | None = typer.Option(None, "--engine", metavar="NAME",
                                      help="Whose ImageDataGenerator trains the model: "
                                      "augwise or keras (default: keras if keras_compat, "
                                      "else augwise)."),
    out: Path = typer.Option(Path("augwise-report"), "--out", "-o", help="Output folder."),
    fail_on: str = typer.Option("error", "--fail-on", metavar="LEVEL",
                                help="Exit 1 when a finding is at least this severe: "
                                "error, warning or never."),
    demo: bool = typer.Option(False, "--demo", help="Diagnose the shipped Fashion-MNIST sample "
                              "with the classic over-augmented config (unless config options "
                              "are given)."),
    harm: Path | None = typer.Option(None, "--harm", help="Measured per-transform harm (JSON "
                                     "written by augwise tune --measure-harm)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Scanning processes "
                                       "(default: all cores)."),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="ADDR",
                                         help="Scan on Dask: local:N worker processes, or "
                                         "a scheduler such as tcp://host:8786 (the data "
                                         "on a filesystem every worker sees)."),
    versions: int = typer.Option(6, "--versions", min=1, max=16, help="Augmented versions per "
                                 "preview row."),
    emit: str | None = typer.Option(None, "--emit", metavar="TARGETS", help=EMIT_HELP),
    write_fixes: Path | None = typer.Option(None, "--write-fixes", help="Also write the data "
                                            "fixes to this folder: CSVs of the samples to "
                                            "drop or relabel per split, and cleaned .npz "
                                            "files or file lists."),
    *,
    augment_config: ReadConfig,
) -> None:
    """Audit the data, lint the augmentation config against it, and suggest fixes.

    Writes report.html, report.json and fixed_config.yaml to --out.  Exit status: 1 when
    a finding is at least as severe as --fail-on (default: error), 2 for a usage error,
    else 0.  See docs/doctor.md.
    """
    console = Console()
    if fail_on not in FAIL_ON:
        raise typer.BadParameter(f"--fail-on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    if engine is not None and engine not in ENGINES:
        raise typer.BadParameter(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    check_writable(out)
    targets = emit_targets(emit)
    if write_fixes is not None:
        check_writable(write_fixes, "--write-fixes")
    flow: dict[str, Any] = {
        "target_size": _target_size(target_size),
        "class_mode": None if class_mode.lower() == "none" else class_mode,
        "batch_size": batch_size, "shuffle": not no_shuffle, "subset": subset,
        "interpolation": interpolation, "keep_aspect_ratio": keep_aspect_ratio,
        "x_col": x_col, "y_col": y_col,
        "directory": str(directory) if directory is not None else None,
    }
    if color_mode is not None:
        flow["color_mode"] = color_mode
    config: Any = augment_config
    if demo:
        if data is not None:
            raise typer.BadParameter("give either DATA or --demo, not both")
        train_dir, test_dir = prepare_demo(out / "demo-data")
        data, test = str(train_dir), test if test is not None else str(test_dir)
        for key, value in DEMO_FLOW.items():
            if flow.get(key) is None:
                flow[key] = value
        if augment_config.source is None and augment_config.config == AugmentConfig():
            config = CLASSIC_OVERAUGMENTED
    elif data is None:
        raise typer.BadParameter("give the training DATA (or --demo)")
    # input errors propagate: augwise.cli.main prints them as one line, exit status 2
    result = diagnose(data, config=config, flow=flow, validation=validation, test=test,
                      engine=engine, harm=harm, workers=workers, console=Console(stderr=True),
                      scheduler=scheduler)
    with console.status("writing the report", spinner="dots"):
        paths = report.write(result, out, versions=versions)
        written = write_snippets(result.fixed_config, targets, paths["config"])
        paths.update(zip(targets, written, strict=True))
        if write_fixes is not None:
            paths["fixes"] = write_fixes
            write_data_fixes(result, write_fixes)
    report.print_summary(result, console)
    for kind, path in paths.items():
        console.print(Text(f"{kind:>6}: {path}"))
    code = result.exit_code(fail_on)
    if code:
        console.print(f"exit 1: a finding is at least '{fail_on}' (--fail-on)", style="red")
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    # read as diagnose() reads a config: values Keras accepts but augwise refuses are findings
    app.command("doctor", cls=Command)(with_config_options(doctor, raw=True))
