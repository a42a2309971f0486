"""``augwise.ImageDataGenerator``: Keras' generator, same names, defects fixed.

>>> from augwise import ImageDataGenerator
>>> gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255)
>>> it = gen.flow(x_train, y_train, batch_size=32, seed=0)   # doctest: +SKIP
>>> model.fit(it, epochs=10)                                # doctest: +SKIP

The constructor takes exactly the fields of :class:`~augwise.core.config.AugmentConfig`
(Keras' 23 arguments in Keras' order, then augwise's own).  ``keras_compat=True``
reproduces Keras 3.15 bug for bug; see ``docs/differences.md`` for what differs otherwise.
"""

from __future__ import annotations

import inspect
import threading
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from augwise.core.config import AugmentConfig, config_fields
from augwise.core.sampling import resolve_seed
from augwise.core.stats import FeaturewiseStats, ZcaWhitener
from augwise.core.validate import (
    check_bool,
    check_finite,
    check_int,
    check_not_empty,
    native_order,
    short_repr,
)
from augwise.io.decode import DEFAULT_MAX_PIXELS
from augwise.keras_api.fitting import fit_arrays_keras, fit_stream
from augwise.loader.array_iterator import NumpyArrayIterator
from augwise.loader.engine import AnyEngine, engine_for
from augwise.loader.file_iterators import DataFrameIterator, DirectoryIterator
from augwise.loader.keras_adapter import create
from augwise.loader.options import FlowOptions

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_FIELDS = {f.name for f in config_fields()}
_DEPRECATED_DF_KWARGS = {
    "has_ext": "has_ext is deprecated, filenames in the dataframe have to match the exact "
    "filenames in disk.",
    "sort": "sort is deprecated, batches will be created in the same order than the filenames "
    "provided if `shuffle` is set to `False`.",
    "drop_duplicates": "drop_duplicates is deprecated, you can drop duplicates by using the "
    "pandas.DataFrame.drop_duplicates method.",
}


