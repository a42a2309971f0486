"""``on_error='skip'``: a skipped file's slot is refilled, batches keep their size.

The stand-in of a skipped slot is the next readable sample of the epoch's order after
the batch (cyclically); it brings its own labels and sample weight, and the slot keeps
its drawn augmentation parameters.
"""

from __future__ import annotations

import io
import logging
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from augwise import ImageDataGenerator

SIDE = 4
BAD = {
    "empty": b"",
    "text": b"<html>not an image</html>",
}


def _truncated_png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), 7, np.uint8)).save(buf, format="PNG")
    data = buf.getvalue()
    return data[: len(data) // 2]


def value_of(index: int) -> int:
    """The pixel value of good sample ``index`` (so a batch row names its source)."""
    return 10 * index + 5


def make_tree(root: Path, layout: str) -> Path:
    """Class folders ``a``/``b`` from ``layout``: one character per sample, ``a``/``b`` a
    good image of that class, ``A``/``B`` a bad file of it (class ``a`` first, so that the
    layout is the listing order)."""
    if list(layout.lower()) != sorted(layout.lower()):
        raise ValueError(f"layout {layout!r}: put class a before class b")
    kinds = [*BAD.values(), _truncated_png()]
    for index, ch in enumerate(layout):
        folder = root / ch.lower()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{index:02d}.png"
        if ch.islower():
            img = np.full((SIDE, SIDE, 3), value_of(index), np.uint8)
            Image.fromarray(img).save(path)
        else:
            path.write_bytes(kinds[index % len(kinds)])
    return root


def sources_of(x: np.ndarray) -> list[int]:
    """The sample each row of an unaugmented batch came from."""
    return [round((float(v) - 5) / 10) for v in x[:, 0, 0, 0]]


# listing order: samples 0-3 all bad, 5 bad, the rest good
LAYOUT = "AAAAaAbbbb"


def _flow(root: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    options: dict[str, object] = dict(
        target_size=(SIDE, SIDE), batch_size=4, shuffle=False, on_error="skip", workers=0
    )
    options.update(kwargs)
    return ImageDataGenerator().flow_from_directory(str(root), **options)


def test_bad_slots_are_filled_by_the_next_readable_samples(tmp_path: Path) -> None:
    it = _flow(make_tree(tmp_path / "d", LAYOUT))
    assert len(it) == 3
    got = [it[i] for i in range(len(it))]
    assert [len(x) for x, _ in got] == [4, 4, 2]
    # batch 0 (all bad): samples 4, 6, 7, 8; batch 1 (5 bad): 8 stands in for it
    assert [sources_of(x) for x, _ in got] == [[4, 6, 7, 8], [4, 8, 6, 7], [8, 9]]
    for x, y in got:
        assert list(y.argmax(axis=1)) == [it.classes[s] for s in sources_of(x)]
    assert it.last_batch is not None
    assert list(it.last_batch.sources) == [8, 9]
    assert sorted(Path(p).name for p in it.skipped) == ["00.png", "01.png", "02.png",
                                                          "03.png", "05.png"]
    assert all(it.skipped.values())


def test_next_epoch_batches_and_getitem_agree_and_are_full(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "d", LAYOUT)
    by_index = _flow(root, shuffle=True, seed=3)
    expected = [by_index[i] for i in range(len(by_index))]
    threaded = _flow(root, shuffle=True, seed=3, workers=2)
    by_next = [next(threaded) for _ in range(len(threaded))]
    by_epoch = list(_flow(root, shuffle=True, seed=3, workers=2).epoch_batches(0))
    for got in (by_next, by_epoch):
        assert len(got) == len(expected)
        for (x0, y0), (x1, y1) in zip(expected, got, strict=True):
            np.testing.assert_array_equal(x0, x1)
            np.testing.assert_array_equal(y0, y1)
    assert sum(len(x) for x, _ in expected) == by_index.n
    assert [len(x) for x, _ in expected] == [4, 4, 2]
    threaded.close()


def test_augmented_slots_keep_their_parameters(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "d", LAYOUT)
    it = ImageDataGenerator(rotation_range=40, brightness_range=(0.5, 1.5)).flow_from_directory(
        str(root), target_size=(SIDE, SIDE), batch_size=4, shuffle=False, on_error="skip",
        workers=0, seed=1,
    )
    x0, _ = it[0]
    first = it.last_batch
    assert first is not None and len(x0) == 4
    assert list(first.indices) == [0, 1, 2, 3] and list(first.sources) == [4, 6, 7, 8]
    assert first.params.to_list() == it.batch_params(0)  # the slots' own draws
    x1, _ = it[1]
    assert it.last_batch is not None and it.last_batch.sources[0] == 4
    # sample 4 in its own slot and standing in for sample 0: two different draws
    assert not np.array_equal(x0[0], x1[0])


def test_one_readable_file_fills_every_slot(tmp_path: Path) -> None:
    it = _flow(make_tree(tmp_path / "d", "aAAAA"))
    (x0, y0), (x1, y1) = it[0], it[1]
    assert sources_of(x0) == [0, 0, 0, 0] and sources_of(x1) == [0]
    assert list(y0.argmax(axis=1)) == [0, 0, 0, 0] and list(y1.argmax(axis=1)) == [0]
    assert len(it.skipped) == 4


def test_no_readable_file_raises_with_the_count(tmp_path: Path) -> None:
    it = _flow(make_tree(tmp_path / "d", "AAABB"))
    with pytest.raises(ValueError, match=r"no readable image: all 5 files were skipped"):
        it[0]
    assert len(it.skipped) == 5


def test_each_skipped_file_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    it = _flow(make_tree(tmp_path / "d", LAYOUT))
    with caplog.at_level(logging.WARNING, logger="augwise"):
        for _ in range(2):
            for i in range(len(it)):
                it[i]
            it.on_epoch_end()
    lines = [r.getMessage() for r in caplog.records if "skipped unreadable image" in r.message]
    assert len(lines) == 5 == len(it.skipped)
    assert all(any(Path(p).name in line for line in lines) for p in it.skipped)


def test_dataframe_targets_and_weights_follow_the_stand_in(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    root = make_tree(tmp_path / "d", LAYOUT)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.png"))
    df = pd.DataFrame({"filename": files, "value": [float(i) for i in range(len(files))],
                       "w": [0.5 + i for i in range(len(files))]})
    it = ImageDataGenerator().flow_from_dataframe(
        df, str(root), y_col="value", class_mode="raw", weight_col="w", target_size=(SIDE, SIDE),
        batch_size=4, shuffle=False, on_error="skip", workers=0,
    )
    for i in range(len(it)):
        x, y, w = it[i]
        src = sources_of(x)
        assert list(y) == [float(s) for s in src]
        assert list(w) == [0.5 + s for s in src]


def test_array_batches_record_their_sources(tmp_path: Path) -> None:
    x = np.arange(10 * SIDE * SIDE * 3, dtype=np.float32).reshape(10, SIDE, SIDE, 3)
    it = ImageDataGenerator().flow(x, np.arange(10), batch_size=4, shuffle=False)
    assert it.last_batch is None
    _, yb = it[0]
    assert it.last_batch is not None
    assert list(it.last_batch.sources) == list(yb) == [0, 1, 2, 3]


def test_keras_fit_runs_an_epoch_over_bad_batches(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras")
    it = _flow(make_tree(tmp_path / "d", LAYOUT), shuffle=True, seed=0)
    model = keras.Sequential([keras.Input((SIDE, SIDE, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    history = model.fit(it, epochs=1, verbose=0)
    assert math.isfinite(float(history.history["loss"][0]))
    assert len(it.skipped) == 5
