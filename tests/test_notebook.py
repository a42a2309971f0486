"""Notebooks: the diagnosis renders inline, and examples/quickstart.ipynb runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

from augwise.doctor import diagnose
from augwise.doctor.notebook import diagnosis_html

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def test_repr_html_puts_findings_first_and_escapes(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = (rng.random((40, 16, 16, 1)) * 255).astype(np.uint8)
    y = np.arange(40) % 2
    d = diagnose((x, y), config={"rotation_range": 40, "shear_range": 0.2,
                                 "fill_mode": "constant"}, progress=False, workers=1)
    assert d.findings
    page = d._repr_html_()
    assert page == diagnosis_html(d)
    first = d.findings[0]
    assert page.index(str(escape(first.title))) < page.index("<details><summary>checks")
    assert page.index(str(escape(first.title))) < page.index("corrected config")
    assert "<details><summary>evidence</summary>" in page
    assert "<script" not in page
    # values are escaped: a finding's text with markup shows as text
    first.__dict__["title"] = "<script>alert(1)</script>"  # frozen: edit the instance
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in diagnosis_html(d)
    assert "<script>alert" not in diagnosis_html(d)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_quickstart_notebook_runs(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the preview figure
    report = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert report and "augwise doctor:" in report[0] and "<details>" in report[0]


def test_evidence_is_shown_as_tables_not_json_strings() -> None:
    from augwise.doctor.notebook import _shown

    assert str(_shown("<b>")) == "&lt;b&gt;"
    records = str(_shown([{"transform": "rotation_range", "fill": 0.1},
                          {"transform": "<all>", "fill": 0.2}]))
    assert records.startswith("<table><tr><th>transform</th><th>fill</th></tr>")
    assert "<td>&lt;all&gt;</td><td>0.2</td>" in records
    assert str(_shown({"a": 1})) == "<table><tr><td>a</td><td>1</td></tr></table>"
    assert str(_shown({"a": [1, 2]})) == "<table><tr><td>a</td><td>1, 2</td></tr></table>"
