"""``augwise tune`` as a function: search, retrain finalists and baselines, report.

>>> from augwise.tune.data import load_data, LoadOptions
>>> data = load_data("demo", LoadOptions(subset=600))            # doctest: +SKIP
>>> res = tune(data, user_config, ProxyBudget(epochs=5),
...            SearchSettings(trials=10), Path("tune-out"))       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from augwise.core.config import AugmentConfig
from augwise.tune import report, search, space
from augwise.tune.baselines import Candidate, baselines
from augwise.tune.data import TuneData
from augwise.tune.final import RunCache, retrain
from augwise.tune.progress import Reporter, silent
from augwise.tune.proxy import PROXY_NAME, ModelFactory, ProxyBudget
from augwise.tune.storage import open_storage

STUDY_FILE = "study.db"
RUNS_FILE = "final_runs.jsonl"


@dataclass(frozen=True)
class FinalSettings:
    """The final comparison: ``seeds`` retraining seeds of the best ``finalists``."""

    seeds: int = 3
    finalists: int = 3

    def __post_init__(self) -> None:
        for name in ("seeds", "finalists"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")


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
    """Search, then retrain the finalists and baselines and write the report to ``out``.

    A smoke-test budget below; real runs use ``SearchSettings()`` (40 trials),
    ``ProxyBudget()`` (15 epochs) and ``FinalSettings()`` (3 seeds, 3 finalists).

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
    candidates = [
        Candidate(f"tuned (trial {number})", cfg, tuned=True, trial=number)
        for number, _, cfg in search.top_configs(study, final.finalists)
    ]
    candidates += baselines(user_config)
    proxy = PROXY_NAME if factory is None else getattr(factory, "__qualname__", "custom")
    context = search.fingerprint(data, budget, settings, proxy)
    cache = RunCache(out / RUNS_FILE, context)
    results = retrain(data, candidates, final_seeds(settings, final), budget, factory=factory,
                      cache=cache, progress=progress)
    tuned, recommended = report.choose(results)
    trials = search.summaries(study)
    res = report.TuneResult(
        results=results,
        tuned=tuned,
        recommended=recommended,
        trials=trials,
        compute=report.compute_summary(trials, results, space.grid_size(), budget.epochs),
        data=data.describe(),
        budget=budget.describe(len(data.train)),
        proxy=proxy,
        command=command,
    )
    report.write(res, out)
    return res
