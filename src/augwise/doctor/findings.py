"""What the doctor reports: findings (a problem, its evidence and its fix) and check outcomes.

Every check has a stable ``id`` (``"duplicates.leakage"``, ``"config.fill_artefacts"``);
a check that fires produces one :class:`Finding` with that id.  Checks that stay quiet or
cannot run on the data given are recorded as :class:`CheckOutcome` so a report says what
was looked at, not only what was wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Severity = Literal["error", "warning", "info"]
Category = Literal["data", "config", "harm"]
Status = Literal["fired", "quiet", "skipped"]

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
RANK: dict[str, int] = {"error": 3, "warning": 2, "info": 1, "none": 0}
MAX_FILES = 25  # affected files listed per finding (the count is always exact)


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars/arrays and tuples turned into plain JSON types."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if not np.isfinite(f):
            return None
        return round(f, 6)
    return value


@dataclass(frozen=True)
class Finding:
    """One problem: how bad, the measured evidence, which files, and the fix.

    ``patch`` holds ``ImageDataGenerator`` argument changes that apply the fix (they go
    into the corrected config); ``flow_patch`` holds changes to the ``flow*()`` call.
    """

    id: str
    severity: Severity
    category: Category
    title: str
    fix: str
    evidence: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    file_count: int = 0
    detail: str = ""
    patch: dict[str, Any] = field(default_factory=dict)
    flow_patch: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        object.__setattr__(self, "evidence", json_safe(self.evidence))
        object.__setattr__(self, "patch", json_safe(self.patch))
        object.__setattr__(self, "flow_patch", json_safe(self.flow_patch))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "category": self.category,
            "title": self.title,
            "detail": self.detail,
            "evidence": self.evidence,
            "files": list(self.files),
            "file_count": self.file_count,
            "fix": self.fix,
            "patch": self.patch,
            "flow_patch": self.flow_patch,
        }


@dataclass(frozen=True)
class Hit:
    """What a check returns when it fires; the runner adds the id and category."""

    severity: Severity
    title: str
    fix: str
    evidence: dict[str, Any] = field(default_factory=dict)
    files: Iterable[str] = ()
    detail: str = ""
    patch: dict[str, Any] = field(default_factory=dict)
    flow_patch: dict[str, Any] = field(default_factory=dict)

    def finding(self, check_id: str, category: Category) -> Finding:
        names = list(dict.fromkeys(self.files))
        return Finding(
            id=check_id,
            severity=self.severity,
            category=category,
            title=self.title,
            fix=self.fix,
            evidence=dict(self.evidence),
            files=tuple(names[:MAX_FILES]),
            file_count=len(names),
            detail=self.detail,
            patch=dict(self.patch),
            flow_patch=dict(self.flow_patch),
        )


@dataclass(frozen=True)
class CheckOutcome:
    """Whether a check fired, stayed quiet, or could not run (and why)."""

    id: str
    category: Category
    title: str
    status: Status
    severity: Severity | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "category": self.category,
            "title": self.title,
            "status": self.status,
            "severity": self.severity,
            "reason": self.reason,
        }


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first; data before config before harm within a severity; then by id."""
    order = {"data": 0, "config": 1, "harm": 2}
    return sorted(findings, key=lambda f: (-RANK[f.severity], order[f.category], f.id))


def worst(findings: Iterable[Finding]) -> str:
    """The highest severity present, or ``"none"``."""
    best = "none"
    for f in findings:
        if RANK[f.severity] > RANK[best]:
            best = f.severity
    return best


def pct(fraction: float, digits: int = 1) -> str:
    """``0.1234`` -> ``"12.3%"``."""
    return f"{100.0 * fraction:.{digits}f}%"
