"""What the Keras layer cannot mean, without importing Keras (the exporter asks too).

    >>> from augwise.core.config import AugmentConfig
    >>> sorted(unsupported(AugmentConfig(policy="trivialaugment")))
    ['policy']
    >>> layer_config(AugmentConfig(policy="trivialaugment", rotation_range=5)).policy is None
    True
"""

from __future__ import annotations

from augwise.core.config import AugmentConfig
from augwise.core.transforms import spec

INTERPOLATIONS = {0: "nearest", 1: "bilinear"}  # interpolation_order -> Keras' name


def unsupported(cfg: AugmentConfig) -> dict[str, str]:
    """Argument -> why the layer refuses it (empty: the layer takes ``cfg``)."""
    out: dict[str, str] = {}
    if cfg.policy is not None:
        out["policy"] = (
            f"policy={cfg.policy!r} is not available in the Keras layer (its colour ops "
            "equalize, autocontrast, posterize and sharpness have no batched Keras kernel "
            "yet): drop policy, or augment with augwise.ImageDataGenerator(...).flow()"
        )
    if cfg.keras_compat:
        out["keras_compat"] = ("keras_compat=True is not available in the Keras layer: it "
                               "draws with augwise's default semantics; drop keras_compat")
    if cfg.interpolation_order not in INTERPOLATIONS:
        out["interpolation_order"] = (
            f"interpolation_order={cfg.interpolation_order} is not available in the Keras "
            "layer (keras.ops.image.affine_transform): use 0 (nearest) or 1 (bilinear)"
        )
    return out


def layer_config(cfg: AugmentConfig) -> AugmentConfig:
    """The closest config the layer takes: what :func:`unsupported` names dropped
    (a higher interpolation order becomes bilinear)."""
    missing = unsupported(cfg)
    defaults = AugmentConfig()
    changes: dict[str, object] = {}
    if "policy" in missing:
        changes.update({f: getattr(defaults, f) for f in spec("policy").fields})
    if "keras_compat" in missing:
        changes["keras_compat"] = False
    if "interpolation_order" in missing:
        changes["interpolation_order"] = 1
    return cfg.replace(**changes) if changes else cfg
