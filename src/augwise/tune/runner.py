"""``augwise tune`` as a function: search, retrain finalists and baselines, decide, report.

>>> from augwise.tune.data import load_data, LoadOptions
>>> data = load_data("demo", LoadOptions(subset=600))            # doctest: +SKIP
>>> res = tune(data, user_config, ProxyBudget(epochs=5),
...            SearchSettings(trials=10), Path("tune-out"))       # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augwise.core.config import AugmentConfig
from augwise.tune import decide, report, search, space
from augwise.tune.baselines import Candidate, baselines
from augwise.tune.data import TuneData
from augwise.tune.final import RunCache, compare_adaptively
from augwise.tune.progress import Reporter, Step, silent
from augwise.tune.proxy import PROXY_NAME, ModelFactory, ProxyBudget
from augwise.tune.storage import Claim, open_storage
from augwise.tune.training import engine_config

STUDY_FILE = "study.db"
RUNS_FILE = "final_runs.jsonl"


@dataclass(frozen=True)
class FinalSettings:
    """The final comparison: ``seeds`` retraining seeds of the best ``finalists``, more
    seeds (up to ``max_seeds``; None: twice ``seeds``) while the decision is open, and
    the region of practical equivalence ``rope`` in accuracy points."""

    seeds: int = 3
    finalists: int = 3
    max_seeds: int | None = None
    rope: float = decide.ROPE_POINTS

    def __post_init__(self) -> None:
        for name in ("seeds", "finalists"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if self.max_seeds is not None and (
            not isinstance(self.max_seeds, int) or isinstance(self.max_seeds, bool)
            or self.max_seeds < self.seeds
        ):
            raise ValueError(f"max_seeds must be an int >= seeds ({self.seeds}), got "
                             f"{self.max_seeds!r}; raise --max-seeds or lower --seeds")
        if not isinstance(self.rope, (int, float)) or not 0 <= self.rope < 100:
            raise ValueError(f"rope must be accuracy points in [0, 100), got {self.rope!r}")

    @property
    def seed_budget(self) -> int:
        return self.max_seeds if self.max_seeds is not None else 2 * self.seeds


def default_storage(out: Path) -> str:
    return f"sqlite:///{(out / STUDY_FILE).resolve()}"


def final_seeds(settings: search.SearchSettings, final: FinalSettings) -> list[int]:
    """Seeds of the final runs: disjoint from the search's training seed."""
    return [settings.seed + 1 + i for i in range(final.seeds)]


def tune(
    data: TuneData,
    user_config: AugmentConfig | None,
    budget: ProxyBudget,
    settings: search.SearchSettings,
    out: Path,
    *,
    storage_url: str | None = None,
    final: FinalSettings | None = None,
    factory: ModelFactory | None = None,
    command: str = "",
    progress: Reporter = silent,
) -> report.TuneResult:
    """Search, then retrain the finalists and baselines, decide and write the report to
    ``out``.  With several workers on one storage the final comparison runs once: the
    others wait for it and return its result (``reused``), writing no files.

    A smoke-test budget below; real runs use ``SearchSettings()`` (40 trials),
    ``ProxyBudget()`` (15 epochs) and ``FinalSettings()`` (3 seeds, up to 6, 3
    finalists, ROPE 0.5 points).

        >>> import tempfile
        >>> from augwise.tune.data import LoadOptions, load_data
        >>> data = load_data("demo", LoadOptions(subset=100, test_size=50))
        >>> tmp = tempfile.TemporaryDirectory()
        >>> result = tune(data, None, ProxyBudget(epochs=1, batch_size=32, threads=1),
        ...               search.SearchSettings(trials=1), Path(tmp.name),
        ...               final=FinalSettings(seeds=1, finalists=1))
        >>> [r.candidate.name for r in result.results]
        ['tuned (trial 0)', 'no augmentation', 'TrivialAugment', 'classic balanced']
        >>> sorted(p.name for p in Path(tmp.name).glob("results.*"))
        ['results.json', 'results.md']
        >>> tmp.cleanup()
    """
    final = final or FinalSettings()
    out.mkdir(parents=True, exist_ok=True)
    storage = open_storage(storage_url or default_storage(out))
    study = search.run_search(data, budget, settings, storage, factory=factory,
                              progress=progress)
    base = baselines(user_config)
    candidates, search_best = finalists(study, final.finalists, base)
    candidates += base
    proxy = PROXY_NAME if factory is None else getattr(factory, "__qualname__", "custom")
    context = {**search.fingerprint(data, budget, settings, proxy), "final": FINAL_VERSION}
    worker = f"{socket.gethostname()}:{os.getpid()}"
    claim = Claim(storage, claim_name(settings, final, context, base), worker)
    if not claim.acquire():
        stored = claim.wait(lambda owner: progress(Step(
            "final", 0, 1, f"waiting for {owner}, which runs the final comparison")))
        if stored is not None:
            return report.from_json(stored)
    try:
        cache = RunCache(out / RUNS_FILE, context)
        outcome = compare_adaptively(
            data, candidates, final_seeds(settings, final), final.seed_budget, budget,
            rope=final.rope / 100, factory=factory, cache=cache, progress=progress,
        )
        trials = search.summaries(study)
        res = report.build(
            outcome, trials,
            report.compute_summary(trials, outcome.results, space.grid_size(), budget.epochs),
            data=data.describe(), budget=budget.describe(len(data.train)), proxy=proxy,
            command=command, search_best=search_best, worker=worker, out=str(out.resolve()),
        )
        report.write(res, out)
    except BaseException:
        claim.release()
        raise
    claim.finish(report.to_json(res))
    return res


FINAL_VERSION = "re-split per seed (data.resplit), adaptive seeds (v3)"  # cached runs
RULE_VERSION = 4  # what the decision means: a new rule does not reuse stored decisions


def finalists(study: Any, k: int, base: list[Candidate]) -> tuple[list[Candidate], str]:
    """The ``k`` best search configs that are not a baseline, and the name of the
    search's best config ("tuned (trial N)" or the baseline it equals)."""
    known = {engine_config(c.config): c.name for c in base}
    out: list[Candidate] = []
    best = ""
    for number, _, cfg in search.top_configs(study, k + len(base)):
        name = known.get(engine_config(cfg))
        best = best or (name or f"tuned (trial {number})")
        if name is None and len(out) < k:
            out.append(Candidate(f"tuned (trial {number})", cfg, tuned=True, trial=number))
    return out, best


def claim_name(settings: search.SearchSettings, final: FinalSettings, context: dict[str, Any],
               base: list[Candidate]) -> str:
    """The storage name of the final comparison's claim: one per study, final settings
    and baselines (not per finalists: a worker still finishing a trial when another
    claimed must wait for that one's result)."""
    payload = {
        "context": context, "seeds": final.seeds, "max_seeds": final.seed_budget,
        "rope": final.rope, "finalists": final.finalists, "rule": RULE_VERSION,
        "trials": settings.trials,
        "baselines": [[c.name, c.config.non_default_dict()] for c in base],
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode())
    return f"{settings.study}:final:{digest.hexdigest()[:16]}"
