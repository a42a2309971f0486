"""The ``flow*()`` options, declared once.

:class:`FlowOptions` holds every option of Keras' ``flow``, ``flow_from_directory`` and
``flow_from_dataframe`` (and augwise's own) that is not the data itself, checked when it
is made.  The three ``flow*`` methods keep Keras' signatures and build one; the iterators
take one (or its fields as keyword arguments).  :class:`Shard` is the part of each epoch
that one process of a distributed run gets (``it.shard(rank, world_size)``).

>>> FlowOptions(target_size=[64, 64], shuffle=False).target_size
(64, 64)
>>> FlowOptions(batch_size=0)
Traceback (most recent call last):
...
ValueError: batch_size must be >= 1, got 0
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from augwise.core.config import DATA_FORMATS
from augwise.core.validate import check_bool, check_choice, check_int, short_repr
from augwise.io.decode import COLOR_MODES, DEFAULT_MAX_PIXELS, INTERPOLATIONS, check_max_pixels
from augwise.io.sources import check_subset
from augwise.loader.pipeline import ON_ERROR


def check_target_size(value: Any) -> tuple[int, int]:
    """``value`` as ``(height, width)`` of positive ints, or a ValueError naming it."""
    if (
        not isinstance(value, (tuple, list))
        or len(value) != 2
        or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
        or min(value) < 1
    ):
        raise ValueError(f"target_size must be (height, width) of positive ints, got {value!r}")
    return (int(value[0]), int(value[1]))


@dataclass(frozen=True)
class FlowOptions:
    """How a ``flow*()`` iterator batches, reads and saves its samples.

    The fields are the ``flow*()`` keyword arguments of the same names (Keras' meaning,
    see :meth:`augwise.ImageDataGenerator.flow_from_directory`); options a flow does not
    use are ignored by it.  ``data_format=None`` and ``dtype=None``: the generator's.

        >>> opts = FlowOptions(batch_size=8, target_size=(32, 32), seed=0)
        >>> opts.replace(shuffle=False).shuffle, opts.batch_size
        (False, 8)
    """

    batch_size: int = 32
    shuffle: bool = True
    seed: int | None = None
    subset: str | None = None
    save_to_dir: Any = None
    save_prefix: str = ""
    save_format: str = "png"
    data_format: str | None = None
    dtype: str | None = None
    # arrays (flow)
    ignore_class_split: bool = False
    # files (flow_from_directory, flow_from_dataframe)
    target_size: tuple[int, int] = (256, 256)
    color_mode: str = "rgb"
    classes: Sequence[str] | None = None
    class_mode: str | None = "categorical"  # checked by the iterator: its modes differ
    follow_links: bool = False
    interpolation: str = "nearest"
    keep_aspect_ratio: bool = False
    validate_filenames: bool = True
    on_error: str = "raise"
    max_image_pixels: int | None = DEFAULT_MAX_PIXELS
    verbose: bool = True
    cache: Any = None
    cache_limit_bytes: int | None = None
    # the worker threads (also Keras' PyDataset arguments)
    workers: int | None = None
    use_multiprocessing: bool = False
    max_queue_size: int = 10

    def __post_init__(self) -> None:
        for name in _BOOLS:
            self._set(name, check_bool(name, getattr(self, name)))
        for name, minimum in _INTS.items():
            value = getattr(self, name)
            if value is not None or name not in _OPTIONAL:
                self._set(name, check_int(name, value, minimum))
        check_subset(self.subset)
        if self.data_format is not None:
            check_choice("data_format", self.data_format, DATA_FORMATS)
        self._set("target_size", check_target_size(self.target_size))
        check_choice("color_mode", self.color_mode, COLOR_MODES)
        check_choice("interpolation", self.interpolation, INTERPOLATIONS)
        check_choice("on_error", self.on_error, ON_ERROR)
        self._set("max_image_pixels", check_max_pixels(self.max_image_pixels))

    def _set(self, name: str, value: Any) -> None:
        """Store the checked (normalised) ``value`` of field ``name``."""
        object.__setattr__(self, name, value)

    @classmethod
    def create(
        cls, given: Mapping[str, Any], base: FlowOptions | Mapping[str, Any] | None = None,
        *, caller: str = "flow",
    ) -> FlowOptions:
        """From keyword arguments ``given`` over ``base`` (options or a mapping of
        defaults); a TypeError names an unknown one, as Python does for ``caller()``.

            >>> FlowOptions.create({"batch_size": 4}, {"shuffle": False}).shuffle
            False
        """
        unknown = sorted(set(given) - FIELDS)
        if unknown:
            raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
        if isinstance(base, FlowOptions):
            base = {name: getattr(base, name) for name in FIELDS}
        return cls(**{**(base or {}), **given})

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any], **fixed: Any) -> FlowOptions:
        """The options among a ``flow*()`` call's ``arguments`` (its ``locals()``: other
        names are left out), with ``fixed`` on top."""
        return cls(**{k: v for k, v in arguments.items() if k in FIELDS}, **fixed)

    def replace(self, **changes: Any) -> FlowOptions:
        """A copy with ``changes`` (checked again)."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Shard:
    """The part of each epoch that one process of a distributed run gets.

    As ``torch.utils.data.DistributedSampler`` does: the epoch's order (the same on every
    rank, from the shared seed) is padded up to a multiple of ``world_size`` by repeating
    its start (``drop_last=True``: cut down to one instead), and rank ``r`` takes the
    positions ``r, r + world_size, ...``.  So the ranks' shards are disjoint (but for the
    padding), equally long, and together the whole epoch.

        >>> Shard(rank=1, world_size=2).select(np.arange(5))
        array([1, 3, 0])
        >>> Shard(rank=1, world_size=2, drop_last=True).select(np.arange(5))
        array([1, 3])
    """

    rank: int = 0
    world_size: int = 1
    drop_last: bool = False

    def __post_init__(self) -> None:
        for name in ("rank", "world_size"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
                raise TypeError(
                    f"{name} must be an int, got {short_repr(value)}: pass the process's "
                    "rank and the number of processes, e.g. rank=0, world_size=2"
                )
            self._set(name, int(value))
        if self.world_size < 1:
            raise ValueError(
                f"world_size must be >= 1 (the number of processes), got {self.world_size}"
            )
        if not 0 <= self.rank < self.world_size:
            raise ValueError(
                f"rank must be in 0 .. world_size - 1 = {self.world_size - 1}, got "
                f"{self.rank}: pass this process's rank, counted from 0"
            )
        self._set("drop_last", check_bool("drop_last", self.drop_last))

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    @classmethod
    def resolve(
        cls, rank: int | None = None, world_size: int | None = None, drop_last: bool = False
    ) -> Shard:
        """``rank`` and ``world_size`` as given; a missing one from ``torch.distributed``
        when it is initialised (torch is never imported for this), else rank 0 of 1.

            >>> Shard.resolve(1, 4).rank, Shard.resolve().world_size
            (1, 1)
        """
        if rank is None or world_size is None:
            dist = sys.modules.get("torch.distributed")
            if dist is not None and dist.is_available() and dist.is_initialized():
                rank = dist.get_rank() if rank is None else rank
                world_size = dist.get_world_size() if world_size is None else world_size
            elif rank is None and world_size is None:
                rank, world_size = 0, 1
            else:
                given, missing = ("rank", "world_size") if world_size is None else (
                    "world_size", "rank")
                raise ValueError(
                    f"{missing} is missing: {given} was given without it and "
                    "torch.distributed is not initialised; pass both rank= and "
                    "world_size=, or neither to take them from torch.distributed"
                )
        return cls(rank, world_size, drop_last)

    def size(self, n: int) -> int:
        """Samples per rank in an epoch of ``n`` samples."""
        return n // self.world_size if self.drop_last else -(-n // self.world_size)

    def select(self, order: np.ndarray) -> np.ndarray:
        """This rank's samples of the epoch order ``order``, in order."""
        if self.world_size == 1:
            return order
        total = self.size(len(order)) * self.world_size
        padded = np.resize(order, total) if total > len(order) else order[:total]
        return padded[self.rank :: self.world_size]


FIELDS = frozenset(f.name for f in dataclasses.fields(FlowOptions))
_BOOLS = ("shuffle", "ignore_class_split", "follow_links", "keep_aspect_ratio",
          "validate_filenames", "verbose", "use_multiprocessing")
_INTS = {"batch_size": 1, "seed": 0, "workers": 0, "max_queue_size": 1}  # name: minimum
_OPTIONAL = ("seed", "workers")  # None: not given

__all__ = ["FIELDS", "FlowOptions", "Shard", "check_target_size"]
