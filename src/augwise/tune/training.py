"""One training run of the proxy with an augmentation config, and evaluation.

Batches come from augwise's own engine (``output_dtype='uint8'``; the model side
normalises), so what is measured is exactly what ``ImageDataGenerator`` produces.
Everything is seeded: model initialisation (``torch.manual_seed`` in a forked RNG),
sample order and augmentation (the iterator's seed); deterministic torch algorithms.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch
from torch import nn

from augwise.core.config import AugmentConfig
from augwise.keras_api.generator import ImageDataGenerator
from augwise.loader.array_iterator import NumpyArrayIterator
from augwise.tune.data import Split, TuneData
from augwise.tune.proxy import (
    ModelFactory,
    Normaliser,
    ProxyBudget,
    default_factory,
    is_keras_model,
    torch_settings,
)

EpochCallback = Callable[[int, float], None]
EVAL_BATCH = 512


class TrainedModel(Protocol):
    """A trained proxy: class predictions for uint8 ``(N, H, W, C)`` images."""

    def predict(self, x: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class RunResult:
    """One training run: the model, its validation accuracy and final training loss."""

    model: TrainedModel
    val_accuracy: float
    train_loss: float  # mean loss over the last epoch's (augmented) batches
    epochs: int
    seconds: float


def engine_config(config: AugmentConfig) -> AugmentConfig:
    """``config``'s augmentation in default mode, as uint8 channels-last batches."""
    return config.augmentation_only().replace(
        keras_compat=False, output_dtype="uint8", data_format="channels_last",
        validation_split=0.0, seed=None,
    )


def flow(
    split: Split, config: AugmentConfig, seed: int, batch_size: int, *, shuffle: bool,
    workers: int = 1,
) -> NumpyArrayIterator:
    """An augwise iterator over ``split`` (Keras is never imported here)."""
    gen = ImageDataGenerator(**engine_config(config).to_dict())
    return NumpyArrayIterator(
        split.x, split.y, gen, batch_size=batch_size, shuffle=shuffle, seed=seed, workers=workers
    )


def batches(split: Split, config: AugmentConfig | None, seed: int) -> Iterator[np.ndarray]:
    """``split``'s images in order, in evaluation batches, augmented by ``config``."""
    if config is None or not engine_config(config).augments:
        for i in range(0, len(split), EVAL_BATCH):
            yield split.x[i : i + EVAL_BATCH]
        return
    it = flow(split, config, seed, EVAL_BATCH, shuffle=False)
    try:
        for xb, _ in it.epoch_batches(0):
            yield xb
    finally:
        it.close()


def accuracy(
    model: TrainedModel, split: Split, config: AugmentConfig | None = None, seed: int = 0
) -> float:
    """Accuracy of ``model`` on ``split`` (augmented by ``config`` with ``seed`` if given)."""
    preds = np.concatenate([model.predict(xb) for xb in batches(split, config, seed)])
    return float(np.mean(preds == split.y))


def train(
    data: TuneData,
    config: AugmentConfig,
    seed: int,
    budget: ProxyBudget,
    *,
    factory: ModelFactory | None = None,
    on_epoch: EpochCallback | None = None,
) -> RunResult:
    """Train a fresh proxy on ``data.train`` augmented by ``config``.

    ``on_epoch(epoch, val_accuracy)`` is called after each epoch (it may raise to stop,
    e.g. ``optuna.TrialPruned``); validation accuracy is computed only when it is given.
    """
    start = time.perf_counter()
    norm = Normaliser.fit(data.train.x)
    make = factory or default_factory
    with torch_settings(budget.torch_threads()), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        raw = _build(make, data, seed)
        model: _TorchModel | _KerasModel
        if is_keras_model(raw):
            model = _KerasModel(raw, norm, budget, data.train)
        elif isinstance(raw, nn.Module):
            model = _TorchModel(raw, norm, budget, data.train)
        else:
            raise TypeError(
                f"the model factory must return a torch.nn.Module or a Keras model, "
                f"got {type(raw).__name__}"
            )
        it = flow(data.train, config, seed, budget.batch_size, shuffle=True,
                  workers=budget.workers)
        loss = float("nan")
        try:
            for epoch in range(budget.epochs):
                loss = model.train_epoch(it.epoch_batches(epoch))
                if on_epoch is not None:
                    on_epoch(epoch, accuracy(model, data.val))
        finally:
            it.close()
        val_acc = accuracy(model, data.val)
    return RunResult(model, val_acc, loss, budget.epochs, time.perf_counter() - start)


