"""Regenerate docs/parameters.md from AugmentConfig (tests check it is up to date)."""

from __future__ import annotations

from pathlib import Path

from augwise.core.config import parameter_table

HEADER = """# ImageDataGenerator arguments

Generated from `augwise.core.config.AugmentConfig` by `python scripts/gen_docs.py`;
the same declaration drives the constructor, JSON/YAML configs and the CLI options
(`--rotation-range 20`, `--horizontal-flip`, `--zoom-range 0.8,1.2`, `--config FILE`).

"""


def render() -> str:
    return HEADER + parameter_table()


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
