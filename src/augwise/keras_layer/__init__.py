"""The Keras 3 layer (needs keras): see :mod:`augwise.keras`.  ``support`` (what the
layer cannot mean) imports no keras."""

from augwise._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__, {"ImageDataAugmentation": "augwise.keras_layer.layer"}, globals()
)
