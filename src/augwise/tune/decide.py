"""The decision rule: recommend a config over a simpler one only when it is clearly better.

Each seed of the final comparison re-splits train/validation, so a seed varies the
split, the initialisation, the sample order and the augmentation draws together
(Bouthillier et al., "Accounting for Variance in Machine Learning Benchmarks", MLSys
2021).  Two configs are compared on their *paired* per-seed validation accuracies
with the Bayesian correlated t-test of Benavoli, Corani, Demšar and Zaffalon ("Time
for a Change: a Tutorial for Comparing Multiple Classifiers Through Bayesian
Analysis", JMLR 18, 2017; Corani and Benavoli, Machine Learning 100, 2015): the mean
difference has a Student-t posterior with ``n - 1`` degrees of freedom, location the
mean of the differences and scale ``sqrt((1/n + rho/(1 - rho)) * s^2)``, where
``rho = n_val / (n_train + n_val)`` is Nadeau and Bengio's correction (Machine
Learning 52, 2003) for the overlap of the re-split training sets.  The posterior
gives P(better by more than the ROPE), P(within the ROPE) and P(worse).

The overlap term does not shrink with more seeds: however many seeds are added, the
scale stays above ``sqrt(rho/(1 - rho)) * s``.  For an undecided comparison
:attr:`Comparison.seeds_to_decide` says how many seeds would call it if the observed
mean and spread held, or that none would.  Since ``s^2`` holds a validation-sampling
part (about ``1/n_val``) and a training part, and ``rho/(1 - rho) = n_val/n_train``,
that limit falls with more *training* data, not with a larger validation split.

The rule: a config is recommended over a simpler one only if it is better by more
than the ROPE with probability >= ``THRESHOLD``; otherwise the simplest config that
the best one does not clearly beat is recommended: "tied within noise" when the two
are equivalent (P(within the ROPE) >= ``THRESHOLD``), "not separated" (undecided, not
a tie) when the evidence is short either way.  Simplicity:
no augmentation, then fewer transforms; at equal count a parameter-free policy
(TrivialAugment) comes first.

>>> c = compare([0.82, 0.84, 0.83, 0.85], [0.80, 0.81, 0.80, 0.82], rope=0.005, rho=0.2)
>>> round(c.mean, 4), c.p_better > 0.9
(0.0275, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import stats

THRESHOLD = 0.9  # posterior probability needed to call a comparison
ROPE_POINTS = 0.5  # region of practical equivalence, in accuracy points
LEVEL = 0.95  # credible interval of the mean difference
RULE = (
    "A config is recommended over a simpler one only if, on validation data re-split "
    "for every seed, it is better by more than {rope:g} accuracy points with probability "
    "at least {threshold:g} (Bayesian correlated t-test); otherwise the simplest config "
    "within noise of the best is recommended (no augmentation first, then the fewest "
    "transforms, TrivialAugment before a one-transform config)."
)


@dataclass(frozen=True)
class Comparison:
    """The posterior of ``mean(a - b)`` over ``n`` paired seeds (accuracy fractions)."""

    n: int
    mean: float
    low: float  # LEVEL credible interval of the mean difference
    high: float
    p_better: float  # P(a - b > rope)
    p_rope: float  # P(|a - b| <= rope)
    p_worse: float  # P(a - b < -rope)
    # undecided comparisons: the seeds at which the posterior would reach THRESHOLD if
    # the observed mean and spread held (0: already decided or no spread measured;
    # None: no number of seeds would, see the module docstring)
    seeds_to_decide: int | None = 0

    @property
    def better(self) -> bool:
        return self.p_better >= THRESHOLD

    @property
    def equivalent(self) -> bool:
        return self.p_rope >= THRESHOLD

    @property
    def decided(self) -> bool:
        """Either clearly better, clearly equivalent or clearly worse."""
        return self.better or self.equivalent or self.p_worse >= THRESHOLD

    def to_dict(self) -> dict[str, float | int | None]:
        return {"n": self.n, "mean": self.mean, "low": self.low, "high": self.high,
                "p_better": self.p_better, "p_rope": self.p_rope, "p_worse": self.p_worse,
                "seeds_to_decide": self.seeds_to_decide}


def correlation(n_train: int, n_val: int) -> float:
    """Nadeau and Bengio's ``rho``: the validation share of the re-split pool.

        >>> correlation(800, 200)
        0.2
    """
    if n_train < 1 or n_val < 1:
        raise ValueError(f"n_train and n_val must be >= 1, got {n_train} and {n_val}")
    return n_val / (n_train + n_val)


def compare(a: Sequence[float], b: Sequence[float], *, rope: float, rho: float) -> Comparison:
    """Bayesian correlated t-test of the paired differences ``a[i] - b[i]``.

    With one seed, or ``rho`` making the scale undefined, nothing is decided (the
    probabilities are those of a flat posterior: 0, 0, 0).

        >>> compare([0.9, 0.9], [0.9, 0.9], rope=0.005, rho=0.2).equivalent
        True
    """
    x = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if len(a) != len(b):
        raise ValueError(f"paired values need equal lengths, got {len(a)} and {len(b)}")
    if not np.all(np.isfinite(x)):
        raise ValueError("paired accuracies must be finite numbers")
    if not 0 <= rho < 1:
        raise ValueError(f"rho must be in [0, 1), got {rho!r}")
    if rope < 0:
        raise ValueError(f"rope must be >= 0, got {rope!r}")
    n = int(x.size)
    if n == 0:
        raise ValueError("compare needs at least one paired seed")
    mean = float(x.mean())
    if n < 2:
        return Comparison(n, mean, -math.inf, math.inf, 0.0, 0.0, 0.0)
    var = float(x.var(ddof=1))
    post = _posterior(mean, var, n, rho)
    if post is None:  # identical differences on every seed: the posterior is a point
        better, worse = float(mean > rope), float(mean < -rope)
        return Comparison(n, mean, mean, mean, better, 1.0 - better - worse, worse)
    low, high = (float(v) for v in post.interval(LEVEL))
    c = Comparison(n, mean, low, high, *_probabilities(post, rope))
    if c.decided:
        return c
    return replace(c, seeds_to_decide=seeds_to_decide(mean, var, n, rope=rope, rho=rho))


def _posterior(mean: float, var: float, n: int, rho: float) -> Any:
    """The correlated t-test's posterior of the mean difference (None: a point)."""
    scale = math.sqrt((1 / n + rho / (1 - rho)) * var)
    return None if scale < 1e-12 else stats.t(df=n - 1, loc=mean, scale=scale)


