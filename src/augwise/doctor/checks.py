"""The check registry and runner.

A check is a function ``Context -> Hit | None`` registered with :func:`check`; it
returns a :class:`~augwise.doctor.findings.Hit` when it fires, None when the data and
config give it nothing to report, and raises :class:`Skip` when it cannot run on this
input (no labels, array data, ...).  The runner turns hits into findings with the
check's id and records every outcome.

The checks live in the modules of :data:`PLUGINS`, which import this registry and
register themselves; :func:`all_checks` imports them (this is the one place that does).
"""

from __future__ import annotations

import importlib
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from augwise.doctor.context import Context
from augwise.doctor.findings import Category, CheckOutcome, Finding, Hit

CheckFn = Callable[[Context], Hit | None]
STRICT_ENV = "AUGWISE_DOCTOR_STRICT"  # "1": a check that crashes fails the run


class Skip(Exception):
    """The check does not apply to this input; the message says why."""


@dataclass(frozen=True)
class Check:
    id: str
    category: Category
    title: str
    fn: CheckFn


_REGISTRY: dict[str, Check] = {}
PLUGINS = tuple(f"augwise.doctor.audit.{m}" for m in (
    "balance", "colour", "duplicates", "files", "intensity", "orientation", "quality", "sizes",
)) + tuple(f"augwise.doctor.lint.{m}" for m in ("flow", "geometry", "keras", "normalisation"))


def check(check_id: str, category: Category, title: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``check_id``."""

    def register(fn: CheckFn) -> CheckFn:
        if check_id in _REGISTRY and _REGISTRY[check_id].fn is not fn:
            raise ValueError(f"duplicate check id {check_id!r}")
        _REGISTRY[check_id] = Check(check_id, category, title, fn)
        return fn

    return register


def all_checks() -> list[Check]:
    """Every registered check, dataset audit first."""
    for name in PLUGINS:
        importlib.import_module(name)
    return sorted(_REGISTRY.values(), key=lambda c: (c.category != "data", c.id))


def run_checks(ctx: Context) -> tuple[list[Finding], list[CheckOutcome]]:
    """Run every check on ``ctx``."""
    strict = os.environ.get(STRICT_ENV, "") == "1"
    findings: list[Finding] = []
    outcomes: list[CheckOutcome] = []
    for c in all_checks():
        try:
            hit = c.fn(ctx)
        except Skip as exc:
            outcomes.append(CheckOutcome(c.id, c.category, c.title, "skipped", reason=str(exc)))
            continue
        except Exception as exc:
            if strict:
                raise
            reason = f"internal error: {type(exc).__name__}: {exc}"
            last = traceback.extract_tb(exc.__traceback__)[-1]
            outcomes.append(CheckOutcome(c.id, c.category, c.title, "skipped",
                                         reason=f"{reason} ({last.filename}:{last.lineno})"))
            continue
        if hit is None:
            outcomes.append(CheckOutcome(c.id, c.category, c.title, "quiet"))
        else:
            findings.append(hit.finding(c.id, c.category))
            outcomes.append(CheckOutcome(c.id, c.category, c.title, "fired", hit.severity))
    return findings, outcomes


def need_labels(ctx: Context) -> None:
    if not ctx.train.labelled:
        raise Skip("the training data has no single-label classes")


def need_files(ctx: Context) -> None:
    if not ctx.files:
        raise Skip("the data are in-memory arrays, not files")
