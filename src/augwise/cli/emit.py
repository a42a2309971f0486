"""``--emit TARGETS``, shared by ``augwise doctor`` and ``augwise tune``: the config they
write, also as code for Keras layers, albumentations, torchvision or the Keras layer."""

from __future__ import annotations

from pathlib import Path

import typer

from augwise.core.config import AugmentConfig
from augwise.export import TARGETS, emit_code

EMIT_HELP = (f"Also write the config as code for these targets ({', '.join(TARGETS)}; "
             "comma-separated) beside the YAML.")


def emit_targets(text: str | None) -> tuple[str, ...]:
    """``--emit keras-layer,albumentations`` as targets (BadParameter naming --emit)."""
    if not text:
        return ()
    names = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    bad = [t for t in names if t not in TARGETS]
    if bad or not names:
        raise typer.BadParameter(f"--emit takes targets from {', '.join(TARGETS)} "
                                 f"(comma-separated), got {text!r}")
    return names


def write_snippets(config: AugmentConfig, targets: tuple[str, ...], yaml_path: Path) -> list[Path]:
    """Each target's code beside ``yaml_path``: ``fixed_config.yaml`` gets
    ``fixed_config.albumentations.py`` and so on."""
    paths = []
    for target in targets:
        path = yaml_path.with_name(f"{yaml_path.stem}.{target.replace('-', '_')}.py")
        path.write_text(emit_code(config, target), encoding="utf-8")
        paths.append(path)
    return paths
