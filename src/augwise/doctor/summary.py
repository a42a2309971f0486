"""The terminal summary: findings by severity, each with its one-line fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from augwise.doctor.api import Diagnosis

STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_summary(d: Diagnosis, console: Console) -> None:
    """Print the findings and the counts (user text is never parsed as rich markup)."""
    ctx = d.context
    sizes = ", ".join(f"{s.name} {len(s)}" for s in ctx.data.splits)
    head = Text("augwise doctor: ", style="bold")
    head.append(f"{len(ctx.table)} images ({sizes}), {len(ctx.class_names)} classes, "
                f"target {ctx.target_hw[0]}x{ctx.target_hw[1]}, engine {ctx.setup.engine}")
    console.print(head)
    console.print(Text(f"config: {ctx.config.python_call()}", style="dim"))
    for f in d.findings:
        line = Text(f"{f.severity.upper():8}", style=STYLES[f.severity])
        line.append(f.title)
        line.append(f"  [{f.id}]", style="dim")
        console.print(line)
        fix = Text("        fix: ", style="green")
        fix.append(f.fix)
        console.print(fix)
    counts = {s: sum(f.severity == s for f in d.findings) for s in STYLES}
    skipped = sum(c.status == "skipped" for c in d.checks)
    line = Text()
    for sev, n in counts.items():
        line.append(f"{n} {sev}{'s' if n != 1 and sev != 'info' else ''}",
                    style=STYLES[sev] if n else "dim")
        line.append("  ")
    line.append(f"({len(d.checks) - skipped} checks ran, {skipped} did not apply; scanned in "
                f"{ctx.scan.seconds:.1f} s on {ctx.scan.workers} worker(s))", style="dim")
    console.print(line)
    for note in ctx.scan.notes:
        console.print(Text(f"note: {note}", style="dim"))
    if d.fixes.applied:
        console.print(Text(f"corrected config ({len(d.fixes.applied)} fixes): "
                           f"{d.fixed_config.python_call()}", style="green"))
