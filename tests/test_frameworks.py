"""augwise iterators feed Keras 3 (torch backend) and PyTorch."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from augwise import ImageDataGenerator


def test_keras_model_fit_on_augwise_iterators(fashion: Any, image_tree: Path) -> None:
    keras = pytest.importorskip("keras")
    assert keras.backend.backend() == "torch"
    gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True, rescale=1 / 255,
                             validation_split=0.2)
    train = gen.flow(fashion.x_train[:256], fashion.y_train[:256], batch_size=32, seed=0,
                     subset="training", workers=2)
    val = gen.flow(fashion.x_train[:256], fashion.y_train[:256], batch_size=32,
                   subset="validation", ignore_class_split=True)
    assert isinstance(train, keras.utils.PyDataset)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()
    assert train.epoch >= 2  # Keras calls on_epoch_end after each epoch (and on reset)
    files = gen.flow_from_directory(str(image_tree), target_size=(16, 16), batch_size=8,
                                    class_mode="sparse")
    model2 = keras.Sequential([
        keras.Input((16, 16, 3)),
        keras.layers.Flatten(),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model2.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert np.isfinite(model2.fit(files, epochs=1, verbose=0).history["loss"]).all()


def test_iterators_pickle_for_keras_multiprocessing(fashion: Any) -> None:
    pytest.importorskip("keras")
    it = ImageDataGenerator(rotation_range=10).flow(fashion.x_train[:20], batch_size=5, seed=4)
    clone = pickle.loads(pickle.dumps(it))
    assert type(clone) is type(it)
    np.testing.assert_array_equal(clone[1], it[1])


def test_torch_dataloader_epoch(fashion: Any) -> None:
    torch = pytest.importorskip("torch")
    from augwise.torch import as_dataset

    it = ImageDataGenerator(rotation_range=15, rescale=1 / 255).flow(
        fashion.x_train[:100], fashion.y_train[:100], batch_size=32, seed=1, workers=2
    )
    ds = as_dataset(it, channels_first=True)
    loader = torch.utils.data.DataLoader(ds, batch_size=None)
    batches = list(loader)
    assert len(batches) == len(it) == 4
    images, labels = batches[0]
    assert images.shape == (32, 1, 28, 28) and images.dtype == torch.float32
    assert labels.shape == (32,)
    assert sum(len(b[1]) for b in batches) == 100
    assert it.epoch == 1  # one pass = one epoch, the next pass reshuffles
    second = list(loader)
    assert not torch.equal(batches[0][1], second[0][1])
    # a training step runs on the tensors
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(28 * 28, 10))
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    assert torch.isfinite(loss)


def test_torch_dataloader_worker_processes_split_batches(fashion: Any) -> None:
    torch = pytest.importorskip("torch")
    from augwise.torch import as_dataset

    it = ImageDataGenerator(rotation_range=15).flow(
        fashion.x_train[:64], fashion.y_train[:64], batch_size=16, seed=1, workers=0
    )
    ds = as_dataset(it)
    ds.set_epoch(0)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)
    got = sorted(tuple(b[1].tolist()) for b in loader)
    expected = sorted(tuple(it[i][1].tolist()) for i in range(len(it)))
    assert got == expected


def test_plain_numpy_iteration_without_keras_or_torch() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['keras'] = None\n"
        "import numpy as np\n"
        "from augwise import ImageDataGenerator\n"
        "it = ImageDataGenerator(rotation_range=10).flow(np.zeros((10, 8, 8, 1), np.uint8),"
        " np.arange(10), batch_size=4, seed=0)\n"
        "x, y = next(it)\n"
        "names = [c.__name__ for c in type(it).__mro__]\n"
        "assert 'PyDataset' not in names and 'FlowIterator' in names, names\n"
        "print(x.shape, len(it))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    assert "(4, 8, 8, 1) 3" in res.stdout
