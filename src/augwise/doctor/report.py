"""Render a :class:`~augwise.doctor.api.Diagnosis`: files, terminal summary, notebook HTML.

The diagnosis is data; this module (and the ones it calls: ``report_json`` for the
schema, ``report_html``, ``summary``, ``notebook``) turns it into reports.

>>> from augwise.doctor import diagnose, report
>>> d = diagnose("data/train", config="augment.yaml")             # doctest: +SKIP
>>> report.write(d, "augwise-report")  # report.json, fixed_config.yaml, report.html
... # doctest: +SKIP
>>> report.write(d, "out", formats=("json", "summary"))          # doctest: +SKIP
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from augwise.doctor.notebook import diagnosis_html
from augwise.doctor.summary import print_summary as _print_summary

if TYPE_CHECKING:
    from augwise.doctor.api import Diagnosis

FILES = {"json": "report.json", "config": "fixed_config.yaml", "html": "report.html",
         "summary": "summary.txt"}
FORMATS = tuple(FILES)
DEFAULT_FORMATS = ("json", "config", "html")
SUMMARY_WIDTH = 100  # columns of summary.txt


def html(diagnosis: Diagnosis, versions: int = 6) -> str:
    """The whole ``report.html`` as one string (``versions`` augmented previews per row)."""
    from augwise.doctor.report_html import render  # jinja2, matplotlib: only when rendered

    return render(diagnosis, versions=versions)


def print_summary(diagnosis: Diagnosis, console: Console | None = None) -> None:
    """Findings, each with its fix, and the counts on the terminal."""
    _print_summary(diagnosis, console or Console())


def summary_text(diagnosis: Diagnosis, width: int = SUMMARY_WIDTH) -> str:
    """The terminal summary as plain text (no colours)."""
    buffer = io.StringIO()
    print_summary(diagnosis, Console(file=buffer, width=width, color_system=None,
                                     force_terminal=False))
    return buffer.getvalue()


def notebook_html(diagnosis: Diagnosis) -> str:
    """The report as an HTML fragment for a notebook cell (findings first, escaped)."""
    return diagnosis_html(diagnosis)


def _check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = (formats,)
    unknown = [f for f in formats if f not in FILES]
    if unknown or not formats:
        raise ValueError(f"formats must be a non-empty sequence of {', '.join(FORMATS)}; "
                         f"got {list(formats)!r}: e.g. formats=('json', 'html')")
    return tuple(dict.fromkeys(formats))


def write_file(diagnosis: Diagnosis, kind: str, path: str | os.PathLike[str],
               versions: int = 6) -> Path:
    """One report of ``kind`` (``json``, ``config``, ``html`` or ``summary``) at ``path``."""
    (kind,) = _check_formats((kind,))
    if kind == "json":
        text = diagnosis.to_json()
    elif kind == "config":
        text = diagnosis.fixed_yaml()
    elif kind == "html":
        text = html(diagnosis, versions=versions)
    else:
        text = summary_text(diagnosis)
    p = Path(path)
    p.write_text(text, encoding="utf-8")
    return p


def write(diagnosis: Diagnosis, out_dir: str | os.PathLike[str],
          formats: Sequence[str] = DEFAULT_FORMATS, *, versions: int = 6) -> dict[str, Path]:
    """Write the reports of ``formats`` to ``out_dir`` (created); their paths by format.

    ``json``: report.json, ``config``: fixed_config.yaml, ``html``: report.html,
    ``summary``: summary.txt (the terminal summary as plain text).
    """
    kinds = _check_formats(formats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {kind: write_file(diagnosis, kind, out / FILES[kind], versions=versions)
            for kind in kinds}
