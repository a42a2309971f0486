"""A cache of decoded images, so that epochs after the first skip reading and decoding.

``cache="memory"`` keeps the decoded arrays in RAM; a folder path keeps them on disk (one
file per image, shared by runs and processes).  Either way:

* what is stored is exactly what :func:`~augwise.io.decode.load_image` returns: uint8
  (or uint16) pixels at the smallest JPEG DCT scale that keeps the target resolution
  times the zoom magnification and, for the loader, area-averaged down to that
  resolution (``DecodeSpec.reduce``), so batches are identical with and without the
  cache and a cached 500x375 photo for a 224x224 target takes 224x224 pixels;
* an entry is keyed by the file's path and the decode settings, and holds the file's
  ``(size, mtime_ns)``: a file that changes is decoded again;
* the total size is bounded by ``limit_bytes``; the least recently used entries go
  first (an image larger than the limit is not stored).

>>> cache = MemoryCache(limit_bytes=512 * 2**20)
>>> dec = cache.load("photo.jpg", DecodeSpec(target_hw=(224, 224)))  # doctest: +SKIP
>>> cache.stats()["misses"]                                          # doctest: +SKIP
1
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
import struct
import tempfile
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from augwise.core.validate import check_int
from augwise.io.decode import Decoded, DecodeSpec, ImageDecodeError, load_image, read_bytes

DEFAULT_MEMORY_LIMIT = 2 * 2**30
DEFAULT_DISK_LIMIT = 20 * 2**30
StatKey = tuple[int, int]  # (size, mtime_ns)

# disk entry: magic, size, mtime_ns, full h, full w, scale y, scale x, h, w, c, itemsize
_HEADER = struct.Struct("<4sqqiiddiiii")
_MAGIC = b"AWC2"
_DTYPES: dict[int, np.dtype[Any]] = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16)}


def stat_key(path: str) -> StatKey:
    """``(size, mtime_ns)`` of ``path``; raises :class:`ImageDecodeError` if unreadable."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ImageDecodeError(path, exc.strerror or str(exc)) from exc
    return (st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def spec_key(spec: DecodeSpec) -> str:
    """The decode settings that change the decoded pixels, as a string (memoised: it is
    asked for on every cache lookup; equal specs print alike, see DecodeSpec)."""
    return repr(spec)


class DecodedCache:
    """Shared logic: look up, else decode and store; counts hits and misses."""

    def __init__(self, limit_bytes: int) -> None:
        if not isinstance(limit_bytes, (int, np.integer)) or limit_bytes < 0:
            raise ValueError(f"cache_limit_bytes must be a non-negative int, got {limit_bytes!r}")
        self.limit_bytes = int(limit_bytes)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def load(self, path: str, spec: DecodeSpec) -> Decoded:
        """The decoded image of ``path``, from the cache when its entry is current."""
        key = stat_key(path)
        hit = self._get(path, spec, key)
        if hit is not None:
            with self._lock:
                self.hits += 1
            return hit
        dec = load_image(path, spec)
        dec.array.setflags(write=False)
        with self._lock:
            self.misses += 1
        if stat_key(path) == key:  # not rewritten while we decoded it
            self._put(path, spec, key, dec)
        return dec

    def stats(self) -> dict[str, int]:
        """Hits, misses, evictions, entries and bytes held."""
        with self._lock:
            return {
                "hits": self.hits,
                "misses": self.misses,
                "evictions": self.evictions,
                "entries": self._entries(),
                "bytes": self._bytes(),
                "limit_bytes": self.limit_bytes,
            }

    def _get(self, path: str, spec: DecodeSpec, key: StatKey) -> Decoded | None:
        raise NotImplementedError

    def _put(self, path: str, spec: DecodeSpec, key: StatKey, dec: Decoded) -> None:
        raise NotImplementedError

    def _entries(self) -> int:
        raise NotImplementedError

    def _bytes(self) -> int:
        raise NotImplementedError


class MemoryCache(DecodedCache):
    """Decoded images in RAM, least recently used out first.  Not pickled with its
    iterator (each process starts empty)."""

    def __init__(self, limit_bytes: int = DEFAULT_MEMORY_LIMIT) -> None:
        super().__init__(limit_bytes)
        self._items: OrderedDict[tuple[str, str], tuple[StatKey, Decoded]] = OrderedDict()
        self._held = 0

    def __getstate__(self) -> dict[str, Any]:
        return {"limit_bytes": self.limit_bytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["limit_bytes"])  # type: ignore[misc]

    def _get(self, path: str, spec: DecodeSpec, key: StatKey) -> Decoded | None:
        k = (path, spec_key(spec))
        with self._lock:
            item = self._items.get(k)
            if item is None:
                return None
            if item[0] != key:  # the file changed: drop the stale entry
                self._held -= item[1].array.nbytes
                del self._items[k]
                return None
            self._items.move_to_end(k)
            return item[1]

    def _put(self, path: str, spec: DecodeSpec, key: StatKey, dec: Decoded) -> None:
        size = dec.array.nbytes
        if size > self.limit_bytes:
            return
        k = (path, spec_key(spec))
        with self._lock:
            old = self._items.pop(k, None)
            if old is not None:
                self._held -= old[1].array.nbytes
            while self._items and self._held + size > self.limit_bytes:
                _, (_, gone) = self._items.popitem(last=False)
                self._held -= gone.array.nbytes
                self.evictions += 1
            self._items[k] = (key, dataclasses.replace(dec, stored=True))
            self._held += size

    def _entries(self) -> int:
        return len(self._items)

    def _bytes(self) -> int:
        return self._held

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._held = 0


class DiskCache(DecodedCache):
    """Decoded images as files under ``directory`` (``<2 hex>/<sha1>.awc``: a header
    with the source's size, mtime and geometry, then the raw pixels).

    Files are written atomically, so processes and runs can share a folder; the size
    bound is kept by this process (entries found at start-up count, oldest first).
    """

    def __init__(self, directory: str | os.PathLike[str],
                 limit_bytes: int = DEFAULT_DISK_LIMIT) -> None:
        super().__init__(limit_bytes)
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValueError(
                f"cache={str(directory)!r} cannot be a cache folder: "
                f"{exc.strerror or exc} (give the path of a folder, or cache='memory')"
            ) from exc
        self._index: OrderedDict[Path, int] = OrderedDict()
        self._held = 0
        self._warned = False
        self._scan()

    def __getstate__(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "limit_bytes": self.limit_bytes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["directory"], state["limit_bytes"])  # type: ignore[misc]

    def _scan(self) -> None:
        found = []
        for sub in self.directory.iterdir():
            if sub.is_dir() and len(sub.name) == 2:
                for entry in os.scandir(sub):
                    if entry.name.endswith(".awc"):
                        st = entry.stat()
                        found.append((st.st_mtime_ns, Path(entry.path), st.st_size))
        for _, path, size in sorted(found):
            self._index[path] = size
            self._held += size

    def file_for(self, path: str, spec: DecodeSpec) -> Path:
        """Where the entry of ``path`` decoded with ``spec`` lives."""
        digest = hashlib.sha1(
            f"{os.path.abspath(path)}\0{spec_key(spec)}".encode(), usedforsecurity=False
        ).hexdigest()
        return self.directory / digest[:2] / f"{digest}.awc"

    def _get(self, path: str, spec: DecodeSpec, key: StatKey) -> Decoded | None:
        file = self.file_for(path, spec)
        try:
            data = read_bytes(str(file))
        except ImageDecodeError:
            return None
        if len(data) < _HEADER.size:
            return None
        magic, size, mtime, fh, fw, sy, sx, h, w, c, item = _HEADER.unpack_from(data)
        dtype = _DTYPES.get(item)
        if magic != _MAGIC or (size, mtime) != key or dtype is None:
            return None
        if len(data) != _HEADER.size + h * w * c * dtype.itemsize:
            return None
        arr = np.frombuffer(data, dtype=dtype, offset=_HEADER.size).reshape(h, w, c)
        with self._lock:
            if file in self._index:
                self._index.move_to_end(file)
        return Decoded(array=arr, full_hw=(fh, fw), scale=(sy, sx))

    def _put(self, path: str, spec: DecodeSpec, key: StatKey, dec: Decoded) -> None:
        arr = np.ascontiguousarray(dec.array)
        item = arr.dtype.itemsize
        if arr.ndim != 3 or _DTYPES.get(item) != arr.dtype:
            return
        total = _HEADER.size + arr.nbytes
        if total > self.limit_bytes:
            return
        h, w, c = arr.shape
        header = _HEADER.pack(_MAGIC, key[0], key[1], dec.full_hw[0], dec.full_hw[1],
                              dec.scale[0], dec.scale[1], h, w, c, item)
        file = self.file_for(path, spec)
        tmp = None
        try:
            file.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(header)
                fh.write(arr.data)
            os.replace(tmp, file)
        except OSError as exc:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            self._write_failed(exc)
            return
        with self._lock:
            old = self._index.pop(file, None)
            if old is not None:
                self._held -= old
            while self._index and self._held + total > self.limit_bytes:
                gone, gone_size = self._index.popitem(last=False)
                self._held -= gone_size
                self.evictions += 1
                with contextlib.suppress(OSError):
                    gone.unlink()
            self._index[file] = total
            self._held += total

    def _write_failed(self, exc: OSError) -> None:
        """A cache entry could not be written (read-only or full disk, a file in the
        way): the batch is unaffected; said once per cache."""
        with self._lock:
            first, self._warned = not self._warned, True
        if first:
            warnings.warn(
                f"augwise: cannot write to the cache folder {str(self.directory)!r} "
                f"({exc.strerror or exc}): images not yet cached are decoded every epoch",
                RuntimeWarning, stacklevel=2)

    def _entries(self) -> int:
        return len(self._index)

    def _bytes(self) -> int:
        return self._held


def make_cache(cache: Any, limit_bytes: int | None) -> DecodedCache | None:
    """The cache for a ``cache=`` argument: None, ``"memory"``, a folder or an instance."""
    if cache is None or cache is False:
        if limit_bytes is not None:
            raise ValueError("cache_limit_bytes needs cache='memory' or a cache folder")
        return None
    if limit_bytes is not None:
        limit_bytes = check_int("cache_limit_bytes", limit_bytes, minimum=0)
    if isinstance(cache, str) and not cache:
        raise ValueError("cache='' names no folder: give cache='memory' or a folder path")
    if isinstance(cache, DecodedCache):
        if limit_bytes is not None:
            cache.limit_bytes = int(limit_bytes)
        return cache
    if cache == "memory":
        return MemoryCache(DEFAULT_MEMORY_LIMIT if limit_bytes is None else limit_bytes)
    if isinstance(cache, (str, os.PathLike)):
        return DiskCache(cache, DEFAULT_DISK_LIMIT if limit_bytes is None else limit_bytes)
    raise TypeError(f"cache must be None, 'memory', a folder path or a DecodedCache, got {cache!r}")
