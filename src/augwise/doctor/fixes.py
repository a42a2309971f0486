"""The corrected config: every finding's patch applied, most severe first.

When two findings patch the same argument, the more severe one (then the earlier one)
wins and the other is listed as not applied.  Flow arguments (``interpolation``,
``shuffle``, ...) are not ``ImageDataGenerator`` arguments: they are written as comments
for the ``flow*()`` call, so the YAML stays loadable by ``AugmentConfig.load``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from augwise.core.config import AugmentConfig, callable_path
from augwise.doctor.findings import Finding, sort_findings


@dataclass(frozen=True)
class Fixes:
    config: AugmentConfig
    applied: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # id, sev, patch
    flow: dict[str, tuple[Any, str]] = field(default_factory=dict)  # argument -> (value, id)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # id, reason

    def changes(self) -> dict[str, Any]:
        """The fixed config's arguments that differ from the defaults."""
        return self.config.non_default_dict()

    def yaml(self, original: AugmentConfig | None = None) -> str:
        """The corrected config as commented YAML."""
        lines = [
            "# augwise doctor: corrected ImageDataGenerator arguments (augwise).",
            "# Load it with augwise.AugmentConfig.load(path) (or pass it to augwise doctor, "
            "preview or tune with --config);",
            "# re-check with: augwise doctor DATA --config THIS_FILE",
        ]
        if self.applied:
            lines.append("# Fixes applied:")
            for fid, sev, patch in self.applied:
                before = ""
                if original is not None:
                    old = original.to_dict(drop_unserialisable=True)
                    before = ", ".join(f"{k}: {_one_line(old.get(k))} -> {_one_line(v)}"
                                       for k, v in patch.items())
                lines.append(f"#   [{sev}] {fid}: {before or _one_line(patch)}")
        if self.flow:
            lines.append("# Change these arguments of your flow*() call:")
            for arg, (value, fid) in self.flow.items():
                lines.append(f"#   {arg}={value!r}   ({fid})")
        if self.skipped:
            lines.append("# Not applied:")
            for fid, reason in self.skipped:
                lines.append(f"#   {fid}: {_one_line(reason)}")
        fn = self.config.preprocessing_function
        if fn is not None and callable_path(fn) is None:
            lines.append(f"# preprocessing_function={_one_line(repr(fn))} cannot be written to a "
                         "file: pass it again in Python")
        elif fn is not None:
            lines.append("# It names a preprocessing_function (code): load it with "
                         "allow_code=True or --allow-code")
        body = yaml.safe_dump(self.changes(), sort_keys=False) if self.changes() else "{}\n"
        return "\n".join(lines) + "\n" + body


def _one_line(value: Any) -> str:
    return " ".join(str(value).split())


def apply_fixes(config: AugmentConfig, findings: Iterable[Finding]) -> Fixes:
    """Apply every patch of ``findings`` to ``config`` (see the module docstring)."""
    current = config
    claimed: dict[str, str] = {}
    applied: list[tuple[str, str, dict[str, Any]]] = []
    skipped: list[tuple[str, str]] = []
    flow: dict[str, tuple[Any, str]] = {}
    for f in sort_findings(findings):
        for arg, value in f.flow_patch.items():
            if arg not in flow:
                flow[arg] = (value, f.id)
        if not f.patch:
            continue
        patch = {k: v for k, v in f.patch.items() if k not in claimed}
        for k in f.patch.keys() - patch.keys():
            skipped.append((f.id, f"{k} already changed by {claimed[k]}"))
        if not patch:
            continue
        try:
            current = current.replace(**{k: tuple(v) if isinstance(v, list) else v
                                         for k, v in patch.items()})
        except (TypeError, ValueError) as exc:
            skipped.append((f.id, f"invalid patch {patch}: {exc}"))
            continue
        for k in patch:
            claimed[k] = f.id
        applied.append((f.id, f.severity, patch))
    return Fixes(current, applied, flow, skipped)
