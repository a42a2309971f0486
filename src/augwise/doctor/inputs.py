"""What the doctor reads: the data layer's splits (:mod:`augwise.io.datasets`).

Accepted for ``data`` (and for ``validation`` / ``test``): everything
:func:`~augwise.io.datasets.load_splits` reads (a class-folder tree, with or without
split folders, a CSV file or DataFrame, an ``.npz`` / ``.npy`` file, a folder of MNIST
``idx`` files, arrays ``x`` or ``(x, y)``) and augwise / Keras iterators (their source,
labels, flow arguments and generator are read).
"""

from __future__ import annotations

from augwise.io.datasets import DataSet, Split, apply_validation_split, is_iterator, load_splits

__all__ = ["DataSet", "Split", "apply_validation_split", "is_iterator", "load_splits"]
