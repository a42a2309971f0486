"""The report's previews replay exactly what the training iterator produces."""

from __future__ import annotations

import numpy as np

from augwise import AugmentConfig, DirectoryIterator, ImageDataGenerator, NumpyArrayIterator
from augwise.core.geometry import transform_matrices
from augwise.doctor.fill import matrix_fill
from augwise.preview.replay import Replayer, replay_rows, worst_fill
from tests.doctor.conftest import Planted
from tests.doctor.planted import SCENE_HW, scene

CONFIG = AugmentConfig(rotation_range=30, width_shift_range=0.2, zoom_range=0.2,
                       horizontal_flip=True, fill_mode="constant", seed=5)


def test_array_replays_match_the_iterator() -> None:
    x = np.stack([scene(*SCENE_HW, i) for i in range(6)])
    gen = ImageDataGenerator(**{k: getattr(CONFIG, k) for k in
                                ("rotation_range", "width_shift_range", "zoom_range",
                                 "horizontal_flip", "fill_mode", "seed")})
    it = NumpyArrayIterator(x, None, gen, batch_size=6, shuffle=False, seed=5)
    replayer = Replayer(CONFIG, 5, x=x)
    for epoch in range(2):
        batch = it[0]
        for i in range(6):
            out = replayer.render(epoch, i)
            assert out is not None
            np.testing.assert_array_equal(out[0], batch[i].astype(np.uint8))
        it.on_epoch_end()


def test_file_replays_match_the_iterator_and_rank_fill(bases: Planted) -> None:
    root = bases.scenes_dir / "train"
    gen = ImageDataGenerator(**{k: getattr(CONFIG, k) for k in
                                ("rotation_range", "width_shift_range", "zoom_range",
                                 "horizontal_flip", "fill_mode", "seed")})
    it = DirectoryIterator(root, gen, target_size=(24, 32), batch_size=4, shuffle=False,
                           verbose=False, interpolation="bilinear", class_mode=None)
    replayer = Replayer(CONFIG, 5, paths=it.filepaths, target_size=(24, 32),
                        interpolation="bilinear")
    batch = it[0]
    for i in range(4):
        out = replayer.render(0, i)
        assert out is not None
        np.testing.assert_array_equal(out[0], batch[i].astype(np.uint8))

    def fill_of(m: np.ndarray) -> np.ndarray:
        return matrix_fill(m, (24, 32))

    samples = [(i, "a", f"sample {i}") for i in range(8)]
    rows = replay_rows(replayer, samples[:2], 3, fill_of)
    assert [len(r.versions) for r in rows] == [3, 3]
    assert all(v.uri.startswith("data:image/png;base64,") for r in rows for v in r.versions)
    worst = worst_fill(replayer, samples, 4, 3, fill_of)
    fills = [float(shot.fill or 0.0) for _, _, shot in worst]
    assert len(fills) == 3 and fills == sorted(fills, reverse=True)
    params = [replayer.params(e, np.arange(8)) for e in range(4)]
    best = max(float(fill_of(transform_matrices(p, 24, 32)).max()) for p in params)
    assert fills[0] == best
