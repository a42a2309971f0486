"""Keras 3 layer: ``augwise.keras.ImageDataAugmentation(config)`` (needs keras).

``ImageDataGenerator``'s augmentation inside a model, any backend, one fused warp per
image; without Keras the name raises ``ImportError`` with the install hint
(``pip install 'augwise[keras]'``).

    >>> from augwise.keras import ImageDataAugmentation
    >>> ImageDataAugmentation(rotation_range=20, seed=1).config.rotation_range
    20.0
"""

from __future__ import annotations

from augwise._lazy import lazy_exports

# resolved on first use, so that importing this module loads no keras
__getattr__, __dir__ = lazy_exports(
    __name__, {"ImageDataAugmentation": "augwise.keras_layer.layer"}, globals()
)
