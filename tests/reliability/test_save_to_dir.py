"""``save_to_dir`` writes the batches the user receives, once each; prefetched batches
are not written (Keras writes 4 files for one ``next()`` of a 4-image batch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator
from tests.reliability.test_skip_refill import SIDE, make_tree, value_of


def _settle(it: Any) -> None:
    """Let any prefetch still running on the iterator's threads finish."""
    pool = it._pool.get()
    if pool is not None:
        pool.shutdown(wait=True)


def _saved(directory: Path) -> dict[int, np.ndarray]:
    """Saved images by the sample index in their name (``{prefix}_{sample}_{hash}``)."""
    return {int(p.name.split("_")[1]): np.asarray(Image.open(p)) for p in directory.iterdir()}


@pytest.mark.parametrize("compat", [False, True])
def test_one_next_saves_one_batch(tmp_path: Path, compat: bool) -> None:
    root = make_tree(tmp_path / "d", "a" * 12 + "b" * 12)
    out = tmp_path / "out"
    out.mkdir()
    it = ImageDataGenerator(keras_compat=compat).flow_from_directory(
        str(root), target_size=(SIDE, SIDE), batch_size=4, shuffle=False, save_to_dir=out,
        workers=2,
    )
    x, _ = next(it)
    _settle(it)
    saved = _saved(out)
    assert sorted(saved) == [0, 1, 2, 3]
    if not compat:  # Keras min-max scales each saved image: constant images save as 0
        for i in range(4):
            assert saved[i][0, 0, 0] == value_of(i) == x[i, 0, 0, 0]
    next(it)
    _settle(it)
    assert len(list(out.iterdir())) == 8


def test_epoch_batches_save_what_is_consumed(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "d", "a" * 12 + "b" * 12)
    out = tmp_path / "out"
    out.mkdir()
    it = ImageDataGenerator().flow_from_directory(
        str(root), target_size=(SIDE, SIDE), batch_size=4, shuffle=False, save_to_dir=out,
        workers=2,
    )
    batches = it.epoch_batches()
    next(batches)
    next(batches)
    _settle(it)
    assert sorted(_saved(out)) == list(range(8))
    batches.close()


def test_flow_saves_the_images_before_rescaling(tmp_path: Path) -> None:
    x = np.arange(12, dtype=np.float32)[:, None, None, None] * np.ones((1, SIDE, SIDE, 3),
                                                                        np.float32)
    out = tmp_path / "out"
    out.mkdir()
    it = ImageDataGenerator(rescale=1 / 255).flow(
        x * 20, batch_size=4, shuffle=False, save_to_dir=out, workers=2
    )
    xb = next(it)
    _settle(it)
    saved = _saved(out)
    assert sorted(saved) == [0, 1, 2, 3]
    np.testing.assert_allclose(xb[:, 0, 0, 0], np.arange(4) * 20 / 255, rtol=1e-6)
    assert [int(saved[i][0, 0, 0]) for i in range(4)] == [0, 20, 40, 60]


def test_skipped_slots_save_the_stand_in(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "d", "aAab")
    out = tmp_path / "out"
    out.mkdir()
    it = ImageDataGenerator().flow_from_directory(
        str(root), target_size=(SIDE, SIDE), batch_size=2, shuffle=False, save_to_dir=out,
        on_error="skip", workers=0,
    )
    it[0]
    assert sorted(_saved(out)) == [0, 2]  # sample 2 stands in for the unreadable 1