class ImageDataGenerator:
    """Generate batches of augmented image data (drop-in for Keras' legacy class).

    Takes every argument of Keras' ``ImageDataGenerator`` (see
    :class:`~augwise.AugmentConfig`, kept as ``gen.config``) plus augwise's own.

        >>> gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, rescale=1 / 255)
        >>> gen
        augwise.ImageDataGenerator(rotation_range=20.0, horizontal_flip=True, rescale=0.0039...)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        config = AugmentConfig(*args, **kwargs)
        object.__setattr__(self, "config", config)
        object.__setattr__(self, "_mean", None)
        object.__setattr__(self, "_std", None)
        object.__setattr__(self, "_zca", None)
        object.__setattr__(self, "_count", 0)
        object.__setattr__(self, "_rng_lock", threading.Lock())
        object.__setattr__(
            self, "_rng", np.random.Generator(np.random.Philox(resolve_seed(config.seed)))
        )

    config: AugmentConfig

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_rng_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        object.__setattr__(self, "_rng_lock", threading.Lock())

    # -- Keras attributes ---------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name in _FIELDS:
            return getattr(self.config, name)
        raise AttributeError(f"'ImageDataGenerator' object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FIELDS:
            object.__setattr__(self, "config", self.config.replace(**{name: value}))
        else:
            object.__setattr__(self, name, value)

    @property
    def engine(self) -> AnyEngine:
        """Default mode or ``keras_compat`` (see :mod:`augwise.loader.engine`)."""
        return engine_for(self.config)

    @property
    def channel_axis(self) -> int:
        return 1 if self.config.data_format == "channels_first" else 3

    @property
    def row_axis(self) -> int:
        return 2 if self.config.data_format == "channels_first" else 1

    @property
    def col_axis(self) -> int:
        return 3 if self.config.data_format == "channels_first" else 2

    @property
    def _validation_split(self) -> float:
        return self.config.validation_split

    @property
    def mean(self) -> np.ndarray | None:
        """Featurewise mean in broadcast shape (set by ``fit()``, or assign your own)."""
        mean: np.ndarray | None = self._mean
        return mean

    @mean.setter
    def mean(self, value: Any) -> None:
        object.__setattr__(self, "_mean", _statistic("mean", value))

    @property
    def std(self) -> np.ndarray | None:
        std: np.ndarray | None = self._std
        return std

    @std.setter
    def std(self, value: Any) -> None:
        object.__setattr__(self, "_std", _statistic("std", value))

    @property
    def zca_whitening_matrix(self) -> np.ndarray | None:
        """Dense ZCA matrix (built on demand for low-rank fits; avoid at large sizes)."""
        zca: ZcaWhitener | None = self._zca
        return None if zca is None else zca.matrix()

    @zca_whitening_matrix.setter
    def zca_whitening_matrix(self, value: Any) -> None:
        if value is None:
            object.__setattr__(self, "_zca", None)
            return
        m = np.asarray(value, dtype=np.float32)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"zca_whitening_matrix must be square, got shape {m.shape}")
        check_finite("zca_whitening_matrix", m)
        eye = np.eye(m.shape[0], dtype=np.float32)
        zca = ZcaWhitener(components=eye, scale=np.ones(m.shape[0], np.float32), dense=m)
        object.__setattr__(self, "_zca", zca)

    def current_stats(self) -> FeaturewiseStats | None:
        """The fitted (or assigned) statistics, or None."""
        if self._mean is None and self._std is None and self._zca is None:
            return None
        return FeaturewiseStats(self._mean, self._std, self._zca, self._count)

    def __repr__(self) -> str:
        return "augwise." + self.config.python_call()

    # -- flows --------------------------------------------------------------------------

    def flow(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight: Any = None,
        seed: int | None = None,
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        ignore_class_split: bool = False,
        subset: str | None = None,
        *,
        workers: int | None = None,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
    ) -> NumpyArrayIterator:
        """Batches from arrays ``x`` (rank 4) and optional labels ``y``.

        ``workers`` threads build batches (also used by Keras' ``model.fit``);
        ``max_queue_size`` bounds how many batches are prepared ahead.

            >>> import numpy as np
            >>> x, y = np.zeros((10, 8, 8, 3), np.uint8), np.arange(10) % 2
            >>> it = ImageDataGenerator(horizontal_flip=True).flow(x, y, batch_size=4, seed=0)
            >>> images, labels = it[0]
            >>> images.shape, images.dtype, len(it)
            ((4, 8, 8, 3), dtype('float32'), 3)
        """
        return create(
            NumpyArrayIterator, x, y, self, sample_weight=sample_weight,
            options=self._options(locals()),
        )

    def flow_from_directory(
        self,
        directory: Any,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
        *,
        on_error: str = "raise",
        max_image_pixels: int | None = DEFAULT_MAX_PIXELS,
        workers: int | None = None,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
        verbose: bool = True,
        cache: Any = None,
        cache_limit_bytes: int | None = None,
    ) -> DirectoryIterator:
        """Batches from a folder with one sub-folder per class.

        ``on_error='skip'`` records each unreadable file in ``iterator.skipped`` (with a
        log line) and fills its slot with the next readable sample, so batches keep their
        size (see docs/differences.md); ``'raise'`` raises naming the file.
        ``cache='memory'`` (or a folder path) keeps decoded images so that later epochs
        skip decoding, bounded by ``cache_limit_bytes``; see :mod:`augwise.io.cache`.

            >>> import tempfile
            >>> from pathlib import Path
            >>> from PIL import Image
            >>> tmp = tempfile.TemporaryDirectory()
            >>> for label in ("cat", "dog"):
            ...     (Path(tmp.name) / label).mkdir()
            ...     for i in range(3):
            ...         Image.new("RGB", (12, 10)).save(Path(tmp.name) / label / f"{i}.png")
            >>> it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
            ...     tmp.name, target_size=(8, 8), batch_size=2, class_mode="sparse", seed=0)
            Found 6 images belonging to 2 classes.
            >>> it.class_indices, it[0][0].shape
            ({'cat': 0, 'dog': 1}, (2, 8, 8, 3))
            >>> tmp.cleanup()
        """
        return create(DirectoryIterator, directory, self, options=self._options(locals()))

    def flow_from_dataframe(
        self,
        dataframe: Any,
        directory: Any = None,
        x_col: str = "filename",
        y_col: Any = "class",
        weight_col: str | None = None,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: Any = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        interpolation: str = "nearest",
        validate_filenames: bool = True,
        keep_aspect_ratio: bool = False,
        *,
        on_error: str = "raise",
        max_image_pixels: int | None = DEFAULT_MAX_PIXELS,
        workers: int | None = None,
        use_multiprocessing: bool = False,
        max_queue_size: int = 10,
        verbose: bool = True,
        cache: Any = None,
        cache_limit_bytes: int | None = None,
        **kwargs: Any,
    ) -> DataFrameIterator:
        """Batches from a dataframe of file names (``x_col``) and labels (``y_col``).

        ``cache`` and ``cache_limit_bytes``: as in :meth:`flow_from_directory`.

            >>> import tempfile
            >>> import pandas as pd
            >>> from PIL import Image
            >>> tmp = tempfile.TemporaryDirectory()
            >>> for name in ("a.png", "b.png"):
            ...     Image.new("L", (12, 10)).save(f"{tmp.name}/{name}")
            >>> df = pd.DataFrame({"filename": ["a.png", "b.png"], "class": ["cat", "dog"]})
            >>> it = ImageDataGenerator().flow_from_dataframe(
            ...     df, directory=tmp.name, target_size=(8, 8), batch_size=2, shuffle=False)
            Found 2 validated image filenames belonging to 2 classes.
            >>> it[0][1]  # one-hot labels (class_mode="categorical")
            array([[1., 0.],
                   [0., 1.]], dtype=float32)
            >>> tmp.cleanup()
        """
        for key in kwargs:
            if key not in _DEPRECATED_DF_KWARGS:
                raise TypeError(f"flow_from_dataframe() got an unexpected keyword argument {key!r}")
            warnings.warn(_DEPRECATED_DF_KWARGS[key], DeprecationWarning, stacklevel=2)
        if isinstance(class_mode, str) and class_mode == "other":
            warnings.warn(
                '`class_mode="other"` is deprecated, please use `class_mode="raw"`.',
                DeprecationWarning,
                stacklevel=2,
            )
            class_mode = "raw"
        return create(
            DataFrameIterator, dataframe, directory, self, x_col, y_col, weight_col,
            options=self._options(locals()),
        )

    def _options(self, arguments: dict[str, Any]) -> FlowOptions:
        """The :class:`FlowOptions` of a ``flow*()`` call (its ``locals()``), in the
        generator's ``data_format`` and ``dtype``."""
        return FlowOptions.from_arguments(
            arguments, data_format=self.config.data_format, dtype=self.config.dtype
        )

    # -- single images ------------------------------------------------------------------

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Apply the normalisation steps to one image (3-D) or a batch (4-D).

        Default mode returns a new array and treats each image of a batch on its own;
        ``keras_compat`` works in place over the whole array, as Keras does.

            >>> import numpy as np
            >>> ImageDataGenerator(rescale=1 / 255).standardize(np.full((1, 2, 1), 255, np.uint8))
            array([[[1.],
                    [1.]]], dtype=float32)
        """
        arr = np.asarray(x)
        check_not_empty("x", arr)
        check_finite("x", arr)
        if not arr.dtype.isnative:
            x = native_order(arr)
        return self.engine.standardize(x, self.config, self.current_stats())

    def get_random_transform(self, img_shape: tuple[int, ...], seed: int | None = None) -> dict:
        """Random parameters for an image of ``img_shape`` (Keras' dict form).

            >>> gen = ImageDataGenerator(rotation_range=30)
            >>> params = gen.get_random_transform((8, 8, 3), seed=0)
            >>> sorted(params)[:4], -30 <= params["theta"] <= 30
            (['brightness', 'channel_shift_intensity', 'flip_horizontal', 'flip_vertical'], True)
        """
        if seed is not None:
            seed = check_int("seed", seed, minimum=0)
        shape = tuple(int(v) for v in img_shape)
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(
                f"img_shape must be the 3-D shape of one image with every dimension at "
                f"least 1, got {short_repr(img_shape)}"
            )
        return self.engine.random_transform(self.config, shape, seed, self._rng, self._rng_lock)

    def apply_transform(self, x: np.ndarray, transform_parameters: Any) -> np.ndarray:
        """Apply parameters (a Keras dict or :class:`TransformParams`) to one image.

            >>> import numpy as np
            >>> img = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
            >>> out = ImageDataGenerator().apply_transform(img, {"flip_horizontal": True})
            >>> bool((out == img[:, ::-1]).all())
            True
        """
        return self.engine.apply_transform(_one_image(x), transform_parameters, self.config)

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray:
        """A randomly transformed copy of one image.

            >>> import numpy as np
            >>> img = np.zeros((8, 8, 3), np.float32)
            >>> ImageDataGenerator(rotation_range=90).random_transform(img, seed=1).shape
            (8, 8, 3)
        """
        arr = _one_image(x)
        params = self.get_random_transform(arr.shape, seed)
        return self.engine.apply_transform(arr, params, self.config)  # arr checked above

    def preview(self, x_or_iterator: Any, n: int = 6, images: int = 6,
                seed: int | None = None) -> Figure:
        """A matplotlib figure: ``images`` originals, each beside ``n`` augmented views
        captioned with their parameters; view ``k`` is the image as training sees it in
        epoch ``k``.  ``x_or_iterator``: an array ``(N, H, W, C)``, ``(x, y)``, a folder,
        CSV or ``.npz`` path, or an iterator from ``flow*()``.  In a notebook the figure
        displays inline; else ``fig.savefig("grid.png")``.

            >>> import numpy as np
            >>> x = np.random.default_rng(0).integers(0, 256, (4, 16, 16, 1), dtype=np.uint8)
            >>> fig = ImageDataGenerator(rotation_range=20).preview(x, n=2, images=2)
            >>> type(fig).__name__, len(fig.axes)  # 2 rows of an original and 2 views
            ('Figure', 6)
        """
        # the doctor's replay draws the very parameters of training: one renderer for both
        from augwise.preview.grid import grid_figure, replay_grid

        grid = replay_grid(self.config, x_or_iterator, versions=n, images=images, seed=seed)
        return grid_figure(grid.rows, self.config.python_call(), grid.captions)

    # -- statistics -----------------------------------------------------------------------

    def fit(self, x: Any, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Compute featurewise statistics from ``x``.

        ``x`` is an array of rank 4 or an augwise directory/dataframe iterator; default
        mode streams it in chunks (bounded memory) and applies ``preprocessing_function``
        and ``rescale`` first, exactly as batches will see them.

            >>> import numpy as np
            >>> gen = ImageDataGenerator(featurewise_center=True)
            >>> gen.fit(np.arange(96, dtype=np.float32).reshape(2, 4, 4, 3))
            >>> gen.mean.ravel()  # per channel
            array([46.5, 47.5, 48.5], dtype=float32)
        """
        augment = check_bool("augment", augment)
        rounds = check_int("rounds", rounds, minimum=1)
        if seed is not None:
            check_int("seed", seed, minimum=0)
        if self.engine.fits_arrays_in_memory and isinstance(x, (np.ndarray, list, tuple)):
            stats = fit_arrays_keras(self, np.asarray(x), augment, rounds, seed)
        else:
            stats = fit_stream(self.config, x, augment, rounds, seed)
        object.__setattr__(self, "_mean", stats.mean)
        object.__setattr__(self, "_std", stats.std)
        object.__setattr__(self, "_zca", stats.zca)
        object.__setattr__(self, "_count", stats.count)


def _one_image(x: Any) -> np.ndarray:
    """``x`` as an array of one non-empty 3-D image."""
    arr = np.asarray(x)
    if arr.ndim != 3:
        raise ValueError(f"x must be one 3-D image, got shape {arr.shape}")
    check_not_empty("x", arr)
    check_finite("x", arr)
    return native_order(arr)


def _statistic(name: str, value: Any) -> np.ndarray | None:
    """An assigned ``mean``/``std``: None, or a finite numeric array."""
    if value is None:
        return None
    arr = np.asarray(value)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be numbers, got {short_repr(value)}")
    check_finite(name, arr)
    return arr


_SELF = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
ImageDataGenerator.__init__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [_SELF, *inspect.signature(AugmentConfig).parameters.values()]
)


__all__ = ["ImageDataGenerator"]
