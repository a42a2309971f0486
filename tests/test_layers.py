"""The package's layers: every import, at module level or inside a function, points down.

    core  <-  results, io  <-  loader  <-  preview  <-  keras_api, torch, keras_layer
          <-  export  <-  doctor, tune, bench  <-  cli

``tune`` never imports ``doctor``; no module-level import cycle.  Run it alone with
``pytest tests/test_layers.py -q``; ``python tests/test_layers.py`` prints the graph.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "augwise"
RANK = {
    "core": 0,
    "results": 1,
    "io": 1,
    "loader": 2,
    "preview": 2.5,
    "keras_api": 3,
    "torch": 3,
    "keras": 3,
    "keras_layer": 3,
    "export": 3.5,
    "doctor": 4,
    "tune": 4,
    "bench": 4,
    "cli": 5,
}
TOP = {"_lazy"}  # helpers of the lazy top-level package: import nothing of augwise
NEVER = {("tune", "doctor"), ("doctor", "tune"), ("results", "io")}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "augwise" else None


def _imports(path: Path, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    me = _module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            found.update(f"{mod}.{a.name}" for a in node.names)
    return {m for m in found if m.startswith("augwise")}


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _resolve(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def graph(top_level_only: bool) -> dict[str, set[str]]:
    """Module -> the augwise modules it imports."""
    known = _modules()
    out: dict[str, set[str]] = defaultdict(set)
    for name, path in known.items():
        for imp in _imports(path, top_level_only):
            target = _resolve(imp, known)
            if target and target != name:
                out[name].add(target)
    return out


def test_every_import_points_down_the_layers() -> None:
    wrong = []
    every = graph(top_level_only=False)
    for mod, targets in every.items():
        src = _layer(mod)
        if src is None or src not in RANK:
            continue  # augwise/__init__ (lazy re-exports) and top-level shims
        for t in targets:
            dst = _layer(t)
            if dst is None or dst == src or (dst in TOP and not every.get(t)):
                continue
            if (src, dst) in NEVER or dst not in RANK or RANK[dst] >= RANK[src]:
                wrong.append(f"{mod} -> {t}")
    assert not wrong, "imports against the layers:\n" + "\n".join(sorted(wrong))


def test_every_package_has_a_layer() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(RANK), sorted(packages - set(RANK))


def _cycles(g: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(g):
        if v not in index:
            visit(v)
    return out


def test_no_module_level_import_cycle() -> None:
    assert _cycles(graph(top_level_only=True)) == []


@pytest.mark.parametrize("call", ["matplotlib.use", "logging.basicConfig"])
def test_no_import_time_side_effects(call: str) -> None:
    hits = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if f"{call}(" in p.read_text()]
    assert hits == []


if __name__ == "__main__":
    for mod, targets in sorted(graph(top_level_only=True).items()):
        print(mod, "->", ", ".join(sorted(targets)))
    print("cycles:", _cycles(graph(top_level_only=True)))
