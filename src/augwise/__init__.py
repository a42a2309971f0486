"""augwise: fast, correct image augmentation with a doctor and a tuner.

>>> from augwise import ImageDataGenerator
>>> gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from augwise.core.config import AugmentConfig
    from augwise.core.params import TransformParams
    from augwise.io.decode import ImageDecodeError
    from augwise.keras_api.generator import ImageDataGenerator
    from augwise.loader.array_iterator import NumpyArrayIterator
    from augwise.loader.file_iterators import DataFrameIterator, DirectoryIterator
    from augwise.loader.iterators import Iterator

__version__ = "0.1.0"

# imported on first use: `import augwise` stays instant (the CLI's Ctrl-C handling
# starts before any heavy import)
_EXPORTS = {
    "AugmentConfig": "augwise.core.config",
    "DataFrameIterator": "augwise.loader.file_iterators",
    "DirectoryIterator": "augwise.loader.file_iterators",
    "ImageDataGenerator": "augwise.keras_api.generator",
    "ImageDecodeError": "augwise.io.decode",
    "Iterator": "augwise.loader.iterators",
    "NumpyArrayIterator": "augwise.loader.array_iterator",
    "TransformParams": "augwise.core.params",
}

__all__ = [
    "AugmentConfig",
    "DataFrameIterator",
    "DirectoryIterator",
    "ImageDataGenerator",
    "ImageDecodeError",
    "Iterator",
    "NumpyArrayIterator",
    "TransformParams",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'augwise' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
