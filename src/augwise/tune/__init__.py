"""augwise.tune: systematic augmentation experiments on a small CPU proxy model.

* :mod:`~augwise.tune.data`: load DATA, downscale to <= 64 px, stratified train/val/test;
* :mod:`~augwise.tune.proxy` and :mod:`~augwise.tune.training`: the proxy CNN (or your
  torch/Keras model), its fixed budget, one seeded training run, evaluation;
* :mod:`~augwise.tune.measure` and :mod:`~augwise.tune.harm`: accuracy with/without each
  transform, affinity and diversity with 95 % CIs, as the doctor's ``HarmReport``;
* :mod:`~augwise.tune.space`, :mod:`~augwise.tune.storage`, :mod:`~augwise.tune.search`:
  the search space (and its full grid), Optuna storages, the TPE + successive-halving
  search that resumes and shares studies;
* :mod:`~augwise.tune.baselines`, :mod:`~augwise.tune.final`, :mod:`~augwise.tune.report`,
  :mod:`~augwise.tune.runner`: retrain finalists and baselines over seeds and report.

Importing this package is cheap; torch and Optuna load with the submodules that need them.
See ``docs/tuner.md``.

>>> from augwise.tune.data import LoadOptions, load_data
>>> load_data("demo", LoadOptions(subset=100, test_size=50)).num_classes
10
>>> from augwise.tune.runner import tune  # then tune(data, ...): see its docstring
"""
