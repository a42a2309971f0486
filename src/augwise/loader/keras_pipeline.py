"""``keras_compat`` batch pipelines: Keras 3.15's per-sample loop, reproduced.

Parameters are drawn from the global ``np.random`` in Keras' order (the iterator holds
:data:`GLOBAL_RNG_LOCK` while it seeds and draws), images are loaded with Pillow as
Keras does, transformed with the Keras kernels and standardised one at a time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.keras_kernels import apply_transform, array_to_img
from augwise.core.params import BatchParams, TransformParams
from augwise.core.sampling import keras_random_transform
from augwise.core.standardize import keras_standardize
from augwise.io.decode import CHANNELS, keras_load_img
from augwise.loader.pipeline import BatchImages, SaveSpec, StatsSource

GLOBAL_RNG_LOCK = threading.RLock()
KerasParams = list[dict[str, Any]]


class KerasPipeline:
    """Common parts of the compat pipelines."""

    hash_high = 10**7

    def __init__(
        self, config: AugmentConfig, stats: StatsSource, save: SaveSpec | None
    ) -> None:
        self.config = config
        self.stats = stats
        self.save = save
        self.dtype = np.dtype(config.dtype)

    image_shape: tuple[int, ...]

    def load(self, j: int) -> np.ndarray:
        raise NotImplementedError

    def draw(self, indices: np.ndarray) -> KerasParams:
        """Keras' draws for a batch; call with :data:`GLOBAL_RNG_LOCK` held."""
        return [keras_random_transform(self.config, self.image_shape) for _ in indices]

    def apply(self, indices: np.ndarray, params: KerasParams) -> BatchImages:
        cfg = self.config
        batch = np.zeros((len(indices), *self.image_shape), dtype=self.dtype)
        for i, j in enumerate(indices):
            x = self.load(int(j))
            x = apply_transform(
                x,
                params[i],
                data_format=cfg.data_format,
                fill_mode=cfg.fill_mode,
                cval=cfg.cval,
                interpolation_order=cfg.interpolation_order,
            )
            batch[i] = keras_standardize(x, cfg, self.stats())
        kept = np.ones(len(indices), dtype=bool)
        channels = self.image_shape[0 if cfg.data_format == "channels_first" else 2]
        batch_params = BatchParams.stack(
            [TransformParams.from_dict(p) for p in params], channels
        )
        stage = batch if cfg.data_format == "channels_last" else batch.transpose(0, 2, 3, 1)
        return BatchImages(batch, kept, batch_params, stage)

    def save_batch(self, indices: np.ndarray, batch: np.ndarray) -> None:
        """Keras' ``save_to_dir`` (min-max scaled, random hash from ``np.random``)."""
        if self.save is None:
            return
        for i, j in enumerate(indices):
            img_arr = batch[i]
            if self.config.data_format == "channels_first":
                img_arr = img_arr.transpose(1, 2, 0)
            img = array_to_img(img_arr, scale=True)
            name = f"{self.save.prefix}_{j}_{np.random.randint(self.hash_high)}.{self.save.format}"
            img.save(os.path.join(self.save.directory, name))


class KerasArrayPipeline(KerasPipeline):
    hash_high = 10**4

    def __init__(
        self, x: np.ndarray, config: AugmentConfig, stats: StatsSource, save: SaveSpec | None
    ) -> None:
        super().__init__(config, stats, save)
        self.x = x
        self.image_shape = tuple(x.shape[1:])

    def load(self, j: int) -> np.ndarray:
        return self.x[j].astype(self.dtype)


class KerasFilePipeline(KerasPipeline):
    def __init__(
        self,
        paths: Sequence[str],
        config: AugmentConfig,
        stats: StatsSource,
        save: SaveSpec | None,
        *,
        target_size: tuple[int, int],
        color_mode: str,
        interpolation: str,
        keep_aspect_ratio: bool,
    ) -> None:
        super().__init__(config, stats, save)
        self.paths = list(paths)
        self.target = (int(target_size[0]), int(target_size[1]))
        self.color_mode = color_mode
        self.interpolation = interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        c = CHANNELS[color_mode]
        if config.data_format == "channels_first":
            self.image_shape = (c, *self.target)
        else:
            self.image_shape = (*self.target, c)

    def load(self, j: int) -> np.ndarray:
        return keras_load_img(
            self.paths[j],
            self.color_mode,
            self.target,
            self.interpolation,
            self.keep_aspect_ratio,
            self.config.data_format,
            "float32",
        )
