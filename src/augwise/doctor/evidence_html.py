"""A finding's evidence as small HTML tables and bars, shared by report.html and notebooks.

Every value is escaped with :func:`markupsafe.escape`; only the markup built here is
trusted.  Styles are inline so the fragments also render in a notebook cell.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

MAX_ROWS = 12  # rows of a table before "... and N more"
MAX_ITEMS = 10  # items of a list of scalars before "... and N more"
MAX_DEPTH = 3  # nesting shown as tables; deeper values become "key: value" text
BAR_PX = 120  # width of the longest bar
# Keys of a summary statistic (mean, CI bounds, count): not a name -> number chart.
_STAT_KEYS = frozenset({"mean", "low", "high", "n", "median", "min", "max", "std", "p5", "p90",
                        "p95", "half_width"})


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def format_value(value: Any) -> str:
    """A scalar as short text: floats to 4 significant digits, ``None`` as "none".

    >>> format_value(0.123456), format_value(None), format_value(12)
    ('0.1235', 'none', '12')
    """
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _more(n: int) -> Markup:
    return Markup('<span style="color:#627d98">... and {} more</span>').format(n)


def _bars(value: dict[str, Any]) -> Markup:
    top = max(abs(v) for v in value.values()) or 1.0
    rows = []
    for k, v in list(value.items())[:MAX_ROWS]:
        colour = "#c62828" if v < 0 else "#4c8bd6"
        bar = Markup('<span style="display:inline-block;height:0.8em;width:{}px;'
                     'background:{}"></span>').format(round(BAR_PX * abs(v) / top), colour)
        rows.append(Markup("<tr><td>{}</td><td>{}</td><td>{}</td></tr>").format(
            k, format_value(v), bar))
    if len(value) > MAX_ROWS:
        rows.append(Markup('<tr><td colspan="3">{}</td></tr>').format(_more(len(value) - MAX_ROWS)))
    return Markup('<table class="bars">{}</table>').format(Markup("").join(rows))


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return format_value(value)


def evidence_html(value: Any, depth: int = 0) -> Markup:
    """One evidence value as HTML.

    A scalar is text; a mapping of two or more names to numbers is a table with bars; any
    other mapping is a key/value table; a list of mappings is a table with a column per
    key; a list of scalars is comma-separated.  Nested values become nested tables, long
    ones end with "... and N more".

    >>> str(evidence_html({"a": 1}))
    '<table><tr><td>a</td><td>1</td></tr></table>'
    """
    if _scalar(value):
        return escape(format_value(value))
    if depth >= MAX_DEPTH:
        return escape(_flat(value))
    if isinstance(value, dict):
        if not value:
            return escape("none")
        if (len(value) >= 2 and all(_number(v) for v in value.values())
                and not set(value) & _STAT_KEYS):
            return _bars(value)
        rows = [Markup("<tr><td>{}</td><td>{}</td></tr>").format(k, evidence_html(v, depth + 1))
                for k, v in list(value.items())[:MAX_ROWS]]
        if len(value) > MAX_ROWS:
            rows.append(Markup('<tr><td colspan="2">{}</td></tr>').format(
                _more(len(value) - MAX_ROWS)))
        return Markup("<table>{}</table>").format(Markup("").join(rows))
    if isinstance(value, (list, tuple)):
        if not value:
            return escape("none")
        if all(isinstance(v, dict) for v in value):
            keys = list(dict.fromkeys(k for v in value for k in v))
            head = Markup("").join(Markup("<th>{}</th>").format(k) for k in keys)
            body = [Markup("<tr>{}</tr>").format(Markup("").join(
                Markup("<td>{}</td>").format(evidence_html(v.get(k, ""), depth + 1))
                for k in keys)) for v in value[:MAX_ROWS]]
            if len(value) > MAX_ROWS:
                body.append(Markup('<tr><td colspan="{}">{}</td></tr>').format(
                    len(keys), _more(len(value) - MAX_ROWS)))
            return Markup("<table><tr>{}</tr>{}</table>").format(head, Markup("").join(body))
        items = [evidence_html(v, depth + 1) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append(_more(len(value) - MAX_ITEMS))
        return Markup(", ").join(items)
    return escape(str(value))
