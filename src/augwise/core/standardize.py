"""Standardisation of augmented images, in Keras' order.

``preprocessing_function -> rescale -> samplewise centre -> samplewise std ->
featurewise centre -> featurewise std -> ZCA``.  The batch form works on ``(n, ...)``
arrays in place (the caller owns the buffer) and treats each image separately.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from augwise.core.config import AugmentConfig
from augwise.core.stats import FeaturewiseStats

_UNFIT = (
    "This ImageDataGenerator specifies `{flag}`, but it hasn't been fit on any training "
    "data. Fit it first by calling `.fit(numpy_data)`."
)


def check_fitted(config: AugmentConfig, stats: FeaturewiseStats | None) -> None:
    """Raise ``ValueError`` if a featurewise option is set but ``fit()`` has not run."""
    missing = []
    if config.featurewise_center and (stats is None or stats.mean is None):
        missing.append("featurewise_center")
    if config.featurewise_std_normalization and (stats is None or stats.std is None):
        missing.append("featurewise_std_normalization")
    if config.zca_whitening and (stats is None or stats.zca is None):
        missing.append("zca_whitening")
    if missing:
        raise ValueError(
            f"{', '.join(missing)}=True but fit() has not been called on this "
            "ImageDataGenerator: call gen.fit(training_images) before flowing data "
            "(Keras only warns and trains on unnormalised data)"
        )


def standardize_batch(
    x: np.ndarray,
    config: AugmentConfig,
    stats: FeaturewiseStats | None,
    *,
    warn_unfitted: bool = False,
) -> np.ndarray:
    """Standardise a float batch ``(n, ...)``, each image on its own; may work in place.

    With ``warn_unfitted`` (``keras_compat``) missing statistics only warn, as in Keras;
    otherwise they raise ``ValueError``.
    """
    if config.preprocessing_function is not None:
        fn = config.preprocessing_function
        for i in range(len(x)):
            x[i] = fn(x[i])
    if config.rescale:
        x *= np.asarray(config.rescale, dtype=x.dtype)
    axes = tuple(range(1, x.ndim))
    if config.samplewise_center:
        x -= np.mean(x, axis=axes, keepdims=True)
    if config.samplewise_std_normalization:
        x /= np.std(x, axis=axes, keepdims=True) + 1e-6
    if not warn_unfitted:
        check_fitted(config, stats)
    if config.featurewise_center:
        if stats is not None and stats.mean is not None:
            x -= stats.mean.astype(x.dtype)
        else:
            warnings.warn(_UNFIT.format(flag="featurewise_center"), stacklevel=3)
    if config.featurewise_std_normalization:
        if stats is not None and stats.std is not None:
            x /= stats.std.astype(x.dtype) + 1e-6
        else:
            warnings.warn(_UNFIT.format(flag="featurewise_std_normalization"), stacklevel=3)
    if config.zca_whitening:
        if stats is not None and stats.zca is not None:
            flat = x.reshape(-1, math.prod(x.shape[-3:]))
            x[...] = stats.zca.apply(flat).reshape(x.shape)
        else:
            warnings.warn(_UNFIT.format(flag="zca_whitening"), stacklevel=3)
    return x


def keras_standardize(
    x: np.ndarray, config: AugmentConfig, stats: FeaturewiseStats | None
) -> np.ndarray:
    """Keras' ``standardize`` verbatim: in place, statistics over the whole of ``x``."""
    if config.preprocessing_function is not None:
        x = config.preprocessing_function(x)
    if config.rescale:
        x *= config.rescale
    if config.samplewise_center:
        x -= np.mean(x, keepdims=True)
    if config.samplewise_std_normalization:
        x /= np.std(x, keepdims=True) + 1e-6
    if config.featurewise_center:
        if stats is not None and stats.mean is not None:
            x -= stats.mean
        else:
            warnings.warn(_UNFIT.format(flag="featurewise_center"), stacklevel=3)
    if config.featurewise_std_normalization:
        if stats is not None and stats.std is not None:
            x /= stats.std + 1e-6
        else:
            warnings.warn(_UNFIT.format(flag="featurewise_std_normalization"), stacklevel=3)
    if config.zca_whitening:
        if stats is not None and stats.zca is not None:
            flat_x = x.reshape(-1, math.prod(x.shape[-3:]))
            white_x = flat_x @ stats.zca.matrix()
            x = np.reshape(white_x, x.shape)
        else:
            warnings.warn(_UNFIT.format(flag="zca_whitening"), stacklevel=3)
    return x
