"""report.json (schema), fixed_config.yaml, report.html, and the HTML in headless Chromium."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from augwise import AugmentConfig
from augwise.doctor import diagnose
from augwise.doctor.evidence_html import evidence_html
from augwise.doctor.findings import Finding, Severity
from augwise.doctor.report_json import SCHEMA_VERSION, validate
from augwise.results import Estimate, HarmReport, TransformHarm
from tests.doctor.conftest import GOOD_CONFIG, GOOD_FLOW, Planted
from tests.doctor.planted import SCENE_HW, save, scene

EVIL_FILE = "<img src=x onerror=alert(1)>.png"
EVIL_CLASS = "<i>evil"


def test_report_json_follows_the_schema(bases: Planted, tmp_path: Path) -> None:
    d = bases.dirty_content
    doc = json.loads(d.to_json())
    assert validate(doc) == []
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["summary"]["errors"] == sum(f["severity"] == "error" for f in doc["findings"])
    assert {f["id"] for f in doc["findings"]} == {f.id for f in d.findings}
    fired = {c["id"] for c in doc["checks"] if c["status"] == "fired"}
    assert fired == {f["id"] for f in doc["findings"]}
    assert doc["dataset"]["splits"]["train"]["class_counts"]["a"] == 32
    broken = copy.deepcopy(doc)
    del broken["findings"][0]["fix"]
    broken["summary"]["worst"] = "catastrophic"
    errors = validate(broken)
    assert any("missing key 'fix'" in e for e in errors)
    assert any("catastrophic" in e for e in errors)


def test_fixed_config_yaml_loads_and_applies_the_fixes(bases: Planted, tmp_path: Path) -> None:
    from augwise.doctor.api import rediagnose

    d = rediagnose(bases.letters, {"rotation_range": 90, "shear_range": 0.2,
                                   "fill_mode": "nearest"}, flow={"shuffle": False})
    path = d.write_fixed_config(tmp_path / "fixed.yaml")
    text = path.read_text()
    loaded = AugmentConfig.load(path)
    assert loaded == d.fixed_config
    assert loaded.shear_range == 0.0 and loaded.seed == 0
    assert 0 < loaded.rotation_range < 90
    assert "shuffle=True" in text and "config.shuffle_off" in text  # flow fixes as comments
    doc = d.to_dict()
    assert doc["fixed_config"]["changes"] == yaml.safe_load(text)
    assert doc["fixed_config"]["flow"] == {"shuffle": True}


def test_conflicting_patches_keep_the_more_severe(bases: Planted) -> None:
    from augwise.doctor.api import rediagnose

    # vertical_flip turns classes into each other?  Both the flip check and harm patch it.
    acc = Estimate(0.9, 0.89, 0.91, 3)
    item = TransformHarm("vertical_flip", True, acc, acc, Estimate(-0.004, -0.006, -0.002, 3),
                         acc, acc)
    d = rediagnose(bases.letters, {"vertical_flip": True, "seed": 0}).with_harm(
        HarmReport((item,), "proxy", 3))
    applied = {fid for fid, _, patch in d.fixes.applied if "vertical_flip" in patch}
    assert len(applied) == 1
    assert any("vertical_flip already changed" in reason for _, reason in d.fixes.skipped)


def test_html_report_is_self_contained_and_escapes_names(tmp_path: Path) -> None:
    root = _evil_tree(tmp_path)
    d = diagnose(root, config={**GOOD_CONFIG, "rotation_range": 30}, flow=GOOD_FLOW)
    html = d.write_html(tmp_path / "report.html").read_text()
    assert EVIL_FILE not in html and "&lt;img src=x onerror=alert(1)&gt;.png" in html
    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched
    assert html.count("data:image/png;base64,") > 20  # plots, previews, examples
    for f in d.findings:
        assert f.id in html


def test_html_report_shows_the_harm_table(bases: Planted, tmp_path: Path) -> None:
    acc_w, acc_wo = Estimate(0.74, 0.73, 0.75, 3), Estimate(0.80, 0.79, 0.81, 3)
    item = TransformHarm("rotation_range", 40.0, acc_w, acc_wo, Estimate(-0.061, -0.07, -0.052, 3),
                         Estimate(0.8, 0.78, 0.82, 3), Estimate(1.4, 1.3, 1.5, 3))
    d = bases.scenes.with_harm(HarmReport((item,), "small CNN, 5 epochs", 3))
    html = d.write_html(tmp_path / "r.html").read_text()
    assert "rotation_range=40 costs 6.1 ± 0.9 points" in html
    assert "small CNN, 5 epochs" in html and "costs accuracy" in html


def test_html_evidence_is_tables_and_bars_not_json(bases: Planted, tmp_path: Path) -> None:
    d = bases.letters
    nested = Finding("config.test_nested", "warning", "config", "nested evidence", "do this",
                     evidence={"per_class": {"a": 0.5, "b": 1.0},
                               "rows": [{"transform": "rotation_range", "fill": 0.1}],
                               "stat": {"mean": 0.1, "low": 0.0, "high": 0.2, "n": 3},
                               "deep": {"outer": {"inner": 2}}, "long": list(range(30))})
    d = dataclasses.replace(d, findings=[*d.findings, nested])
    html = d.write_html(tmp_path / "r.html").read_text()
    findings = html[html.index('id="findings"'):html.index('id="data"')]
    assert findings.count('<td class="ev"><table') >= 4
    for blob in ('{"', "{&#34;", "[{", "&#34;: "):  # JSON, raw or escaped
        assert blob not in findings, blob
    section = html[html.index('id="f-config.test_nested"'):]
    section = section[:section.index("</details>")]
    assert '<table class="bars">' in section  # name -> number: a bar chart
    assert section.count("width:120px") == 1  # the larger share gets the full bar
    assert "<th>transform</th><th>fill</th>" in section  # list of dicts: a column per key
    assert '<table class="bars"><tr><td>mean' not in section  # a CI is no chart
    assert "<td>inner</td><td>2</td>" in section  # nested dicts: nested tables
    assert "... and 20 more" in section


def test_evidence_html_escapes_markup_in_keys_and_values() -> None:
    html = str(evidence_html({EVIL_CLASS: {EVIL_FILE: 1, "b": 2},
                              "rows": [{"<th>": "<td>x"}], "s": "<script>"}))
    assert EVIL_FILE not in html and "<i>" not in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in html and "&lt;i&gt;evil" in html
    assert "<th>&lt;th&gt;</th>" in html and "<td>&lt;td&gt;x</td>" in html


def test_fix_list_is_ordered_by_severity_then_measured_impact(bases: Planted,
                                                              tmp_path: Path) -> None:
    def finding(fid: str, severity: Severity, **evidence: float) -> Finding:
        return Finding(fid, severity, "config", f"title {fid}", f"fix-{fid}", evidence=evidence)

    made = [finding("t.info", "info", share=0.9),
            finding("t.warn_small", "warning", visible_mean=0.01),
            finding("t.warn_unmeasured", "warning"),
            finding("t.error", "error"),
            finding("t.warn_large", "warning", visible_mean=0.2)]
    d = dataclasses.replace(bases.letters, findings=made)
    html = d.write_html(tmp_path / "r.html").read_text()
    todo = html[html.index('id="todo"'):html.index('id="findings"')]
    assert "Ordered by severity, then by" in todo
    order = [todo.index(f"fix-{f}") for f in
             ("t.error", "t.warn_large", "t.warn_small", "t.warn_unmeasured", "t.info")]
    assert order == sorted(order)
    assert "visible fill 20.0% of pixels" in todo


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _evil_tree(tmp_path: Path) -> Path:
    root = tmp_path / "evil"
    for k, cls in enumerate(("a", EVIL_CLASS)):
        for i in range(10):
            save(root / cls / f"{i}.png", scene(*SCENE_HW, 60 * k + i))
    (root / "a" / EVIL_FILE).write_bytes(b"")  # listed by files.zero_byte
    return root


@pytest.mark.skipif(shutil.which("chromium") is None,
                    reason="Debian's chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium_without_running_injected_markup(
    tmp_path: Path,
) -> None:
    root = _evil_tree(tmp_path)
    d = diagnose(root, config={**GOOD_CONFIG, "rotation_range": 30}, flow=GOOD_FLOW)
    report = d.write_html(tmp_path / "report.html")
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=2000", "--dump-dom", report.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    assert res.returncode == 0, res.stderr[-2000:]
    dom = _Dom()
    dom.feed(res.stdout)
    tags = [t for t, _ in dom.tags]
    assert "html" in tags and "body" in tags and tags.count("details") == len(d.findings)
    assert "script" not in tags and "i" not in tags  # the evil names stayed text
    for tag, attrs in dom.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert (attrs.get("src") or "").startswith("data:image/png;base64,"), attrs
    text = "".join(dom.text)
    assert EVIL_FILE in text and EVIL_CLASS in text
    console = [line for line in res.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console


def test_report_write_renders_the_chosen_formats(bases: Planted, tmp_path: Path) -> None:
    from augwise.doctor import report

    d = bases.letters
    paths = report.write(d, tmp_path / "r", formats=("summary", "json"))
    assert list(paths) == ["summary", "json"]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["report.json", "summary.txt"]
    assert json.loads(paths["json"].read_text()) == json.loads(d.to_json())
    text = paths["summary"].read_text()
    assert text.startswith("augwise doctor: ") and "\x1b[" not in text
    assert all(f"[{f.id}]" in text.replace("\n", " ") for f in d.findings)
    assert list(d.write(tmp_path / "all")) == ["json", "config", "html"]  # the old method
    with pytest.raises(ValueError, match=r"formats must be .*json, config, html, summary.*'pdf'"):
        report.write(d, tmp_path / "x", formats=("json", "pdf"))
    assert not (tmp_path / "x").exists()


def _imports(module: str) -> set[str]:
    """Modules ``module`` imports anywhere in its source (functions included)."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return out


def test_reports_never_import_check_modules_and_the_data_never_imports_reports() -> None:
    from augwise.doctor.checks import PLUGINS

    reports = ("report", "report_json", "report_html", "summary", "notebook")
    for name in reports:
        found = {m for m in _imports(f"augwise.doctor.{name}")
                 if m.startswith(("augwise.doctor.audit", "augwise.doctor.lint"))}
        assert not found, (name, found)
    for plugin in PLUGINS:
        assert not _imports(plugin) & {f"augwise.doctor.{r}" for r in reports}, plugin
        assert plugin not in _imports("augwise.doctor.checks")  # imported by name, lazily
    api = {m for m in _imports("augwise.doctor.api") if m.startswith("augwise.doctor.")}
    assert api & {f"augwise.doctor.{r}" for r in reports} <= {"augwise.doctor.report_json",
                                                              "augwise.doctor.report"}
    assert "augwise.doctor.api" not in _imports("augwise.doctor.report_json")
