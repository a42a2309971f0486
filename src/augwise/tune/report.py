"""The final table, the recommendation and the files ``augwise tune`` writes.

The *tuned* config is the search finalist with the best mean validation accuracy over
the final seeds (each seed re-splits train/validation); the *recommendation* follows
the decision rule of :mod:`augwise.tune.decide` over every retrained row: the best
only when it clearly beats every simpler config, else the simplest config within
noise of it (so "no augmentation" is recommended when nothing is separated from it).
Test accuracy is reported for all of them and never used to choose.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from augwise.core.config import AugmentConfig
from augwise.tune import decide
from augwise.tune.baselines import NONE, Candidate
from augwise.tune.final import CandidateResult, FinalOutcome, decision_rows
from augwise.tune.search import TrialSummary
from augwise.tune.stats import CI, paired_ci
from augwise.tune.training import engine_config

RESULTS_JSON = "results.json"
RESULTS_MD = "results.md"
RECOMMENDED_YAML = "recommended_config.yaml"
PLOT = "accuracy.png"


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
class Paired:
    """``row`` against the baseline ``versus`` on their common seeds."""

    row: str
    versus: str
    val: decide.Comparison  # decides
    test: CI  # reported only


@dataclass(frozen=True)
class TuneResult:
    """Everything the report shows."""

    results: list[CandidateResult]
    tuned: CandidateResult | None
    recommended: CandidateResult
    decision: decide.Decision
    comparisons: list[Paired]
    trials: list[TrialSummary]
    compute: Compute
    data: str
    budget: str
    proxy: str
    rope: float  # accuracy fraction
    rho: float
    seeds_started: int
    seeds_used: int
    max_seeds: int
    decided_on: tuple[str, ...] = ()  # the rows still compared when the seeds stopped
    command: str = ""
    search_best: str = ""  # the search's best trial: a tuned config or a baseline point
    worker: str = ""  # the worker that ran the final comparison
    out: str = ""  # where that worker wrote the report
    reused: bool = False  # read back from the storage: another (or an earlier) worker's

    @property
    def no_augmentation_best(self) -> bool:
        return self.recommended.candidate.name == NONE or not _augments(self.recommended)

    def baseline_results(self) -> list[CandidateResult]:
        return [r for r in self.results if not r.candidate.tuned]

    def shown(self) -> list[CandidateResult]:
        """The rows of the table: the tuned config, a recommended other finalist, the
        baselines."""
        first = [r for r in self.results if r.candidate.tuned
                 and (r is self.tuned or r is self.recommended)]
        return first + self.baseline_results()

    def best_baseline(self) -> CandidateResult:
        """The baseline with the best mean test accuracy (for the comparison only)."""
        return max(self.baseline_results(), key=lambda r: r.test_ci.mean)


def _augments(result: CandidateResult) -> bool:
    return engine_config(result.candidate.config).augments


def build(outcome: FinalOutcome, trials: list[TrialSummary], compute: Compute, *, data: str,
          budget: str, proxy: str, command: str = "", search_best: str = "",
          worker: str = "", out: str = "") -> TuneResult:
    """The report's content from the final comparison."""
    results = outcome.results
    by_name = {r.candidate.name: r for r in results}
    tuned_rows = [r for r in results if r.candidate.tuned]
    tuned = max(tuned_rows, key=lambda r: r.val_ci.mean) if tuned_rows else None
    recommended = by_name[outcome.decision.recommended]
    focus = [r for r in (recommended, tuned) if r is not None]
    comparisons = []
    for row in dict.fromkeys(focus):
        for base in results:
            if base.candidate.tuned or base is row:
                continue
            comparisons.append(_paired(row, base, outcome.rope, outcome.rho))
    return TuneResult(
        results=results, tuned=tuned, recommended=recommended, decision=outcome.decision,
        comparisons=comparisons, trials=trials, compute=compute, data=data, budget=budget,
        proxy=proxy, rope=outcome.rope, rho=outcome.rho, seeds_started=outcome.seeds_started,
        seeds_used=outcome.seeds_used, max_seeds=outcome.max_seeds,
        decided_on=outcome.decided_on, command=command,
        search_best=search_best, worker=worker, out=out,
    )


