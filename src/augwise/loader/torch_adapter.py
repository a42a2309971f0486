"""Feed an augwise iterator to PyTorch.

>>> ds = as_dataset(gen.flow(x, y, batch_size=64, seed=0))          # doctest: +SKIP
>>> loader = torch.utils.data.DataLoader(ds, batch_size=None)       # doctest: +SKIP
>>> for epoch in range(10):                                         # doctest: +SKIP
...     for images, labels in loader: ...

Epochs.  Each pass over a DataLoader of the dataset (each ``iter(loader)``, finished or
not) is the next epoch: the first is ``it.epoch`` as it was when the dataset was made,
then +1 per pass, whatever ``num_workers`` (the iterator's own threads already work in
parallel with ``num_workers=0``), ``persistent_workers`` on or off, fork or spawn, and
across several DataLoaders of the same dataset.  The passes are numbered in a small
ledger, a temporary folder that every process of the dataset shares, so worker
processes give exactly the batches of ``num_workers=0`` in the same order: worker ``w``
of ``k`` computes batches ``w, w + k, ...`` and the DataLoader (``in_order=True``, its
default) interleaves them back.  ``ds.epoch`` is the epoch of the next pass;
``ds.set_epoch(e)``, called before ``iter(loader)``, makes it ``e`` (then ``e + 1``, ...),
as with a ``DistributedSampler``.  After a pass in the main process the parent's
``it.epoch`` is the next pass's epoch; worker processes cannot move it, and changing
``it.epoch`` or calling ``it.on_epoch_end()`` does not steer the dataset.
``keras_compat=True`` iterators draw from the global ``np.random``: ``num_workers=0``
only (an error says so).

Distributed training.  ``as_dataset(it, rank=r, world_size=w)`` gives process ``r`` of
``w`` its shard of every epoch (see :meth:`augwise.loader.iterators.FlowIterator.shard`),
as a ``DistributedSampler`` would: disjoint, equally long (padded by repeating the
epoch's start, or cut with ``drop_last=True``), and each sample augmented as on one
process.  Without ``rank`` and ``world_size`` they come from ``torch.distributed`` when
it is initialised (an iterator already sharded with ``it.shard()`` keeps its shard);
then ``ds.iterator`` is a sharded copy of ``it``, and ``it.epoch`` does not move.  Call
``ds.set_epoch(epoch)`` on every rank, as with a ``DistributedSampler``.

Skipped files.  Files skipped with ``on_error='skip'`` in worker processes are reported
to the parent (see :mod:`augwise.loader.skiplog`): its ``it.skipped`` lists them.

Labels.  ``labels="auto"`` (default) gives class indices as ``torch.int64``, which
``CrossEntropyLoss`` and ``NLLLoss`` need: ``class_mode="sparse"`` labels (float32, as
in Keras) and integer label arrays of ``flow()``.  Float labels stay float
(``"binary"``, ``"categorical"``: ``BCEWithLogitsLoss``, ``BCELoss``, soft
``CrossEntropyLoss``).  ``labels="keep"`` keeps the iterator's dtypes; a ``torch.dtype``
(or its name, such as ``"float32"``) casts every label array to it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
import uuid
from collections.abc import Iterator as TypingIterator
from typing import Any, TypeAlias

import numpy as np

from augwise.core.validate import check_bool
from augwise.loader.iterators import FlowIterator
from augwise.loader.options import Shard
from augwise.loader.skiplog import SkipLog, owned_tempdir

try:
    import torch
    from torch.utils.data import IterableDataset, get_worker_info
except ImportError as exc:  # pragma: no cover - exercised without torch
    raise ImportError(
        "augwise.torch needs PyTorch: pip install 'augwise[torch]' (CPU: torch==2.13.0)"
    ) from exc


Labels: TypeAlias = "str | torch.dtype"


def _to_torch(value: Any, channels_first: bool) -> Any:
    if isinstance(value, np.ndarray):
        if channels_first and value.ndim == 4:
            value = np.ascontiguousarray(value.transpose(0, 3, 1, 2))
        return torch.from_numpy(np.ascontiguousarray(value))
    if isinstance(value, (list, tuple)):
        converted = [_to_torch(v, False) for v in value]
        return type(value)(converted) if isinstance(value, tuple) else converted
    return value


def _label_dtype(labels: Labels) -> torch.dtype | str | None:
    """``labels`` as "auto", None (keep) or a ``torch.dtype``."""
    if isinstance(labels, torch.dtype):
        return labels
    if isinstance(labels, str):
        if labels in ("auto", "keep"):
            return None if labels == "keep" else "auto"
        dtype = getattr(torch, labels, None)
        if isinstance(dtype, torch.dtype):
            return dtype
    raise ValueError(
        f"labels must be 'auto', 'keep' or a torch dtype such as torch.int64 or 'float32', "
        f"got {labels!r}"
    )


class _PassLedger:
    """Numbers the passes over one dataset across processes, in a temporary folder.

    The first process of a pass to arrive claims the next number with an atomic
    ``os.link`` of a file holding the pass's token to ``pass-<n>``; the other processes
    of that pass find their token there (or in ``token-<token>``).  ``anchor-<n>`` pins
    the epoch of pass ``n``; later passes count on from the last anchor.
    """

    _RECENT = 8  # claims whose token index may still be in flight

    def __init__(self, start_epoch: int) -> None:
        self.root = owned_tempdir(self, "augwise-epochs-")
        self.set_next(start_epoch)

    def _path(self, name: str) -> str:
        return os.path.join(self.root, name)

    def _numbers(self, kind: str) -> list[int]:
        numbers = []
        for name in os.listdir(self.root):
            head, _, tail = name.partition("-")
            if head == kind and tail.isdigit():
                numbers.append(int(tail))
        return sorted(numbers)

    def _read(self, name: str) -> str | None:
        try:
            with open(self._path(name), encoding="ascii") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def _write(self, name: str, text: str, *, replace: bool = False) -> bool:
        """Write ``name`` whole at once; without ``replace``, False if it exists."""
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix="tmp-")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(text)
            if replace:
                os.replace(tmp, self._path(name))
                return True
            try:
                os.link(tmp, self._path(name))
            except FileExistsError:
                return False
            return True
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def next_pass(self) -> int:
        passes = self._numbers("pass")
        return passes[-1] + 1 if passes else 0

    def claim(self, token: str) -> int:
        """The number of the pass ``token`` names, claiming the next free one if new."""
        known = self._read(f"token-{token}")
        if known is not None:
            return int(known)
        passes = self._numbers("pass")
        for n in reversed(passes[-self._RECENT:]):
            if self._read(f"pass-{n}") == token:
                return n
        n = passes[-1] + 1 if passes else 0
        while not self._write(f"pass-{n}", token):
            if self._read(f"pass-{n}") == token:
                break
            n += 1
        self._write(f"token-{token}", str(n))
        return n

    def epoch(self, n: int) -> int:
        """The epoch of pass ``n``."""
        anchor = max(a for a in self._numbers("anchor") if a <= n)
        return int(self._read(f"anchor-{anchor}") or 0) + n - anchor

    def set_next(self, epoch: int) -> None:
        """Make the next pass epoch ``epoch``."""
        self._write(f"anchor-{self.next_pass()}", str(epoch), replace=True)


def _failing(exc: Exception) -> TypingIterator[Any]:
    """Raise ``exc`` at the first ``next()``: in a worker, the DataLoader re-raises it
    in the main process (an error while creating the iterator would kill the worker)."""
    raise exc
    yield  # pragma: no cover


class AugwiseDataset(IterableDataset):
    """An ``IterableDataset`` of whole batches from an augwise iterator (see
    :func:`as_dataset`)."""

    def __init__(
        self, iterator: FlowIterator, *, channels_first: bool = False, labels: Labels = "auto",
        rank: int | None = None, world_size: int | None = None, drop_last: bool = False,
    ) -> None:
        if not isinstance(iterator, FlowIterator):
            raise TypeError("iterator must be an augwise flow*() iterator, got "
                            f"{type(iterator).__name__}")
        if rank is not None or world_size is not None or iterator.sharding.world_size == 1:
            sharding = Shard.resolve(rank, world_size, drop_last)
            if sharding != iterator.sharding:
                iterator = iterator.shard(
                    sharding.rank, sharding.world_size, drop_last=sharding.drop_last)
        self.iterator = iterator
        self.channels_first = check_bool("channels_first", channels_first)
        # batches of a channels_first iterator are (N, C, H, W) already
        layout = getattr(iterator, "data_format", iterator.config.data_format)
        self._transpose = self.channels_first and layout == "channels_last"
        self._images_as_target = getattr(iterator, "class_mode", None) == "input"
        self.labels = labels
        self._label_dtype = _label_dtype(labels)
        self._sparse = getattr(iterator, "class_mode", None) == "sparse"
        self._ledger = _PassLedger(iterator.epoch)
        self._worker_passes = 0
        skipped = getattr(iterator.pipeline, "skipped", None)
        if isinstance(skipped, SkipLog):
            skipped.share()

    @property
    def epoch(self) -> int:
        """The epoch of the next pass."""
        return self._ledger.epoch(self._ledger.next_pass())

    def set_epoch(self, epoch: int) -> None:
        """Make the next pass epoch ``epoch`` (the following ones ``epoch + 1``, ...)."""
        if not isinstance(epoch, (int, np.integer)) or isinstance(epoch, bool):
            raise TypeError(f"set_epoch(epoch): epoch must be an int, got {epoch!r}")
        if epoch < 0:
            raise ValueError(f"set_epoch(epoch): epoch must be >= 0, got {epoch!r}")
        self._ledger.set_next(int(epoch))

    def __len__(self) -> int:
        return len(self.iterator)

    def _labels(self, y: Any) -> Any:
        if isinstance(y, list):
            return [self._labels(v) for v in y]
        t = _to_torch(y, False)
        if not isinstance(t, torch.Tensor) or self._label_dtype is None:
            return t
        target = self._label_dtype
        if target == "auto":
            integral = not t.is_floating_point() and not t.is_complex() and t.dtype != torch.bool
            target = torch.int64 if self._sparse or integral else t.dtype
        if isinstance(target, torch.dtype) and t.dtype != target:
            return t.to(target)
        return t

    def _images(self, x: Any) -> Any:
        """The image batch as a tensor (NCHW when asked); with extra inputs (a list whose
        first array is the images) only the images are transposed."""
        if isinstance(x, list) and x:
            return [_to_torch(x[0], self._transpose), *(_to_torch(v, False) for v in x[1:])]
        return _to_torch(x, self._transpose)

    def _convert(self, batch: Any) -> Any:
        if not isinstance(batch, tuple):
            return self._images(batch)
        head = self._images(batch[0])
        target = self._images(batch[1]) if self._images_as_target else self._labels(batch[1])
        return (head, target, *(_to_torch(v, False) for v in batch[2:]))

    def _worker_token(self, worker_id: int, seed: int) -> str:
        """The same string in every worker process of one pass, a new one per pass.

        Workers of one DataLoader iteration are consecutive ``multiprocessing`` processes
        of the parent (``_identity`` minus the worker id is shared, and never reused);
        persistent workers count their passes.
        """
        self._worker_passes += 1
        ident = getattr(multiprocessing.current_process(), "_identity", ())
        first = ".".join(str(i) for i in (*ident[:-1], ident[-1] - worker_id)) if ident else ""
        return f"w{os.getppid()}-{first}-{seed - worker_id}-{self._worker_passes}"

    def __iter__(self) -> TypingIterator[Any]:
        it = self.iterator
        info = get_worker_info()
        if not it.engine.replayable:
            if info is not None:
                return _failing(ValueError(
                    "as_dataset: a keras_compat=True iterator draws from the global "
                    "np.random and cannot be split across DataLoader worker processes; "
                    "use num_workers=0 or keras_compat=False"
                ))
            return self._compat_pass()
        if info is None:
            return self._main_pass(self._ledger.epoch(self._ledger.claim(
                f"m{uuid.uuid4().hex}")))
        try:
            token = self._worker_token(info.id, info.seed)
            epoch = self._ledger.epoch(self._ledger.claim(token))
        except OSError as exc:
            return _failing(RuntimeError(
                f"as_dataset: the epoch ledger {self._ledger.root} failed ({exc}); it "
                "lives as long as the dataset in the main process: keep that alive"
            ))
        return self._worker_pass(epoch, info.id, info.num_workers)

    def _main_pass(self, epoch: int) -> TypingIterator[Any]:
        it = self.iterator
        try:
            for batch in it.epoch_batches(epoch):
                yield self._convert(batch)
        finally:
            with contextlib.suppress(OSError):  # the ledger is gone at interpreter exit
                it.epoch = self.epoch - 1
                it.on_epoch_end()  # now the next pass's epoch, with the caches reset

    def _worker_pass(self, epoch: int, worker: int, workers: int) -> TypingIterator[Any]:
        it = self.iterator
        for b in range(worker, len(it), workers):
            yield self._convert(it._compute((epoch, b)))

    def _compat_pass(self) -> TypingIterator[Any]:
        it = self.iterator
        for batch in it.epoch_batches():
            yield self._convert(batch)
        it.on_epoch_end()


def as_dataset(
    iterator: FlowIterator, *, channels_first: bool = False, labels: Labels = "auto",
    rank: int | None = None, world_size: int | None = None, drop_last: bool = False,
) -> AugwiseDataset:
    """Wrap ``iterator`` for ``torch.utils.data.DataLoader(ds, batch_size=None)``.

    Every pass over the DataLoader is the next epoch, with any ``num_workers`` (see the
    module docstring for ``set_epoch`` and ``it.epoch``).  ``channels_first=True``
    transposes channels-last image batches to ``(N, C, H, W)``.  ``labels="auto"`` gives
    class indices (``class_mode="sparse"``, integer ``y``) as ``torch.int64`` for
    ``CrossEntropyLoss`` and keeps float labels float; ``"keep"`` keeps the iterator's
    dtypes; a ``torch.dtype`` casts the labels to it.  ``rank``, ``world_size`` and
    ``drop_last`` (``DistributedSampler``'s meaning; by default from ``torch.distributed``
    when initialised) give this process its shard of every epoch.

        >>> import numpy as np
        >>> import torch
        >>> from augwise import ImageDataGenerator
        >>> x, y = np.zeros((64, 16, 16, 1), np.uint8), np.arange(64) % 3
        >>> it = ImageDataGenerator(horizontal_flip=True).flow(x, y, batch_size=16, seed=0)
        >>> ds = as_dataset(it, channels_first=True)
        >>> loader = torch.utils.data.DataLoader(ds, batch_size=None)  # any num_workers
        >>> images, labels = next(iter(loader))
        >>> tuple(images.shape), images.dtype, labels.dtype, len(loader)
        ((16, 1, 16, 16), torch.float32, torch.int64, 4)
        >>> len(as_dataset(it, rank=1, world_size=3))  # 22 of the 64 samples: 2 batches
        2
    """
    return AugwiseDataset(iterator, channels_first=channels_first, labels=labels,
                          rank=rank, world_size=world_size, drop_last=drop_last)


__all__ = ["AugwiseDataset", "as_dataset"]
