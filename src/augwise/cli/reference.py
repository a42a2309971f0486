"""Write the CLI reference (docs/cli.md) from the commands' own ``--help``.

``python -m augwise.cli.reference docs/cli.md``; tests/test_docs.py checks the file is
up to date, so the reference cannot drift from the commands.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from augwise.cli.main import COMMANDS

HEADER = """\
# Command-line reference

Generated from the commands' `--help` at 80 columns by
`python -m augwise.cli.reference docs/cli.md`; do not edit by hand.

Every command takes the `ImageDataGenerator` arguments as `--config FILE` (JSON or
YAML), `--set NAME=VALUE` (repeatable) or one option each (`--rotation-range 20`,
`--horizontal-flip`, `--no-horizontal-flip`); the [parameter table](parameters.md)
lists them.  Exit status: 0 ok, 1 a finding at or above `--fail-on`, 2 a usage or input
error, 3 an internal error, 130 interrupted, 143 terminated.
"""


def command_help(*args: str) -> str:
    """``augwise ARGS --help`` as printed at 80 columns, without colours."""
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    res = subprocess.run([sys.executable, "-m", "augwise.cli.main", *args, "--help"],
                         capture_output=True, text=True, env=env, timeout=120, check=True)
    return "\n".join(line.rstrip() for line in res.stdout.strip("\n").splitlines())


def reference() -> str:
    """The Markdown text of the CLI reference."""
    parts = [HEADER, "## augwise\n", "```text\n" + command_help() + "\n```\n"]
    for name in COMMANDS:
        parts += [f"## augwise {name}\n", "```text\n" + command_help(name) + "\n```\n"]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/cli.md")
    out.write_text(reference(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
