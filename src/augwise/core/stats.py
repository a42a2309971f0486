"""Featurewise statistics computed in a streaming pass (bounded memory).

``fit()`` feeds batches of float images to :func:`fit_statistics`, which returns a
:class:`FeaturewiseStats`: per-channel centre and scale (mean/std, or median/IQR for
data with outliers) and, for ZCA, a whitener.  ZCA is exact (same maths as Keras' SVD)
when ``H*W*C <= 4096``; above that it keeps the top ``rank`` components found by a
randomized range finder (Halko et al. 2011) over the data's second-moment matrix, so
memory is ``O(H*W*C * rank)`` rather than ``(H*W*C)**2``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

EXACT_ZCA_LIMIT = 4096
DEFAULT_ZCA_RANK = 256
_OVERSAMPLE = 10
_POWER_ITERATIONS = 1
_HIST_BINS = 1 << 16
_IQR_TO_STD = 1.3489795003921634  # IQR of a unit normal


@dataclass(frozen=True)
class ZcaWhitener:
    """``x_white = x @ W`` with ``W = U diag(scale) U^T`` kept in factored form."""

    components: np.ndarray  # (D, k)
    scale: np.ndarray  # (k,)
    dense: np.ndarray | None = None  # (D, D), kept when D <= EXACT_ZCA_LIMIT

    @property
    def dim(self) -> int:
        return int(self.components.shape[0])

    def matrix(self) -> np.ndarray:
        """The dense ``(D, D)`` whitening matrix (Keras' ``zca_whitening_matrix``)."""
        if self.dense is not None:
            return self.dense
        return (self.components * self.scale) @ self.components.T

    def apply(self, flat: np.ndarray) -> np.ndarray:
        """Whiten rows of ``flat`` (n, D)."""
        if self.dense is not None:
            return flat @ self.dense.astype(flat.dtype, copy=False)
        u = self.components.astype(flat.dtype, copy=False)
        return ((flat @ u) * self.scale.astype(flat.dtype, copy=False)) @ u.T


@dataclass(frozen=True)
class FeaturewiseStats:
    """Per-channel centre/scale in broadcast shape, plus the optional ZCA whitener."""

    mean: np.ndarray | None
    std: np.ndarray | None
    zca: ZcaWhitener | None
    count: int


BatchSource = Callable[[], Iterable[np.ndarray]]


def fit_statistics(
    batches: BatchSource,
    *,
    channel_axis: int,
    center: bool,
    scale: bool,
    zca: bool,
    zca_epsilon: float = 1e-6,
    zca_rank: int | None = None,
    method: str = "mean_std",
    seed: int = 0,
) -> FeaturewiseStats:
    """Compute statistics over ``batches()`` (called once per pass over the data).

    Each batch is ``(n, H, W, C)`` (``channel_axis=3``) or ``(n, C, H, W)``
    (``channel_axis=1``).  Centre and scale follow Keras: per channel, the scale is
    computed after centring, and ZCA works on the centred (not scaled) data.
    """
    moments = _Moments(channel_axis)
    zca_acc: _SecondMoment | None = None
    first = True
    for batch in batches():
        x = np.asarray(batch, dtype=np.float64)
        if x.ndim != 4:
            raise ValueError(f"fit() batches must have rank 4, got shape {x.shape}")
        moments.update(x)
        if zca:
            if zca_acc is None:
                dim = int(np.prod(x.shape[1:]))
                zca_acc = _SecondMoment.create(dim, zca_rank, seed)
            zca_acc.update(x.reshape(len(x), -1))
        first = False
    if first or moments.count == 0:
        raise ValueError("fit() received no images")
    mean_c, var_c = moments.result()
    shape = [1, 1, 1]
    shape[channel_axis - 1] = mean_c.size
    mean = std = None
    if method == "median_iqr":
        med, iqr_std = _robust(batches, channel_axis, moments)
        if center:
            mean = med.reshape(shape)
        if scale:
            std = iqr_std.reshape(shape)
    else:
        if center:
            mean = mean_c.reshape(shape)
        if scale:
            # Keras forces centring with std normalisation, so this is the centred std
            std = np.sqrt(var_c).reshape(shape)
    whitener = None
    if zca and zca_acc is not None:
        centre_full = np.broadcast_to(
            (mean if mean is not None else np.zeros(shape)), moments.image_shape
        ).reshape(-1)
        whitener = zca_acc.finish(batches, centre_full, moments.count, zca_epsilon)
    stats = FeaturewiseStats(
        mean=None if mean is None else mean.astype(np.float32),
        std=None if std is None else std.astype(np.float32),
        zca=whitener,
        count=moments.count,
    )
    _check_finite_stats(stats)
    return stats


def _check_finite_stats(stats: FeaturewiseStats) -> None:
    """Refuse NaN or inf statistics: they would turn every standardised batch to NaN."""
    parts = {"mean": stats.mean, "std": stats.std}
    if stats.zca is not None:
        parts["ZCA whitening"] = stats.zca.scale
    for name, value in parts.items():
        if value is not None and not np.isfinite(value).all():
            hint = " (or zca_epsilon is 0 on data of low rank)" if name[0] == "Z" else ""
            raise ValueError(
                f"fit() computed a NaN or infinite featurewise {name}: the images as "
                "standardised before it (preprocessing_function, rescale, samplewise "
                f"steps) hold NaN or inf, or values too large for float32{hint}; fix "
                "those steps or the data."
            )


class _Moments:
    """Per-channel mean and population variance, merged batch by batch (Chan et al.)."""

    def __init__(self, channel_axis: int) -> None:
        self.channel_axis = channel_axis
        self.count = 0
        self.pixels = 0
        self.mean: np.ndarray | None = None
        self.m2: np.ndarray | None = None
        self.lo: np.ndarray | None = None
        self.hi: np.ndarray | None = None
        self.image_shape: tuple[int, ...] = ()

    def update(self, x: np.ndarray) -> None:
        axes = tuple(a for a in range(4) if a != self.channel_axis)
        n_pix = int(np.prod([x.shape[a] for a in axes]))
        b_mean = x.mean(axis=axes)
        b_m2 = ((x - np.expand_dims(b_mean, axes)) ** 2).sum(axis=axes)
        b_lo, b_hi = x.min(axis=axes), x.max(axis=axes)
        if self.mean is None or self.m2 is None or self.lo is None or self.hi is None:
            self.mean, self.m2, self.lo, self.hi = b_mean, b_m2, b_lo, b_hi
            self.image_shape = x.shape[1:]
        else:
            if x.shape[1:] != self.image_shape:
                raise ValueError(
                    f"fit() images must all have one shape: {self.image_shape} then {x.shape[1:]}"
                )
            total = self.pixels + n_pix
            delta = b_mean - self.mean
            self.mean = self.mean + delta * (n_pix / total)
            self.m2 = self.m2 + b_m2 + delta**2 * (self.pixels * n_pix / total)
            self.lo = np.minimum(self.lo, b_lo)
            self.hi = np.maximum(self.hi, b_hi)
        self.pixels += n_pix
        self.count += x.shape[0]

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        if self.mean is None or self.m2 is None:
            raise ValueError("fit() received no images")
        return self.mean, self.m2 / self.pixels


def _robust(
    batches: BatchSource, channel_axis: int, moments: _Moments
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel median and IQR/1.349 from a second pass with fine histograms."""
    if moments.lo is None or moments.hi is None:
        raise ValueError("fit() received no images")
    lo, hi = moments.lo, moments.hi
    channels = lo.size
    width = np.where(hi > lo, hi - lo, 1.0)
    hist = np.zeros((channels, _HIST_BINS), dtype=np.int64)
    for batch in batches():
        x = np.moveaxis(np.asarray(batch, dtype=np.float64), channel_axis, -1)
        flat = x.reshape(-1, channels)
        for c in range(channels):
            idx = ((flat[:, c] - lo[c]) / width[c] * (_HIST_BINS - 1)).astype(np.int64)
            hist[c] += np.bincount(np.clip(idx, 0, _HIST_BINS - 1), minlength=_HIST_BINS)
    centres = lo[:, None] + width[:, None] * np.arange(_HIST_BINS)[None, :] / (_HIST_BINS - 1)
    cdf = np.cumsum(hist, axis=1) / hist.sum(axis=1, keepdims=True)

    def quantile(q: float) -> np.ndarray:
        pos = np.array([np.searchsorted(cdf[c], q) for c in range(channels)])
        return np.array([centres[c, min(pos[c], _HIST_BINS - 1)] for c in range(channels)])

    med = quantile(0.5)
    iqr = quantile(0.75) - quantile(0.25)
    _, var = moments.result()
    # a channel with (nearly) constant bulk falls back to the std to avoid dividing by 0
    fallback = np.sqrt(var)
    scale = np.where(iqr > 0, iqr / _IQR_TO_STD, fallback)
    return med, scale


class _SecondMoment:
    """Accumulates what ZCA needs: exact ``X^T X`` or a randomized sketch of it."""

    def __init__(self, dim: int, rank: int, exact: bool, seed: int) -> None:
        self.dim = dim
        self.rank = rank
        self.exact = exact
        self.total = np.zeros(dim)
        if exact:
            self.gram = np.zeros((dim, dim))
            self.omega = np.zeros((dim, 0))
        else:
            rng = np.random.default_rng(seed)
            self.omega = rng.standard_normal((dim, rank + _OVERSAMPLE)).astype(np.float32)
            self.gram = np.zeros((0, 0))
        self.sketch = np.zeros((dim, self.omega.shape[1]), dtype=np.float32)

    @classmethod
    def create(cls, dim: int, rank: int | None, seed: int) -> _SecondMoment:
        if rank is None:
            exact = dim <= EXACT_ZCA_LIMIT
            rank = dim if exact else DEFAULT_ZCA_RANK
        else:
            exact = rank >= dim and dim <= EXACT_ZCA_LIMIT
            rank = min(rank, dim)
        return cls(dim, rank, exact, seed)

    def update(self, flat: np.ndarray) -> None:
        self.total += flat.sum(axis=0)
        if self.exact:
            self.gram += flat.T @ flat
        else:
            f32 = flat.astype(np.float32)
            self.sketch += f32.T @ (f32 @ self.omega)

    def _centred_product(
        self, raw: np.ndarray, basis: np.ndarray, centre: np.ndarray, n: int
    ) -> np.ndarray:
        """``(X - c)^T (X - c) @ basis`` from ``raw = X^T X @ basis`` and ``sum(X)``."""
        s = self.total
        return (
            raw
            - np.outer(s, centre @ basis)
            - np.outer(centre, s @ basis)
            + n * np.outer(centre, centre @ basis)
        )

    def _pass(self, batches: BatchSource, basis: np.ndarray) -> np.ndarray:
        """``X^T X @ basis`` over one pass of the data."""
        out = np.zeros((self.dim, basis.shape[1]))
        b32 = basis.astype(np.float32)
        for batch in batches():
            f = np.asarray(batch, dtype=np.float32).reshape(len(batch), -1)
            out += f.T @ (f @ b32)
        return out

    def finish(
        self, batches: BatchSource, centre: np.ndarray, n: int, epsilon: float
    ) -> ZcaWhitener:
        keep = min(self.rank, n, self.dim)
        if self.exact:
            m = self._centred_product(self.gram, np.eye(self.dim), centre, n)
            evals, evecs = np.linalg.eigh((m + m.T) / 2)
            order = np.argsort(evals)[::-1][:keep]
            evals, u = np.clip(evals[order], 0, None), evecs[:, order]
        else:
            # range finder with one power iteration: each product M @ Q is one pass
            y = self._centred_product(self.sketch.astype(np.float64), self.omega, centre, n)
            for _ in range(_POWER_ITERATIONS + 1):
                q, _r = np.linalg.qr(y)
                y = self._centred_product(self._pass(batches, q), q, centre, n)
            small = q.T @ y
            evals, v = np.linalg.eigh((small + small.T) / 2)
            order = np.argsort(evals)[::-1][:keep]
            evals, u = np.clip(evals[order], 0, None), q @ v[:, order]
        # Keras: s = singular values of X_c, s_inv = sqrt(n) / (s + eps)
        singular = np.sqrt(evals)
        scale = np.sqrt(n) / (singular + epsilon)
        dense = ((u * scale) @ u.T).astype(np.float32) if self.dim <= EXACT_ZCA_LIMIT else None
        return ZcaWhitener(
            components=u.astype(np.float32), scale=scale.astype(np.float32), dense=dense
        )

