"""The ``augwise`` command line.

Each sub-command lives in ``augwise/cli/<name>_cmd.py`` and exposes ``register(app)``.
"""

from __future__ import annotations

import importlib
import os

import typer

COMMANDS = ("doctor", "preview", "tune", "bench")

app = typer.Typer(
    name="augwise",
    help="Fast, correct image augmentation: a drop-in ImageDataGenerator, a doctor that "
    "explains why augmentation under-performs, and a tuner.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """augwise command line."""


def _register() -> None:
    for name in COMMANDS:
        module_name = f"augwise.cli.{name}_cmd"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(app)


def main() -> None:
    # the CLI never needs Keras: keep its import (seconds) out of every command
    os.environ.setdefault("AUGWISE_KERAS", "0")
    _register()
    app()


if __name__ == "__main__":
    main()
