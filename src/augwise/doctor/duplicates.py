"""Exact and near duplicates across every split.

* **exact**: same decoded pixels (a hash of the pixel array; files with the same bytes
  are a special case).  Every decoded row takes part, near-uniform ones included.
* **near** (rows with a grey std of at least :data:`MIN_STD`), in three steps:

  1. *align*: each 32x32 grey thumbnail is moved (sub-pixel) so that the centroid of its
     contrast against the border colour is at the centre: a copy shifted by a few pixels
     lands within about a pixel of its original (the content cut at the border moves
     the centroid a little);
  2. *search*: a search descriptor (gradients of the 2x2-pooled aligned thumbnail,
     unit norm) is projected on its first :data:`SEARCH_DIMS` principal axes and every
     row is compared with its :data:`NEIGHBOURS` nearest rows there (exact k-d tree
     search: no row is skipped, whatever the density of the data), those whose
     descriptors' cosine reaches :data:`COARSE_MIN`;
  3. *verify*: the similarity of a pair is the correlation of the two aligned
     thumbnails' gradients (blurred by :data:`FINE_SIGMA`, magnitude square-root
     compressed so that texture counts as much as the outline) at the best of the 3x3
     residual shifts.  A pair is a near-duplicate when its similarity s reaches
     :data:`NEAR_CORR` **and** stands out from the look-alikes of both images:
     ``1 - s <= RATIO * (1 - L)``, where L is the :data:`LOCAL_RANK`-th highest
     similarity of either image to its other candidates (a ratio test).  Plain items of
     one shape (trousers, say) resemble many others almost as much as a copy resembles
     its original; a copy stands out, a look-alike among look-alikes does not.

  The recall is bounded by the search (a copy must be among the nearest rows of its
  original) and the verification; measured on planted copies (docs/doctor.md):
  re-encoded, brightened, 1 px shifted and exact copies are found at 0.97-1.00,
  resized and 2 px shifted ones at about 0.9, crops (a scale change) mostly not.
  Features are computed once per row, in chunks on the usable cores; they take about
  1.7 KB per row (1.4 KB of int8 gradients, the search projections).

Groups are stars, not chains: each group has a representative and every member is an
exact copy of it or a confirmed near-duplicate of it, so look-alikes that are only close
to one another through a third image are not merged.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from augwise.core.machine import usable_cores
from augwise.doctor.scan import ScanResult, column

NEAR_CORR = 0.93
RATIO = 0.3  # a copy is at least this much closer than the image's usual look-alikes
LOCAL_RANK = 3  # the look-alike level L: this-th highest similarity to another row
MIN_STD = 5.0  # near-uniform images: exact copies only
SEARCH_DIMS = 8  # principal axes of the k-d tree search
COARSE_DIMS = 64  # principal axes of the coarse cosine that screens pairs before verifying
NEIGHBOURS = 5  # nearest rows each row is compared with
COARSE_MIN = 0.8  # search-descriptor cosine below which a pair is not verified
RESIDUAL = 1  # residual shifts searched when verifying: -1..1 px
FINE_SIGMA = 1.0  # blur of the verified gradients (px of the thumbnail)
CHUNK = 2048  # rows whose features are computed at once
PAIR_BATCH = 4096  # pairs verified at once
_MARGIN = 3  # gradient border left out of the verified window (room for the residual)
_PCA_SAMPLE = 8192


@dataclass(frozen=True)
class Group:
    """Copies of one image: the representative first, then the members by similarity."""

    rows: tuple[int, ...]
    similarity: tuple[float, ...]  # of each member to the representative (1.0: same pixels)
    exact: bool  # every member has the representative's pixels

    @property
    def representative(self) -> int:
        return self.rows[0]

    @property
    def lowest(self) -> float:
        """The lowest similarity of a member to the representative."""
        return min(self.similarity[1:], default=1.0)


@dataclass(frozen=True)
class Duplicates:
    groups: list[Group]
    candidates: int  # pairs verified
    compared: int  # rows searched for near-duplicates (every decoded, textured row)
    flat: int  # near-uniform rows: compared for exact copies only
    method: dict[str, Any] = field(default_factory=dict)


def align(thumbs: np.ndarray) -> np.ndarray:
    """Thumbnails moved (bilinear, sub-pixel) so that the centroid of their contrast
    against the border colour is at the centre, ``(n, side, side)`` uint8."""
    t = thumbs.astype(np.float32)
    n, side = t.shape[:2]
    border = np.concatenate([t[:, 0], t[:, -1], t[:, :, 0], t[:, :, -1]], axis=1)
    bg = np.median(border, axis=1).astype(np.float32)
    w = np.abs(t - bg[:, None, None])
    mass = w.sum(axis=(1, 2)) + 1e-6
    ax = np.arange(side, dtype=np.float32)
    centre = (side - 1) / 2
    dx = (w.sum(axis=1) * ax).sum(axis=1) / mass - centre
    dy = (w.sum(axis=2) * ax).sum(axis=1) / mass - centre
    out = np.empty((n, side, side), np.uint8)
    for i in range(n):
        m = np.array([[1, 0, -dx[i]], [0, 1, -dy[i]]], np.float32)
        moved = cv2.warpAffine(t[i], m, (side, side), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=float(bg[i]))
        out[i] = np.clip(np.rint(moved), 0, 255)
    return out


def _unit(f: np.ndarray) -> np.ndarray:
    f = f - f.mean(axis=1, keepdims=True)
    return np.asarray(f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-6),
                      np.float32)


def _blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of each ``(n, h, w)`` image (separable, borders reflected)."""
    n, h, w = images.shape
    k = cv2.getGaussianKernel(2 * int(np.ceil(3 * sigma)) + 1, sigma, cv2.CV_32F).ravel()
    rows = cv2.sepFilter2D(images.reshape(n * h, w), cv2.CV_32F, k, np.ones(1, np.float32),
                           borderType=cv2.BORDER_REFLECT_101).reshape(n, h, w)
    cols = np.ascontiguousarray(rows.transpose(0, 2, 1)).reshape(n * w, h)
    out = cv2.sepFilter2D(cols, cv2.CV_32F, k, np.ones(1, np.float32),
                          borderType=cv2.BORDER_REFLECT_101)
    return np.ascontiguousarray(out.reshape(n, w, h).transpose(0, 2, 1))


