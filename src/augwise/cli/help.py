"""Help that reads at 80 columns: plain metavars (``INT``, ``PATH``, none on flags).

typer shows ``<int>``, ``<path>`` and ``<bool>``; the command classes here give every
option without its own metavar an upper-case one, flags (``--help`` included) none, and
arguments their name in upper case.
"""

from __future__ import annotations

from typing import Any

import typer.core

_METAVARS = {"int": "INT", "float": "FLOAT", "path": "PATH", "str": "TEXT"}
HELP_NAMES = ["-h", "--help"]


def _no_type(ctx: Any) -> None:
    return None


def plain_metavars(params: list[Any]) -> list[Any]:
    """``params`` with a plain metavar where typer would show ``<type>``."""
    for param in params:
        if param.metavar is not None:
            continue
        if isinstance(param, typer.core.TyperArgument):
            param.metavar = param.name.upper()
            # the name column already says DATA: no "<path>" type column beside it
            param.display_type_rich = _no_type  # type: ignore[method-assign]
        elif getattr(param, "is_flag", False):
            param.metavar = ""
        else:
            param.metavar = _METAVARS.get(param.bare_type().lower(), "TEXT")
    return params


class Command(typer.core.TyperCommand):
    """A typer command with plain metavars."""

    def get_params(self, ctx: Any) -> list[Any]:
        return plain_metavars(super().get_params(ctx))


class Group(typer.core.TyperGroup):
    """A typer group with plain metavars."""

    def get_params(self, ctx: Any) -> list[Any]:
        return plain_metavars(super().get_params(ctx))
