"""Make iterators ``keras.utils.PyDataset`` subclasses when Keras can be imported.

Keras stays optional and is not imported by ``import augwise``: the first ``flow*``
call imports it if it is installed, and returns an instance of a subclass that also
derives from ``PyDataset`` (so ``model.fit(iterator)`` works on any Keras 3 backend,
with ``workers``).  ``AUGWISE_KERAS=0`` turns this off.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from typing import Any, TypeVar

T = TypeVar("T")


@functools.cache
def pydataset_class() -> type | None:
    """``keras.utils.PyDataset``, or None if Keras is absent, disabled or broken."""
    if os.environ.get("AUGWISE_KERAS", "auto").lower() in ("0", "false", "off", "no"):
        return None
    if "keras" not in sys.modules and importlib.util.find_spec("keras") is None:
        return None
    try:
        from keras.utils import PyDataset
    except Exception:
        return None
    return PyDataset


_CLASSES: dict[type, type] = {}


def keras_class(cls: type[T]) -> type[T]:
    """``cls`` with ``PyDataset`` mixed in (cached), or ``cls`` itself without Keras."""
    base = pydataset_class()
    if base is None:
        return cls
    if cls not in _CLASSES:
        mixed = type(
            cls.__name__,
            (cls, base),
            {"__module__": cls.__module__, "__doc__": cls.__doc__, "__reduce__": _reduce},
        )
        _CLASSES[cls] = mixed
    return _CLASSES[cls]


def _reduce(self: Any) -> tuple[Any, ...]:
    plain = type(self).__mro__[1]
    return (_rebuild, (plain, self.__getstate__()))


def _rebuild(plain: type, state: dict[str, Any]) -> Any:
    cls: type = keras_class(plain)
    obj: Any = object.__new__(cls)
    obj.__setstate__(state)
    return obj


def create(cls: type[T], *args: Any, **kwargs: Any) -> T:
    """Instantiate ``cls`` (as a PyDataset subclass when Keras is available)."""
    return keras_class(cls)(*args, **kwargs)
