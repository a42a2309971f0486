"""Where samples come from: class-folder trees, dataframes, and validation splits.

Listing follows Keras (sorted folders, sorted files, the same extensions, relative
``filenames``), except that in default mode hidden folders and files (names starting
with ``.``, such as ``.ipynb_checkpoints``) are neither classes nor samples.
"""

from __future__ import annotations

import collections
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from augwise.core.sampling import STREAM_SPLIT, generator

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
SUBSETS = ("training", "validation")


@dataclass(frozen=True)
class Listing:
    """Files of a class-folder tree: ``filenames`` relative to the root, int labels."""

    class_indices: dict[str, int]
    filenames: list[str]
    classes: np.ndarray  # int32, one per file
    hidden_skipped: list[str]  # hidden folders/files left out (default mode)


def check_subset(subset: str | None) -> None:
    if subset is not None and subset not in SUBSETS:
        raise ValueError(f"subset must be 'training', 'validation' or None, got {subset!r}")


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _walk(
    directory: str, follow_links: bool, include_hidden: bool, hidden: list[str], keras: bool
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    walked = sorted(os.walk(directory, followlinks=follow_links), key=lambda t: t[0])
    for root, dirs, files in walked:
        if not include_hidden:
            rel_parts = os.path.relpath(root, directory).split(os.sep)
            if any(_is_hidden(p) for p in rel_parts if p != "."):
                continue
            for d in dirs:
                if _is_hidden(d):
                    hidden.append(os.path.join(root, d))
        for fname in sorted(files):
            if not include_hidden and _is_hidden(fname):
                if fname.lower().endswith(WHITE_LIST_FORMATS):
                    hidden.append(os.path.join(root, fname))
                continue
            if keras and fname.lower().endswith(".tiff"):
                warnings.warn(
                    'Using ".tiff" files with multiple bands will cause distortion. '
                    "Please verify your output.",
                    stacklevel=4,
                )
            if fname.lower().endswith(WHITE_LIST_FORMATS):
                found.append((root, fname))
    return found


def list_directory(
    directory: str,
    classes: Sequence[str] | None = None,
    *,
    follow_links: bool = False,
    split: tuple[float, float] | None = None,
    include_hidden: bool = False,
    keras_warnings: bool = False,
) -> Listing:
    """List a class-folder tree as Keras' ``DirectoryIterator`` does.

    ``split=(a, b)`` keeps files ``[int(a*n), int(b*n))`` of each class folder.
    """
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a path, got {directory!r}")
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"directory {directory!r} does not exist or is not a folder")
    hidden: list[str] = []
    if not classes:
        names = []
        for sub in sorted(os.listdir(directory)):
            if os.path.isdir(os.path.join(directory, sub)):
                if not include_hidden and _is_hidden(sub):
                    hidden.append(os.path.join(directory, sub))
                    continue
                names.append(sub)
    else:
        names = list(classes)
        for name in names:
            if not keras_warnings and not os.path.isdir(os.path.join(directory, name)):
                raise ValueError(f"classes names {name!r}, which is not a folder in {directory!r}")
    class_indices = {name: i for i, name in enumerate(names)}
    filenames: list[str] = []
    labels: list[int] = []
    for name in names:
        class_dir = os.path.join(directory, name)
        files = _walk(class_dir, follow_links, include_hidden, hidden, keras_warnings)
        if split is not None:
            start, stop = int(split[0] * len(files)), int(split[1] * len(files))
            files = files[start:stop]
        for root, fname in files:
            rel = os.path.join(name, os.path.relpath(os.path.join(root, fname), class_dir))
            filenames.append(rel)
            labels.append(class_indices[name])
    return Listing(
        class_indices=class_indices,
        filenames=filenames,
        classes=np.asarray(labels, dtype=np.int32),
        hidden_skipped=hidden,
    )


def keras_split(fraction: float, subset: str | None) -> tuple[float, float] | None:
    """Keras' ``(start, stop)`` fractions for a subset (validation comes first)."""
    check_subset(subset)
    if subset is None:
        return None
    return (0.0, fraction) if subset == "validation" else (fraction, 1.0)


def stratified_subset(
    labels: Sequence[Any] | np.ndarray, fraction: float, subset: str, seed: int
) -> np.ndarray:
    """Sorted indices of a seeded, per-label random split (validation: ``fraction``).

    Each label group is permuted by a generator keyed by ``seed`` and the group's
    position, so the training and validation subsets are exact complements.
    """
    check_subset(subset)
    keys = [_label_key(v) for v in labels]
    groups: dict[Any, list[int]] = collections.defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    chosen: list[int] = []
    for g, key in enumerate(sorted(groups, key=repr)):
        members = np.asarray(groups[key])
        order = generator(seed, STREAM_SPLIT, g).permutation(len(members))
        n_val = int(fraction * len(members))
        part = order[:n_val] if subset == "validation" else order[n_val:]
        chosen.extend(members[part].tolist())
    return np.asarray(sorted(chosen), dtype=np.int64)


def _label_key(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return tuple(v.ravel().tolist())
    if isinstance(v, list):
        return tuple(v)
    return v


def first_subset(n: int, fraction: float, subset: str) -> np.ndarray:
    """Keras' array/dataframe split: the first ``int(n * fraction)`` rows validate."""
    check_subset(subset)
    split_idx = int(n * fraction)
    return np.arange(split_idx) if subset == "validation" else np.arange(split_idx, n)
