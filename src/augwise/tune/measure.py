"""Per-transform measurements: accuracy with and without, affinity, diversity.

For every seed the proxy is trained without augmentation, with each transform of the
config alone (at the config's magnitude, with its ``fill_mode``/``cval``) and with the
full config, all at the same budget, and evaluated on the held-out validation split:

* accuracy with vs without, and their paired difference (*delta*);
* **affinity** (Gontijo-Lopes et al. 2020): the accuracy of the *clean-trained* model on
  augmented validation images divided by its accuracy on the clean ones (1: the
  transform stays within the data distribution; near ``chance / accuracy``: it destroys
  the images);
* **diversity**: the final training loss with the augmentation divided by the final
  training loss without it (> 1: the augmentation makes the training data harder).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from augwise.core.config import AugmentConfig
from augwise.core.transforms import active_transforms
from augwise.results.harm import FULL_CONFIG
from augwise.tune.data import Split, TuneData
from augwise.tune.progress import Reporter, Step, silent
from augwise.tune.proxy import ModelFactory, ProxyBudget
from augwise.tune.training import RunResult, TrainedModel, accuracy, engine_config, train

MIN_LOSS = 1e-12


@dataclass(frozen=True)
class Transform:
    """One measured configuration: a single argument of the config, or all of it."""

    name: str
    value: Any  # JSON-safe
    config: AugmentConfig


@dataclass
class Samples:
    """Per-seed measurements of one transform."""

    transform: Transform
    acc_with: list[float] = field(default_factory=list)
    acc_without: list[float] = field(default_factory=list)
    affinity: list[float] = field(default_factory=list)
    diversity: list[float] = field(default_factory=list)


def single_transforms(config: AugmentConfig) -> list[Transform]:
    """Each augmenting argument of ``config`` alone, then ``full_config``.

    The single configs keep ``config``'s ``fill_mode``, ``cval`` and interpolation.
    """
    cfg = engine_config(config)
    out = []
    for spec in active_transforms(cfg):
        value = getattr(cfg, spec.name)
        shown: Any = list(value) if isinstance(value, tuple) else value
        if value == "randaugment":
            shown = (f"randaugment(num_ops={cfg.policy_num_ops}, "
                     f"magnitude={cfg.policy_magnitude})")
        out.append(Transform(spec.name, shown, cfg.alone(spec.name)))
    full = {k: v for k, v in cfg.non_default_dict().items() if k != "output_dtype"}
    out.append(Transform(FULL_CONFIG, full, cfg))
    return out


def affinity(model: TrainedModel, split: Split, config: AugmentConfig, seed: int,
             clean_accuracy: float) -> float:
    """Accuracy on ``split`` augmented by ``config`` over the accuracy on clean ``split``."""
    if clean_accuracy <= 0:
        return 0.0
    return accuracy(model, split, config, seed=seed) / clean_accuracy


def diversity(augmented_loss: float, clean_loss: float) -> float:
    """Final training loss with the augmentation over the final loss without it.

    A clean loss of exactly 0 (a perfectly fitted training set) is floored at 1e-12 so
    the ratio stays finite (and very large).
    """
    return augmented_loss / max(clean_loss, MIN_LOSS)


def measure_transforms(
    data: TuneData,
    config: AugmentConfig,
    *,
    seeds: int = 3,
    budget: ProxyBudget | None = None,
    factory: ModelFactory | None = None,
    seed: int = 0,
    progress: Reporter = silent,
) -> list[Samples]:
    """Measure every transform of ``config`` over ``seeds`` seeds (``seed``, ``seed+1``...).

    Costs ``seeds * (transforms + 2)`` training runs (configs that augment alike, such
    as a single transform and ``full_config``, share their run).
    """
    if not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 1:
        raise ValueError(f"seeds must be a positive int, got {seeds!r}")
    budget = budget or ProxyBudget()
    transforms = single_transforms(config)
    samples = [Samples(t) for t in transforms]
    distinct = {engine_config(t.config) for t in transforms}
    total = seeds * (1 + len(distinct))
    done = 0
    progress(Step("harm", 0, total, "training without augmentation"))
    for s in range(seed, seed + seeds):
        clean = train(data, AugmentConfig(), s, budget, factory=factory)
        done += 1
        progress(Step("harm", done, total, f"seed {s}: no augmentation", clean.seconds))
        runs: dict[AugmentConfig, RunResult] = {}
        for sample in samples:
            t = sample.transform
            key = engine_config(t.config)
            if key not in runs:
                runs[key] = train(data, t.config, s, budget, factory=factory)
                done += 1
                progress(Step("harm", done, total, f"seed {s}: {t.name}", runs[key].seconds))
            run = runs[key]
            sample.acc_with.append(run.val_accuracy)
            sample.acc_without.append(clean.val_accuracy)
            sample.affinity.append(affinity(clean.model, data.val, t.config, s,
                                            clean.val_accuracy))
            sample.diversity.append(diversity(run.train_loss, clean.train_loss))
    return samples
