"""The doctor's report inline in a notebook: :meth:`Diagnosis._repr_html_`.

Findings first, most severe first, each with its fix; evidence, files, every check's
outcome and the corrected config are collapsed in ``<details>``.  Every value is
escaped (jinja2 autoescape).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from augwise.doctor.evidence_html import evidence_html as _shown

if TYPE_CHECKING:
    from augwise.doctor.api import Diagnosis

MAX_FILES = 20  # files listed per finding; the count says how many there are

_TEMPLATE = """\
<div class="augwise-diagnosis" style="font-family:sans-serif;max-width:60em">
<h3 style="margin:0.3em 0">augwise doctor: {{ findings|length }}
finding{{ "" if findings|length == 1 else "s" }}, worst:
<span style="color:{{ colours[worst] }}">{{ worst }}</span></h3>
<p style="margin:0.2em 0"><code>{{ config }}</code></p>
{% for f in findings %}
<div style="border-left:4px solid {{ colours[f.severity] }};padding:0.2em 0.6em;margin:0.5em 0">
<b style="color:{{ colours[f.severity] }}">{{ f.severity }}</b> <b>{{ f.title }}</b>
<small><code>{{ f.id }}</code></small>
<div><b>Fix:</b> {{ f.fix }}</div>
{% if f.detail %}<div>{{ f.detail }}</div>{% endif %}
{% if f.evidence %}<details><summary>evidence</summary><table>
{% for key, value in f.evidence.items() %}
<tr><th style="text-align:left;vertical-align:top">{{ key }}</th><td>{{ shown(value) }}</td></tr>
{% endfor %}</table></details>{% endif %}
{% if f.files %}<details><summary>{{ f.file_count or f.files|length }} file(s)</summary><ul>
{% for name in f.files[:max_files] %}<li><code>{{ name }}</code></li>{% endfor %}
{% if f.files|length > max_files %}
<li>and {{ f.files|length - max_files }} more (Diagnosis.to_dict())</li>
{% endif %}
</ul></details>{% endif %}
</div>
{% else %}
<p>No findings.</p>
{% endfor %}
<details><summary>checks:
{% for status, n in counts.items() %}{{ n }} {{ status }}{{ ", " if not loop.last }}{% endfor %}
</summary><table>
{% for c in checks %}<tr><td><code>{{ c.id }}</code></td><td>{{ c.status }}</td>
<td>{{ c.title }}{% if c.reason %}: {{ c.reason }}{% endif %}</td></tr>
{% endfor %}</table></details>
<details><summary>corrected config (fixed_config.yaml)</summary><pre>{{ fixed_yaml }}</pre>
</details>
</div>
"""

COLOURS = {"error": "#c62828", "warning": "#ef6c00", "info": "#1565c0", "none": "#2e7d32"}


def diagnosis_html(diagnosis: Diagnosis) -> str:
    """The report as an HTML fragment for a notebook cell (findings first, escaped).

    >>> from augwise.doctor import diagnose
    >>> html = diagnosis_html(diagnose("data/train"))  # doctest: +SKIP
    """
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    counts: dict[str, int] = {}
    for check in diagnosis.checks:
        counts[check.status] = counts.get(check.status, 0) + 1
    return env.from_string(_TEMPLATE).render(
        findings=diagnosis.findings, worst=diagnosis.worst, colours=COLOURS,
        config=diagnosis.config.python_call(), checks=diagnosis.checks, counts=counts,
        fixed_yaml=diagnosis.fixed_yaml(), max_files=MAX_FILES, shown=_shown,
    )
