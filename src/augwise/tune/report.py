"""The final table, the recommendation and the files ``augwise tune`` writes.

The *tuned* config is the search finalist with the best mean validation accuracy over
the final seeds; the *recommendation* is the best of the tuned config and the
baselines on the same criterion (so "no augmentation" is recommended when it wins).
Test accuracy is reported for all of them and never used to choose.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augwise.tune.baselines import NONE
from augwise.tune.final import CandidateResult
from augwise.tune.search import TrialSummary
from augwise.tune.stats import CI, paired_ci
from augwise.tune.training import engine_config

RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"
RECOMMENDED_YAML = "recommended_config.yaml"


@dataclass(frozen=True)
class Compute:
    """What the search spent, against a full grid over the same space and budget."""

    trials: int
    pruned: int
    search_epochs: int
    search_seconds: float
    final_runs: int
    final_seconds: float
    grid_points: int
    epochs_per_config: int

    @property
    def grid_epochs(self) -> int:
        return self.grid_points * self.epochs_per_config

    @property
    def fraction_of_grid(self) -> float:
        """Search epochs over the grid's epochs (one run of every grid point)."""
        return self.search_epochs / self.grid_epochs

    def to_dict(self) -> dict[str, Any]:
        return {
            "trials": self.trials,
            "pruned": self.pruned,
            "search_epochs": self.search_epochs,
            "search_seconds": self.search_seconds,
            "final_runs": self.final_runs,
            "final_seconds": self.final_seconds,
            "grid_points": self.grid_points,
            "epochs_per_config": self.epochs_per_config,
            "grid_epochs": self.grid_epochs,
            "fraction_of_grid": self.fraction_of_grid,
        }


@dataclass(frozen=True)
class TuneResult:
    """Everything the report shows."""

    results: list[CandidateResult]
    tuned: CandidateResult | None
    recommended: CandidateResult
    trials: list[TrialSummary]
    compute: Compute
    data: str
    budget: str
    proxy: str
    command: str = ""

    @property
    def no_augmentation_best(self) -> bool:
        return self.recommended.candidate.name == NONE or not _augments(self.recommended)

    def baseline_results(self) -> list[CandidateResult]:
        return [r for r in self.results if not r.candidate.tuned]

    def best_baseline(self) -> CandidateResult:
        """The baseline with the best mean test accuracy (for the comparison only)."""
        return max(self.baseline_results(), key=lambda r: r.test_ci.mean)


def _augments(result: CandidateResult) -> bool:
    return engine_config(result.candidate.config).augments


def choose(results: list[CandidateResult]) -> tuple[CandidateResult | None, CandidateResult]:
    """(tuned, recommended) by mean validation accuracy; ties go to the earlier row."""
    tuned_rows = [r for r in results if r.candidate.tuned]
    tuned = max(tuned_rows, key=lambda r: r.val_ci.mean) if tuned_rows else None
    ranked = ([tuned] if tuned is not None else []) + [r for r in results
                                                        if not r.candidate.tuned]
    recommended = max(ranked, key=lambda r: r.val_ci.mean)
    return tuned, recommended


def compute_summary(trials: list[TrialSummary], final: list[CandidateResult],
                    grid_points: int, epochs: int) -> Compute:
    return Compute(
        trials=len(trials),
        pruned=sum(t.state == "pruned" for t in trials),
        search_epochs=sum(t.epochs for t in trials),
        search_seconds=sum(t.seconds for t in trials),
        final_runs=sum(len(r.seeds) for r in final),
        final_seconds=sum(sum(r.seconds) for r in final),
        grid_points=grid_points,
        epochs_per_config=epochs,
    )


def _name(result: CandidateResult, res: TuneResult) -> str:
    name = result.candidate.name
    if result is res.tuned:
        name = f"**{name}**"
    if result is res.recommended:
        name += " (recommended)"
    return name


def _delta(result: CandidateResult, reference: CandidateResult) -> CI | None:
    if result is reference or result.seeds != reference.seeds:
        return None
    return paired_ci(result.test, reference.test)


TABLE_HEADER = ("config", "test accuracy %", "Δ vs no augmentation (paired, points)",
                "val accuracy %", "ImageDataGenerator")


def table_rows(res: TuneResult) -> list[tuple[str, str, str, str, str]]:
    """The tuned config then the baselines, formatted (see :data:`TABLE_HEADER`)."""
    none = next((r for r in res.results if r.candidate.name == NONE), None)
    order = ([res.tuned] if res.tuned is not None else []) + res.baseline_results()
    rows = []
    for r in order:
        d = _delta(r, none) if none is not None else None
        rows.append((
            _name(r, res), r.test_ci.points(), "-" if d is None else _signed(d),
            r.val_ci.points(), r.candidate.config.python_call(),
        ))
    return rows


