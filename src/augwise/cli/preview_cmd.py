"""``augwise preview``: what the augmentation does to your images, as a PNG or HTML grid."""

from __future__ import annotations

import html
from pathlib import Path

import typer
from rich.console import Console

from augwise.cli.config_options import with_config_options
from augwise.cli.doctor_cmd import _target_size
from augwise.cli.help import Command
from augwise.cli.paths import check_writable
from augwise.core.config import AugmentConfig
from augwise.core.presets import CLASSIC_OVERAUGMENTED
from augwise.io.demo import load_fashion_mnist
from augwise.preview.grid import ReplayedGrid, render_grid, replay_grid
from augwise.preview.replay import png_uri

OUT_FORMATS = (".png", ".html")


def grid_html(grid: ReplayedGrid, title: str) -> str:
    """A self-contained HTML page of the grid (images embedded, text escaped)."""
    cells = []
    for row, captions in zip(grid.rows, grid.captions, strict=True):
        shots = [(row.original, f"{row.label}\noriginal"),
                 *zip(row.versions, captions, strict=True)]
        cells.append("<tr>" + "".join(
            f'<td><img src="{png_uri(img)}" alt="{html.escape(text)}">'
            f"<div>{html.escape(text)}</div></td>" for img, text in shots) + "</tr>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>augwise preview</title>"
        "<style>body{font-family:sans-serif}td{vertical-align:top;padding:4px}"
        "img{width:160px;image-rendering:pixelated}div{font-size:13px;white-space:pre-line;"
        "max-width:170px}</style></head><body>"
        f"<h1 style='font-size:16px'>{html.escape(title)}</h1><table>{''.join(cells)}</table>"
        "</body></html>\n"
    )


def preview(
    data: str | None = typer.Argument(
        None, show_default=False, help="Images: a class-folder directory, a CSV file "
        "(filename,class) or an .npz/.npy file, as augwise doctor reads them."),
    out: Path = typer.Option(Path("augwise-preview.png"), "--out", "-o",
                             help="The grid: a .png image or a self-contained .html page."),
    demo: bool = typer.Option(
        False, "--demo", help="Use the shipped Fashion-MNIST sample and, unless options are "
        "given, the classic over-augmented config (rotation 40, shifts/shear/zoom 0.2, flips)."
    ),
    images: int = typer.Option(6, "--images", "-i", min=1, max=64,
                               help="Images (rows), one per class first."),
    versions: int = typer.Option(6, "--n", "--versions", "-k", min=1, max=32,
                                 help="Augmented views per image: view k is the image as "
                                 "training sees it in epoch k."),
    target_size: str | None = typer.Option(None, "--target-size", metavar="H,W",
                                           help="Size files are resized to (default: "
                                           "256,256, Keras' default)."),
    color_mode: str = typer.Option("rgb", "--color-mode", metavar="MODE",
                                   help="rgb, rgba or grayscale (files)."),
    x_col: str = typer.Option("filename", "--x-col", help="CSV column of file names."),
    y_col: str = typer.Option("class", "--y-col", help="CSV column of labels."),
    directory: Path | None = typer.Option(None, "--directory", help="Folder the CSV's file "
                                          "names are relative to (default: the CSV's)."),
    *,
    augment_config: AugmentConfig,
) -> None:
    """Write a preview grid: each original beside augmented views and their parameters.

    The views replay the training draws (seed, epoch, index), so view k of an image is
    what the model sees in epoch k.  Example: augwise preview data/train --config
    augment.yaml --n 8 --out grid.html
    """
    console = Console()
    if out.suffix.lower() not in OUT_FORMATS:
        raise typer.BadParameter(f"--out {str(out)!r} must end in .png or .html")
    check_writable(out, file=True)
    cfg = augment_config
    source = data
    if demo:
        if data is not None:
            raise typer.BadParameter("give either DATA or --demo, not both")
        sample = load_fashion_mnist()
        source = (sample.x_test, sample.y_test)  # type: ignore[assignment]
        if not cfg.augments:
            cfg = cfg.replace(**CLASSIC_OVERAUGMENTED)
    elif data is None:
        raise typer.BadParameter("give the DATA to preview (a class folder, .csv, .npz or "
                                 ".npy), or --demo")
    grid = replay_grid(cfg, source, versions=versions, images=images,
                       target_size=_target_size(target_size), color_mode=color_mode,
                       x_col=x_col, y_col=y_col,
                       directory=str(directory) if directory is not None else None,
                       class_names=list(sample.class_names) if demo else None)
    title = cfg.python_call()
    if out.suffix.lower() == ".html":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(grid_html(grid, title), encoding="utf-8")
    else:
        render_grid(grid.rows, out, title=title, captions=grid.captions)
    console.print(f"[green]wrote[/green] {out}  ({len(grid.rows)} images x {versions} "
                  "views, view k = epoch k)", highlight=False)
    if grid.skipped:
        console.print(f"skipped {len(grid.skipped)} unreadable images: "
                      f"{', '.join(grid.skipped[:5])}", style="yellow")
    console.print(f"config: {cfg.python_call()}")
    if not cfg.augments:
        console.print("the config augments nothing: give --config FILE or --set NAME=VALUE "
                      "(e.g. --set rotation_range=20)", style="yellow")


def register(app: typer.Typer) -> None:
    app.command("preview", cls=Command)(with_config_options(preview))
