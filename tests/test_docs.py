"""The documentation site builds with --strict, and the CLI reference is current."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f",
                           str(config), "-d", str(site)], capture_output=True, text=True,
                          env=env, timeout=300, check=False, cwd=config.parent)


@pytest.mark.slow
def test_cli_reference_is_generated_from_the_commands() -> None:
    from augwise.cli.reference import reference

    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: python -m augwise.cli.reference docs/cli.md")


@pytest.mark.slow
def test_site_builds_strict_and_fails_on_a_broken_link(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    res = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert res.returncode == 0, res.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert "preview" in api and "diagnose" in api and "as_dataset" in api
    assert "augwise preview" in (tmp_path / "site" / "cli" / "index.html").read_text()
    # the same site with one broken link must fail
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "docs", copy / "docs")
    shutil.copy(ROOT / "mkdocs.yml", copy / "mkdocs.yml")
    index = copy / "docs" / "index.md"
    index.write_text(index.read_text() + "\n[gone](no-such-page.md)\n")
    (copy / "src").symlink_to(ROOT / "src")
    bad = mkdocs_build(copy / "mkdocs.yml", tmp_path / "bad")
    assert bad.returncode != 0 and "no-such-page.md" in bad.stderr
