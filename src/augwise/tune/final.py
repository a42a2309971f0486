"""The final comparison: retrain finalists and baselines over several seeds.

Each seed re-splits the training pool (train + validation) into train and validation,
stratified, so a seed varies the split, the initialisation, the sample order and the
augmentation draws together, and the validation data that compares the finalists is
not the split that picked them.  Each candidate is trained once per seed at the same
budget and scored on that seed's validation split (used to choose, see
:mod:`augwise.tune.decide`) and on the test split (reported, never used to choose).
While the top rows are not separated, seeds are added up to ``max_seeds`` for the rows
still in contention.  Finished runs are appended to a JSON-lines cache so an
interrupted run resumes here too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augwise.core.config import AugmentConfig
from augwise.tune import decide
from augwise.tune.baselines import Candidate
from augwise.tune.data import TuneData, resplit
from augwise.tune.measure import single_transforms
from augwise.tune.progress import Reporter, Step, silent
from augwise.tune.proxy import ModelFactory, ProxyBudget
from augwise.tune.stats import CI, mean_ci
from augwise.tune.training import accuracy, engine_config, train


@dataclass(frozen=True)
class CandidateResult:
    """A candidate's per-seed accuracies."""

    candidate: Candidate
    seeds: tuple[int, ...]
    val: tuple[float, ...]
    test: tuple[float, ...]
    seconds: tuple[float, ...]

    @property
    def val_ci(self) -> CI:
        return mean_ci(self.val)

    @property
    def test_ci(self) -> CI:
        return mean_ci(self.test)

    def val_by_seed(self) -> dict[int, float]:
        return dict(zip(self.seeds, self.val, strict=True))

    def test_by_seed(self) -> dict[int, float]:
        return dict(zip(self.seeds, self.test, strict=True))

    def extended(self, other: CandidateResult) -> CandidateResult:
        """These runs followed by ``other``'s (same candidate, new seeds)."""
        return dataclasses.replace(
            self, seeds=self.seeds + other.seeds, val=self.val + other.val,
            test=self.test + other.test, seconds=self.seconds + other.seconds,
        )


def simplicity(config: AugmentConfig) -> tuple[int, int]:
    """Sort key of the decision rule: (transforms, 0 for a parameter-free policy else 1).

        >>> simplicity(AugmentConfig()), simplicity(AugmentConfig(policy="trivialaugment"))
        ((0, 0), (1, 0))
        >>> simplicity(AugmentConfig(rotation_range=10, horizontal_flip=True))
        (2, 1)
    """
    cfg = engine_config(config)
    count = len(single_transforms(cfg)) - 1  # the last one is the full config
    if count == 0:
        return (0, 0)
    parameter_free = count == 1 and cfg.policy == "trivialaugment"
    return (count, 0 if parameter_free else 1)


class RunCache:
    """Finished runs in a JSON-lines file (or in memory when ``path`` is None)."""

    def __init__(self, path: Path | None, context: dict[str, Any]) -> None:
        self.path = path
        self.context = context
        self.runs: dict[str, dict[str, Any]] = {}
        if path is not None and path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by a kill
                if isinstance(row, dict) and "key" in row:
                    self.runs[str(row["key"])] = row

    def key(self, candidate: Candidate, seed: int) -> str:
        payload = {"config": engine_config(candidate.config).to_dict(drop_unserialisable=True),
                   "seed": seed, "context": self.context}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:24]

    def get(self, key: str) -> dict[str, Any] | None:
        return self.runs.get(key)

    def put(self, key: str, row: dict[str, Any]) -> None:
        entry = {"key": key, **row}
        self.runs[key] = entry
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")


def retrain(
    data: TuneData,
    candidates: list[Candidate],
    seeds: list[int],
    budget: ProxyBudget,
    *,
    factory: ModelFactory | None = None,
    cache: RunCache | None = None,
    progress: Reporter = silent,
) -> list[CandidateResult]:
    """Train every candidate once per seed on that seed's re-split; score on its
    validation split and on the test split."""
    if not seeds:
        raise ValueError("retrain needs at least one seed")
    cache = cache or RunCache(None, {})
    total = len(candidates) * len(seeds)
    counter = _Counter(progress, total)
    split = _Splits(data)
    per_seed = [[_run(split, cand, s, budget, factory, cache, counter) for cand in candidates]
                for s in seeds]  # seed by seed: one re-split in memory at a time
    return [_merge([runs[i] for runs in per_seed]) for i in range(len(candidates))]


