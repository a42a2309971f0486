"""augwise: fast, correct image augmentation with a doctor and a tuner.

>>> from augwise import ImageDataGenerator
>>> gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True)

Public names: :class:`ImageDataGenerator`, :class:`AugmentConfig`, :func:`diagnose` (the
doctor), the presets :data:`CLASSIC_BALANCED` and :data:`CLASSIC_OVERAUGMENTED`, and the
iterator classes; the tuner is :mod:`augwise.tune` (``tune``, ``measure_harm``) and the
PyTorch adapter :mod:`augwise.torch`.
"""

from __future__ import annotations

from augwise._lazy import lazy_exports

TYPE_CHECKING = False  # not ``typing.TYPE_CHECKING``: importing typing costs ~5 ms
if TYPE_CHECKING:
    from augwise.core.config import AugmentConfig
    from augwise.core.params import TransformParams
    from augwise.core.presets import CLASSIC_BALANCED, CLASSIC_OVERAUGMENTED
    from augwise.doctor import diagnose
    from augwise.io.decode import ImageDecodeError
    from augwise.keras_api.generator import ImageDataGenerator
    from augwise.loader.array_iterator import NumpyArrayIterator
    from augwise.loader.file_iterators import DataFrameIterator, DirectoryIterator
    from augwise.loader.iterators import Iterator

__version__ = "0.1.0"

# imported on first use: `import augwise` stays instant (the CLI's Ctrl-C handling
# starts before any heavy import) and loads no pandas, matplotlib, scipy, torch or keras
_EXPORTS = {
    "AugmentConfig": "augwise.core.config",
    "CLASSIC_BALANCED": "augwise.core.presets",
    "CLASSIC_OVERAUGMENTED": "augwise.core.presets",
    "DataFrameIterator": "augwise.loader.file_iterators",
    "DirectoryIterator": "augwise.loader.file_iterators",
    "ImageDataGenerator": "augwise.keras_api.generator",
    "ImageDecodeError": "augwise.io.decode",
    "Iterator": "augwise.loader.iterators",
    "NumpyArrayIterator": "augwise.loader.array_iterator",
    "TransformParams": "augwise.core.params",
    "diagnose": "augwise.doctor",
}

__all__ = [
    "CLASSIC_BALANCED",
    "CLASSIC_OVERAUGMENTED",
    "AugmentConfig",
    "DataFrameIterator",
    "DirectoryIterator",
    "ImageDataGenerator",
    "ImageDecodeError",
    "Iterator",
    "NumpyArrayIterator",
    "TransformParams",
    "__version__",
    "diagnose",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
