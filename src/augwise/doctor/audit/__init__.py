"""Dataset audit: one module per family of checks (importing them registers them)."""

from augwise.doctor.audit import (  # noqa: F401
    balance,
    colour,
    duplicates,
    files,
    intensity,
    orientation,
    quality,
    sizes,
)
