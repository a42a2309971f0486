"""``ImageDataAugmentation``: ``ImageDataGenerator``'s augmentation as a Keras 3 layer."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

try:
    import keras
    from keras import ops
except ImportError as exc:  # pragma: no cover - exercised without keras
    raise ImportError("augwise.keras needs Keras 3: pip install 'augwise[keras]'") from exc

from augwise.core.config import AugmentConfig, config_fields, read_config
from augwise.keras_layer.ops import ValueRange, augment, draw
from augwise.keras_layer.support import unsupported

_CONFIG_FIELDS = frozenset(f.name for f in config_fields()) - {"dtype"}  # dtype: the layer's


def _augmentation_config(config: AugmentConfig | Mapping[str, Any] | str | os.PathLike[str] |
                         None, idg_kwargs: Mapping[str, Any]) -> AugmentConfig:
    """The config (through the one reader), refused where the layer cannot mean it."""
    if isinstance(config, AugmentConfig):
        cfg = config.replace(**idg_kwargs) if idg_kwargs else config
    else:
        cfg = read_config(config, overrides=idg_kwargs).config
    for why in unsupported(cfg).values():
        raise ValueError(why)
    if cfg.standardizes:
        raise ValueError(
            "the Keras layer only augments: drop rescale, the featurewise/samplewise "
            "options, zca_whitening and preprocessing_function (config.augmentation_only()) "
            "and add keras.layers.Rescaling/Normalization after the layer"
        )
    return cfg


@keras.saving.register_keras_serializable(package="augwise")
class ImageDataAugmentation(keras.layers.Layer):
    """``ImageDataGenerator``'s random augmentation inside a model, on any Keras backend.

    ``config``: an :class:`~augwise.AugmentConfig`, a mapping of ``ImageDataGenerator``
    arguments, a ``.json``/``.yaml`` path, or None; ``ImageDataGenerator`` keyword
    arguments (``rotation_range=20``, ...) add to it.  Each image gets one fused affine
    warp (rotation, shifts, shear, per-axis zoom and flips, with the engine's matrices,
    fill mode and cval), then channel shift and brightness clipped to ``value_range``.
    Parameters are drawn as the engine draws them, from ``keras.random`` with a
    ``SeedGenerator(seed)``.  Identity unless ``training`` is true.

        >>> import keras
        >>> aug = ImageDataAugmentation(rotation_range=20, horizontal_flip=True, seed=1)
        >>> model = keras.Sequential([keras.Input((32, 32, 3)), aug,
        ...                           keras.layers.Conv2D(8, 3)])
    """

    def __init__(self, config: AugmentConfig | Mapping[str, Any] | str | os.PathLike[str] |
                 None = None, *, seed: int | None = None, data_format: str | None = None,
                 value_range: ValueRange = (0.0, 255.0), **kwargs: Any) -> None:
        idg = {k: kwargs.pop(k) for k in list(kwargs) if k in _CONFIG_FIELDS}
        super().__init__(**kwargs)
        self.config = _augmentation_config(config, idg)
        self.data_format = data_format or self.config.data_format
        if self.data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got "
                             f"{self.data_format!r}")
        lo, hi = (float(v) for v in value_range)
        if not lo < hi:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
        self.value_range = (lo, hi)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    def draw(self, n: int, height: int, width: int, channels: int) -> dict[str, Any]:
        """The parameters of ``n`` images, as backend tensors (what ``call`` applies)."""
        return draw(self.config, n, height, width, channels, self.seed_generator)

    def call(self, inputs: Any, training: Any = None) -> Any:
        if not training or not self.config.augments:
            return inputs
        x = ops.convert_to_tensor(inputs, dtype=self.compute_dtype)
        if len(x.shape) not in (3, 4):
            raise ValueError(
                f"ImageDataAugmentation takes images of rank 3 (one image) or 4 (a batch), "
                f"got shape {tuple(x.shape)}: add a channel axis to greyscale images "
                "(x[..., None])"
            )
        single = len(x.shape) == 3
        if single:
            x = ops.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        n, height, width, channels = ops.shape(x)
        if isinstance(n, int) and n == 0:
            return inputs
        out = augment(x, self.draw(n, height, width, channels), self.config, self.value_range)
        if self.data_format == "channels_first":
            out = ops.transpose(out, (0, 3, 1, 2))
        return out[0] if single else out

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        base: dict[str, Any] = super().get_config()
        return {**base, "config": self.config.non_default_dict(), "seed": self.seed,
                "data_format": self.data_format, "value_range": list(self.value_range)}
