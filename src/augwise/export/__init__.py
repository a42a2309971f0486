"""Export a config to Keras' layers, albumentations or torchvision, and measure how
closely the export follows ``ImageDataGenerator``'s semantics.

    >>> from augwise.core.config import AugmentConfig
    >>> from augwise.export import emit_code
    >>> code = emit_code(AugmentConfig(horizontal_flip=True), "albumentations")
    >>> print(code.splitlines()[-2])
        A.HorizontalFlip(p=0.5),

``build_pipeline`` builds the same object live; ``measure`` draws images through augwise
and through the target and compares the parameters each really applied (see
docs/export.md).  The libraries are optional and imported only when used.
"""

from __future__ import annotations

from augwise.export.mapping import LIBRARY_TARGETS, TARGETS
from augwise.export.measure import Comparison, EquivalenceReport, measure
from augwise.export.pipeline import build_pipeline, emit_code

__all__ = ["LIBRARY_TARGETS", "TARGETS", "Comparison", "EquivalenceReport", "build_pipeline",
           "emit_code", "measure"]