def _common(a: CandidateResult, b: CandidateResult) -> list[int]:
    return sorted(set(a.seeds) & set(b.seeds))


def _paired(row: CandidateResult, base: CandidateResult, rope: float, rho: float) -> Paired:
    seeds = _common(row, base)
    rv, bv, rt, bt = row.val_by_seed(), base.val_by_seed(), row.test_by_seed(), base.test_by_seed()
    val = decide.compare([rv[s] for s in seeds], [bv[s] for s in seeds], rope=rope, rho=rho)
    test = paired_ci([rt[s] for s in seeds], [bt[s] for s in seeds])
    return Paired(row.candidate.name, base.candidate.name, val, test)


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
    seeds = _common(result, reference)
    if result is reference or len(seeds) < 1:
        return None
    a, b = result.test_by_seed(), reference.test_by_seed()
    return paired_ci([a[s] for s in seeds], [b[s] for s in seeds])


TABLE_HEADER = ("config", "test accuracy %", "Δ vs no augmentation (paired, points)",
                "val accuracy %", "seeds", "ImageDataGenerator")


def table_rows(res: TuneResult) -> list[tuple[str, str, str, str, str, str]]:
    """The tuned config then the baselines, formatted (see :data:`TABLE_HEADER`)."""
    none = next((r for r in res.results if r.candidate.name == NONE), None)
    rows = []
    for r in res.shown():
        d = _delta(r, none) if none is not None else None
        rows.append((
            _name(r, res), r.test_ci.points(), "-" if d is None else _signed(d),
            r.val_ci.points(), str(len(r.seeds)), r.candidate.config.python_call(),
        ))
    return rows


COMPARISON_HEADER = ("config", "vs", "seeds", "Δ val (points, 95 % credible)",
                     "P(better by > ROPE)", "P(within ROPE)", "P(worse by > ROPE)",
                     "Δ test (points, paired 95 % CI; reported only)")


def comparison_rows(res: TuneResult) -> list[tuple[str, ...]]:
    """One row per :class:`Paired` comparison (see :data:`COMPARISON_HEADER`)."""
    out: list[tuple[str, ...]] = []
    for p in res.comparisons:
        c = p.val
        interval = ("-" if c.n < 2 else
                    f"{100 * c.mean:+.1f} [{100 * c.low:+.1f}, {100 * c.high:+.1f}]")
        out.append((p.row, p.versus, str(c.n), interval, f"{c.p_better:.2f}",
                    f"{c.p_rope:.2f}", f"{c.p_worse:.2f}", _signed(p.test)))
    return out


def decision_lines(res: TuneResult) -> list[str]:
    """The rule in one sentence, what it decided, and the seeds it took."""
    rule = decide.RULE.format(rope=100 * res.rope, threshold=decide.THRESHOLD)
    seeds = (f"Seeds: started with {res.seeds_started}, used {res.seeds_used} "
             f"(budget {res.max_seeds}).")
    if res.seeds_used > res.seeds_started:
        seeds = (f"Seeds: the top rows were not separated after {res.seeds_started}, so "
                 f"seeds were added to the rows not clearly beaten "
                 f"({', '.join(res.decided_on)}): {res.seeds_used} used "
                 f"(budget {res.max_seeds}).")
    return [f"Decision rule: {rule}", decide.sentence(res.decision, res.rope), seeds]


