"""Measured per-transform harm in the doctor's report: findings, table rows and a scatter.

The data (:class:`~augwise.results.harm.HarmReport`) comes from
``augwise tune --measure-harm``; the report shows it as a table, an affinity-vs-diversity
scatter (Gontijo-Lopes et al. 2020, "Tradeoffs in Data Augmentation: An Empirical Study")
and a finding for every transform whose accuracy change has a 95% confidence interval
entirely below zero.  Accuracies and deltas are fractions (0..1); the report shows them
in points (x100).
"""

from __future__ import annotations

import io

from augwise.core.config import AugmentConfig
from augwise.doctor.findings import Finding, Severity
from augwise.results.harm import HarmReport

ERROR_POINTS = 2.0  # a transform costing at least this many points (CI below 0) is an error


def harm_findings(report: HarmReport) -> list[Finding]:
    """One finding per transform whose accuracy change is below zero with 95% confidence."""
    out = []
    default = AugmentConfig().to_dict()
    for item in report.items:
        if not item.costs_accuracy:
            continue
        cost = -100 * item.delta.mean
        severity: Severity = "error" if cost >= ERROR_POINTS else "warning"
        patch = {item.transform: default[item.transform]} if item.transform in default else {}
        out.append(Finding(
            id=f"harm.{item.transform}",
            severity=severity,
            category="harm",
            title=f"{item.label} costs {cost:.1f} ± {100 * item.delta.half_width:.1f} points "
                  f"of accuracy (95% CI, {item.delta.n} seeds)",
            fix="drop it or reduce it",
            evidence={"accuracy_with": item.accuracy_with.to_dict(),
                      "accuracy_without": item.accuracy_without.to_dict(),
                      "delta": item.delta.to_dict(), "affinity": item.affinity.to_dict(),
                      "diversity": item.diversity.to_dict(), "proxy": report.proxy},
            detail="Measured by training the proxy model with this transform alone and without "
                   "augmentation on the same seeds and budget.",
            patch=patch,
        ))
    return out


def harm_rows(report: HarmReport) -> list[dict[str, str]]:
    """Table rows (strings) for the HTML report, most harmful first."""
    rows = []
    for item in sorted(report.items, key=lambda i: i.delta.mean):
        verdict = ("costs accuracy" if item.costs_accuracy else
                   "helps" if item.helps else "no measurable effect")
        rows.append({
            "transform": item.label,
            "with": item.accuracy_with.points(),
            "without": item.accuracy_without.points(),
            "delta": item.delta.points(),
            "affinity": f"{item.affinity.mean:.3f} [{item.affinity.low:.3f}, "
                        f"{item.affinity.high:.3f}]",
            "diversity": f"{item.diversity.mean:.3f} [{item.diversity.low:.3f}, "
                         f"{item.diversity.high:.3f}]",
            "verdict": verdict,
            "harmful": "yes" if item.costs_accuracy else "",
        })
    return rows


def scatter_png(report: HarmReport) -> bytes:
    """Affinity (x) against diversity (y), coloured by the accuracy change (PNG bytes)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, 3.8))
    ax = fig.subplots()
    for item in report.items:
        colour = "#c62828" if item.costs_accuracy else (
            "#2e7d32" if item.helps else "#757575")
        ax.errorbar(item.affinity.mean, item.diversity.mean,
                    xerr=[[item.affinity.mean - item.affinity.low],
                          [item.affinity.high - item.affinity.mean]],
                    yerr=[[item.diversity.mean - item.diversity.low],
                          [item.diversity.high - item.diversity.mean]],
                    fmt="o", color=colour, ms=6, capsize=2, lw=1)
        ax.annotate(item.label, (item.affinity.mean, item.diversity.mean), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    ax.set_xlabel("affinity (clean model's accuracy on augmented / clean data)")
    ax.set_ylabel("diversity (train loss with / without)")
    ax.set_title("red: costs accuracy, green: helps, grey: no measurable effect", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()
