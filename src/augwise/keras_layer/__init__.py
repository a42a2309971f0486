"""The Keras 3 layer (needs keras): see :mod:`augwise.keras`."""

from augwise.keras_layer.layer import ImageDataAugmentation

__all__ = ["ImageDataAugmentation"]
