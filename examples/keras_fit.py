"""Train a tiny Keras 3 model on augmented class folders for one epoch.

Writes a few hundred images of the shipped Fashion-MNIST sample as PNG class folders
(to ``--work``, a temporary folder by default), reads them back with
``augwise.ImageDataGenerator.flow_from_directory`` exactly as Keras' generator would,
and trains with ``model.fit``.  Any Keras backend works (``KERAS_BACKEND``)::

    python examples/keras_fit.py [--work /tmp/fmnist-folders] [--per-class 30]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

import augwise
from augwise.io.demo import export_class_folders, load_fashion_mnist


def write_folders(root: Path, per_class: int) -> None:
    """``per_class`` training images of each class as ``root/<class>/*.png``."""
    demo = load_fashion_mnist()
    keep = np.concatenate([np.flatnonzero(demo.y_train == c)[:per_class]
                           for c in range(len(demo.class_names))])
    export_class_folders(root, demo.x_train[keep], demo.y_train[keep], demo.class_names)


def main(work: Path, per_class: int) -> float:
    write_folders(work, per_class)
    gen = augwise.ImageDataGenerator(rescale=1 / 255, rotation_range=10,
                                     width_shift_range=0.1, horizontal_flip=True,
                                     validation_split=0.2)
    common: dict[str, Any] = {"target_size": (28, 28), "color_mode": "grayscale", "batch_size": 32,
              "class_mode": "sparse", "seed": 0}
    train = gen.flow_from_directory(str(work), subset="training", **common)
    val = gen.flow_from_directory(str(work), subset="validation", **common)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(train.num_classes, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=1, verbose=2)
    loss = float(history.history["loss"][-1])
    print(f"trained 1 epoch on {train.samples} images: loss {loss:.3f}")
    return loss


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="folder for the PNG class folders")
    parser.add_argument("--per-class", type=int, default=30, help="images per class")
    args = parser.parse_args()
    if args.work is None:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp), args.per_class)
    else:
        main(args.work, args.per_class)
