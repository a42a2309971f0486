"""The final comparison: retrain finalists and baselines over several seeds.

Each candidate is trained once per seed at the same budget; the model is scored on
the validation split (used to choose) and on the test split (reported, never used to
choose).  Finished runs are appended to a JSON-lines cache so an interrupted run
resumes here too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augwise.tune.baselines import Candidate
from augwise.tune.data import TuneData
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
    """Train every candidate once per seed; score on validation and test."""
    if not seeds:
        raise ValueError("retrain needs at least one seed")
    cache = cache or RunCache(None, {})
    total = len(candidates) * len(seeds)
    done = 0
    progress(Step("final", 0, total, "retraining finalists and baselines"))
    out = []
    for cand in candidates:
        val, test, secs = [], [], []
        for s in seeds:
            key = cache.key(cand, s)
            row = cache.get(key)
            cost = 0.0
            if row is None:
                run = train(data, cand.config, s, budget, factory=factory)
                row = {"val": run.val_accuracy, "test": accuracy(run.model, data.test),
                       "seconds": run.seconds}
                cache.put(key, row)
                cost = run.seconds
            val.append(float(row["val"]))
            test.append(float(row["test"]))
            secs.append(float(row["seconds"]))
            done += 1
            progress(Step("final", done, total, f"{cand.name}, seed {s}", cost))
        out.append(CandidateResult(cand, tuple(seeds), tuple(val), tuple(test), tuple(secs)))
    return out
