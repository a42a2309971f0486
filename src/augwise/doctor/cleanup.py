"""Data fixes you can apply in one step: ``augwise doctor ... --write-fixes DIR``.

From the duplicate and file findings, for every split:

* ``drop_<split>.csv``: the samples to remove, each with the finding and why;
* ``relabel_<split>.csv``: samples whose label to change (copies whose group mostly
  carries another label);
* files: ``clean_<split>.csv`` (``filename,class``: the kept files, absolute paths, with
  the corrected labels), ready for ``flow_from_dataframe(..., directory=None)``;
* arrays: cleaned ``.npz`` files: each ``.npz`` read is rewritten under its own name with
  every array it holds, the rows of the splits read from it dropped and relabelled;
  in-memory arrays go to ``arrays.npz`` (``x_train``/``y_train``, ``x_val``/``y_val``,
  ``x_test``/``y_test``, images as the doctor read them, channels last).

What goes: exact and near copies within a split and class, all but one per group (the
group's representative when it is there); the **training** members of groups that also
appear in validation or test, so that the held-out data stay as they are (a group with no
training member loses its validation members); copies whose labels conflict: relabelled
to the group's majority label, or all dropped when no label has a majority; files that do
not decode (empty, corrupt, not images).

>>> d = diagnose("data/train", test="data/test")      # doctest: +SKIP
>>> write_data_fixes(d, "fixes")                       # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from augwise.doctor.audit.duplicates import conflicting_groups, leakage_groups, within_parts
from augwise.doctor.context import Context
from augwise.io.datasets import Split

if TYPE_CHECKING:
    from augwise.doctor.api import Diagnosis

UNDECODABLE = {"zero_byte": "files.zero_byte", "corrupt": "files.corrupt",
               "not_image": "files.not_image", "unreadable": "files.corrupt"}
_NPZ_OUT = {"train": ("x_train", "y_train"), "validation": ("x_val", "y_val"),
            "test": ("x_test", "y_test")}


@dataclass(frozen=True)
class Action:
    """Drop a sample, or give it another label (a global class index)."""

    row: int
    kind: str  # "drop" or "relabel"
    reason: str  # the id of the finding
    detail: str
    label: int = -1


def plan(ctx: Context) -> list[Action]:
    """The drops and relabels that fix the duplicate and file findings of ``ctx``."""
    t = ctx.table
    names, split, label = t["name"].to_numpy(), t["split"].to_numpy(), t["label"].to_numpy()
    drops: dict[int, Action] = {}

    def drop(row: int, reason: str, detail: str) -> None:
        drops.setdefault(row, Action(row, "drop", reason, detail))

    errors = t["error_kind"].to_numpy()
    for r in np.flatnonzero(np.isin(errors, list(UNDECODABLE))).tolist():
        drop(r, UNDECODABLE[errors[r]], str(t.at[r, "error"]) or errors[r])
    for rows, _, _ in within_parts(ctx, exact=True):
        for r in rows[1:]:
            drop(r, "duplicates.exact", f"same pixels as {names[rows[0]]}")
    for rows, sims, rep in within_parts(ctx, exact=False):
        keep = rep if rep in rows else rows[0]
        for r, s in zip(rows, sims, strict=True):
            if r != keep:
                detail = f"near-duplicate of {names[keep]}"
                drop(r, "duplicates.near", detail + (f" (similarity {s:.3f})" if keep == rep
                                                     else " (same group)"))
    relabels: dict[int, Action] = {}
    for g in conflicting_groups(ctx):
        votes = Counter(int(label[r]) for r in g.rows if label[r] >= 0)
        (top, n), *rest = votes.most_common()
        tally = ", ".join(f"{_class(ctx, c)} x{k}" for c, k in votes.most_common())
        for r in g.rows:
            if rest and n > rest[0][1]:
                if label[r] >= 0 and label[r] != top:
                    relabels[r] = Action(r, "relabel", "duplicates.conflicting_labels",
                                         f"its copies are labelled {tally}", top)
            else:
                drop(r, "duplicates.conflicting_labels",
                     f"copies labelled {tally}: no majority, decide by hand")
    for g in leakage_groups(ctx):
        members = [r for r in g.rows if split[r] == "train"] or [
            r for r in g.rows if split[r] == "validation"]
        others = [str(names[r]) for r in g.rows if r not in members]
        for r in members:
            drop(r, "duplicates.leakage", "also in " + ", ".join(others[:3])
                 + (" ..." if len(others) > 3 else ""))
    return sorted(drops.values(), key=lambda a: a.row) + sorted(
        (a for r, a in relabels.items() if r not in drops), key=lambda a: a.row)


def _class(ctx: Context, index: int) -> str:
    return ctx.class_names[index] if index >= 0 else ""


def _source_index(split: Split) -> np.ndarray:
    """Each sample's index in the array or listing it was read from."""
    return split.rows if split.rows is not None else np.arange(len(split))


