"""Progress events from long tuner stages (the CLI turns them into a rich progress bar)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """``done`` of ``total`` units of ``stage`` finished; ``seconds`` the last unit's cost."""

    stage: str
    done: int
    total: int
    label: str = ""
    seconds: float = 0.0


Reporter = Callable[[Step], None]


def silent(_: Step) -> None:
    """A reporter that ignores everything."""
