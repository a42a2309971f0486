"""Where samples come from: class-folder trees, and the split rules of every data source.

The split rules live here once, for the loader, the doctor and the tuner:
:func:`validation_rows` / :func:`subset_rows` (``validation_split``: Keras' first rows,
per class folder for a folder tree, or ``'stratified'``: a seeded per-class draw) and
:func:`stratified_sample` (``k`` rows in class proportion, the tuner's size caps).

Listing follows Keras (sorted folders, sorted files, relative ``filenames``), except
that in default mode

* hidden folders and files (names starting with ``.``, such as ``.ipynb_checkpoints``)
  are neither classes nor samples;
* GIF and WebP files are samples too (their first frame), besides Keras' extensions;
* with ``follow_links=True`` each real folder is read once, so a symbolic link loop
  adds nothing, and broken links are not samples.

Whatever is not a sample (other extensions, hidden entries, links not followed, folders
that cannot be read, files outside the class folders) is named in
:attr:`Listing.ignored` with the reason, in both modes: nothing disappears unreported.
"""

from __future__ import annotations

import collections
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from augwise.core.config import SPLIT_MODES
from augwise.core.sampling import STREAM_SPLIT, generator
from augwise.core.validate import check_choice, short_repr

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")  # Keras' extensions
IMAGE_FORMATS = (*WHITE_LIST_FORMATS, "gif", "webp")  # default mode: first frame of GIF/WebP
SUBSETS = ("training", "validation")
_NOT_FOLLOWED = "link to a folder not followed (follow_links=False)"


def image_formats(keras_compat: bool) -> tuple[str, ...]:
    """The extensions read as images: Keras' list under ``keras_compat``, else also GIF/WebP."""
    return WHITE_LIST_FORMATS if keras_compat else IMAGE_FORMATS


@dataclass(frozen=True)
class Listing:
    """Files of a class-folder tree: ``filenames`` relative to the root, int labels."""

    class_indices: dict[str, int]
    filenames: list[str]
    classes: np.ndarray  # int32, one per file
    hidden_skipped: list[str]  # hidden folders/files left out (default mode)
    ignored: dict[str, str] = field(default_factory=dict)  # path -> why it is not a sample
    empty_classes: list[str] = field(default_factory=list)  # class folders without images
    revisited: int = 0  # keras_compat: files listed again through symbolic links (a loop)

    def layout_problem(self) -> str:
        """Why the tree gives no samples whatever the split, with the fix; ``""`` if it has
        images: no class folders at all, or only empty ones."""
        ignored = (" " + self.ignored_summary()) if self.ignored else ""
        if not self.class_indices:
            return (
                "it has no class folders (it must hold one sub-folder of images per class, "
                f"such as cat/*.png and dog/*.png; files directly in it are not read).{ignored}"
            )
        if len(self.empty_classes) == len(self.class_indices):
            return (
                f"its {len(self.class_indices)} class folder(s) hold no image files.{ignored} "
                "Check the path, and that each class folder holds images"
            )
        return ""

    def ignored_summary(self) -> str:
        """``"Not loaded: 3 entries (hidden file: 2, unsupported extension: 1)."`` or ``""``."""
        if not self.ignored:
            return ""
        kinds = collections.Counter(reason.split(" (")[0] for reason in self.ignored.values())
        parts = ", ".join(f"{kind}: {n}" for kind, n in kinds.most_common())
        return f"Not loaded: {len(self.ignored)} entries ({parts})."


def check_subset(subset: Any) -> str | None:
    """``subset`` itself: ``'training'``, ``'validation'`` or None."""
    checked: str | None = check_choice("subset", subset, (*SUBSETS, None))
    return checked


