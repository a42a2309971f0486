"""The proxy model and its fixed training budget.

The default proxy is a small CNN (three 3x3 conv + batch-norm + ReLU blocks of 16, 32
and 64 channels, two 2x2 max-pools, a 2x2 adaptive average pool and one linear layer;
about 25 k parameters at 28x28), trained on the CPU on the downscaled images with SGD
(Nesterov momentum 0.9, weight decay 5e-4, one-cycle learning rate peaking at 0.05),
batch size 128, for a fixed number of epochs (default 15).  Every configuration sees
the same budget, so the comparison is fair; the budget is stated in every report.

Your own model instead: a *factory* ``factory(image_shape, num_classes)`` returning a
``torch.nn.Module`` (input ``(N, C, H, W)`` float, normalised per channel; output logits)
or a Keras 3 model (input ``(N, H, W, C)``); Keras is used only if you pass one.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from augwise.core.machine import usable_cores

ModelFactory = Callable[[tuple[int, int, int], int], Any]


@dataclass(frozen=True)
class ProxyBudget:
    """What one training run may spend: the same for every configuration compared."""

    epochs: int = 15
    batch_size: int = 128
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    threads: int | None = None  # torch intra-op threads; None: cores left by the workers
    workers: int = 1  # augmentation threads feeding the model

    def __post_init__(self) -> None:
        for name, lo in (("epochs", 1), ("batch_size", 1), ("workers", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < lo:
                raise ValueError(f"{name} must be an int >= {lo}, got {value!r}")
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise ValueError(f"threads must be a positive int or None, got {self.threads!r}")
        for name in ("lr", "momentum", "weight_decay"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")

    def torch_threads(self) -> int:
        return self.threads or max(1, usable_cores() - self.workers)

    def steps_per_epoch(self, n_train: int) -> int:
        return (n_train + self.batch_size - 1) // self.batch_size

    def describe(self, n_train: int) -> str:
        return (
            f"{self.epochs} epochs x {self.steps_per_epoch(n_train)} steps of "
            f"{self.batch_size} images; SGD nesterov momentum {self.momentum:g}, "
            f"one-cycle lr {self.lr:g}, weight decay {self.weight_decay:g}"
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("threads")
        out.pop("workers")
        return out


class SmallCNN(nn.Module):
    """The default proxy: conv-bn-relu x3 (16/32/64), 2x2 pooled head, linear classifier."""

    def __init__(self, channels: int, num_classes: int, width: int = 16) -> None:
        super().__init__()

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                    nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *block(channels, width), nn.MaxPool2d(2),
            *block(width, 2 * width), nn.MaxPool2d(2),
            *block(2 * width, 4 * width), nn.AdaptiveAvgPool2d(2),
        )
        self.classifier = nn.Linear(4 * width * 4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


def default_factory(image_shape: tuple[int, int, int], num_classes: int) -> nn.Module:
    """The built-in proxy for images of ``(H, W, C)``."""
    return SmallCNN(image_shape[2], num_classes)


PROXY_NAME = "augwise SmallCNN (16/32/64 conv, ~25k params)"


def is_keras_model(model: Any) -> bool:
    """True for a Keras 3 model (without importing Keras when it is not loaded)."""
    keras = sys.modules.get("keras")
    return keras is not None and isinstance(model, keras.Model)


def resolve_factory(spec: str) -> ModelFactory:
    """Import ``module:callable`` (the CLI's ``--model``)."""
    import importlib

    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"model={spec!r} must be an import path 'module:factory'")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"model={spec!r} cannot be imported: {exc}") from exc
    if not callable(obj):
        raise ValueError(f"model={spec!r} is not callable")
    factory: ModelFactory = obj
    return factory


@contextlib.contextmanager
def torch_settings(threads: int) -> Iterator[None]:
    """Deterministic algorithms and a thread count for one run; restored afterwards."""
    previous_threads = torch.get_num_threads()
    previous_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous_det)
        torch.set_num_threads(previous_threads)


@dataclass(frozen=True)
class Normaliser:
    """Per-channel mean and std of the training images (uint8 scale)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Normaliser:
        flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
        return cls(flat.mean(axis=0), np.maximum(flat.std(axis=0), 1.0))

    def torch_batch(self, x: np.ndarray) -> torch.Tensor:
        """``(N, H, W, C)`` uint8 to a normalised ``(N, C, H, W)`` float32 tensor."""
        t = torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2).float()
        mean = torch.as_tensor(self.mean, dtype=torch.float32).view(1, -1, 1, 1)
        std = torch.as_tensor(self.std, dtype=torch.float32).view(1, -1, 1, 1)
        return (t - mean) / std

    def numpy_batch(self, x: np.ndarray) -> np.ndarray:
        """``(N, H, W, C)`` uint8 to normalised float32, channels last (Keras)."""
        return ((x.astype(np.float32) - self.mean.astype(np.float32))
                / self.std.astype(np.float32))
