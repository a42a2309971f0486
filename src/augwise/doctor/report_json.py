"""``report.json``: a stable, documented schema (``SCHEMA``, described in docs/doctor.md).

:func:`build` is the data of a diagnosis as that document (``Diagnosis.to_dict()``); it
reads the diagnosis' parts and the shared statistics of :mod:`augwise.doctor.evidence`,
never a check module, and does not import :mod:`augwise.doctor.api`.

``schema_version`` follows semantic versioning: new optional keys bump the minor
version, renamed or removed keys the major one.  :func:`validate` checks a document
against :data:`SCHEMA` (a small subset of JSON Schema: ``type``, ``required``,
``properties``, ``items``, ``enum``, ``additionalProperties``).
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from augwise.doctor.evidence import class_counts, featurewise_stats, native_stats, quantiles
from augwise.doctor.findings import RANK, SEVERITIES, CheckOutcome, Finding, json_safe

if TYPE_CHECKING:
    from augwise.doctor.context import Context
    from augwise.doctor.fixes import Fixes
    from augwise.results.harm import HarmReport

SCHEMA_VERSION = "1.1"

_NUM = {"type": "number"}
_INT = {"type": "integer"}
_STR = {"type": "string"}
_OBJ = {"type": "object"}
_SEV = {"enum": list(SEVERITIES)}

FINDING = {
    "type": "object",
    "required": ["id", "severity", "category", "title", "detail", "evidence", "files",
                 "file_count", "fix", "patch", "flow_patch"],
    "properties": {
        "id": _STR, "severity": _SEV, "category": {"enum": ["data", "config", "harm"]},
        "title": _STR, "detail": _STR, "evidence": _OBJ,
        "files": {"type": "array", "items": _STR}, "file_count": _INT, "fix": _STR,
        "patch": _OBJ, "flow_patch": _OBJ,
    },
}
CHECK = {
    "type": "object",
    "required": ["id", "category", "title", "status", "severity", "reason"],
    "properties": {
        "id": _STR, "category": {"enum": ["data", "config", "harm"]}, "title": _STR,
        "status": {"enum": ["fired", "quiet", "skipped"]},
        "severity": {"enum": [*SEVERITIES, None]}, "reason": _STR,
    },
}
SPLIT = {
    "type": "object",
    "required": ["origin", "source", "images", "readable", "classes", "class_counts", "size",
                 "modes", "value_range"],
    "properties": {
        "origin": _STR, "source": {"type": ["string", "null"]}, "images": _INT,
        "readable": _INT, "classes": _INT, "class_counts": _OBJ, "size": _OBJ, "modes": _OBJ,
        "value_range": {"type": "array", "items": _NUM},
    },
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema_version", "tool", "created", "inputs", "summary", "findings", "checks",
                 "dataset", "augmentation", "harm", "fixed_config"],
    "properties": {
        "schema_version": {"enum": [SCHEMA_VERSION]},
        "tool": {"type": "object", "required": ["name", "version"],
                 "properties": {"name": _STR, "version": _STR}},
        "created": _STR,
        "inputs": {
            "type": "object",
            "required": ["data", "splits", "config", "config_source", "engine", "flow",
                         "target_size", "target_size_assumed"],
            "properties": {
                "data": {"type": "object", "required": ["kind", "source"]},
                "splits": {"type": "array", "items": _STR},
                "config": _OBJ, "config_source": _STR,
                "engine": {"enum": ["augwise", "keras"]}, "flow": _OBJ,
                "target_size": {"type": "array", "items": _INT},
                "target_size_assumed": {"type": "boolean"},
            },
        },
        "summary": {
            "type": "object",
            "required": ["worst", "errors", "warnings", "infos", "checks_run", "checks_fired",
                         "checks_skipped", "images", "scan_seconds", "workers", "notes"],
            "properties": {
                "worst": {"enum": [*SEVERITIES, "none"]}, "errors": _INT, "warnings": _INT,
                "infos": _INT, "checks_run": _INT, "checks_fired": _INT,
                "checks_skipped": _INT, "images": _INT, "scan_seconds": _NUM, "workers": _INT,
                "notes": {"type": "array", "items": _STR},
            },
        },
        "findings": {"type": "array", "items": FINDING},
        "checks": {"type": "array", "items": CHECK},
        "dataset": {
            "type": "object",
            "required": ["splits", "featurewise", "orientation", "duplicates"],
            "properties": {
                "splits": {"type": "object", "additionalProperties": SPLIT},
                "featurewise": {"type": ["object", "null"]},
                "orientation": {"type": ["object", "null"]},
                "duplicates": {"type": "object",
                               "required": ["groups", "exact_groups", "near_groups"]},
            },
        },
        "augmentation": {
            "type": "object",
            "required": ["fill", "replay_seed"],
            "properties": {"fill": {"type": ["object", "null"]}, "replay_seed": _INT},
        },
        "harm": {"type": ["object", "null"]},
        "fixed_config": {
            "type": "object", "required": ["changes", "applied", "flow", "not_applied"],
            "properties": {"changes": _OBJ, "applied": {"type": "array"}, "flow": _OBJ,
                           "not_applied": {"type": "array"}},
        },
    },
}

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,), "array": (list,), "string": (str,), "integer": (int,),
    "number": (int, float), "boolean": (bool,), "null": (type(None),),
}


def validate(doc: Any, schema: dict[str, Any] = SCHEMA, path: str = "$") -> list[str]:
    """Errors of ``doc`` against ``schema`` (empty when it conforms)."""
    errors: list[str] = []
    if "enum" in schema and doc not in schema["enum"]:
        return [f"{path}: {doc!r} not in {schema['enum']}"]
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(isinstance(doc, _TYPES[k]) and not (
            k in ("integer", "number") and isinstance(doc, bool)) for k in kinds)
        if not ok:
            return [f"{path}: expected {'/'.join(kinds)}, got {type(doc).__name__}"]
    if isinstance(doc, dict):
        for key in schema.get("required", []):
            if key not in doc:
                errors.append(f"{path}: missing key {key!r}")
        props = schema.get("properties", {})
        for key, value in doc.items():
            sub = props.get(key, schema.get("additionalProperties"))
            if isinstance(sub, dict):
                errors.extend(validate(value, sub, f"{path}.{key}"))
    if isinstance(doc, list) and "items" in schema:
        for i, item in enumerate(doc):
            errors.extend(validate(item, schema["items"], f"{path}[{i}]"))
    return errors


def _split_summary(ctx: Context, name: str) -> dict[str, Any]:
    split = next(s for s in ctx.data.splits if s.name == name)
    rows = ctx.rows(name, ok=False)
    ok = ctx.rows(name)
    t = ctx.table
    h, w = t["height"].to_numpy()[ok], t["width"].to_numpy()[ok]
    return {
        "origin": split.origin, "source": split.source, "images": int(rows.sum()),
        "readable": int(ok.sum()), "classes": len(split.class_names),
        "class_counts": class_counts(ctx, name) if split.label_kind == "single" else {},
        "size": {"height": quantiles(h), "width": quantiles(w),
                 "aspect": quantiles(w / h) if len(h) else {}},
        "modes": dict(Counter(t.loc[ok, "mode"])) if ctx.files else {},
        "value_range": list(ctx.scan.value_ranges.get(name, (0.0, 255.0))),
    }


def build(ctx: Context, findings: list[Finding], checks: list[CheckOutcome], fixes: Fixes,
          harm: HarmReport | None, replay_seed: int) -> dict[str, Any]:
    """A diagnosis' parts as a JSON-safe dict (see :data:`SCHEMA`)."""
    from augwise import __version__  # the package root, loaded already (not a module edge)

    counts = Counter(f.severity for f in findings)
    dup = ctx.duplicates
    fw = featurewise_stats(ctx) if ctx.rows("train").any() else None
    status = Counter(o.status for o in checks)
    doc = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "augwise doctor", "version": __version__},
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "inputs": {
            "data": {"kind": ctx.data.origin, "source": ctx.data.source},
            "splits": [s.name for s in ctx.data.splits],
            "config": ctx.config.to_dict(drop_unserialisable=True),
            "config_source": ctx.setup.source, "engine": ctx.setup.engine,
            "flow": ctx.flow.to_dict(), "target_size": list(ctx.target_hw),
            "target_size_assumed": ctx.target_assumed,
        },
        "summary": {
            "worst": max((f.severity for f in findings), key=RANK.__getitem__, default="none"),
            "errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"],
            "checks_run": status["fired"] + status["quiet"], "checks_fired": status["fired"],
            "checks_skipped": status["skipped"], "images": len(ctx.table),
            "scan_seconds": ctx.scan.seconds, "workers": ctx.scan.workers,
            "notes": list(ctx.scan.notes),
        },
        "findings": [f.to_dict() for f in findings],
        "checks": [o.to_dict() for o in checks],
        "dataset": {
            "splits": {s.name: _split_summary(ctx, s.name) for s in ctx.data.splits},
            "featurewise": native_stats(ctx, fw) if fw is not None else None,
            "orientation": ctx.orientation.to_dict() if ctx.orientation else None,
            "duplicates": {"groups": len(dup.groups),
                           "exact_groups": sum(g.exact for g in dup.groups),
                           "near_groups": sum(not g.exact for g in dup.groups),
                           "candidate_pairs": dup.candidates, "unchecked_rows": 0,
                           "rows_compared": dup.compared, "flat_rows_exact_only": dup.flat,
                           **dup.method},
        },
        "augmentation": {
            "fill": ctx.fill.to_dict() if ctx.fill else None,
            "replay_seed": replay_seed,
        },
        "harm": harm.to_dict() if harm else None,
        "fixed_config": {
            "changes": fixes.changes(),
            "applied": [{"finding": i, "severity": s, "patch": p} for i, s, p in fixes.applied],
            "flow": {k: v for k, (v, _) in fixes.flow.items()},
            "not_applied": [{"finding": i, "reason": r} for i, r in fixes.skipped],
        },
    }
    out: dict[str, Any] = json_safe(doc)
    return out
