"""augwise.tune: systematic augmentation experiments on a small CPU proxy model.

Public API: :func:`tune` (search, retrain the finalists and baselines over seeds, report)
and :func:`measure_harm` (what each transform of a config costs, with 95 % CIs), on data
from :func:`load_data` / :func:`arrays_data`.  The submodules:

* :mod:`~augwise.tune.data`: load DATA, downscale to <= 64 px, stratified train/val/test;
* :mod:`~augwise.tune.proxy` and :mod:`~augwise.tune.training`: the proxy CNN (or your
  torch/Keras model), its fixed budget, one seeded training run, evaluation;
* :mod:`~augwise.tune.measure` and :mod:`~augwise.tune.harm`: accuracy with/without each
  transform, affinity and diversity with 95 % CIs;
* :mod:`~augwise.tune.space`, :mod:`~augwise.tune.storage`, :mod:`~augwise.tune.search`:
  the search space (and its full grid), Optuna storages, the TPE + successive-halving
  search that resumes and shares studies;
* :mod:`~augwise.tune.baselines`, :mod:`~augwise.tune.final`, :mod:`~augwise.tune.report`,
  :mod:`~augwise.tune.runner`: retrain finalists and baselines over seeds and report.

Importing this package is cheap; torch and Optuna load with the names that need them
(on first access).  See ``docs/tuner.md``.

>>> from augwise.tune import LoadOptions, load_data
>>> load_data("demo", LoadOptions(subset=100, test_size=50)).num_classes
10
>>> from augwise.tune import tune  # then tune(data, ...): see its docstring
"""

from __future__ import annotations

from augwise._lazy import lazy_exports

TYPE_CHECKING = False
if TYPE_CHECKING:  # for type checkers and the API docs
    from augwise.tune.data import LoadOptions, TuneData, arrays_data, load_data
    from augwise.tune.harm import measure_harm
    from augwise.tune.proxy import ProxyBudget

_EXPORTS = {
    "LoadOptions": "augwise.tune.data",
    "ProxyBudget": "augwise.tune.proxy",
    "TuneData": "augwise.tune.data",
    "arrays_data": "augwise.tune.data",
    "load_data": "augwise.tune.data",
    "measure_harm": "augwise.tune.harm",
    "tune": "augwise.tune.runner",
}

__all__ = [
    "LoadOptions",
    "ProxyBudget",
    "TuneData",
    "arrays_data",
    "load_data",
    "measure_harm",
    "tune",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
