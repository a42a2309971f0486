"""Batch iterators with Keras' attributes and behaviour.

Default mode: batch ``b`` of epoch ``e`` is a pure function of ``(seed, e, b)``: the
sample order comes from the seed and epoch, each sample's parameters from its index
(see :mod:`augwise.core.sampling`).  So any number of workers, repeated calls and
prefetching give the same batches, and ``on_epoch_end()`` moves to the next epoch.

``keras_compat``: the exact Keras 3.15 ``Iterator`` logic (global ``np.random`` seeded
with ``seed + total_batches_seen``, the ``_flow_index`` generator, ...).  Which of the two
an iterator follows is its :class:`Engine`, chosen once from the config.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from collections.abc import Iterator as TypingIterator
from typing import Any, NamedTuple, Protocol, TypeVar

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.machine import usable_cores
from augwise.core.params import TransformParams
from augwise.core.sampling import RandomStreams, resolve_seed
from augwise.core.validate import check_int
from augwise.io.sources import WHITE_LIST_FORMATS
from augwise.loader.executor import Prefetcher, WorkerPool
from augwise.loader.keras_pipeline import KerasPipeline
from augwise.loader.labels import ArrayTargets, FileTargets
from augwise.loader.options import FlowOptions, Shard
from augwise.loader.pipeline import BatchImages, Pipeline, after

Targets = ArrayTargets | FileTargets
AnyPipeline = Pipeline | KerasPipeline
It = TypeVar("It", bound="FlowIterator")


class Made(NamedTuple):
    """A computed batch, not yet handed to the user."""

    epoch: int
    images: BatchImages
    batch: Any  # what the user receives: images, targets, sample weights


def default_workers() -> int:
    """Worker threads when not given: the usable cores, at most 8."""
    return max(1, min(8, usable_cores()))


class Engine(Protocol):
    """What differs between default mode and ``keras_compat`` (see
    :mod:`augwise.loader.engine`, which chooses one per config).  An iterator holds one
    and asks it; the methods taking the iterator own its batch order."""

    name: str
    replayable: bool  # draws are a pure function of (seed, epoch, index)

    def check_seed(self, seed: int) -> None: ...

    def getitem(self, it: FlowIterator, idx: int) -> Any: ...

    def next(self, it: FlowIterator) -> Any: ...

    def epoch_end(self, it: FlowIterator) -> None: ...

    def index_array(self, it: FlowIterator) -> np.ndarray: ...

    def epoch_batches(self, it: FlowIterator, epoch: int) -> TypingIterator[Any]: ...


class Iterator:
    """Keras' base class of image iterators: subclass it and implement
    ``_get_batches_of_transformed_samples(index_array)``, as with Keras' ``Iterator``.

    The batch order is Keras' (``np.random`` seeded with ``seed + total_batches_seen``,
    reshuffled by ``on_epoch_end``), because a subclass draws its own randomness; the
    keyword arguments are ``keras.utils.PyDataset``'s.  augwise's own iterators
    (:class:`FlowIterator` and below) derive from it with their own order and pipeline.
    For ``model.fit``, mix ``keras.utils.PyDataset`` into a subclass, as Keras' base
    class is one: ``class MyIterator(augwise.Iterator, keras.utils.PyDataset)``.

        >>> import numpy as np
        >>> class Squares(Iterator):
        ...     def _get_batches_of_transformed_samples(self, index_array):
        ...         return index_array ** 2
        >>> it = Squares(5, 2, shuffle=False, seed=None)
        >>> len(it), it[2].tolist(), next(it).tolist(), it.next().tolist()
        (3, [16], [0, 1], [4, 9])
    """

    white_list_formats = WHITE_LIST_FORMATS

    def __init__(
        self, n: int, batch_size: int, shuffle: bool, seed: int | None, *,
        workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10,
    ) -> None:
        self.n = check_int("n", n, minimum=0)
        self.batch_size = check_int("batch_size", batch_size, minimum=0)
        if self.batch_size == 0 and self.n > 0:
            raise ValueError("batch_size must be >= 1 (0 only with n=0), got 0")
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array: np.ndarray | None = None
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size
        self.index_generator = self._flow_index()

    # -- keras.utils.PyDataset protocol -----------------------------------------------

    @property
    def workers(self) -> int:
        return self._workers

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    @property
    def num_batches(self) -> int:
        return len(self)

    def on_epoch_begin(self) -> None:
        """Called by Keras at the start of an epoch; nothing to do."""

    def __len__(self) -> int:
        if self.batch_size <= 0:
            return 0
        return (self.n + self.batch_size - 1) // self.batch_size

    # -- Keras' Iterator -------------------------------------------------------------

    def _set_index_array(self) -> None:
        """Keras' reshuffle, from the global ``np.random``."""
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx: int) -> Any:
        if idx >= len(self):
            raise ValueError(
                f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}"
            )
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        order = self._order_now()
        return self._get_batches_of_transformed_samples(
            order[self.batch_size * idx : self.batch_size * (idx + 1)]
        )

    def on_epoch_end(self) -> None:
        self._set_index_array()

    def reset(self) -> None:
        """Start the next ``next()`` at the first batch (of the current epoch)."""
        self.batch_index = 0

    def _order_now(self) -> np.ndarray:
        if self.index_array is None:  # pragma: no cover - set by the callers
            raise RuntimeError("no index array")
        return self.index_array

    def _flow_index(self) -> TypingIterator[np.ndarray]:
        """Keras' ``_flow_index`` generator: the index arrays of ``next()``."""
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current_index = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current_index + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            order = self._order_now()
            self._flow_end(order, min(self.n, current_index + self.batch_size))
            yield order[current_index : current_index + self.batch_size]

    def _flow_end(self, order: np.ndarray, end: int) -> None:
        """Hook: the order and end of the batch ``_flow_index`` yields."""

    def __iter__(self) -> Iterator:
        return self

    def __next__(self) -> Any:
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def next(self) -> Any:
        """The next batch: ``next(it)`` (the method of tf.keras 2's iterators)."""
        return self.__next__()

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        """The batch of the samples ``index_array``: what a subclass implements."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement _get_batches_of_transformed_samples"
            "(index_array), as subclasses of Keras' Iterator do"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for key in ("lock", "index_generator"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.lock = threading.Lock()
        self.index_generator = self._flow_index()


class FlowIterator(Iterator):
    """Base class of augwise's batch iterators (a ``keras.utils.PyDataset`` when Keras is
    importable, see :mod:`augwise.loader.keras_adapter`).

    ``pipeline`` builds the batch pipeline from the iterator's random streams, so that it
    is made once, with its final seed."""

    def __init__(
        self,
        n: int,
        options: FlowOptions,
        *,
        config: AugmentConfig,
        engine: Engine,
        pipeline: Callable[[RandomStreams], AnyPipeline],
        targets: Targets,
    ) -> None:
        seed = options.seed
        if seed is not None:
            engine.check_seed(seed)
        self.options = options
        self.epoch = 0
        self.sharding = Shard()
        self.config = config
        self.engine = engine
        self.targets = targets
        self.last_batch: BatchImages | None = None
        self._orders: OrderedDict[int, np.ndarray] = OrderedDict()
        self._order_lock = threading.Lock()
        self._stream: Prefetcher[tuple[int, int], Any] | None = None
        self._flow_window: tuple[np.ndarray, int] = (np.arange(0), 0)  # compat: order, end
        super().__init__(
            n, options.batch_size, options.shuffle, seed,
            workers=default_workers() if options.workers is None else options.workers,
            use_multiprocessing=options.use_multiprocessing,
            max_queue_size=options.max_queue_size,
        )
        self.resolved_seed = resolve_seed(seed if seed is not None else config.seed)
        self._streams = RandomStreams(self.resolved_seed)
        self.pipeline = pipeline(self._streams)
        self._pool = WorkerPool(self._workers)

    @property
    def keras_compat(self) -> bool:
        """Whether batches are Keras 3.15's, bug for bug (``config.keras_compat``)."""
        return self.engine.name == "keras"

    def __len__(self) -> int:
        return (self.sharding.size(self.n) + self.batch_size - 1) // self.batch_size

    # -- sample order -----------------------------------------------------------------

    def order(self, epoch: int) -> np.ndarray:
        """Sample indices in the order of ``epoch`` (default mode): this process's shard
        of it when sharded (see :meth:`shard`)."""
        with self._order_lock:
            hit = self._orders.get(epoch)
            if hit is not None:
                return hit
        order = self._streams.permutation(epoch, self.n) if self.shuffle else np.arange(self.n)
        order = self.sharding.select(order)
        order.setflags(write=False)
        with self._order_lock:
            self._orders[epoch] = order
            while len(self._orders) > 2:
                self._orders.popitem(last=False)
        return order

    def shard(
        self: It, rank: int | None = None, world_size: int | None = None, *,
        drop_last: bool = False,
    ) -> It:
        """A copy of this iterator that gives process ``rank`` of ``world_size`` its
        shard of every epoch (see :class:`~augwise.loader.options.Shard`: padded by
        repeating the epoch's start, or cut with ``drop_last=True``, as
        ``DistributedSampler`` does).  Without ``rank`` and ``world_size``: from
        ``torch.distributed`` when it is initialised, else the whole epoch.

        Every rank needs the same ``seed``: a sample's augmentation follows from
        ``(seed, epoch, sample index)``, whichever rank draws it.  ``n``, ``filenames``
        and ``classes`` still describe the whole dataset; ``len()`` counts the rank's
        batches.  The shard is always of the whole dataset (sharding a shard re-shards).

            >>> import numpy as np
            >>> from augwise import ImageDataGenerator
            >>> it = ImageDataGenerator().flow(np.zeros((10, 4, 4, 1)), batch_size=2, seed=0)
            >>> part = it.shard(rank=1, world_size=4)
            >>> len(it), len(part), part.order(0).size
            (5, 2, 3)
        """
        sharding = Shard.resolve(rank, world_size, drop_last)
        if sharding.world_size > 1:
            if not self.engine.replayable:
                raise ValueError(
                    "shard: a keras_compat=True iterator draws from the global np.random, "
                    "so ranks would not agree on the order; use keras_compat=False, or "
                    "world_size=1 to give every rank the whole epoch"
                )
            if self.seed is None and self.config.seed is None:
                raise ValueError(
                    f"shard: world_size={sharding.world_size} needs the same seed on every "
                    "rank, and this iterator's seed is drawn per process; pass seed=<int> "
                    "to flow*() (or to ImageDataGenerator)"
                )
            if sharding.size(self.n) == 0:
                raise ValueError(
                    f"shard: drop_last=True leaves no samples per rank ({self.n} samples "
                    f"across world_size={sharding.world_size}); use drop_last=False"
                )
        state = self.__getstate__()
        state.update(sharding=sharding, _orders=OrderedDict(), index_array=None,
                     batch_index=0)
        copy: It = object.__new__(type(self))
        copy.__setstate__(state)
        return copy

    def _set_index_array(self) -> None:
        """Keras' reshuffle (the engine's order of the epoch)."""
        self.index_array = self.engine.index_array(self)

    # -- batches ----------------------------------------------------------------------

    def _indices(self, epoch: int, idx: int) -> np.ndarray:
        return self.order(epoch)[self.batch_size * idx : self.batch_size * (idx + 1)]

    def _make(self, key: tuple[int, int]) -> Made:
        """Batch ``idx`` of ``epoch`` (``key``); the slots of skipped files are filled by
        the next readable samples of the epoch's order after the batch (cyclically)."""
        epoch, idx = key
        if not isinstance(self.pipeline, Pipeline):
            raise TypeError("default-mode batches need a default pipeline")
        order = self.order(epoch)
        end = min(len(order), self.batch_size * (idx + 1))
        res = self.pipeline.run(epoch, order[self.batch_size * idx : end], after(order, end))
        return Made(epoch, res, self.targets.batch(res.x, res.sources[res.kept]))

    def _deliver(self, made: Made) -> Any:
        """Hand a batch to the user: ``save_to_dir`` writes exactly the batches consumed."""
        self.last_batch = made.images
        if isinstance(self.pipeline, Pipeline):
            self.pipeline.save_batch(made.epoch, made.images)
        return made.batch

    def _compute(self, key: tuple[int, int]) -> Any:
        """Batch ``key = (epoch, idx)`` for the user (computed here, then delivered)."""
        return self._deliver(self._make(key))

    def __getitem__(self, idx: int) -> Any:
        if not isinstance(idx, (int, np.integer)) or isinstance(idx, bool):
            raise TypeError(f"batch index must be an int, got {idx!r}")
        if idx >= len(self):
            raise ValueError(
                f"Asked to retrieve element {idx}, but the Sequence has length {len(self)}"
            )
        return self.engine.getitem(self, int(idx))

    def batch_params(self, idx: int, epoch: int | None = None) -> list[TransformParams]:
        """Replay the parameters of batch ``idx`` of ``epoch`` (default: current), without
        decoding anything (default mode).  A skipped file's slot keeps its parameters: they
        are applied to the stand-in sample (see :attr:`BatchImages.sources`)."""
        if not self.engine.replayable or not isinstance(self.pipeline, Pipeline):
            raise ValueError(
                "batch_params needs default mode: keras_compat draws are not replayable"
            )
        if not 0 <= idx < len(self):
            raise ValueError(f"batch {idx} does not exist: this iterator has {len(self)}")
        e = self.epoch if epoch is None else epoch
        return self.pipeline.params(e, self._indices(e, idx)).to_list()

    def on_epoch_end(self) -> None:
        self.engine.epoch_end(self)

    def reset(self) -> None:
        """Start the next ``next()`` at the first batch (of the current epoch)."""
        super().reset()
        self._drop_stream()

    def _drop_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def _keys(self, epoch: int, batch: int) -> TypingIterator[tuple[int, int]]:
        n_batches = max(1, len(self))
        while True:
            yield (epoch, batch)
            batch += 1
            if batch >= n_batches:
                batch = 0
                epoch += 1

    def __next__(self) -> Any:
        return self.engine.next(self)

    def epoch_batches(self, epoch: int | None = None) -> TypingIterator[Any]:
        """All batches of one epoch in order, prefetched on the worker threads."""
        return self.engine.epoch_batches(self, self.epoch if epoch is None else epoch)

    def close(self) -> None:
        """Stop the worker threads (they restart on demand)."""
        self._drop_stream()
        self._pool.shutdown()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["last_batch"] = None
        for key in ("_order_lock", "_pool", "_stream"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._order_lock = threading.Lock()
        self._pool = WorkerPool(state["_workers"])
        self._stream = None
        super().__setstate__(state)

    @property
    def skipped(self) -> dict[str, str]:
        """Files skipped with ``on_error='skip'``: path -> reason (``len()``: the count).

        A skipped file's slot in a batch is filled by another sample, so batches keep
        their size and ``len(self)`` holds."""
        log = getattr(self.pipeline, "skipped", None)
        return dict(log.files) if log is not None else {}

    def _flow_end(self, order: np.ndarray, end: int) -> None:
        """``keras_compat``'s ``next()`` reads the window of the batch just drawn."""
        self._flow_window = (order, end)


def warn_channels(x: np.ndarray, data_format: str) -> None:
    axis = 3 if data_format == "channels_last" else 1
    if x.shape[axis] not in {1, 3, 4}:
        warnings.warn(
            f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
            f"(channels on axis {axis}), i.e. expected either 1, 3, or 4 channels on axis "
            f"{axis}. However, it was passed an array with shape {x.shape} "
            f"({x.shape[axis]} channels).",
            stacklevel=4,
        )


__all__ = ["Engine", "FlowIterator", "Iterator"]
