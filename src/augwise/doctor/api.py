"""The Python API: ``diagnose(data, config=...)`` returns a :class:`Diagnosis`.

>>> from augwise.doctor import diagnose
>>> d = diagnose("data/train", config={"rotation_range": 40, "horizontal_flip": True},
...              flow={"target_size": (64, 64)}, test="data/test")   # doctest: +SKIP
>>> [f.id for f in d.findings]                                      # doctest: +SKIP
>>> from augwise.doctor import report
>>> report.write(d, "augwise-report")  # report.json, fixed_config.yaml, report.html
... # doctest: +SKIP

A :class:`Diagnosis` is data; :mod:`augwise.doctor.report` renders it (its ``write*``,
``print_summary`` and notebook methods call that module).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from augwise.core.config import AugmentConfig
from augwise.doctor.checks import run_checks
from augwise.doctor.context import Context
from augwise.doctor.dask_scan import Scheduler, refuse_url
from augwise.doctor.findings import RANK, CheckOutcome, Finding, sort_findings, worst
from augwise.doctor.fixes import Fixes, apply_fixes
from augwise.doctor.harm import harm_findings
from augwise.doctor.options import FlowOptions
from augwise.doctor.report_json import build
from augwise.doctor.scan import scan
from augwise.doctor.setup import resolve_config
from augwise.io.datasets import DataSet, apply_validation_split, is_iterator, load_splits
from augwise.io.decode import DEFAULT_MAX_PIXELS, check_max_pixels
from augwise.results.harm import HarmReport

FAIL_ON = ("error", "warning", "never")
_CONFIG_FREE = ("ok", "orientation", "duplicates", "thumbs", "target_hw", "value_range")
_FLOW_ATTRS = ("target_size", "color_mode", "class_mode", "batch_size", "shuffle", "subset",
               "interpolation", "keep_aspect_ratio", "seed", "x_col", "y_col")


@dataclass
class Diagnosis:
    """Findings, check outcomes, measurements and the corrected config for one dataset +
    config: plain data (render it with :mod:`augwise.doctor.report`)."""

    context: Context
    findings: list[Finding]
    checks: list[CheckOutcome]
    fixes: Fixes
    harm: HarmReport | None
    replay_seed: int

    @property
    def config(self) -> AugmentConfig:
        return self.context.config

    @property
    def fixed_config(self) -> AugmentConfig:
        return self.fixes.config

    @property
    def worst(self) -> str:
        """``"error"``, ``"warning"``, ``"info"`` or ``"none"``."""
        return worst(self.findings)

    def finding(self, check_id: str) -> Finding | None:
        return next((f for f in self.findings if f.id == check_id), None)

    def exit_code(self, fail_on: str = "error") -> int:
        """1 if a finding is at least as severe as ``fail_on``, else 0 (``"never"``: 0)."""
        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {FAIL_ON}, got {fail_on!r}")
        if fail_on == "never":
            return 0
        return int(RANK[self.worst] >= RANK[fail_on])

    def with_harm(self, harm: HarmReport | None) -> Diagnosis:
        """This diagnosis with a (new) measured-harm report, without rescanning."""
        findings = [f for f in self.findings if f.category != "harm"]
        checks = [c for c in self.checks if c.category != "harm"]
        return _finish(self.context, findings, checks, harm, self.replay_seed)

    def to_dict(self) -> dict[str, Any]:
        """The ``report.json`` document (schema: ``augwise.doctor.report_json.SCHEMA``)."""
        return build(self.context, self.findings, self.checks, self.fixes, self.harm,
                     self.replay_seed)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def fixed_yaml(self) -> str:
        return self.fixes.yaml(self.config)

    # The rendering methods below call augwise.doctor.report, which sits above this module.

    def write_fixed_config(self, path: str | os.PathLike[str]) -> Path:
        """``fixed_config.yaml`` at ``path`` (see :func:`augwise.doctor.report.write_file`)."""
        from augwise.doctor import report

        return report.write_file(self, "config", path)

    def write_html(self, path: str | os.PathLike[str], versions: int = 6) -> Path:
        """``report.html`` at ``path`` (see :func:`augwise.doctor.report.write_file`)."""
        from augwise.doctor import report

        return report.write_file(self, "html", path, versions=versions)

    def write(self, out_dir: str | os.PathLike[str], versions: int = 6) -> dict[str, Path]:
        """``report.json``, ``fixed_config.yaml`` and ``report.html`` in ``out_dir`` (see
        :func:`augwise.doctor.report.write`)."""
        from augwise.doctor import report

        return report.write(self, out_dir, versions=versions)

    def write_data_fixes(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """CSVs of the samples to drop or relabel per split, and the cleaned data (see
        :mod:`augwise.doctor.cleanup`).

        >>> d.write_data_fixes("fixes")  # drop_train.csv, ..., train.npz  # doctest: +SKIP
        """
        from augwise.doctor.cleanup import write_data_fixes

        return write_data_fixes(self, out_dir)

    def print_summary(self, console: Console | None = None) -> None:
        """The findings and counts on the terminal (see :mod:`augwise.doctor.report`)."""
        from augwise.doctor import report

        report.print_summary(self, console)

    def _repr_html_(self) -> str:
        """The report inline in a notebook (see :func:`augwise.doctor.report.notebook_html`)."""
        from augwise.doctor import report

        return report.notebook_html(self)


def _finish(ctx: Context, findings: list[Finding], checks: list[CheckOutcome],
            harm: HarmReport | None, replay_seed: int) -> Diagnosis:
    checks = list(checks)
    if harm is None:
        checks.append(CheckOutcome("harm.costs_accuracy", "harm", "Measured per-transform harm",
                                   "skipped", reason="no harm report (augwise tune "
                                   "--measure-harm, then doctor --harm FILE)"))
    else:
        extra = harm_findings(harm)
        findings = findings + extra
        top = sort_findings(extra)[0].severity if extra else None
        checks.append(CheckOutcome("harm.costs_accuracy", "harm", "Measured per-transform harm",
                                   "fired" if extra else "quiet", top))
    findings = sort_findings(findings)
    return Diagnosis(ctx, findings, checks, apply_fixes(ctx.config, findings), harm, replay_seed)


def _iterator_flow(it: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _FLOW_ATTRS:
        if hasattr(it, name):
            value = getattr(it, name)
            if name == "target_size" and value is not None:
                value = tuple(int(v) for v in value)
            if name == "y_col" and not isinstance(value, str):
                continue
            out[name] = value
    out["batch_size"] = int(out.get("batch_size", 32))
    out["shuffle"] = bool(out.get("shuffle", True))
    if getattr(it, "directory", None) and hasattr(it, "x_col"):
        out["directory"] = os.fspath(it.directory)
    return out


def diagnose(
    data: Any,
    *,
    config: Any = None,
    flow: FlowOptions | Mapping[str, Any] | None = None,
    validation: Any = None,
    test: Any = None,
    engine: str | None = None,
    harm: HarmReport | str | os.PathLike[str] | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    seed: int = 0,
    max_image_pixels: int | None = DEFAULT_MAX_PIXELS,
    console: Console | None = None,
    allow_code: bool = False,
    scheduler: str | None = None,
) -> Diagnosis:
    """Audit ``data`` and lint ``config`` against it.

    ``data``: a class-folder directory, a CSV path or DataFrame (``flow`` gives
    ``x_col``/``y_col``/``directory``), an ``.npz``/``.npy`` path, arrays ``x`` or
    ``(x, y)``, or an augwise/Keras iterator (its flow arguments and generator are used).
    ``config``: a mapping, an :class:`AugmentConfig`, a JSON/YAML path, or an augwise or
    Keras ``ImageDataGenerator``.  ``flow``: the ``flow*()`` arguments (a mapping or
    :class:`FlowOptions`).  ``engine``: ``"keras"`` if Keras' own generator trains the
    model (default: detected).  ``harm``: a :class:`HarmReport` or its JSON file.
    ``progress``: show progress bars (default: when stderr is a terminal).
    ``allow_code``: let a config file or mapping name a ``preprocessing_function`` as
    ``'module:function'`` (imported and run: only for configs you trust).
    ``scheduler``: scan on Dask, ``"local:N"`` or ``"tcp://host:8786"``, instead of
    ``workers`` local processes (the files must be on a filesystem every Dask worker sees;
    see :mod:`augwise.doctor.dask_scan`).

        >>> import numpy as np
        >>> x = np.random.default_rng(0).integers(0, 256, (60, 16, 16, 1), dtype=np.uint8)
        >>> d = diagnose((x, np.arange(60) % 3), config={"rotation_range": 20}, workers=1,
        ...              progress=False)
        >>> d.worst, d.exit_code(fail_on="warning")
        ('warning', 1)
        >>> d.finding("config.no_seed").title  # and d.write("report/"): HTML, JSON, fixed YAML
        '...seed...'
    """
    max_image_pixels = check_max_pixels(max_image_pixels)
    where = None if scheduler is None else Scheduler.parse(scheduler)
    if where is not None and workers is not None:
        raise ValueError(
            f"workers={workers} and scheduler={str(where)!r} both choose where the scan "
            "runs: give one (local:N sets the number of Dask worker processes)"
        )
    for name, value in (("train", data), ("validation", validation), ("test", test)):
        refuse_url(name, value)
    flow_args: dict[str, Any] = {}
    if is_iterator(data):
        flow_args = _iterator_flow(data)
        if config is None:
            config = data.image_data_generator
    if isinstance(flow, FlowOptions):
        flow_args.update({k: v for k, v in flow.to_dict().items()
                          if v != getattr(FlowOptions(), k)})
        if flow.target_size is not None:
            flow_args["target_size"] = flow.target_size
    elif flow is not None:
        flow_args.update(flow)
    options = FlowOptions.create(flow_args)
    setup = resolve_config(config, engine, allow_code=allow_code)
    cfg = setup.config
    channels_first = cfg.data_format == "channels_first"

    def load(name: str, value: Any) -> list[Any]:
        return load_splits(name, value, x_col=options.x_col, y_col=options.y_col,
                           directory=options.directory, channels_first=channels_first)

    splits = load("train", data)
    for name, value in (("validation", validation), ("test", test)):
        if value is not None:
            splits = [s for s in splits if s.name != name] + load(name, value)[:1]
    if cfg.validation_split and not any(s.name == "validation" for s in splits):
        keras_mode = setup.engine == "keras" or cfg.keras_compat
        mode = "first" if keras_mode else cfg.validation_split_mode
        split_seed = cfg.seed if cfg.seed is not None else 0
        splits = [*apply_validation_split(splits[0], cfg.validation_split, mode, split_seed),
                  *splits[1:]]
    order = {"train": 0, "validation": 1, "test": 2}
    splits.sort(key=lambda s: order[s.name])
    source = os.fspath(data) if isinstance(data, (str, os.PathLike)) else None
    dataset = DataSet(splits, splits[0].origin, source)
    show = progress if progress is not None else bool(
        (console or Console(stderr=True)).is_terminal)
    result = scan(dataset, color_mode=options.color_mode, max_pixels=max_image_pixels,
                  workers=workers, progress=show, seed=seed, console=console,
                  scheduler=where)
    ctx = Context(dataset, result, setup, options, seed)
    findings, checks = run_checks(ctx)
    report = HarmReport.load(harm) if isinstance(harm, (str, os.PathLike)) else harm
    replay_seed = options.seed if options.seed is not None else (
        cfg.seed if cfg.seed is not None else 0)
    return _finish(ctx, findings, checks, report, replay_seed)


def rediagnose(d: Diagnosis, config: Any, engine: str | None = None,
               flow: Mapping[str, Any] | None = None, *, allow_code: bool = False) -> Diagnosis:
    """``d``'s data checked against another config (and flow changes), reusing the scan.

    The splits stay those of ``d`` (a different ``validation_split`` needs ``diagnose``);
    ``flow`` may change anything but ``color_mode`` (which needs a new scan).
    """
    setup = resolve_config(config, engine, allow_code=allow_code)
    options = d.context.flow
    if flow:
        options = FlowOptions.create({**options.to_dict(), **flow})
        if options.color_mode != d.context.flow.color_mode:
            raise ValueError("rediagnose cannot change color_mode: call diagnose() again")
    ctx = replace(d.context, setup=setup, flow=options)
    for key in _CONFIG_FREE[:3] if flow else _CONFIG_FREE:
        if key in d.context.__dict__:
            ctx.__dict__[key] = d.context.__dict__[key]
    findings, checks = run_checks(ctx)
    return _finish(ctx, findings, checks, d.harm, d.replay_seed)