def markdown(res: TuneResult) -> str:
    """The final table with the recommendation, as Markdown."""
    lines = [
        f"Held-out test accuracy, mean ± 95 % CI over {res.seeds_started} to "
        f"{res.seeds_used} seeds (same budget for every row; each seed re-splits "
        "train/validation and is shared by every row run with it; rows clearly beaten "
        "early keep their first seeds); validation accuracy chose the tuned config and "
        "the recommendation, test accuracy is only reported.",
        "",
        "| " + " | ".join(TABLE_HEADER) + " |",
        "|" + "---|" * len(TABLE_HEADER),
    ]
    for name, test, delta, val, n, call in table_rows(res):
        lines.append(f"| {name} | {test} | {delta} | {val} | {n} | `{call}` |")
    lines += ["", f"Paired comparisons with each baseline (same split and seed; ROPE "
              f"±{100 * res.rope:g} points, Bayesian correlated t-test with rho = "
              f"{res.rho:.2f}):", "",
              "| " + " | ".join(COMPARISON_HEADER) + " |", "|" + "---|" * len(COMPARISON_HEADER)]
    for row in comparison_rows(res):
        lines.append("| " + " | ".join(row) + " |")
    for line in decision_lines(res) + summary_lines(res):
        lines += ["", line]
    lines += ["", f"Per-seed accuracies: `{PLOT}`, `{RESULTS_JSON}`."]
    return "\n".join(lines) + "\n"


def _signed(ci: CI) -> str:
    text = ci.points()
    return text if text.startswith("-") else "+" + text


def summary_lines(res: TuneResult) -> list[str]:
    c = res.compute
    out = []
    verdict = {"simplest": "the best mean and the simplest",
               "better": "separated from every simpler config",
               "tied": "tied within noise",
               "undecided": "not separated: undecided, not a tie"}.get(
        res.decision.verdict, res.decision.verdict)
    if res.no_augmentation_best:
        lead = ("**No augmentation is recommended**, the simplest config"
                if res.decision.verdict == "undecided" else
                "**No augmentation is the best choice** for this data at this budget")
        out.append(
            f"{lead}: no "
            f"augmented config beat it by more than {100 * res.rope:g} points with "
            f"probability >= {decide.THRESHOLD:g} ({verdict})."
        )
    else:
        out.append(
            f"**Recommended** ({res.recommended.candidate.name}, {verdict}): "
            f"`{res.recommended.candidate.config.python_call()}`"
        )
    if res.search_best:
        out.append(f"The search's best trial: {res.search_best}.")
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


def _row_json(r: CandidateResult) -> dict[str, Any]:
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


def to_json(res: TuneResult) -> dict[str, Any]:
    return {
        "data": res.data,
        "proxy": res.proxy,
        "budget": res.budget,
        "command": res.command,
        "results": [_row_json(r) for r in res.results],
        "tuned": None if res.tuned is None else res.tuned.candidate.name,
        "recommended": res.recommended.candidate.name,
        "no_augmentation_best": res.no_augmentation_best,
        "recommended_config": res.recommended.candidate.config.non_default_dict(),
        "recommended_python": res.recommended.candidate.config.python_call(),
        "decision": {
            **res.decision.to_dict(),
            "rule": decide.RULE.format(rope=100 * res.rope, threshold=decide.THRESHOLD),
            "sentence": decide.sentence(res.decision, res.rope),
            "rope_points": 100 * res.rope,
            "threshold": decide.THRESHOLD,
            "rho": res.rho,
            "seeds_started": res.seeds_started,
            "seeds_used": res.seeds_used,
            "max_seeds": res.max_seeds,
            "decided_on": list(res.decided_on),
        },
        "comparisons": [
            {"row": p.row, "versus": p.versus, "val": p.val.to_dict(), "test": p.test.to_dict()}
            for p in res.comparisons
        ],
        "search_best": res.search_best,
        "worker": res.worker,
        "out": res.out,
        "compute": res.compute.to_dict(),
        "trials": [
            {"number": t.number, "state": t.state, "value": t.value, "epochs": t.epochs,
             "seconds": t.seconds, "config": t.config.non_default_dict(), "worker": t.worker}
            for t in res.trials
        ],
    }