class _Splits:
    """The re-split of one seed at a time, made only when a run is not cached."""

    def __init__(self, data: TuneData) -> None:
        self.data = data
        self.seed: int | None = None
        self.split = data

    def __call__(self, seed: int) -> TuneData:
        if self.seed != seed:
            self.seed, self.split = seed, resplit(self.data, seed)
        return self.split


def _merge(runs: list[CandidateResult]) -> CandidateResult:
    out = runs[0]
    for more in runs[1:]:
        out = out.extended(more)
    return out


class _Counter:
    def __init__(self, progress: Reporter, total: int, done: int = 0) -> None:
        self.progress, self.total, self.done = progress, total, done
        progress(Step("final", done, total, "retraining finalists and baselines"))

    def __call__(self, label: str, cost: float) -> None:
        self.done += 1
        self.progress(Step("final", self.done, self.total, label, cost))


def _run(split: _Splits, cand: Candidate, seed: int, budget: ProxyBudget,
         factory: ModelFactory | None, cache: RunCache, counter: _Counter) -> CandidateResult:
    """One candidate and seed, from the cache or trained on the seed's re-split."""
    key = cache.key(cand, seed)
    row = cache.get(key)
    cost = 0.0
    if row is None:
        data = split(seed)
        run = train(data, cand.config, seed, budget, factory=factory)
        row = {"val": run.val_accuracy, "test": accuracy(run.model, data.test),
               "seconds": run.seconds}
        cache.put(key, row)
        cost = run.seconds
    counter(f"{cand.name}, seed {seed}", cost)
    return CandidateResult(cand, (seed,), (float(row["val"]),), (float(row["test"]),),
                           (float(row["seconds"]),))


@dataclass(frozen=True)
class FinalOutcome:
    """The retrained rows, the decision on them, and the seeds it took."""

    results: list[CandidateResult]
    decision: decide.Decision
    rope: float
    rho: float
    seeds_started: int
    seeds_used: int  # the most seeds any row was trained with
    max_seeds: int
    decided_on: tuple[str, ...] = ()  # the rows still compared at the end (all when empty)

    def compared(self) -> list[CandidateResult]:
        """The rows the decision was made on: they share every seed."""
        if not self.decided_on:
            return list(self.results)
        return [r for r in self.results if r.candidate.name in self.decided_on]


def decision_rows(results: list[CandidateResult]) -> list[decide.Row]:
    return [decide.Row(r.candidate.name, simplicity(r.candidate.config), r.val_by_seed())
            for r in results]


def compare_adaptively(
    data: TuneData,
    candidates: list[Candidate],
    seeds: list[int],
    max_seeds: int,
    budget: ProxyBudget,
    *,
    rope: float = decide.ROPE_POINTS / 100,
    factory: ModelFactory | None = None,
    cache: RunCache | None = None,
    progress: Reporter = silent,
) -> FinalOutcome:
    """Retrain every candidate over ``seeds`` and decide; while the top rows are not
    separated (:func:`augwise.tune.decide.needs_more_seeds`) drop the rows the best
    clearly beats and add the next seed (``seeds[-1] + 1``, ...) to all the others, up
    to ``max_seeds`` seeds.  The decision is made on the rows still in (same seeds)."""
    if max_seeds < len(seeds):
        raise ValueError(f"max_seeds ({max_seeds}) must be >= the {len(seeds)} starting seeds")
    names = [c.name for c in candidates]
    if len(set(names)) != len(names):
        raise ValueError(f"candidate names must be unique, got {names}")
    cache = cache or RunCache(None, {})
    rho = decide.correlation(len(data.train), len(data.val))
    results = retrain(data, candidates, seeds, budget, factory=factory, cache=cache,
                      progress=progress)
    used = len(seeds)
    active = list(range(len(results)))  # rows not yet clearly beaten: they share every seed
    while True:
        decision = decide.decide(
            decision_rows([results[i] for i in active]), rope=rope, rho=rho,
            dropped=decision_rows([r for i, r in enumerate(results) if i not in active]))
        if not decide.needs_more_seeds(decision) or used >= max_seeds:
            break
        beaten = set(decision.beaten)
        active = [i for i in active if results[i].candidate.name not in beaten]
        seed = seeds[-1] + 1 + used - len(seeds)
        counter = _Counter(progress, sum(len(r.seeds) for r in results) + len(active),
                           sum(len(r.seeds) for r in results))
        split = _Splits(data)
        for i in active:
            more = _run(split, results[i].candidate, seed, budget, factory, cache, counter)
            results[i] = results[i].extended(more)
        used += 1
    return FinalOutcome(results, decision, rope, rho, len(seeds), used, max_seeds,
                        tuple(results[i].candidate.name for i in active))