def _gradients(images: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradients of the blurred images, ``(n, h-2, w-2)``."""
    b = _blur(images.astype(np.float32), sigma)
    return b[:, 1:-1, 2:] - b[:, 1:-1, :-2], b[:, 2:, 1:-1] - b[:, :-2, 1:-1]


def search_features(aligned: np.ndarray) -> np.ndarray:
    """Gradients of the 2x2-pooled, blurred aligned thumbnails, unit norm,
    ``(n, 2 * (side/2 - 2)**2)``."""
    n, h, w = aligned.shape
    pooled = aligned.astype(np.float32).reshape(n, h // 2, 2, w // 2, 2).mean(axis=(2, 4))
    gx, gy = _gradients(pooled, 0.5)
    return _unit(np.concatenate([gx.reshape(n, -1), gy.reshape(n, -1)], axis=1))


def verify_features(aligned: np.ndarray) -> np.ndarray:
    """Square-root compressed gradients (x8, int8), ``(n, 2, side-2-2m, side-2-2m)``:
    the window the residual shifts reach, m = _MARGIN - RESIDUAL."""
    m = _MARGIN - RESIDUAL
    gx, gy = _gradients(aligned, FINE_SIGMA)
    g = np.stack([gx[:, m:gx.shape[1] - m, m:gx.shape[2] - m],
                  gy[:, m:gy.shape[1] - m, m:gy.shape[2] - m]], axis=1)
    out = np.sqrt(np.abs(g))
    np.copysign(out, g, out=out)
    out *= 8.0
    np.rint(out, out=out)
    np.clip(out, -127, 127, out=out)
    return out.astype(np.int8)


def _window_sums(m: np.ndarray, inner: int) -> np.ndarray:
    """Sums of ``m`` ``(n, s, s)`` over every ``inner``-wide window, ``(n, s-inner+1, ...)``."""
    n, side, _ = m.shape
    k = side - inner + 1
    rows = np.zeros((n, side + 1, k), m.dtype)  # row sums of each column window, cumulated
    cols = np.concatenate([np.zeros((n, side, 1), m.dtype), m.cumsum(axis=2)], axis=2)
    rows[:, 1:] = (cols[:, :, inner:] - cols[:, :, :k]).cumsum(axis=1)
    return rows[:, inner:] - rows[:, :k]


def _correlation(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Best correlation of ``fa``'s central window with ``fb``'s windows over residual
    shifts (features from :func:`verify_features`)."""
    n, c, side, _ = fa.shape
    inner = side - 2 * RESIDUAL
    mid = slice(RESIDUAL, side - RESIDUAL)
    a = _unit(fa[:, :, mid, mid].reshape(n, -1).astype(np.float32)).reshape(n, c, inner, inner)
    b = fb.astype(np.float32)
    size = c * inner * inner
    total = _window_sums(b.sum(axis=1), inner)
    squares = _window_sums(np.einsum("ncij,ncij->nij", b, b), inner)
    spread = np.sqrt(np.maximum(squares - total**2 / size, 1e-6))
    best = np.full(n, -1.0, np.float32)
    for y0 in range(2 * RESIDUAL + 1):
        for x0 in range(2 * RESIDUAL + 1):
            win = b[:, :, y0:y0 + inner, x0:x0 + inner]
            best = np.maximum(best, np.einsum("ncij,ncij->n", a, win) / spread[:, y0, x0])
    return best


@dataclass(frozen=True)
class _Features:
    """Per-row features, computed once: the search projection and the verify window."""

    points: np.ndarray  # (n, SEARCH_DIMS) float64: k-d tree coordinates
    coarse: np.ndarray  # (n, COARSE_DIMS) float32: projection for the coarse cosine
    offset: np.ndarray  # (n,) float32: the mean's part of the coarse cosine
    fine: np.ndarray  # (n, 2, s, s) int8: verify features

    def cosine(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Approximate search-descriptor cosine of row pairs (a, b)."""
        return np.asarray(np.einsum("ij,ij->i", self.coarse[a], self.coarse[b])
                          + self.offset[a] + self.offset[b], np.float32)


def _features(thumbs: np.ndarray, workers: int) -> _Features:
    """Align every thumbnail once, in chunks on ``workers`` threads; principal axes of the
    search descriptors from a strided sample."""
    n = len(thumbs)
    sample = search_features(align(thumbs[:: max(1, n // _PCA_SAMPLE)]))
    mean = sample.mean(axis=0)
    centred = np.asarray(sample - mean, np.float64)
    _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
    axes = np.ascontiguousarray(vectors[:, ::-1][:, :COARSE_DIMS], np.float32)
    # f.g = (f-m).(g-m) + m.f + m.g - m.m, the first term projected on the axes
    base = float(mean @ mean)
    side = thumbs.shape[1] - 2 - 2 * (_MARGIN - RESIDUAL)
    coarse = np.zeros((n, COARSE_DIMS), np.float32)
    offset = np.zeros(n, np.float32)
    fine = column((n, 2, side, side), np.int8)

    def run(start: int) -> None:
        aligned = align(thumbs[start:start + CHUNK])
        f = search_features(aligned)
        coarse[start:start + CHUNK] = (f - mean) @ axes
        offset[start:start + CHUNK] = f @ mean - base / 2
        fine[start:start + CHUNK] = verify_features(aligned)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, range(0, n, CHUNK)))
    return _Features(np.asarray(coarse[:, :SEARCH_DIMS], np.float64), coarse, offset, fine)


def _neighbour_pairs(points: np.ndarray, workers: int) -> np.ndarray:
    """Each row with its NEIGHBOURS nearest rows (exact k-d tree search on ``points``)."""
    from scipy.spatial import cKDTree

    n = len(points)
    k = min(NEIGHBOURS, n - 1)
    if k < 1:
        return np.zeros((0, 2), np.int64)
    _, idx = cKDTree(points).query(points, k=k + 1, workers=workers)
    a = np.repeat(np.arange(n), k)
    b = idx[:, 1:].ravel()
    valid = (b < n) & (a != b)
    pairs = np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1)[valid]
    return np.unique(pairs, axis=0)


def _local_level(pairs: np.ndarray, sims: np.ndarray, n: int) -> np.ndarray:
    """Per row, its LOCAL_RANK-th highest similarity among ``pairs`` (0 if fewer)."""
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    both = np.concatenate([sims, sims])
    order = np.lexsort((-both, rows))
    rows, both = rows[order], both[order]
    first = np.searchsorted(rows, np.arange(n))
    end = np.searchsorted(rows, np.arange(n), side="right")
    pick = first + LOCAL_RANK - 1
    level = np.zeros(n, np.float32)
    has = pick < end
    level[has] = both[pick[has]]
    return level


def near_pairs(thumbs: np.ndarray, same: np.ndarray,
               workers: int = 1) -> tuple[np.ndarray, np.ndarray, int]:
    """Near-duplicate pairs among ``thumbs`` (indices), their similarity, pairs verified.

    ``same``: a pixel-hash code per thumbnail (identical images are not verified)."""
    n = len(thumbs)
    if n < 2:
        return np.zeros((0, 2), np.int64), np.zeros(0, np.float32), 0
    feats = _features(thumbs, workers)
    pairs = _neighbour_pairs(feats.points, workers)
    pairs = pairs[same[pairs[:, 0]] != same[pairs[:, 1]]]
    pairs = pairs[feats.cosine(pairs[:, 0], pairs[:, 1]) >= COARSE_MIN]

    def run(start: int) -> np.ndarray:
        batch = pairs[start:start + PAIR_BATCH]
        return _correlation(feats.fine[batch[:, 0]], feats.fine[batch[:, 1]])

    with ThreadPoolExecutor(workers) as pool:
        sim = np.concatenate([np.zeros(0, np.float32),
                              *pool.map(run, range(0, len(pairs), PAIR_BATCH))])
    level = _local_level(pairs, sim, n)
    around = np.maximum(level[pairs[:, 0]], level[pairs[:, 1]])
    ok = (sim >= NEAR_CORR) & (1.0 - sim <= RATIO * (1.0 - around))
    return pairs[ok], sim[ok], len(pairs)


def star_groups(n: int, same: np.ndarray, pairs: np.ndarray, sims: np.ndarray) -> list[Group]:
    """Groups in which every member is identical or close to the representative.

    ``same``: a class id per row (rows with the same id have the same pixels, -1: none);
    ``pairs``/``sims``: confirmed near pairs.  Identical rows form one unit; the unit with
    the most confirmed neighbours becomes a representative and takes all of them that
    are not yet taken, then the next, so a chain a~b~c with a, c far apart is not merged.
    """
    unit = np.arange(n)
    first: dict[int, int] = {}
    for r in np.flatnonzero(same >= 0).tolist():
        unit[r] = first.setdefault(int(same[r]), r)
    neighbours: dict[int, dict[int, float]] = {}
    for (a, b), s in zip(pairs.tolist(), sims.tolist(), strict=True):
        ua, ub = int(unit[a]), int(unit[b])
        if ua == ub:
            continue
        for x, y in ((ua, ub), (ub, ua)):
            near = neighbours.setdefault(x, {})
            near[y] = max(near.get(y, -1.0), s)
    members: dict[int, list[int]] = {}
    for r in np.flatnonzero((unit != np.arange(n)) | (same >= 0)).tolist():
        members.setdefault(int(unit[r]), []).append(r)
    for r in neighbours:
        members.setdefault(r, [r])
    taken: set[int] = set()
    groups: list[Group] = []
    order = sorted(members, key=lambda u: (-len(neighbours.get(u, {})), -len(members[u]), u))
    for u in order:
        if u in taken:
            continue
        taken.add(u)
        rows = list(members[u])
        sim = [1.0] * len(rows)
        close = sorted(((v, s) for v, s in neighbours.get(u, {}).items() if v not in taken),
                       key=lambda vs: (-vs[1], vs[0]))
        for v, s in close:
            taken.add(v)
            rows.extend(members[v])
            sim.extend([s] * len(members[v]))
        if len(rows) > 1:
            groups.append(Group(tuple(rows), tuple(sim), exact=not close))
    groups.sort(key=lambda g: g.rows[0])
    return groups


def find_duplicates(scan: ScanResult) -> Duplicates:
    """Group exact and near duplicates among the decoded rows of ``scan``."""
    table = scan.table
    ok = np.flatnonzero(scan.ok)
    n = len(table)
    pixel = table["pixel_hash"].to_numpy()
    _, codes = np.unique(pixel[ok].astype(str), return_inverse=True)
    same = np.full(n, -1, np.int64)
    same[ok] = codes
    textured = ok[np.asarray(table["std"].to_numpy()[ok] >= MIN_STD, bool)]
    near, sims, examined = near_pairs(scan.thumbs[textured], same[textured],
                                      workers=usable_cores())
    groups = star_groups(n, same, textured[near], sims)
    method = {"near_threshold": NEAR_CORR, "ratio": RATIO, "neighbours_per_row": NEIGHBOURS,
              "search_dims": SEARCH_DIMS, "residual_shift_px": RESIDUAL}
    return Duplicates(groups, examined, len(textured), len(ok) - len(textured), method)