def check_classes(classes: Any, *, labels: bool = False) -> list[Any] | None:
    """``classes`` as a list of class names, or None (all classes).

    A list, tuple or 1-D array (numpy, pandas) of folder names (str); with
    ``labels=True`` (dataframe labels) ints too, as multi-label rows such as ``[1, 4]``
    hold them.

    >>> check_classes(("cats", "dogs"))
    ['cats', 'dogs']
    """
    if classes is None:
        return None
    kinds = "str or int" if labels else "str, a folder name"
    if isinstance(classes, str):
        raise TypeError(
            f"classes must be a list of class names, not one string: use "
            f"classes=[{short_repr(classes)}]"
        )
    if getattr(classes, "ndim", None) == 1 and hasattr(classes, "tolist"):
        classes = classes.tolist()  # a numpy array, or a pandas Series, Index or array
    if not isinstance(classes, (list, tuple)):
        raise TypeError(
            f"classes must be a list of class names ({kinds}) or None, got {short_repr(classes)}"
        )
    for i, name in enumerate(classes):
        is_int = isinstance(name, (int, np.integer)) and not isinstance(name, (bool, np.bool_))
        if not (isinstance(name, str) or (labels and is_int)):
            raise TypeError(
                f"classes[{i}] must be a class name ({kinds}), got {short_repr(name)}"
                + (f": use {str(name)!r}" if is_int else "")
            )
    return list(classes)


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _folder_key(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _ext(fname: str) -> str:
    return os.path.splitext(fname)[1] or "none"


class _Walker:
    """Lists the image files of class folders and records what it leaves out.

    Default mode with ``follow_links``: the root and every folder under a class folder
    are read at their own path only, and a folder reached through links is read once,
    so a link loop or a second link to the same folder adds nothing.
    """

    def __init__(self, root: str, class_dirs: list[str], follow_links: bool,
                 keras_compat: bool, ignored: dict[str, str], hidden: list[str]) -> None:
        self.follow_links = follow_links
        self.keras = keras_compat
        self.formats = image_formats(keras_compat)
        self.ignored = ignored
        self.hidden = hidden
        self.revisited = 0
        self.seen: dict[tuple[int, int], str] = {}
        self.listed: set[tuple[tuple[int, int] | None, str]] = set()
        self.broken: set[str] = set()  # links to nothing (default mode)
        if follow_links and not keras_compat:
            self._add_real_folders(root, class_dirs)

    def _add_real_folders(self, root: str, class_dirs: list[str]) -> None:
        """Record each folder reachable without following links: identity -> path."""
        key = _folder_key(root)
        if key is not None:
            self.seen[key] = root
        for top in class_dirs:
            for folder, dirs, _ in os.walk(top):
                dirs[:] = [d for d in dirs if not _is_hidden(d)]
                key = _folder_key(folder)
                if key is not None:
                    self.seen.setdefault(key, folder)

    def _unreadable(self, exc: OSError) -> None:
        self.ignored[str(exc.filename)] = f"folder cannot be read ({exc.strerror or exc})"

    def _prune(self, root: str, dirs: list[str]) -> None:
        kept: list[str] = []
        for d in sorted(dirs):
            full = os.path.join(root, d)
            if _is_hidden(d):
                self.hidden.append(full)
                self.ignored[full] = "hidden folder (not read)"
                continue
            if not self.follow_links:
                if os.path.islink(full):
                    self.ignored[full] = _NOT_FOLLOWED
                    continue
            elif (key := _folder_key(full)) is not None:
                first = self.seen.setdefault(key, full)
                if first != full:
                    self.ignored[full] = f"link to a folder read once, at {first}"
                    continue
            kept.append(d)
        dirs[:] = kept

    def _scan(self, top: str) -> list[tuple[str, list[str]]]:
        """``os.walk`` (top-down) for default mode, one ``scandir`` per folder, noting
        broken links on the way (their type comes with the folder listing)."""
        walked: list[tuple[str, list[str]]] = []
        pending = [top]
        while pending:
            root = pending.pop()
            try:
                with os.scandir(root) as listing:
                    entries = list(listing)
            except OSError as exc:
                self._unreadable(exc)
                continue
            dirs: list[str] = []
            files: list[str] = []
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if is_dir:
                    dirs.append(entry.name)
                    continue
                files.append(entry.name)
                if entry.is_symlink() and not os.path.exists(entry.path):
                    self.broken.add(entry.path)
            self._prune(root, dirs)
            walked.append((root, files))
            pending.extend(os.path.join(root, d) for d in reversed(dirs))
        return walked

    def _keras_walk(self, top: str) -> list[tuple[str, list[str]]]:
        """Keras' own ``os.walk``, noting the folder links it does not follow."""
        walked: list[tuple[str, list[str]]] = []
        for root, dirs, files in os.walk(top, followlinks=self.follow_links,
                                         onerror=self._unreadable):
            if not self.follow_links:
                for d in dirs:
                    if os.path.islink(os.path.join(root, d)):
                        self.ignored[os.path.join(root, d)] = _NOT_FOLLOWED
            walked.append((root, files))
        return walked

    def walk(self, top: str) -> list[tuple[str, str]]:
        """``(folder, file name)`` of each sample, in Keras' order (folders sorted by path)."""
        walked = self._keras_walk(top) if self.keras else self._scan(top)
        found: list[tuple[str, str]] = []
        for root, files in sorted(walked, key=lambda t: t[0]):
            key = _folder_key(root) if self.keras and self.follow_links else None
            for fname in sorted(files):
                if self._is_sample(root, fname):
                    found.append((root, fname))
                    if key is not None:
                        self.revisited += (key, fname) in self.listed
                        self.listed.add((key, fname))
        return found

    def _is_sample(self, root: str, fname: str) -> bool:
        readable = fname.lower().endswith(self.formats)
        if not self.keras and _is_hidden(fname):
            if readable:
                self.hidden.append(os.path.join(root, fname))
            self.ignored[os.path.join(root, fname)] = "hidden file"
            return False
        if self.keras and fname.lower().endswith(".tiff"):
            warnings.warn(
                'Using ".tiff" files with multiple bands will cause distortion. '
                "Please verify your output.",
                stacklevel=5,
            )
        if not readable:
            self.ignored[os.path.join(root, fname)] = (
                f"unsupported extension ({_ext(fname)}; reads {', '.join(self.formats)})"
            )
            return False
        if self.broken and (full := os.path.join(root, fname)) in self.broken:
            self.ignored[full] = f"broken link (to missing {os.readlink(full)!r})"
            return False
        return True


def list_directory(
    directory: str,
    classes: Sequence[str] | None = None,
    *,
    follow_links: bool = False,
    include_hidden: bool = False,
    keras_warnings: bool = False,
) -> Listing:
    """List a class-folder tree as Keras' ``DirectoryIterator`` does.

    A ``subset`` is taken afterwards, with :func:`subset_rows` (``per_class=True``).
    ``keras_warnings=True`` (``keras_compat``) lists exactly what Keras lists (hidden
    entries included, no GIF/WebP, links followed blindly); ``include_hidden`` alone
    makes hidden class folders classes.

    >>> listing = list_directory("data")            # doctest: +SKIP
    >>> listing.filenames[:1], listing.ignored       # doctest: +SKIP
    (['cats/001.jpg'], {'data/cats/notes.txt': 'unsupported extension (.txt; reads ...)'})
    """
    if not isinstance(directory, (str, os.PathLike)):
        raise TypeError(f"directory must be a path, got {directory!r}")
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise ValueError(f"directory {directory!r} does not exist or is not a folder")
    hidden: list[str] = []
    ignored: dict[str, str] = {}
    classes = check_classes(classes)
    if not classes:
        names = []
        for sub in sorted(os.listdir(directory)):
            full = os.path.join(directory, sub)
            if not os.path.isdir(full):
                ignored[full] = "outside the class folders (the root holds one folder per class)"
            elif not include_hidden and _is_hidden(sub):
                hidden.append(full)
                ignored[full] = "hidden folder (not a class)"
            else:
                names.append(sub)
    else:
        names = list(classes)
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f"classes lists {', '.join(short_repr(n) for n in repeated[:5])} more than once: "
                "each class folder would be read (and counted) twice; list each class once"
            )
        for name in names:
            if not keras_warnings and not os.path.isdir(os.path.join(directory, name)):
                raise ValueError(f"classes names {name!r}, which is not a folder in {directory!r}")
    class_indices = {name: i for i, name in enumerate(names)}
    class_dirs = [os.path.join(directory, name) for name in names]
    walker = _Walker(directory, class_dirs, follow_links, keras_warnings, ignored, hidden)
    filenames: list[str] = []
    labels: list[int] = []
    empty: list[str] = []
    for name in names:
        class_dir = os.path.join(directory, name)
        files = walker.walk(class_dir)
        if not files:
            empty.append(name)
        for root, fname in files:  # each root is class_dir or under it
            filenames.append(name + root[len(class_dir):] + os.sep + fname)
            labels.append(class_indices[name])
    return Listing(
        class_indices=class_indices,
        filenames=filenames,
        classes=np.asarray(labels, dtype=np.int32),
        hidden_skipped=hidden,
        ignored=ignored,
        empty_classes=empty,
        revisited=walker.revisited,
    )


