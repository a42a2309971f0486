"""The proxy's training runs: seeded, deterministic, fed by the engine; user models."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from augwise.core.config import AugmentConfig
from augwise.tune.data import TuneData
from augwise.tune.proxy import ProxyBudget, SmallCNN, resolve_factory
from augwise.tune.training import accuracy, batches, train


def test_runs_are_deterministic_per_seed(tiny_fashion: TuneData, tiny_budget: ProxyBudget) -> None:
    cfg = AugmentConfig(rotation_range=15, horizontal_flip=True)
    a = train(tiny_fashion, cfg, 3, tiny_budget)
    b = train(tiny_fashion, cfg, 3, tiny_budget)
    c = train(tiny_fashion, cfg, 4, tiny_budget)
    assert (a.val_accuracy, a.train_loss) == (b.val_accuracy, b.train_loss)
    assert a.train_loss != c.train_loss
    np.testing.assert_array_equal(a.model.predict(tiny_fashion.test.x),
                                  b.model.predict(tiny_fashion.test.x))
    # the run leaves torch's global state as it found it
    assert not torch.are_deterministic_algorithms_enabled()


def test_the_proxy_learns_and_epochs_report(tiny_fashion: TuneData) -> None:
    seen: list[tuple[int, float]] = []
    run = train(tiny_fashion, AugmentConfig(), 0, ProxyBudget(epochs=3, batch_size=32),
                on_epoch=lambda e, acc: seen.append((e, acc)))
    assert [e for e, _ in seen] == [0, 1, 2]
    assert seen[-1][1] == run.val_accuracy
    chance = 1 / tiny_fashion.num_classes
    assert run.val_accuracy > 3 * chance
    assert accuracy(run.model, tiny_fashion.test) > 3 * chance


def test_augmented_evaluation_batches_come_from_the_engine(tiny_fashion: TuneData) -> None:
    val = tiny_fashion.val
    clean = np.concatenate(list(batches(val, None, 0)))
    np.testing.assert_array_equal(clean, val.x)
    identity = np.concatenate(list(batches(val, AugmentConfig(rotation_range=0), 5)))
    assert identity.tobytes() == val.x.tobytes()
    flipped = np.concatenate(list(batches(val, AugmentConfig(horizontal_flip=True), 5)))
    same = [np.array_equal(f, x) or np.array_equal(f, x[:, ::-1])
            for f, x in zip(flipped, val.x, strict=True)]
    assert all(same) and not np.array_equal(flipped, val.x)


def _factory(image_shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    h, w, c = image_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(h * w * c, num_classes))


def test_user_torch_factory(tiny_fashion: TuneData, tiny_budget: ProxyBudget) -> None:
    run = train(tiny_fashion, AugmentConfig(), 0, tiny_budget, factory=_factory)
    assert isinstance(run.model.module[1], nn.Linear)  # type: ignore[attr-defined]
    assert run.val_accuracy > 2 / tiny_fashion.num_classes
    assert resolve_factory("tests.tune.test_training:_factory") is _factory
    with pytest.raises(ValueError, match="module:factory"):
        resolve_factory("no_colon")
    with pytest.raises(ValueError, match="cannot be imported"):
        resolve_factory("tests.tune.test_training:missing")
    with pytest.raises(TypeError, match=r"torch\.nn\.Module or a Keras model"):
        train(tiny_fashion, AugmentConfig(), 0, tiny_budget, factory=lambda s, k: "a model")


def test_user_keras_factory(tiny_fashion: TuneData, tiny_budget: ProxyBudget) -> None:
    keras = pytest.importorskip("keras")

    def factory(image_shape: tuple[int, int, int], num_classes: int) -> object:
        return keras.Sequential([
            keras.Input(image_shape),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ])

    a = train(tiny_fashion, AugmentConfig(horizontal_flip=True), 1, tiny_budget, factory=factory)
    b = train(tiny_fashion, AugmentConfig(horizontal_flip=True), 1, tiny_budget, factory=factory)
    assert np.isfinite(a.train_loss) and 0 <= a.val_accuracy <= 1
    assert a.val_accuracy > 1.5 / tiny_fashion.num_classes
    assert a.train_loss == pytest.approx(b.train_loss, rel=1e-5)


def test_budget_validation_and_description() -> None:
    budget = ProxyBudget(epochs=4, batch_size=100)
    assert budget.steps_per_epoch(250) == 3
    assert "4 epochs x 3 steps of 100 images" in budget.describe(250)
    with pytest.raises(ValueError, match="epochs"):
        ProxyBudget(epochs=0)
    with pytest.raises(ValueError, match="threads"):
        ProxyBudget(threads=0)
    params = sum(p.numel() for p in SmallCNN(1, 10).parameters())
    assert 20_000 < params < 30_000
