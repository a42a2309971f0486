"""augwise: fast, correct image augmentation with a doctor and a tuner.

>>> from augwise import ImageDataGenerator
>>> gen = ImageDataGenerator(rotation_range=10, horizontal_flip=True)
"""

from augwise.core.config import AugmentConfig
from augwise.core.params import TransformParams
from augwise.io.decode import ImageDecodeError
from augwise.keras_api.generator import ImageDataGenerator
from augwise.loader.array_iterator import NumpyArrayIterator
from augwise.loader.file_iterators import DataFrameIterator, DirectoryIterator
from augwise.loader.iterators import Iterator

__version__ = "0.1.0"

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
