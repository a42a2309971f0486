"""The ``flow*()`` arguments the doctor checks the data against.

>>> FlowOptions.create({"target_size": (64, 64), "shuffle": False}).target_size
(64, 64)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from augwise.io.dataframe import CLASS_MODES
from augwise.io.decode import CHANNELS
from augwise.loader.options import FlowOptions as LoaderFlowOptions
from augwise.loader.options import check_target_size

KERAS_DEFAULT_TARGET = (256, 256)
ENGINES = ("augwise", "keras")


@dataclass(frozen=True)
class FlowOptions:
    """``flow_from_directory`` / ``flow_from_dataframe`` / ``flow`` arguments.

    ``target_size=None`` means "not given": file data is then checked at Keras' default
    (256, 256), arrays at their own size.  ``x_col``/``y_col``/``directory`` are read for
    dataframes and CSV files (paths relative to ``directory``, else to the CSV file).
    """

    target_size: tuple[int, int] | None = None
    color_mode: str = "rgb"
    class_mode: str | None = "categorical"
    batch_size: int = 32
    shuffle: bool = True
    subset: str | None = None
    interpolation: str = "nearest"
    keep_aspect_ratio: bool = False
    seed: int | None = None
    x_col: str = "filename"
    y_col: str = "class"
    directory: str | None = None
    workers: int | None = None
    max_queue_size: int = 10

    def __post_init__(self) -> None:
        if self.target_size is not None:
            object.__setattr__(self, "target_size", check_target_size(self.target_size))
        # the options shared with flow*() are checked as flow*() checks them
        LoaderFlowOptions(**{name: getattr(self, name) for name in _SHARED})
        if self.class_mode not in CLASS_MODES:
            raise ValueError(f"class_mode must be one of {CLASS_MODES}, got {self.class_mode!r}")

    @property
    def channels(self) -> int:
        return CHANNELS[self.color_mode]

    @classmethod
    def create(cls, value: FlowOptions | Mapping[str, Any] | None) -> FlowOptions:
        """From a :class:`FlowOptions`, a mapping of flow arguments, or None."""
        if value is None:
            return cls()
        if isinstance(value, FlowOptions):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(f"flow must be a mapping of flow arguments, got {type(value).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"flow: unknown argument(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(known))}")
        kwargs = dict(value)
        if isinstance(kwargs.get("target_size"), list):
            kwargs["target_size"] = tuple(kwargs["target_size"])
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["target_size"] = list(self.target_size) if self.target_size else None
        return out


_SHARED = ("color_mode", "batch_size", "shuffle", "subset", "interpolation",
           "keep_aspect_ratio", "seed", "workers", "max_queue_size")
