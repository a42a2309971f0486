"""The ``augwise`` command line.

Each sub-command lives in ``augwise/cli/<name>_cmd.py`` and exposes ``register(app)``.
Errors are turned into exit statuses here, once for every command: 0 ok, 1 a finding
at or above ``--fail-on``, 2 a usage or input error (bad option or config value, a
missing, unreadable or unwritable file, a missing optional package), 3 an internal
error (a bug), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).  Each is one or two
plain lines on stderr; ``augwise --debug ...`` or ``AUGWISE_DEBUG=1`` adds the traceback.

This module imports only the standard library at the top, so that the signal handlers
are installed before the first heavy import.
"""

from __future__ import annotations

import _thread
import atexit
import contextlib
import os
import signal
import sys
import threading
import time
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import typer

COMMANDS = ("doctor", "preview", "tune", "bench", "export")
SIZE_OPTIONS = ("--target-size",)  # H,W options that also take "H W"
EXIT_USAGE = 2
EXIT_INTERNAL = 3
STOP_GRACE_S = 1.5  # after a signal, the cleanup gets this long before a hard exit
# optional packages -> the extra that installs them (pyproject's optional-dependencies)
EXTRAS = {"optuna": "tune", "sqlalchemy": "tune", "torch": "torch", "keras": "keras",
          "psycopg2": "postgres", "albumentations": "albumentations",
          "torchvision": "torchvision", "psutil": "bench", "dask": "dask",
          "distributed": "dask", "jax": "jax"}
SIGNAL_WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


class _Stop:
    """The first stop signal received (None: none yet) and whether it was reported."""

    signum: int | None = None
    reported = False
    redeliver = False  # the interrupt was swallowed: raise it again
    finished = False  # the command returned: a signal now only sets the status
    lock = threading.Lock()


def _command_named(argv: list[str]) -> str | None:
    """The sub-command ``argv`` runs, if it names one (root options come first)."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def build_app(argv: list[str] | None = None) -> typer.Typer:
    """The typer application with the sub-command ``argv`` names registered (importing
    one command's modules takes a fraction of the time of all), else with all of them."""
    import importlib

    import typer

    from augwise.cli.help import HELP_NAMES, Group

    app = typer.Typer(
        name="augwise",
        cls=Group,
        rich_markup_mode="markdown",
        context_settings={"help_option_names": HELP_NAMES},
        help="Fast, correct image augmentation: a drop-in ImageDataGenerator, a doctor that "
        "explains why augmentation under-performs, and a tuner.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        epilog="Exit status: 0 ok, 1 a finding at or above --fail-on, 2 a usage or input "
        "error, 3 an internal error (a bug), 130 interrupted, 143 terminated.",
    )

    def _version(value: bool) -> None:
        if value:
            from augwise import __version__

            typer.echo(f"augwise {__version__}")
            raise typer.Exit()

    @app.callback()
    def _root(
        debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error "
                                   "(also: AUGWISE_DEBUG=1)."),
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                     help="Print the version and exit."),
    ) -> None:
        """augwise command line."""

    named = _command_named(argv or [])
    for name in COMMANDS if named is None else (named,):
        module_name = f"augwise.cli.{name}_cmd"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        module.register(app)
    return app


def _debug(argv: list[str]) -> bool:
    """``--debug`` before the sub-command, or ``AUGWISE_DEBUG`` set to a true value."""
    if os.environ.get("AUGWISE_DEBUG", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    for arg in argv:
        if arg == "--debug":
            return True
        if not arg.startswith("-"):
            return False
    return False


def _say(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: the exit status still tells
        pass


def _report_stop() -> int:
    """Say 'interrupted' (or 'terminated') once; the exit status for the signal."""
    signum = _Stop.signum or signal.SIGINT
    with _Stop.lock:
        if not _Stop.reported:
            _Stop.reported = True
            _say(SIGNAL_WORDS.get(signal.Signals(signum), "stopped"))
    return 128 + signum


def _kill_children() -> None:
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            stream.flush()


def _watchdog() -> None:
    """Hard exit if the cleanup after a signal overruns its grace period."""
    time.sleep(STOP_GRACE_S)
    code = _report_stop()
    _kill_children()
    _flush()
    os._exit(code)


def _at_exit() -> None:
    """Registered first, so it runs as the last exit handler, once the threads are joined.

    After a stop signal: end the process now, with our status, without the module
    teardown (torch's alone can take a second).  Else the command is done and its status
    set: a signal during the teardown is ignored rather than killing the process."""
    if _Stop.signum is None:
        for signum in SIGNAL_WORDS:
            signal.signal(signum, signal.SIG_IGN)
        return
    code = _report_stop()
    _flush()
    os._exit(code)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _Stop.signum is None:
        _Stop.signum = signum
        threading.Thread(target=_watchdog, name="augwise-stop", daemon=True).start()
        if not _Stop.finished:
            raise KeyboardInterrupt
    elif _Stop.redeliver and not _Stop.finished:
        _Stop.redeliver = False
        raise KeyboardInterrupt
    # else already stopping: a second Ctrl-C must not break the cleanup


def _on_unraisable(args: Any) -> None:
    """A ``KeyboardInterrupt`` raised inside a finalizer or weakref callback is printed
    and dropped by Python: deliver it again, where it can stop the command."""
    if isinstance(args.exc_value, KeyboardInterrupt) and _Stop.signum is not None:
        _Stop.redeliver = True
        # from another thread, a moment later: raised here, it would be dropped again
        timer = threading.Timer(0.01, _thread.interrupt_main)
        timer.daemon = True
        timer.start()
        return
    sys.__unraisablehook__(args)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _os_error(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    return f"{what}: {' -> '.join(repr(os.fsdecode(n)) for n in names)}" if names else what


def _missing_package(exc: ImportError) -> str | None:
    """The optional package an ImportError is about, None if it is augwise's own."""
    cause = exc.__cause__ or exc.__context__
    if exc.name is None and isinstance(cause, ImportError):  # re-raised by a package
        return _missing_package(cause)
    name = exc.name
    tb = exc.__traceback__
    while name is None and tb is not None:  # raised by a module itself: the innermost one
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        if tb.tb_next is None and module.split(".")[0] not in ("importlib", "__main__", ""):
            name = module
        tb = tb.tb_next
    if name is None:
        return None
    top = name.split(".")[0]
    return None if top == "augwise" else top


def _click_error() -> type[Any]:
    """Click's ``ClickException`` as typer raises it (typer >= 0.22 bundles its own click)."""
    import typer

    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def _user_error(exc: BaseException) -> list[str] | None:
    """The lines that explain a usage or input error; None for an internal error."""
    if isinstance(exc, _click_error()):
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare ``augwise``: the help
            return [exc.format_message()]
        lines = [f"error: {_short(exc.format_message())}"]
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            lines.append(f"Try '{ctx.command_path} --help' for help.")
        return lines
    if isinstance(exc, ImportError):
        package = _missing_package(exc)
        if package is None:
            return None
        extra = EXTRAS.get(package)
        hint = f"pip install 'augwise[{extra}]'" if extra else f"pip install {package}"
        return [f"error: this command needs the optional package {package!r}, which cannot "
                f"be imported ({_short(str(exc), 120)})", f"install it: {hint}"]
    if isinstance(exc, OSError):
        return [f"error: {_short(_os_error(exc))}"]
    if isinstance(exc, (ValueError, TypeError)):
        return [f"error: {_short(str(exc))}"]
    return None


def _fail(exc: BaseException, debug: bool) -> int:
    """Print ``exc`` as one or two lines (with the traceback under --debug): the status."""
    if debug:
        import traceback

        traceback.print_exception(exc)
    lines = _user_error(exc)
    if lines is not None:
        for line in lines:
            _say(line)
        return EXIT_USAGE
    _say(f"internal error: {type(exc).__name__}: {_short(str(exc), 200)}")
    _say("this is a bug in augwise; run with --debug for the traceback and please report it")
    return EXIT_INTERNAL


def join_sizes(args: list[str]) -> list[str]:
    """``--target-size 224 224`` as ``--target-size 224,224`` (an option takes one value).

    >>> join_sizes(["doctor", "d", "--target-size", "224", "224"])
    ['doctor', 'd', '--target-size', '224,224']
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        if (args[i] in SIZE_OPTIONS and i + 2 < len(args) and args[i + 1].isdigit()
                and args[i + 2].isdigit()):
            out += [args[i], f"{args[i + 1]},{args[i + 2]}"]
            i += 3
            continue
        out.append(args[i])
        i += 1
    return out


def run(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``): the exit status."""
    args = join_sizes(sys.argv[1:] if argv is None else list(argv))
    debug = _debug(args)
    try:
        app = build_app(args)
        code: Any = app(args=args, prog_name="augwise", standalone_mode=False)
    except KeyboardInterrupt:
        return _report_stop()
    except SystemExit:
        if _Stop.signum is not None:
            return _report_stop()
        raise
    except Exception as exc:
        # click's Abort: Ctrl-C at a prompt; else whatever an interrupt broke on its way out
        if _Stop.signum is not None or type(exc).__name__ == "Abort":
            return _report_stop()
        return _fail(exc, debug)
    if _Stop.signum is not None or code == 130:  # typer turns KeyboardInterrupt into 130
        return _report_stop()
    return code if isinstance(code, int) else 0


def main() -> NoReturn:
    """The ``augwise`` console script."""
    # the CLI never needs Keras: keep its import (seconds) out of every command
    os.environ.setdefault("AUGWISE_KERAS", "0")
    atexit.register(_at_exit)
    sys.unraisablehook = _on_unraisable
    for signum in SIGNAL_WORDS:
        signal.signal(signum, _on_signal)
    try:
        code = run()
        _Stop.finished = True
    except KeyboardInterrupt:  # a signal right as run() returned
        _Stop.finished = True
        code = _report_stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
