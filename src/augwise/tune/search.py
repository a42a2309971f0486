"""The Optuna search: TPE over the space, successive-halving pruning, resumable storage.

Every trial trains the proxy with one configuration at the same budget and training
seed (common random numbers: differences come from the augmentation, not the seed),
reports validation accuracy after each epoch, and may be pruned at the successive-
halving rungs.  The study lives in a storage (SQLite ``study.db`` by default; any
Optuna RDB URL such as PostgreSQL; ``journal:PATH`` for a journal file), so rerunning
resumes it and several workers can share it: each runs trials until the study holds
``trials`` finished (complete or pruned) ones.  A worker killed mid-trial loses only
that trial: its heartbeat stops, and after the grace period another run marks it
failed and re-queues its parameters.

The first trials of a new study are fixed points: no augmentation, TrivialAugment and
the classic balanced config (its nearest grid point), at most a quarter of the trials,
never pruned, so the search itself can find that nothing beats them.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from augwise.core import presets
from augwise.core.config import AugmentConfig
from augwise.tune import space
from augwise.tune.baselines import BALANCED, NONE, TRIVIALAUGMENT
from augwise.tune.data import TuneData
from augwise.tune.progress import Reporter, Step, silent
from augwise.tune.proxy import PROXY_NAME, ModelFactory, ProxyBudget
from augwise.tune.training import engine_config, train

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
SPACE_VERSION = 2  # 2: the baselines are enqueued as fixed points
POINT = "point"  # trial user attribute naming an enqueued baseline point


@dataclass(frozen=True)
class SearchSettings:
    """How long and how to search."""

    trials: int = 40
    seed: int = 0  # sampler seed and the training seed of every trial
    budget_minutes: float | None = None  # stop starting trials after this (per run)
    startup_trials: int | None = None  # random trials before TPE; None: trials // 4 (2..10)
    study: str = "augwise-tune"

    def __post_init__(self) -> None:
        if not isinstance(self.trials, int) or isinstance(self.trials, bool) or self.trials < 1:
            raise ValueError(f"trials must be a positive int, got {self.trials!r}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {self.seed!r}")
        if self.budget_minutes is not None and not self.budget_minutes > 0:
            raise ValueError(f"budget_minutes must be > 0, got {self.budget_minutes!r}")
        if self.startup_trials is not None and self.startup_trials < 1:
            raise ValueError(f"startup_trials must be >= 1, got {self.startup_trials!r}")
        if not self.study:
            raise ValueError("study name must not be empty")

    @property
    def n_startup(self) -> int:
        if self.startup_trials is not None:
            return self.startup_trials
        return min(10, max(2, self.trials // 4))


def fingerprint(data: TuneData, budget: ProxyBudget, settings: SearchSettings,
                proxy: str) -> dict[str, Any]:
    """What must match for trials to be comparable (checked when a study is resumed)."""
    return {
        "data": data.fingerprint(),
        "budget": budget.to_dict(),
        "seed": settings.seed,
        "proxy": proxy,
        "space_version": SPACE_VERSION,
    }


def open_study(
    storage: optuna.storages.BaseStorage, settings: SearchSettings, expected: dict[str, Any],
    pruner_min_epochs: int,
) -> optuna.Study:
    """Create or resume the study; refuse one made with other data, budget or seed."""
    sampler = optuna.samplers.TPESampler(
        seed=settings.seed, n_startup_trials=settings.n_startup, multivariate=True,
        constant_liar=True,
    )
    pruner = optuna.pruners.SuccessiveHalvingPruner(
        min_resource=pruner_min_epochs, reduction_factor=3
    )
    study = optuna.create_study(
        storage=storage, study_name=settings.study, direction="maximize", sampler=sampler,
        pruner=pruner, load_if_exists=True,
    )
    found = study.user_attrs.get("augwise")
    if found is None:
        study.set_user_attr("augwise", expected)
        for name, params in baseline_points(settings.trials // 4):
            study.enqueue_trial(params, user_attrs={POINT: name}, skip_if_exists=True)
    elif found != expected:
        diff = sorted(k for k in set(found) | set(expected) if found.get(k) != expected.get(k))
        raise ValueError(
            f"study {settings.study!r} in this storage was made with a different "
            f"{', '.join(diff)}; use another --out folder or --study name to start afresh"
        )
    return study


class _Recorder:
    """Stands in for an Optuna trial in :func:`space.suggest`: answers each suggestion
    with the wanted value (snapped to the dimension's grid) or its "off" value."""

    def __init__(self, wanted: dict[str, Any]) -> None:
        self.wanted = wanted
        self.params: dict[str, Any] = {}

    def suggest_categorical(self, name: str, choices: list[Any]) -> Any:
        if name in self.wanted:
            value = self.wanted[name]
        else:
            value = next((c for c in choices if c is False or c in ("none", "nearest")),
                         choices[0])
        if value not in choices:
            raise ValueError(f"{value!r} is not a choice of {name}")
        self.params[name] = value
        return value

    def _number(self, name: str, low: float, high: float, step: float | None) -> float:
        value = float(self.wanted.get(name, low))
        if step:
            value = low + round((value - low) / step) * step
        return min(max(value, low), high)

    def suggest_int(self, name: str, low: int, high: int, step: int = 1) -> int:
        value = round(self._number(name, low, high, step))
        self.params[name] = value
        return value

    def suggest_float(self, name: str, low: float, high: float, step: float | None = None,
                      log: bool = False) -> float:
        self.params[name] = round(self._number(name, low, high, step), 6)
        return float(self.params[name])


def baseline_points(limit: int) -> list[tuple[str, dict[str, Any]]]:
    """Up to ``limit`` (name, params) points of the space: no augmentation,
    TrivialAugment, the classic balanced config (shear 0.2 degrees rounds to 0)."""
    balanced = dict(presets.CLASSIC_BALANCED)
    wanted: list[tuple[str, dict[str, Any], AugmentConfig | None]] = [
        (NONE, {}, AugmentConfig()),
        (TRIVIALAUGMENT, {"policy": "trivialaugment"}, AugmentConfig(policy="trivialaugment")),
        (BALANCED, balanced, None),
    ]
    out = []
    for name, want, expected in wanted[: max(0, limit)]:
        rec = _Recorder(want)
        cfg = space.suggest(rec)
        if not set(want) <= set(rec.params):
            continue  # the space has no such dimension: not a point of it
        if expected is not None and engine_config(cfg) != engine_config(expected):
            continue
        out.append((name, rec.params))
    return out


def finished(study: optuna.Study) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=FINISHED)