def from_json(doc: dict[str, Any]) -> TuneResult:
    """A :class:`TuneResult` back from :func:`to_json` (the decision is recomputed)."""
    results = [
        CandidateResult(
            Candidate(r["name"], AugmentConfig.from_dict(r["config"]), tuned=bool(r["tuned"]),
                      trial=r["trial"]),
            tuple(int(s) for s in r["seeds"]), tuple(r["val"]), tuple(r["test"]),
            tuple(r["seconds"]),
        )
        for r in doc["results"]
    ]
    d = doc["decision"]
    rope, rho = float(d["rope_points"]) / 100, float(d["rho"])
    decided_on = tuple(str(n) for n in d["decided_on"])
    compared = [r for r in results if not decided_on or r.candidate.name in decided_on]
    dropped = [r for r in results if r not in compared]
    decision = decide.decide(decision_rows(compared), rope=rope, rho=rho,
                             dropped=decision_rows(dropped))
    outcome = FinalOutcome(results, decision, rope, rho, int(d["seeds_started"]),
                           int(d["seeds_used"]), int(d["max_seeds"]), decided_on)
    trials = [TrialSummary(t["number"], t["state"], t["value"], t["epochs"], t["seconds"],
                           AugmentConfig.from_dict(t["config"]), t["worker"])
              for t in doc["trials"]]
    c = {k: v for k, v in doc["compute"].items() if k not in ("grid_epochs", "fraction_of_grid")}
    res = build(outcome, trials, Compute(**c), data=doc["data"], budget=doc["budget"],
                proxy=doc["proxy"], command=doc["command"], search_best=doc["search_best"],
                worker=doc["worker"], out=doc["out"])
    return dataclasses.replace(res, reused=True)


def recommendation_yaml(res: TuneResult) -> str:
    cfg = res.recommended.candidate.config
    head = (
        "# augwise tune: no augmentation is the best choice for this data and budget\n"
        if res.no_augmentation_best
        else f"# augwise tune recommendation ({res.recommended.candidate.name}); "
        f"test accuracy {res.recommended.test_ci.points()} %\n"
    )
    return head + f"# {cfg.python_call()}\n" + cfg.to_yaml(only_changes=True)


def plot(res: TuneResult, path: Path) -> None:
    """Accuracy per config: per-seed points and mean ± 95 % CI, validation and test."""
    from matplotlib.figure import Figure

    rows = res.shown()
    fig = Figure(figsize=(9, 1.2 + 0.55 * len(rows)), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    labels = [r.candidate.name + (" *" if r is res.recommended else "") for r in rows]
    for ax, split in zip(axes, ("val", "test"), strict=True):
        for i, r in enumerate(rows):
            values = [100 * v for v in (r.val if split == "val" else r.test)]
            ci = r.val_ci if split == "val" else r.test_ci
            ax.scatter(values, [i] * len(values), s=14, alpha=0.6, color="tab:blue")
            ax.errorbar([100 * ci.mean], [i], xerr=[[100 * (ci.mean - ci.low)],
                                                     [100 * (ci.high - ci.mean)]],
                        fmt="o", color="black", capsize=3)
        ax.set_title("validation (re-split per seed; chooses)" if split == "val"
                     else "test (reported only)", fontsize=9)
        ax.set_xlabel("accuracy %")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(rows)), labels, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle("per-seed accuracy, mean ± 95 % CI (* recommended)", fontsize=10)
    fig.savefig(path, dpi=110)


def write(res: TuneResult, out: Path) -> dict[str, Path]:
    """Write results.json, results.md, recommended_config.yaml and accuracy.png."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": out / RESULTS_JSON,
        "markdown": out / RESULTS_MD,
        "yaml": out / RECOMMENDED_YAML,
        "plot": out / PLOT,
    }
    paths["json"].write_text(json.dumps(to_json(res), indent=2) + "\n", encoding="utf-8")
    paths["markdown"].write_text(markdown(res), encoding="utf-8")
    paths["yaml"].write_text(recommendation_yaml(res), encoding="utf-8")
    plot(res, paths["plot"])
    return paths
