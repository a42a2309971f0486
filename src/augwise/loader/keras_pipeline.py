"""``keras_compat`` batch pipelines: Keras 3.15's per-sample loop, reproduced.

Parameters are drawn from the global ``np.random`` in Keras' order (the iterator holds
:data:`GLOBAL_RNG_LOCK` while it seeds and draws), images are loaded with Pillow as
Keras does, transformed with the Keras kernels and standardised one at a time.

Errors are augwise's, not Keras': an unreadable file raises :class:`ImageDecodeError`
naming it, or with ``on_error='skip'`` is skipped, reported and its slot filled as in
default mode (the slot keeps its drawn parameters, so Keras' random sequence is kept).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from augwise.core.config import AugmentConfig
from augwise.core.keras_kernels import apply_transform, array_to_img
from augwise.core.params import BatchParams, TransformParams
from augwise.core.sampling import keras_random_transform
from augwise.core.standardize import keras_standardize
from augwise.io.decode import CHANNELS, ImageDecodeError, keras_load_img
from augwise.loader.pipeline import (
    BatchImages,
    SaveSpec,
    StatsSource,
    check_on_error,
    fill_slots,
)
from augwise.loader.skiplog import SkipLog

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
        self.skipped = SkipLog()

    image_shape: tuple[int, ...]

    def load(self, j: int) -> np.ndarray | None:
        """Image ``j`` as Keras loads it; None if its file was skipped."""
        raise NotImplementedError

    def draw(self, indices: np.ndarray) -> KerasParams:
        """Keras' draws for a batch; call with :data:`GLOBAL_RNG_LOCK` held."""
        return [keras_random_transform(self.config, self.image_shape) for _ in indices]

    def apply(
        self, indices: np.ndarray, params: KerasParams, stand_ins: Iterable[int] | None = None
    ) -> BatchImages:
        """Transform and standardise the samples ``indices`` with ``params``; the slots of
        skipped files are filled from ``stand_ins`` (see :func:`refill`)."""
        cfg = self.config
        indices = np.asarray(indices, dtype=np.int64)
        batch = np.zeros((len(indices), *self.image_shape), dtype=self.dtype)

        def fill(i: int, x: np.ndarray) -> None:
            x = apply_transform(
                x,
                params[i],
                data_format=cfg.data_format,
                fill_mode=cfg.fill_mode,
                cval=cfg.cval,
                interpolation_order=cfg.interpolation_order,
            )
            batch[i] = keras_standardize(x, cfg, self.stats())

        sources = fill_slots(indices, self.load, fill, stand_ins, self.skipped)
        channels = self.image_shape[0 if cfg.data_format == "channels_first" else 2]
        batch_params = BatchParams.stack(
            [TransformParams.from_dict(p) for p in params], channels
        )
        stage = batch if cfg.data_format == "channels_last" else batch.transpose(0, 2, 3, 1)
        x_out = batch if (sources >= 0).all() else batch[sources >= 0]
        return BatchImages(x_out, indices, sources, batch_params, stage)

    def save_batch(self, res: BatchImages) -> None:
        """Keras' ``save_to_dir`` (min-max scaled, random hash from ``np.random``)."""
        if self.save is None:
            return
        for i, j in enumerate(res.sources[res.kept].tolist()):
            img_arr = res.x[i]
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

    def load(self, j: int) -> np.ndarray | None:
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
        on_error: str = "raise",
    ) -> None:
        super().__init__(config, stats, save)
        self.on_error = check_on_error(on_error)
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

    def load(self, j: int) -> np.ndarray | None:
        path = self.paths[j]
        if path in self.skipped:
            return None
        try:
            return self._read(path)
        except ImageDecodeError as exc:
            if self.on_error == "raise":
                raise
            self.skipped.add(path, exc.reason)
            return None

    def _read(self, path: str) -> np.ndarray:
        """Keras' ``load_img``, its errors turned into :class:`ImageDecodeError`."""
        try:
            return keras_load_img(
                path,
                self.color_mode,
                self.target,
                self.interpolation,
                self.keep_aspect_ratio,
                self.config.data_format,
                "float32",
            )
        except ImageDecodeError:
            raise  # read_bytes' own: the file is not readable as data
        except UnidentifiedImageError as exc:
            raise ImageDecodeError(path, "not an image file (unrecognised format)") from exc
        except OSError as exc:
            reason = exc.strerror if exc.strerror else f"corrupt or truncated image ({exc})"
            raise ImageDecodeError(path, reason) from exc
        except (ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ImageDecodeError(path, f"corrupt or truncated image ({exc})") from exc
