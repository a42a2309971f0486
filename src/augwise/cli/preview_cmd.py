"""``augwise preview``: a PNG grid of what the augmentation does to real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.console import Console

from augwise.cli.config_options import with_config_options
from augwise.cli.paths import check_writable
from augwise.core.config import AugmentConfig
from augwise.core.presets import CLASSIC_OVERAUGMENTED
from augwise.doctor.previews import PreviewRow, augment_versions, render_grid
from augwise.io.demo import load_fashion_mnist


def preview(
    out: Path = typer.Option(Path("augwise-preview.png"), "--out", "-o", help="PNG to write."),
    demo: bool = typer.Option(
        False, "--demo", help="Use the shipped Fashion-MNIST sample and, unless options are "
        "given, the classic over-augmented config (rotation 40, shifts/shear/zoom 0.2, flips)."
    ),
    images: int = typer.Option(6, "--images", "-n", min=1, max=64, help="Images (rows)."),
    versions: int = typer.Option(6, "--versions", "-k", min=1, max=32, help="Augmented copies."),
    *,
    augment_config: AugmentConfig,
) -> None:
    """Write a preview grid: each original beside augmented versions and their parameters."""
    console = Console()
    if not demo:
        raise typer.BadParameter("preview currently needs --demo (data folders: augwise doctor)")
    check_writable(out, file=True)
    data = load_fashion_mnist()
    cfg = augment_config
    if not cfg.augments:
        cfg = cfg.replace(**CLASSIC_OVERAUGMENTED)
    idx = np.concatenate([np.flatnonzero(data.y_test == c)[:1] for c in range(10)])[:images]
    imgs = data.x_test[idx]
    seed = cfg.seed if cfg.seed is not None else 0
    results = augment_versions(imgs, cfg, versions, seed=seed, indices=idx)
    rows = [
        PreviewRow(imgs[i], data.class_names[int(data.y_test[j])], vers, params)
        for i, (j, (vers, params)) in enumerate(zip(idx, results, strict=True))
    ]
    path = render_grid(rows, out, title=cfg.python_call())
    console.print(f"[green]wrote[/green] {path}  ({len(rows)} images x {versions} versions)")
    console.print(f"config: {cfg.python_call()}")


def register(app: typer.Typer) -> None:
    app.command("preview")(with_config_options(preview))
