"""CLI options derived from :class:`~augwise.core.config.AugmentConfig`.

Every field marked ``cli`` becomes an option (``--rotation-range 20``,
``--horizontal-flip``, ``--zoom-range 0.8,1.2``), with the field's help text.  A
``--config FILE`` (JSON/YAML) is read first, as data (no code unless ``--allow-code``);
options given on the command line win.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from augwise.core.config import AugmentConfig, ReadConfig, config_fields, read_config


def _option_name(name: str) -> str:
    return "--" + name.replace("_", "-")


PANEL = "ImageDataGenerator arguments"
_NEGATED = "no_"  # ``--no-<flag>`` options: turn a flag of the --config file off
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


# arguments given as a (low, high) pair: ``--zoom-range 0.8,1.2``
_PAIRS = frozenset(f.name for f in config_fields() if "tuple[float, float]" in str(f.type))


def _cli_fields() -> list[Any]:
    return [f for f in config_fields() if f.metadata.get("cli", True)]


def _is_flag(f: Any) -> bool:
    return str(f.type) == "bool" or isinstance(f.default, bool)


def config_parameters() -> list[inspect.Parameter]:
    """``inspect.Parameter`` objects (typer options) for the CLI-visible config fields.

    The help shows ``--config``, ``--allow-code`` and ``--set NAME=VALUE`` (one panel);
    the per-argument options (``--rotation-range 20``, ``--horizontal-flip`` and
    ``--no-horizontal-flip``) work as well and are left out of the help, whose 80
    columns cannot hold their names (docs/parameters.md lists them).
    """
    names = ", ".join(f.name for f in _cli_fields())
    params = [
        inspect.Parameter(
            "config",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None, "--config", metavar="FILE", rich_help_panel=PANEL,
                help="ImageDataGenerator arguments as a JSON or YAML file.",
            ),
            annotation=Path | None,
        ),
        inspect.Parameter(
            "allow_code",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                False, "--allow-code", rich_help_panel=PANEL, help="Let --config import "
                "and run a preprocessing_function: only for files you trust."
            ),
            annotation=bool,
        ),
        inspect.Parameter(
            "set_values",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(
                None, "--set", metavar="NAME=VALUE", rich_help_panel=PANEL,
                help="One ImageDataGenerator argument (repeatable; wins over --config), "
                "e.g. --set rotation_range=20 --set zoom_range=0.8,1.2 --set "
                "horizontal_flip=true.  Each also has its own option: --rotation-range "
                "20, --horizontal-flip, --no-horizontal-flip.  NAME: " + names + ".",
            ),
            annotation=list[str] | None,
        ),
    ]
    for f in _cli_fields():
        doc = f.metadata.get("doc", "")
        name = _option_name(f.name)
        if _is_flag(f):
            opt = typer.Option(None, name, help=doc, hidden=True)
            annotation: Any = bool | None
            params.append(inspect.Parameter(
                _NEGATED + f.name, inspect.Parameter.KEYWORD_ONLY,
                default=typer.Option(None, f"--no-{name[2:]}", hidden=True),
                annotation=bool | None,
            ))
        else:
            opt = typer.Option(None, name, help=doc, hidden=True)
            annotation = str | None
        params.append(
            inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=opt,
                              annotation=annotation)
        )
    return params


def _set_arguments(items: list[str] | None) -> dict[str, Any]:
    """``--set name=value`` items as ``{name: text or bool}`` (``-`` or ``_`` in names)."""
    fields = {f.name: f for f in _cli_fields()}
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in fields:
            raise typer.BadParameter(
                f"--set {item!r}: give NAME=VALUE with an ImageDataGenerator argument as "
                "NAME, e.g. --set rotation_range=20 (see augwise doctor --help)")
        if _is_flag(fields[key]):
            word = value.strip().lower()
            if word not in _TRUE + _FALSE:
                raise typer.BadParameter(f"--set {item!r}: {key} is true or false")
            out[key] = word in _TRUE
        else:
            out[key] = value
    return out


def _parse_value(name: str, text: str) -> Any:
    raw = text.strip()
    if raw.lower() in ("none", "null", ""):
        return None
    if "," in raw:
        return [_scalar(name, part) for part in raw.split(",") if part.strip()]
    return _scalar(name, raw)


def _scalar(name: str, text: str) -> Any:
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t)
    except ValueError:
        return t


def _file_arguments(values: dict[str, Any]) -> tuple[str | None, bool]:
    """Pop ``--config``/``--allow-code``: the file's name and whether it may name code."""
    path = values.pop("config", None)
    return (None if path is None else str(path)), bool(values.pop("allow_code", False))


def _option_arguments(values: dict[str, Any]) -> dict[str, Any]:
    """The config options given on the command line, parsed."""
    fields = {f.name for f in config_fields()}
    values = {**_set_arguments(values.pop("set_values", None)),
              **{k: v for k, v in values.items() if v is not None}}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key.startswith(_NEGATED) and key[len(_NEGATED):] in fields and value:
            flag = key[len(_NEGATED):]
            if values.get(flag):
                raise typer.BadParameter(f"give {_option_name(flag)} or --no-"
                                         f"{_option_name(flag)[2:]}, not both")
            out[flag] = False
            continue
        if key not in fields or value is None:
            continue
        if isinstance(value, str):
            parsed = _parse_value(key, value)
            if key in _PAIRS and isinstance(parsed, list):
                parsed = tuple(parsed)
            out[key] = parsed
        else:
            out[key] = value
    return out


def config_arguments(values: dict[str, Any]) -> ReadConfig:
    """The ``--config`` file with the options' values on top, read as ``diagnose()``
    reads a config (:func:`read_config`): values Keras accepts but augwise refuses are
    noted, not refused."""
    path, allow_code = _file_arguments(values)
    return read_config(path, overrides=_option_arguments(values), allow_code=allow_code,
                       keras_values=True)


def build_config(values: dict[str, Any]) -> AugmentConfig:
    """An :class:`AugmentConfig` from the parsed CLI values (file first, then options)."""
    path, allow_code = _file_arguments(values)
    # errors name the file: the CLI prints them as they are
    base = read_config(path, allow_code=allow_code).config
    try:
        return base.replace(**_option_arguments(values))
    except (TypeError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc


def with_config_options(fn: Callable[..., Any], *, raw: bool = False) -> Callable[..., Any]:
    """Add the config options to a typer command function's signature.

    The wrapped function receives ``augment_config=<AugmentConfig>`` instead, or with
    ``raw=True`` the :class:`ReadConfig` (the doctor lints values augwise refuses).
    """
    sig = inspect.signature(fn, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "augment_config"]
    extra = config_parameters()
    names = {p.name for p in extra}

    def wrapper(**kwargs: Any) -> Any:
        cfg_values = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        build = config_arguments if raw else build_config
        kwargs["augment_config"] = build(cfg_values)
        return fn(**kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + extra)  # type: ignore[attr-defined]
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper
