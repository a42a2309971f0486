"""Feed an augwise iterator to PyTorch.

>>> ds = as_dataset(gen.flow(x, y, batch_size=64, seed=0))          # doctest: +SKIP
>>> loader = torch.utils.data.DataLoader(ds, batch_size=None)       # doctest: +SKIP
>>> for images, labels in loader: ...                               # doctest: +SKIP

Each pass over the dataset is one epoch of the iterator (reshuffled and re-augmented
after it).  The iterator's own threads do the work, so keep ``num_workers=0``; with
worker processes, each takes every k-th batch, and call ``set_epoch(e)`` per epoch as
with a ``DistributedSampler``.
"""

from __future__ import annotations

from collections.abc import Iterator as TypingIterator
from typing import Any

import numpy as np

from augwise.loader.iterators import Iterator

try:
    import torch
    from torch.utils.data import IterableDataset, get_worker_info
except ImportError as exc:  # pragma: no cover - exercised without torch
    raise ImportError(
        "augwise.torch needs PyTorch: pip install 'augwise[torch]' (CPU: torch==2.13.0)"
    ) from exc


def _to_torch(value: Any, channels_first: bool) -> Any:
    if isinstance(value, np.ndarray):
        if channels_first and value.ndim == 4:
            value = np.ascontiguousarray(value.transpose(0, 3, 1, 2))
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, (list, tuple)):
        converted = [_to_torch(v, False) for v in value]
        return type(value)(converted) if isinstance(value, tuple) else converted
    return value


class AugwiseDataset(IterableDataset):
    """An ``IterableDataset`` of whole batches from an augwise iterator."""

    def __init__(self, iterator: Iterator, *, channels_first: bool = False) -> None:
        if not isinstance(iterator, Iterator):
            raise TypeError(f"iterator must be an augwise iterator, got {type(iterator).__name__}")
        self.iterator = iterator
        self.channels_first = bool(channels_first)
        self._epoch: int | None = None

    def set_epoch(self, epoch: int) -> None:
        """Fix the epoch of the next pass (needed with DataLoader worker processes)."""
        self._epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.iterator)

    def _convert(self, batch: Any) -> Any:
        first_is_images = isinstance(batch, tuple)
        if first_is_images:
            head = _to_torch(batch[0], self.channels_first)
            return (head, *(_to_torch(v, False) for v in batch[1:]))
        return _to_torch(batch, self.channels_first)

    def __iter__(self) -> TypingIterator[Any]:
        it = self.iterator
        epoch = self._epoch if self._epoch is not None else it.epoch
        info = get_worker_info()
        if info is None:
            for batch in it.epoch_batches(epoch):
                yield self._convert(batch)
            if self._epoch is None:
                it.on_epoch_end()
            else:
                self._epoch += 1
            return
        for b in range(info.id, len(it), info.num_workers):
            yield self._convert(it._compute((epoch, b)))


def as_dataset(iterator: Iterator, *, channels_first: bool = False) -> AugwiseDataset:
    """Wrap ``iterator`` for ``torch.utils.data.DataLoader(ds, batch_size=None)``.

    ``channels_first=True`` transposes channels-last image batches to ``(N, C, H, W)``.
    """
    return AugwiseDataset(iterator, channels_first=channels_first)