def run_search(
    data: TuneData,
    budget: ProxyBudget,
    settings: SearchSettings,
    storage: optuna.storages.BaseStorage,
    *,
    factory: ModelFactory | None = None,
    progress: Reporter = silent,
) -> optuna.Study:
    """Run trials until the study holds ``settings.trials`` finished ones (or time is up)."""
    proxy = PROXY_NAME if factory is None else getattr(factory, "__qualname__", "custom")
    study = open_study(storage, settings, fingerprint(data, budget, settings, proxy),
                       pruner_min_epochs(budget.epochs))
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def objective(trial: optuna.Trial) -> float:
        try:
            return run_trial(trial)
        except KeyboardInterrupt:
            # stopping: no "trial failed" warning with the interrupt's traceback
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            raise

    def run_trial(trial: optuna.Trial) -> float:
        cfg = space.suggest(trial)
        trial.set_user_attr("config", cfg.non_default_dict())
        trial.set_user_attr("worker", worker)
        start = time.perf_counter()
        point = POINT in trial.user_attrs  # a baseline point runs in full: a reference

        def on_epoch(epoch: int, val_accuracy: float) -> None:
            trial.report(val_accuracy, epoch + 1)
            if epoch + 1 < budget.epochs and not point and trial.should_prune():
                trial.set_user_attr("epochs", epoch + 1)
                trial.set_user_attr("seconds", time.perf_counter() - start)
                raise optuna.TrialPruned()

        result = train(data, cfg, settings.seed, budget, factory=factory, on_epoch=on_epoch)
        trial.set_user_attr("epochs", result.epochs)
        trial.set_user_attr("seconds", result.seconds)
        trial.set_user_attr("train_loss", result.train_loss)
        return result.val_accuracy

    def report(study: optuna.Study, trial: FrozenTrial) -> None:
        done = finished(study)
        best = max((t.value for t in done if t.state == TrialState.COMPLETE and t.value
                    is not None), default=float("nan"))
        value = "" if trial.value is None else f" val {trial.value:.3f}"
        label = (
            f"trial {trial.number} {trial.state.name.lower()}{value} "
            f"({trial.user_attrs.get('epochs', 0)} ep, {trial.user_attrs.get('seconds', 0):.1f}s)"
            f"; best {best:.3f}"
        )
        progress(Step("search", min(len(done), settings.trials), settings.trials, label,
                      float(trial.user_attrs.get("seconds", 0.0))))

    already = len(finished(study))
    progress(Step("search", min(already, settings.trials), settings.trials,
                  f"{already} finished trials in the study"))
    remaining = settings.trials - already
    if remaining > 0:
        verbosity = optuna.logging.get_verbosity()
        try:
            study.optimize(
                objective,
                n_trials=remaining,
                timeout=None if settings.budget_minutes is None else settings.budget_minutes * 60,
                callbacks=[optuna.study.MaxTrialsCallback(settings.trials, states=FINISHED),
                           report],
                catch=(),
            )
        finally:
            optuna.logging.set_verbosity(verbosity)
    return study


def pruner_min_epochs(epochs: int) -> int:
    """First successive-halving rung: a fifth of the epochs (at least one)."""
    return max(1, epochs // 5)


@dataclass(frozen=True)
class TrialSummary:
    number: int
    state: str
    value: float | None
    epochs: int
    seconds: float
    config: AugmentConfig
    worker: str


def summaries(study: optuna.Study) -> list[TrialSummary]:
    """Finished trials with their cost, in trial order."""
    out = []
    for t in sorted(finished(study), key=lambda t: t.number):
        out.append(TrialSummary(
            number=t.number,
            state=t.state.name.lower(),
            value=t.value,
            epochs=int(t.user_attrs.get("epochs", 0)),
            seconds=float(t.user_attrs.get("seconds", 0.0)),
            config=space.config_from_params(t.params),
            worker=str(t.user_attrs.get("worker", "")),
        ))
    return out


def top_configs(study: optuna.Study, k: int) -> list[tuple[int, float, AugmentConfig]]:
    """The ``k`` best distinct complete configurations: (trial number, value, config)."""
    done = [t for t in finished(study) if t.state == TrialState.COMPLETE and t.value is not None]
    done.sort(key=lambda t: (-float(t.value or 0.0), t.number))
    out: list[tuple[int, float, AugmentConfig]] = []
    seen: set[str] = set()
    for t in done:
        cfg = space.config_from_params(t.params)
        key = json.dumps(cfg.non_default_dict(), sort_keys=True)
        if key in seen:
            continue
        seen.add(key)
        out.append((t.number, float(t.value or 0.0), cfg))
        if len(out) == k:
            break
    return out
