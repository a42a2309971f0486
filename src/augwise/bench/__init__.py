"""``augwise bench``: throughput of augwise against Keras, albumentations and decoding.

>>> from augwise.bench import run_bench            # doctest: +SKIP
>>> result = run_bench(quick=True, out="bench-out")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

__all__ = ["run_bench"]


def run_bench(*args: Any, **kwargs: Any) -> Any:
    """Run the benchmark (see :func:`augwise.bench.runner.run_bench`)."""
    from augwise.bench.runner import run_bench as _run

    return _run(*args, **kwargs)
