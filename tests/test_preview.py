"""``augwise preview DATA`` on every input the doctor reads, and ``gen.preview()``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from augwise import ImageDataGenerator
from augwise.core.config import AugmentConfig
from augwise.preview.grid import CAPTION_PT, FIGURE_DPI, grid_figure, replay_grid


def augwise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "augwise.cli.main", *args],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class-folder tree of 2 x 3 small PNGs, a CSV over it and an .npz."""
    root = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(0)
    rows = ["filename,class"]
    for cls in ("cat", "dog"):
        (root / "train" / cls).mkdir(parents=True)
        for i in range(3):
            img = (rng.random((20, 24, 3)) * 255).astype(np.uint8)
            Image.fromarray(img).save(root / "train" / cls / f"{i}.png")
            rows.append(f"{cls}/{i}.png,{cls}")
    (root / "train" / "labels.csv").write_text("\n".join(rows) + "\n")
    np.savez(root / "data.npz", x_train=(rng.random((6, 16, 16, 1)) * 255).astype(np.uint8),
             y_train=np.array([0, 1, 2, 0, 1, 2]))
    return root


def test_cli_previews_a_class_folder_as_png(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.png"
    res = augwise("preview", str(tree / "train"), "--n", "3", "--images", "2",
                  "--target-size", "32", "32", "--set", "rotation_range=30", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "2 images x 3 views" in res.stdout
    with Image.open(out) as img:
        assert img.size[0] >= 4 * 200 and img.size[1] >= 2 * 250  # 4 columns, 2 rows


def test_cli_previews_a_csv_as_html_with_escaped_captions(tree: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid.html"
    res = augwise("preview", str(tree / "train" / "labels.csv"), "--n", "2", "--images", "2",
                  "--horizontal-flip", "--seed", "4", "--out", str(out))
    assert res.returncode == 0, res.stderr
    page = out.read_text()
    assert page.count("<img src=\"data:image/png;base64,") == 2 * 3
    assert "epoch 1" in page and "cat\n" in page and "<script" not in page


def test_cli_refuses_an_unknown_output_format_and_a_flat_folder(tmp_path: Path) -> None:
    res = augwise("preview", "--demo", "--out", str(tmp_path / "grid.jpg"))
    assert res.returncode == 2 and ".png or .html" in res.stderr
    (tmp_path / "flat").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "flat" / "a.png")
    res = augwise("preview", str(tmp_path / "flat"), "--out", str(tmp_path / "g.png"))
    assert res.returncode == 2 and "class sub-folders" in res.stderr


def test_replay_grid_reads_npz_one_class_per_row_and_names_epochs(tree: Path) -> None:
    grid = replay_grid(AugmentConfig(rotation_range=40, seed=1), str(tree / "data.npz"),
                       versions=4, images=3)
    assert [row.label.split("\n")[0] for row in grid.rows] == ["0", "1", "2"]
    assert all(len(row.versions) == 4 for row in grid.rows)
    assert [c.split("\n")[0] for c in grid.captions[0]] == [f"epoch {k}" for k in range(4)]
    assert all("rot" in c for c in grid.captions[0])


def test_captions_are_readable() -> None:
    assert CAPTION_PT * FIGURE_DPI / 72 >= 11  # pixels of caption text in the PNG
    grid = replay_grid(AugmentConfig(zoom_range=0.3), np.zeros((2, 8, 8, 1), np.uint8),
                       versions=2, images=1)
    fig = grid_figure(grid.rows, "t", grid.captions)
    sizes = {ax.title.get_fontsize() for ax in fig.axes}
    assert min(sizes) >= CAPTION_PT


def test_generator_preview_returns_a_figure_for_arrays_and_iterators() -> None:
    x = (np.random.default_rng(1).random((5, 16, 16, 3)) * 255).astype(np.uint8)
    gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
    fig = gen.preview(x, n=3, images=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 2 * 4
    fig2 = gen.preview(gen.flow(x, np.arange(5), seed=3), n=2, images=1)
    assert len(fig2.axes) == 3
    with pytest.raises(ValueError, match="versions and images"):
        gen.preview(x, n=0)
