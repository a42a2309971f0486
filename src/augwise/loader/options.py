"""The ``flow*()`` options, declared once.

:class:`FlowOptions` holds every option of Keras' ``flow``, ``flow_from_directory`` and
``flow_from_dataframe`` (and augwise's own) that is not the data itself, checked when it
is made.  The three ``flow*`` methods keep Keras' signatures and build one; the iterators
take one (or its fields as keyword arguments).

>>> FlowOptions(target_size=[64, 64], shuffle=False).target_size
(64, 64)
>>> FlowOptions(batch_size=0)
Traceback (most recent call last):
...
ValueError: batch_size must be >= 1, got 0
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from augwise.core.config import DATA_FORMATS
from augwise.core.validate import check_bool, check_choice, check_int
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


FIELDS = frozenset(f.name for f in dataclasses.fields(FlowOptions))
_BOOLS = ("shuffle", "ignore_class_split", "follow_links", "keep_aspect_ratio",
          "validate_filenames", "verbose", "use_multiprocessing")
_INTS = {"batch_size": 1, "seed": 0, "workers": 0, "max_queue_size": 1}  # name: minimum
_OPTIONAL = ("seed", "workers")  # None: not given

__all__ = ["FIELDS", "FlowOptions", "check_target_size"]
