"""Measured harm as a :class:`~augwise.results.harm.HarmReport` (the doctor reads it).

:func:`measure_harm` runs :func:`~augwise.tune.measure.measure_transforms` (accuracy
with and without each transform, affinity, diversity; see there) and summarises each
with its mean and 95 % t interval over the seeds (paired differences for the delta).
"""

from __future__ import annotations

from augwise.core.config import AugmentConfig
from augwise.results.estimate import mean_ci, paired_ci
from augwise.results.harm import FULL_CONFIG, HarmReport, TransformHarm
from augwise.tune.data import TuneData
from augwise.tune.measure import measure_transforms
from augwise.tune.progress import Reporter, silent
from augwise.tune.proxy import PROXY_NAME, ModelFactory, ProxyBudget


def measure_harm(
    data: TuneData,
    config: AugmentConfig,
    *,
    seeds: int = 3,
    budget: ProxyBudget | None = None,
    factory: ModelFactory | None = None,
    seed: int = 0,
    progress: Reporter = silent,
) -> HarmReport:
    """What each transform of ``config`` (and all of it) costs, over ``seeds`` seeds.

    A smoke-test budget below; real measurements use the defaults (15 epochs, 3 seeds).

        >>> from augwise import AugmentConfig
        >>> from augwise.tune.data import LoadOptions, load_data
        >>> data = load_data("demo", LoadOptions(subset=100, test_size=50))
        >>> report = measure_harm(data, AugmentConfig(rotation_range=30, horizontal_flip=True),
        ...                       seeds=1, budget=ProxyBudget(epochs=1, batch_size=32, threads=1))
        >>> [item.transform for item in report.items]
        ['rotation_range', 'horizontal_flip', 'full_config']
    """
    budget = budget or ProxyBudget()
    samples = measure_transforms(data, config, seeds=seeds, budget=budget, factory=factory,
                                 seed=seed, progress=progress)
    items = tuple(
        TransformHarm(
            transform=s.transform.name,
            value=s.transform.value,
            accuracy_with=mean_ci(s.acc_with),
            accuracy_without=mean_ci(s.acc_without),
            delta=paired_ci(s.acc_with, s.acc_without),
            affinity=mean_ci(s.affinity),
            diversity=mean_ci(s.diversity),
        )
        for s in samples
    )
    proxy = PROXY_NAME if factory is None else getattr(factory, "__qualname__", repr(factory))
    proxy += f"; {budget.describe(len(data.train))}; {data.describe()}"
    return HarmReport(items=items, proxy=proxy, seeds=seeds)


def ranked_harm(report: HarmReport) -> list[TransformHarm]:
    """Single transforms, most harmful (lowest mean delta) first."""
    singles = [i for i in report.items if i.transform != FULL_CONFIG]
    return sorted(singles, key=lambda i: i.delta.mean)