def keras_split(fraction: float, subset: str | None) -> tuple[float, float] | None:
    """Keras' ``(start, stop)`` fractions for a subset (validation comes first)."""
    check_subset(subset)
    if subset is None:
        return None
    return (0.0, fraction) if subset == "validation" else (fraction, 1.0)


def split_problem(subset: str | None, fraction: float, found: str) -> str:
    """Why ``subset`` kept none of ``found`` (e.g. ``"the 4 rows"``), with the fix."""
    fix = (
        "set validation_split in ImageDataGenerator" if not fraction
        else "use a larger validation_split, or more data"
    )
    return f"subset={subset!r} with validation_split={fraction:g} keeps none of {found}: {fix}"


def stratified_subset(
    labels: Sequence[Any] | np.ndarray, fraction: float, subset: str, seed: int
) -> np.ndarray:
    """Sorted indices of a seeded, per-label random split (validation: ``fraction``).

    Each label group is permuted by a generator keyed by ``seed`` and the group's
    position, so the training and validation subsets are exact complements.
    """
    check_subset(subset)
    groups = _groups(labels)
    chosen: list[int] = []
    for g, key in enumerate(sorted(groups, key=repr)):
        members = np.asarray(groups[key])
        order = generator(seed, STREAM_SPLIT, g).permutation(len(members))
        n_val = int(fraction * len(members))
        part = order[:n_val] if subset == "validation" else order[n_val:]
        chosen.extend(members[part].tolist())
    return np.asarray(sorted(chosen), dtype=np.int64)