def _probabilities(post: Any, rope: float) -> tuple[float, float, float]:
    """P(better by > rope), P(within the rope), P(worse by > rope)."""
    p_better, p_worse = float(post.sf(rope)), float(post.cdf(-rope))
    return p_better, max(0.0, 1.0 - p_better - p_worse), p_worse


MAX_PROJECTED_SEEDS = 1000


def seeds_to_decide(mean: float, var: float, n: int, *, rope: float, rho: float) -> int | None:
    """The fewest seeds (more than ``n``) at which the correlated t-test's posterior for
    a difference of ``mean`` with per-seed variance ``var`` would put ``THRESHOLD`` on
    one side of the ROPE or inside it; None when no number up to
    :data:`MAX_PROJECTED_SEEDS` would (the overlap term's floor).

        >>> seeds_to_decide(0.03, 0.035 ** 2, 5, rope=0.005, rho=0.2)
        24
        >>> seeds_to_decide(0.01, 0.035 ** 2, 5, rope=0.005, rho=0.2) is None
        True
    """
    if var <= 0:
        return 0
    if n >= MAX_PROJECTED_SEEDS:
        return None

    def decides(m: int) -> bool:
        return max(_probabilities(_posterior(mean, var, m, rho), rope)) >= THRESHOLD

    if not decides(MAX_PROJECTED_SEEDS):
        return None
    lo, hi = n, MAX_PROJECTED_SEEDS  # decides(hi) holds; the seeds needed are in (lo, hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if decides(mid) else (mid, hi)
    return hi


@dataclass(frozen=True)
class Row:
    """One compared config: its name, simplicity key and per-seed validation accuracy."""

    name: str
    simplicity: tuple[int, int]
    val: dict[int, float]  # seed -> accuracy

    @property
    def mean(self) -> float:
        return float(np.mean(list(self.val.values())))


def paired(a: Row, b: Row, *, rope: float, rho: float) -> Comparison:
    """:func:`compare` over the seeds both rows were trained with."""
    common = sorted(set(a.val) & set(b.val))
    if not common:
        raise ValueError(f"{a.name!r} and {b.name!r} share no seed to compare on")
    return compare([a.val[s] for s in common], [b.val[s] for s in common], rope=rope, rho=rho)