def _frame(ctx: Context, split: Split, first: int, kind: str,
           actions: list[Action]) -> pd.DataFrame:
    t = ctx.table
    index = _source_index(split)
    rows = [a.row for a in actions]
    out = pd.DataFrame({
        "name": [str(t.at[r, "name"]) for r in rows],
        "index": [int(index[r - first]) for r in rows],
        "path": [str(t.at[r, "path"]) for r in rows],
        "label": [_class(ctx, int(t.at[r, "label"])) for r in rows],
        "new_label": [_class(ctx, a.label) for a in actions],
        "reason": [a.reason for a in actions],
        "detail": [a.detail for a in actions],
    })
    drop = ["path"] if split.kind == "arrays" else ["index"]
    return out.drop(columns=[*drop, "new_label"] if kind == "drop" else drop)


def _raw_label(y: np.ndarray, name: str) -> Any:
    """The value of class ``name`` in a label array like ``y``."""
    if y.ndim == 2:
        onehot = np.zeros(y.shape[1], y.dtype)
        onehot[int(name)] = 1
        return onehot
    if y.dtype.kind in "iu":
        return int(name)
    if y.dtype.kind == "f":
        return float(name)
    return name


def _clean_npz(ctx: Context, out: Path, groups: dict[str, list[tuple[Split, int]]],
               actions: dict[int, Action]) -> list[Path]:
    written = []
    for source, members in groups.items():
        with np.load(source, allow_pickle=False) as z:
            arrays: dict[str, Any] = {k: z[k] for k in z.files}
        for xk, yk in {s.npz_keys for s, _ in members}:
            keep = np.ones(len(arrays[xk]), bool)
            y = arrays[yk].copy() if yk else None
            for split, first in members:
                if split.npz_keys != (xk, yk):
                    continue
                index = _source_index(split)
                for pos in range(len(split)):
                    a = actions.get(first + pos)
                    if a is None:
                        continue
                    if a.kind == "drop":
                        keep[index[pos]] = False
                    elif y is not None:
                        y[index[pos]] = _raw_label(y, ctx.class_names[a.label])
            arrays[xk] = arrays[xk][keep]
            if y is not None:
                arrays[yk] = y[keep]
        path = out / Path(source).name
        if path in written:
            path = out / f"{members[0][0].name}_{Path(source).name}"
        np.savez(path, **arrays)
        written.append(path)
    return written


def _clean_arrays(ctx: Context, out: Path, members: list[tuple[Split, int]],
                  actions: dict[int, Action]) -> Path:
    """In-memory arrays: ``arrays.npz`` with the cleaned x_/y_ of each source split."""
    label = ctx.table["label"].to_numpy()
    arrays: dict[str, Any] = {}
    numeric = all(c.lstrip("-").isdigit() for c in ctx.class_names)
    sources: dict[str, list[tuple[Split, int]]] = {}
    for split, first in members:
        sources.setdefault("train" if split.rows is not None else split.name, []).append(
            (split, first))
    for source, parts in sources.items():
        total = sum(len(s) for s, _ in parts)
        x: np.ndarray | None = None
        y = np.full(total, -1, np.int64)
        keep = np.ones(total, bool)
        for split, first in parts:
            index = _source_index(split)
            if split.x is None:
                continue
            if x is None:
                x = np.empty((total, *split.x.shape[1:]), split.x.dtype)
            x[index] = split.x
            y[index] = label[first:first + len(split)]
            for pos in range(len(split)):
                a = actions.get(first + pos)
                if a is not None and a.kind == "drop":
                    keep[index[pos]] = False
                elif a is not None:
                    y[index[pos]] = a.label
        if x is None:
            continue
        xk, yk = _NPZ_OUT[source]
        arrays[xk] = x[keep]
        labels = [ctx.class_names[c] if c >= 0 else "" for c in y[keep]]
        arrays[yk] = np.asarray([int(v) for v in labels] if numeric and all(labels) else labels)
    path = out / "arrays.npz"
    np.savez(path, **arrays)
    return path


def write_data_fixes(d: Diagnosis, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the drop/relabel CSVs and the cleaned data of ``d`` into ``out_dir``."""
    ctx = d.context
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    actions = plan(ctx)
    by_row = {a.row: a for a in actions}
    split_col = ctx.table["split"].to_numpy()
    written: list[Path] = []
    first = 0
    npz: dict[str, list[tuple[Split, int]]] = {}
    memory: list[tuple[Split, int]] = []
    for split in ctx.data.splits:
        mine = [a for a in actions if split_col[a.row] == split.name]
        for kind in ("drop", "relabel"):
            path = out / f"{kind}_{split.name}.csv"
            frame = _frame(ctx, split, first, kind, [a for a in mine if a.kind == kind])
            frame.to_csv(path, index=False)
            written.append(path)
        if split.kind == "files":
            rows = [r for r in range(first, first + len(split))
                    if ctx.ok[r] and by_row.get(r, Action(r, "", "", "")).kind != "drop"]
            labels = [by_row[r].label if r in by_row else int(ctx.table.at[r, "label"])
                      for r in rows]
            path = out / f"clean_{split.name}.csv"
            pd.DataFrame({"filename": [os.path.abspath(ctx.table.at[r, "path"]) for r in rows],
                          "class": [_class(ctx, c) for c in labels]}).to_csv(path, index=False)
            written.append(path)
        elif split.npz_keys[0] and split.source:
            npz.setdefault(split.source, []).append((split, first))
        elif split.x is not None:
            memory.append((split, first))
        first += len(split)
    written += _clean_npz(ctx, out, npz, by_row)
    if memory:
        written.append(_clean_arrays(ctx, out, memory, by_row))
    return written