def _groups(labels: Sequence[Any] | np.ndarray) -> dict[Any, list[int]]:
    """Row indices of each distinct label, in row order."""
    groups: dict[Any, list[int]] = collections.defaultdict(list)
    for i, v in enumerate(labels):
        groups[_label_key(v)].append(i)
    return groups


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


def validation_rows(
    labels: Sequence[Any] | np.ndarray, fraction: float, mode: str, seed: int,
    *, per_class: bool = False,
) -> np.ndarray:
    """Sorted rows that ``subset='validation'`` keeps: the one ``validation_split`` rule.

    ``'first'``: Keras' rule, the first ``int(n * fraction)`` rows, or with ``per_class``
    (a class-folder tree) the first ``int(n_c * fraction)`` of each class;
    ``'stratified'``: :func:`stratified_subset`, seeded.

    >>> validation_rows([0, 0, 1, 1, 1, 1], 0.5, "first", 0, per_class=True).tolist()
    [0, 2, 3]
    """
    check_choice("validation_split_mode", mode, SPLIT_MODES)
    if mode == "stratified":
        return stratified_subset(labels, fraction, "validation", seed)
    if not per_class:
        return first_subset(len(labels), fraction, "validation")
    rows: list[int] = []
    for members in _groups(labels).values():
        rows.extend(members[: int(fraction * len(members))])
    return np.asarray(sorted(rows), np.int64)


def subset_rows(
    labels: Sequence[Any] | np.ndarray, fraction: float, mode: str, seed: int, subset: str,
    *, per_class: bool = False,
) -> np.ndarray:
    """Sorted rows of ``subset`` (``'training'`` or ``'validation'``) under
    :func:`validation_rows`; the two subsets are exact complements.

    >>> subset_rows([0, 1, 0, 1], 0.5, "first", 0, "training").tolist()
    [2, 3]
    """
    check_subset(subset)
    val = validation_rows(labels, fraction, mode, seed, per_class=per_class)
    if subset == "validation":
        return val
    keep = np.ones(len(labels), bool)
    keep[val] = False
    return np.flatnonzero(keep).astype(np.int64)


def stratified_sample(labels: np.ndarray, k: int, seed: int, stream: int) -> np.ndarray:
    """Sorted indices of ``k`` samples, each class in proportion to its share (largest
    remainders), drawn from a generator keyed by ``(seed, stream)``.

    >>> stratified_sample(np.repeat([0, 1], [6, 2]), 4, seed=0, stream=0).size
    4
    """
    labels = np.asarray(labels)
    n = len(labels)
    if k >= n:
        return np.arange(n)
    rng = np.random.default_rng([seed, stream])
    classes, counts = np.unique(labels, return_counts=True)
    exact = k * counts / n
    quota = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - quota), kind="stable")[: k - int(quota.sum())]:
        quota[i] += 1
    chosen = []
    for c, q in zip(classes, quota, strict=True):
        members = np.flatnonzero(labels == c)
        chosen.append(members[rng.permutation(len(members))[:q]])
    return np.sort(np.concatenate(chosen))
