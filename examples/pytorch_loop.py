"""A plain PyTorch training loop fed by augwise.

``augwise.torch.as_dataset`` wraps a generator's iterator for
``DataLoader(ds, batch_size=None)``: every pass over the loader is the next epoch
(new augmentations), with any ``num_workers``, and ``class_mode="sparse"`` labels
arrive as ``torch.int64`` for ``CrossEntropyLoss``::

    python examples/pytorch_loop.py [--epochs 2] [--workers 2]
"""

from __future__ import annotations

import argparse

import torch
from torch import nn

import augwise
import augwise.torch
from augwise.io.demo import load_fashion_mnist


def main(epochs: int, workers: int, n: int = 512) -> list[float]:
    demo = load_fashion_mnist()
    gen = augwise.ImageDataGenerator(rescale=1 / 255, rotation_range=10,
                                     width_shift_range=0.1, horizontal_flip=True)
    it = gen.flow(demo.x_train[:n], demo.y_train[:n], batch_size=64, seed=0)
    ds = augwise.torch.as_dataset(it, channels_first=True)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8 * 13 * 13, len(demo.class_names)))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for epoch in range(epochs):
        total, batches = 0.0, 0
        for images, labels in loader:  # float32 (N, 1, 28, 28), int64 (N,)
            optimiser.zero_grad()
            loss = loss_fn(model(images), labels)
            loss.backward()
            optimiser.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches)
        print(f"epoch {epoch + 1}: {batches} batches, mean loss {losses[-1]:.3f}")
    return losses


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="DataLoader num_workers")
    args = parser.parse_args()
    main(args.epochs, args.workers)