def _build(make: ModelFactory, data: TuneData, seed: int) -> Any:
    """Call the factory with every RNG it may use seeded (global states restored)."""
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        random.seed(seed)
        keras = sys.modules.get("keras")
        if keras is not None:
            keras.utils.set_random_seed(seed)
        return make(data.image_shape, data.num_classes)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


class _TorchModel:
    def __init__(self, module: nn.Module, norm: Normaliser, budget: ProxyBudget,
                 train_split: Split) -> None:
        self.module = module
        self.norm = norm
        self.threads = budget.torch_threads()
        self.opt = torch.optim.SGD(
            module.parameters(), lr=budget.lr, momentum=budget.momentum, nesterov=True,
            weight_decay=budget.weight_decay,
        )
        total = budget.epochs * budget.steps_per_epoch(len(train_split))
        self.sched = torch.optim.lr_scheduler.OneCycleLR(self.opt, budget.lr, total_steps=total)
        self.steps = 0
        self.total_steps = total

    def train_epoch(self, stream: Iterator[tuple[np.ndarray, np.ndarray]]) -> float:
        self.module.train()
        total, count = 0.0, 0
        for xb, yb in stream:
            if len(yb) < 2:  # batch norm needs two samples; one leftover image is skipped
                continue
            logits = self.module(self.norm.torch_batch(xb))
            loss = nn.functional.cross_entropy(logits, torch.from_numpy(yb.astype(np.int64)))
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            if self.steps < self.total_steps:
                self.sched.step()
                self.steps += 1
            total += float(loss.detach()) * len(yb)
            count += len(yb)
        return total / max(count, 1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        self.module.eval()
        with torch_settings(self.threads), torch.no_grad():
            out: np.ndarray = self.module(self.norm.torch_batch(x)).argmax(dim=1).numpy()
        return out


class _KerasModel:
    """A user's Keras 3 model, trained batch by batch with the same budget."""

    def __init__(self, model: Any, norm: Normaliser, budget: ProxyBudget,
                 train_split: Split) -> None:
        import keras

        self.model = model
        self.norm = norm
        if not getattr(model, "compiled", False):
            total = budget.epochs * budget.steps_per_epoch(len(train_split))
            schedule = keras.optimizers.schedules.CosineDecay(
                0.0, total, warmup_target=budget.lr, warmup_steps=max(1, int(0.3 * total))
            )
            last = model.layers[-1] if model.layers else None
            softmax = getattr(last, "activation", None) is keras.activations.softmax
            model.compile(
                optimizer=keras.optimizers.SGD(
                    learning_rate=schedule, momentum=budget.momentum, nesterov=True,
                    weight_decay=budget.weight_decay,
                ),
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=not softmax),
            )

    def train_epoch(self, stream: Iterator[tuple[np.ndarray, np.ndarray]]) -> float:
        total, count = 0.0, 0
        for xb, yb in stream:
            out = self.model.train_on_batch(self.norm.numpy_batch(xb), yb.astype(np.int64))
            loss = out[0] if isinstance(out, (list, tuple)) else out
            total += float(loss) * len(yb)
            count += len(yb)
        return total / max(count, 1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        out = self.model(self.norm.numpy_batch(x), training=False)
        if isinstance(out, torch.Tensor):  # Keras on the torch backend
            out = out.detach().cpu().numpy()
        labels: np.ndarray = np.asarray(out).argmax(axis=1)
        return labels