def markdown(res: TuneResult) -> str:
    """The final table with the recommendation, as Markdown."""
    n = len(res.results[0].seeds)
    lines = [
        f"Held-out test accuracy, mean ± 95 % CI over {n} seeds (same budget and seeds "
        "for every row); validation accuracy chose the tuned config and the recommendation.",
        "",
        "| " + " | ".join(TABLE_HEADER) + " |",
        "|---|---|---|---|---|",
    ]
    for name, test, delta, val, call in table_rows(res):
        lines.append(f"| {name} | {test} | {delta} | {val} | `{call}` |")
    for line in summary_lines(res):
        lines += ["", line]
    return "\n".join(lines) + "\n"


def _signed(ci: CI) -> str:
    text = ci.points()
    return text if text.startswith("-") else "+" + text


def summary_lines(res: TuneResult) -> list[str]:
    c = res.compute
    out = []
    if res.no_augmentation_best:
        out.append(
            "**No augmentation is the best choice** for this data at this budget: no "
            "augmented config beat it on validation accuracy."
        )
    else:
        out.append(
            f"**Recommended** ({res.recommended.candidate.name}): "
            f"`{res.recommended.candidate.config.python_call()}`"
        )
    if res.tuned is not None:
        best = res.best_baseline()
        d = _delta(res.tuned, best)
        verdict = "≥" if res.tuned.test_ci.mean >= best.test_ci.mean else "<"
        if d is not None:
            out.append(
                f"Tuned {res.tuned.test_ci.points()} {verdict} best baseline "
                f"({best.candidate.name}) {best.test_ci.points()} on test; paired "
                f"difference {_signed(d)} points."
            )
    out.append(
        f"Search: {c.trials} trials ({c.pruned} pruned), {c.search_epochs} epochs, "
        f"{c.search_seconds / 60:.1f} min; a full grid over the same space is "
        f"{c.grid_points:,} configs x {c.epochs_per_config} epochs = {c.grid_epochs:,} epochs, "
        f"so the search used {100 * c.fraction_of_grid:.2g} % of it. "
        f"Final retraining: {c.final_runs} runs, {c.final_seconds / 60:.1f} min."
    )
    out.append(f"Data: {res.data}. Proxy: {res.proxy}; {res.budget}.")
    if res.command:
        out.append(f"Command: `{res.command}`")
    return out


def to_json(res: TuneResult) -> dict[str, Any]:
    def row(r: CandidateResult) -> dict[str, Any]:
        return {
            "name": r.candidate.name,
            "tuned": r.candidate.tuned,
            "trial": r.candidate.trial,
            "config": r.candidate.config.non_default_dict(),
            "python": r.candidate.config.python_call(),
            "seeds": list(r.seeds),
            "val": list(r.val),
            "test": list(r.test),
            "seconds": list(r.seconds),
            "val_ci": r.val_ci.to_dict(),
            "test_ci": r.test_ci.to_dict(),
        }

    return {
        "data": res.data,
        "proxy": res.proxy,
        "budget": res.budget,
        "command": res.command,
        "results": [row(r) for r in res.results],
        "tuned": None if res.tuned is None else res.tuned.candidate.name,
        "recommended": res.recommended.candidate.name,
        "no_augmentation_best": res.no_augmentation_best,
        "recommended_config": res.recommended.candidate.config.non_default_dict(),
        "recommended_python": res.recommended.candidate.config.python_call(),
        "compute": res.compute.to_dict(),
        "trials": [
            {"number": t.number, "state": t.state, "value": t.value, "epochs": t.epochs,
             "seconds": t.seconds, "config": t.config.non_default_dict(), "worker": t.worker}
            for t in res.trials
        ],
    }


def recommendation_yaml(res: TuneResult) -> str:
    cfg = res.recommended.candidate.config
    head = (
        "# augwise tune: no augmentation is the best choice for this data and budget\n"
        if res.no_augmentation_best
        else f"# augwise tune recommendation ({res.recommended.candidate.name}); "
        f"test accuracy {res.recommended.test_ci.points()} %\n"
    )
    return head + f"# {cfg.python_call()}\n" + cfg.to_yaml(only_changes=True)


def write(res: TuneResult, out: Path) -> dict[str, Path]:
    """Write results.json, results.md and recommended_config.yaml into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / RESULTS_JSON,
        "markdown": out / RESULTS_MD,
        "yaml": out / RECOMMENDED_YAML,
    }
    paths["json"].write_text(json.dumps(to_json(res), indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(markdown(res), encoding="utf-8")
    paths["yaml"].write_text(recommendation_yaml(res), encoding="utf-8")
    return paths
