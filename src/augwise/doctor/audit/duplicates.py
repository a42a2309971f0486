"""Duplicate checks: redundancy within a split, conflicting labels, leakage across splits."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

import numpy as np

from augwise.doctor.checks import Skip, check
from augwise.doctor.context import Context
from augwise.doctor.duplicates import NEAR_CORR, Group
from augwise.doctor.findings import Hit, Severity, pct

EXACT_WARNING = 0.01  # share of a split that is redundant copies
NEAR_WARNING = 0.05
MAX_EXAMPLES = 8


class Within(NamedTuple):
    copies: int  # files beyond the first of each group
    files: list[str]
    examples: list[list[str]]
    groups: int
    byte_identical: int  # groups whose files have the same bytes


def _within(ctx: Context, exact: bool) -> Within:
    """Redundant copies inside one split and class (exact or near groups)."""
    split = ctx.table["split"].to_numpy()
    label = ctx.table["label"].to_numpy()
    names = ctx.table["name"].to_numpy()
    pixel = ctx.table["pixel_hash"].to_numpy()
    raw = ctx.table["byte_hash"].to_numpy()
    same_bytes = 0
    groups = 0
    copies = 0
    files: list[str] = []
    examples: list[list[str]] = []
    for g in ctx.duplicates.groups:
        parts: dict[tuple[str, int], list[int]] = defaultdict(list)
        for r in g.rows:
            parts[(split[r], int(label[r]))].append(r)
        for members in parts.values():
            if len(members) < 2:
                continue
            same = len({pixel[r] for r in members}) == 1
            if same != exact:
                continue
            copies += len(members) - 1
            groups += 1
            same_bytes += len({raw[r] for r in members}) == 1
            files.extend(names[r] for r in members)
            if len(examples) < MAX_EXAMPLES:
                examples.append([str(names[r]) for r in members[:4]])
    return Within(copies, files, examples, groups, same_bytes)


def _group_names(ctx: Context, g: Group) -> list[str]:
    t = ctx.table
    return [f"{t.at[r, 'split']}/{t.at[r, 'name']} ({_label(ctx, r)})" for r in g.rows[:4]]


def _label(ctx: Context, row: int) -> str:
    label = int(ctx.table.at[row, "label"])
    return ctx.class_names[label] if label >= 0 else "unlabelled"


def _evidence(ctx: Context, groups: list[Group]) -> dict[str, Any]:
    return {
        "groups": len(groups),
        "exact_groups": sum(g.exact for g in groups),
        "near_groups": sum(not g.exact for g in groups),
        "lowest_similarity": min(g.similarity for g in groups),
        "near_threshold": NEAR_CORR,
        "examples": [_group_names(ctx, g) for g in groups[:MAX_EXAMPLES]],
    }


@check("duplicates.exact", "data", "Exact duplicates within a split and class")
def exact(ctx: Context) -> Hit | None:
    w = _within(ctx, exact=True)
    copies = w.copies
    if not copies:
        return None
    n = int(ctx.rows("train").sum()) or 1
    share = copies / n
    return Hit("warning" if share >= EXACT_WARNING else "info",
               f"{copies} redundant exact copies ({pct(share)} of the training split)",
               "keep one file of each group (the evidence lists them)",
               evidence={"redundant_copies": copies, "share": share, "groups": w.groups,
                         "byte_identical_groups": w.byte_identical,
                         "same_pixels_other_bytes_groups": w.groups - w.byte_identical,
                         "examples": w.examples},
               files=w.files, detail="Copies weigh their image several times in every epoch and, "
               "with validation_split, can land on both sides of the split.")


@check("duplicates.near", "data", "Near-duplicates within a split and class")
def near(ctx: Context) -> Hit | None:
    copies, files, examples, _, _ = _within(ctx, exact=False)
    if not copies:
        return None
    n = int(ctx.rows("train").sum()) or 1
    share = copies / n
    return Hit("warning" if share >= NEAR_WARNING else "info",
               f"{copies} near-duplicate copies ({pct(share)} of the training split)",
               "review the groups and keep one image of each",
               evidence={"redundant_copies": copies, "share": share, "examples": examples,
                         "near_threshold": NEAR_CORR,
                         "unchecked_rows": ctx.duplicates.unchecked},
               files=files, detail="Near-duplicates (re-encoded, resized or re-exposed copies) "
               "make the data look larger and more varied than it is.")


@check("duplicates.conflicting_labels", "data", "Duplicates with different labels")
def conflicting(ctx: Context) -> Hit | None:
    label = ctx.table["label"].to_numpy()
    if not (label >= 0).any():
        raise Skip("the data have no labels")
    groups = [g for g in ctx.duplicates.groups
              if len({int(label[r]) for r in g.rows if label[r] >= 0}) > 1]
    if not groups:
        return None
    names = [str(ctx.table.at[r, "name"]) for g in groups for r in g.rows]
    severity: Severity = "error" if any(g.exact for g in groups) else "warning"
    return Hit(severity, f"{len(groups)} image(s) appear under different labels",
               "decide each image's label and delete the wrong copies",
               evidence=_evidence(ctx, groups), files=names,
               detail="The model is trained to give the same image two answers; at least one "
               "of the labels is wrong.")


@check("duplicates.leakage", "data", "Duplicates across train / validation / test")
def leakage(ctx: Context) -> Hit | None:
    if len(ctx.data.splits) < 2:
        raise Skip("only one split (give --validation/--test, or a validation_split)")
    split = ctx.table["split"].to_numpy()
    groups = [g for g in ctx.duplicates.groups if len({split[r] for r in g.rows}) > 1]
    if not groups:
        return None
    pairs: dict[str, int] = defaultdict(int)
    for g in groups:
        pairs[" + ".join(sorted({str(split[r]) for r in g.rows}))] += 1
    held_out = int(np.isin(split, ["validation", "test"]).sum()) or 1
    leaked = sum(sum(1 for r in g.rows if split[r] != "train") for g in groups)
    names = [f"{split[r]}/{ctx.table.at[r, 'name']}" for g in groups for r in g.rows]
    severity: Severity = "error" if any(g.exact for g in groups) else "warning"
    return Hit(severity, f"{len(groups)} image(s) are shared between splits ({leaked} held-out "
               f"copies, {pct(leaked / held_out)} of validation/test)",
               "remove the held-out copies (or their training twins) so the splits are disjoint",
               evidence={**_evidence(ctx, groups), "by_splits": dict(pairs),
                         "held_out_copies": leaked},
               files=names, detail="Validation/test accuracy on images the model has trained "
               "on over-states how well it generalises.")