@dataclass(frozen=True)
class Decision:
    """What the rule chose and why."""

    best: str  # highest mean validation accuracy
    recommended: str
    # "simplest" (the best is the simplest row), "better" (it clearly beats every simpler
    # row), "tied" (a simpler row is within noise of it) or "undecided" (not separated)
    verdict: str
    versus: Comparison | None  # best vs ``rival`` (None when there is none)
    contested: tuple[str, ...]  # rows whose comparison with the best is not decided
    rival: str = ""  # the recommended row, or a row tied with the recommended best
    beaten: tuple[str, ...] = ()  # rows the best clearly beats (never recommended)

    @property
    def tied(self) -> bool:
        return self.verdict in ("tied", "undecided")

    def to_dict(self) -> dict[str, Any]:
        return {"best": self.best, "recommended": self.recommended, "verdict": self.verdict,
                "versus": None if self.versus is None else self.versus.to_dict(),
                "rival": self.rival, "contested": list(self.contested),
                "beaten": list(self.beaten)}


def decide(rows: Sequence[Row], *, rope: float, rho: float,
           dropped: Sequence[Row] = ()) -> Decision:
    """Apply the rule (see the module docstring) to ``rows``; ``dropped`` rows were
    clearly beaten earlier (with fewer seeds) and only count as beaten simpler rows.

        >>> none = Row("none", (0, 0), {1: 0.80, 2: 0.81, 3: 0.80})
        >>> flip = Row("flip", (1, 1), {1: 0.80, 2: 0.81, 3: 0.80})
        >>> d = decide([flip, none], rope=0.005, rho=0.2)
        >>> d.recommended, d.verdict
        ('none', 'tied')
    """
    if not rows:
        raise ValueError("decide needs at least one row")
    # ties on the mean go to the simpler row
    best = max(rows, key=lambda r: (r.mean, tuple(-k for k in r.simplicity)))
    versus = {r.name: paired(best, r, rope=rope, rho=rho) for r in rows if r is not best}
    contested = tuple(r.name for r in rows if r is not best and not versus[r.name].decided)
    beaten = tuple(r.name for r in rows if r is not best and versus[r.name].better)
    beaten += tuple(r.name for r in dropped)
    ordered = sorted(rows, key=lambda r: r.simplicity)
    for row in ordered:
        if row is best:
            break
        if row.simplicity < best.simplicity and not versus[row.name].better:
            comp = versus[row.name]
            verdict = "tied" if comp.decided else "undecided"
            return Decision(best.name, row.name, verdict, comp, contested, row.name, beaten)
    ties = [r for r in ordered if r is not best and versus[r.name].equivalent]
    if ties:
        return Decision(best.name, best.name, "tied", versus[ties[0].name], contested,
                        ties[0].name, beaten)
    simplest = not any(r.simplicity < best.simplicity for r in [*rows, *dropped])
    return Decision(best.name, best.name, "simplest" if simplest else "better", None, contested,
                    "", beaten)


def needs_more_seeds(decision: Decision) -> bool:
    """True while the top rows are not separated: some row's comparison with the best
    is undecided (neither clearly better, clearly worse nor equivalent)."""
    return decision.verdict == "undecided" or bool(decision.contested)


def sentence(decision: Decision, rope: float) -> str:
    """The decision in one plain sentence (``rope`` as a fraction of accuracy)."""
    pts = 100 * rope
    if decision.verdict == "simplest":
        return (f"{decision.recommended} has the best mean validation accuracy and is the "
                "simplest config compared, so it is recommended.")
    if decision.versus is None:
        return (f"{decision.recommended} beats every simpler config by more than {pts:g} "
                f"points with probability >= {THRESHOLD:g}, so it is recommended.")
    c = decision.versus
    if decision.recommended == decision.best:
        return (f"{decision.best} has the best mean; {decision.rival}, which is not "
                f"simpler, is tied with it within noise (within ±{pts:g} points with "
                f"probability {c.p_rope:.2f}), so {decision.best} is recommended.")
    if decision.verdict == "tied":
        how = (f"tied within noise: the difference is within ±{pts:g} points with "
               f"probability {c.p_rope:.2f}")
    else:
        how = (f"not separated from it after {c.n} seeds (P(better by > {pts:g} points) = "
               f"{c.p_better:.2f}, below {THRESHOLD:g}; P(within ±{pts:g}) = "
               f"{c.p_rope:.2f}: undecided, not a tie; {_outlook(c)})")
    return (f"{decision.best} has the best mean but {decision.recommended} is simpler and "
            f"{how}, so {decision.recommended} is recommended.")


def _outlook(c: Comparison) -> str:
    """What would decide an undecided comparison, in words."""
    if c.seeds_to_decide is None:
        return ("no number of seeds would decide at this data size, as the re-split "
                "training sets overlap; more training data lowers that floor, a larger "
                "validation split does not")
    if c.seeds_to_decide:
        return (f"about {c.seeds_to_decide} seeds would decide if the difference held "
                f"(--max-seeds {c.seeds_to_decide})")
    return "more seeds would decide"
