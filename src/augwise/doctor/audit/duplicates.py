"""Duplicate checks: redundancy within a split, conflicting labels, leakage across splits.

Every listed file and every example satisfies its finding's definition: a leakage group
spans two splits, a conflicting-label group has two labels, a within-split group's
members share a split and a class.  ``group_list`` in the evidence holds every group
(names, splits, labels and similarity to the group's representative).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from augwise.doctor.checks import Skip, check
from augwise.doctor.context import Context
from augwise.doctor.duplicates import NEAR_CORR, Group
from augwise.doctor.findings import Hit, Severity, pct

EXACT_WARNING = 0.01  # share of a split that is redundant copies
NEAR_WARNING = 0.05
MAX_EXAMPLES = 8
EXAMPLE_MEMBERS = 6


def _label(ctx: Context, row: int) -> str:
    label = int(ctx.table.at[row, "label"])
    return ctx.class_names[label] if label >= 0 else "unlabelled"


def describe(ctx: Context, rows: Sequence[int], similarity: Sequence[float],
             representative: int) -> dict[str, Any]:
    """One group for the evidence: names, splits, labels and each member's similarity to
    the group's representative (1.0: the same pixels)."""
    t = ctx.table
    pixel = t["pixel_hash"].to_numpy()
    return {"representative": str(t.at[representative, "name"]),
            "members": [str(t.at[r, "name"]) for r in rows],
            "splits": [str(t.at[r, "split"]) for r in rows],
            "labels": [_label(ctx, r) for r in rows],
            "similarity": [round(float(x), 4) for x in similarity],
            "identical": [bool(pixel[r] == pixel[representative]) for r in rows]}


def _example(ctx: Context, g: Group, key: Callable[[int], Any]) -> list[str]:
    """Up to EXAMPLE_MEMBERS names of ``g``: the representative, then one member per value
    of ``key`` (split, label) not yet shown, then the rest."""
    shown = [g.rows[0]]
    seen = {key(g.rows[0])}
    for r in g.rows[1:]:
        if key(r) not in seen:
            shown.append(r)
            seen.add(key(r))
    shown += [r for r in g.rows if r not in shown]
    return [f"{ctx.table.at[r, 'name']} ({_label(ctx, r)})" for r in shown[:EXAMPLE_MEMBERS]]


def by_split(ctx: Context, counts: Counter[str]) -> str:
    """``"train 110 (0.2%), test 6 (0.1%)"``: counts with their share of each split."""
    sizes = Counter(ctx.table["split"])
    return ", ".join(f"{s} {counts[s]} ({pct(counts[s] / sizes[s])})"
                     for s in sizes if counts[s])


Part = tuple[list[int], list[float], int]  # rows, similarity to the representative, it


def within_parts(ctx: Context, exact: bool) -> list[Part]:
    """Redundant copies within one split and class.

    ``exact``: groups of identical pixels (each part's first row is kept, the others are
    copies); else the parts of near-duplicate groups that hold at least two different
    images (all but one image of each are copies)."""
    t = ctx.table
    if exact:
        ok = t.loc[ctx.ok]
        index = ok.index.to_numpy()
        parts = ok.groupby(["split", "label", "pixel_hash"], sort=False).indices.values()
        found = sorted(sorted(index[p].tolist()) for p in parts if len(p) > 1)
        return [(rows, [1.0] * len(rows), rows[0]) for rows in found]
    split, label = t["split"].to_numpy(), t["label"].to_numpy()
    pixel = t["pixel_hash"].to_numpy()
    out: list[Part] = []
    for g in ctx.duplicates.groups:
        sub: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
        for r, sim in zip(g.rows, g.similarity, strict=True):
            sub[(split[r], int(label[r]))].append((r, sim))
        for members in sub.values():
            if len({pixel[r] for r, _ in members}) > 1:
                out.append(([r for r, _ in members], [x for _, x in members], g.rows[0]))
    return out


def _within_hit(ctx: Context, exact: bool) -> Hit | None:
    found = within_parts(ctx, exact)
    split, pixel = ctx.table["split"].to_numpy(), ctx.table["pixel_hash"].to_numpy()
    copies: Counter[str] = Counter()
    for rows, _, _ in found:
        copies[split[rows[0]]] += len(rows) - 1 if exact else len({pixel[r] for r in rows}) - 1
    total = sum(copies.values())
    if not total:
        return None
    names = ctx.table["name"].to_numpy()
    train = int(ctx.rows("train").sum()) or 1
    share = copies["train"] / train
    kind = "exact" if exact else "near-duplicate"
    evidence: dict[str, Any] = {
        "redundant_copies": total, "copies_by_split": dict(copies), "share": share,
        "groups": len(found),
        "examples": [[str(names[r]) for r in rows[:EXAMPLE_MEMBERS]]
                     for rows, _, _ in found[:MAX_EXAMPLES]],
    }
    if exact:
        raw = ctx.table["byte_hash"].to_numpy()
        same_bytes = sum(len({raw[r] for r in rows}) == 1 for rows, _, _ in found)
        evidence.update(byte_identical_groups=same_bytes,
                        same_pixels_other_bytes_groups=len(found) - same_bytes)
    else:
        evidence.update(near_threshold=NEAR_CORR)
    evidence["group_list"] = [describe(ctx, *part) for part in found]
    limit = EXACT_WARNING if exact else NEAR_WARNING
    return Hit("warning" if share >= limit else "info",
               f"{total} redundant {kind} copies in {len(found)} group(s) within a split and "
               f"class: {by_split(ctx, copies)}",
               "keep one file of each group (the evidence lists them)" if exact else
               "review the groups and keep one image of each",
               evidence=evidence, files=[names[r] for rows, _, _ in found for r in rows],
               detail="Copies weigh their image several times in every epoch and, with "
               "validation_split, can land on both sides of the split." if exact else
               "Near-duplicates (re-encoded, resized, shifted or re-exposed copies) make the "
               "data look larger and more varied than it is.")


@check("duplicates.exact", "data", "Exact duplicates within a split and class")
def exact(ctx: Context) -> Hit | None:
    return _within_hit(ctx, exact=True)


@check("duplicates.near", "data", "Near-duplicates within a split and class")
def near(ctx: Context) -> Hit | None:
    return _within_hit(ctx, exact=False)


def _groups_evidence(ctx: Context, groups: Sequence[Group],
                     key: Callable[[int], Any]) -> dict[str, Any]:
    return {
        "groups": len(groups),
        "exact_groups": sum(g.exact for g in groups),
        "near_groups": sum(not g.exact for g in groups),
        "lowest_similarity": min(g.lowest for g in groups),
        "near_threshold": NEAR_CORR,
        "examples": [_example(ctx, g, key) for g in groups[:MAX_EXAMPLES]],
        "group_list": [describe(ctx, g.rows, g.similarity, g.rows[0]) for g in groups],
    }


def conflicting_groups(ctx: Context) -> list[Group]:
    label = ctx.table["label"].to_numpy()
    return [g for g in ctx.duplicates.groups
            if len({int(label[r]) for r in g.rows if label[r] >= 0}) > 1]


@check("duplicates.conflicting_labels", "data", "Duplicates with different labels")
def conflicting(ctx: Context) -> Hit | None:
    label = ctx.table["label"].to_numpy()
    if not (label >= 0).any():
        raise Skip("the data have no labels")
    groups = conflicting_groups(ctx)
    if not groups:
        return None
    names = ctx.table["name"].to_numpy()
    severity: Severity = "error" if any(g.exact for g in groups) else "warning"
    return Hit(severity, f"{len(groups)} group(s) of copies carry different labels "
               f"({sum(len(g.rows) for g in groups)} images)",
               "decide each image's label and delete the wrong copies",
               evidence=_groups_evidence(ctx, groups, lambda r: int(label[r])),
               files=[names[r] for g in groups for r in g.rows],
               detail="The model is trained to give the same image two answers; at least one "
               "of the labels is wrong.")


SPLIT_ORDER = {"train": 0, "validation": 1, "test": 2}


def leaked_rows(ctx: Context, g: Group) -> list[int]:
    """Members of ``g`` outside its earliest split (the copies to remove)."""
    split = ctx.table["split"].to_numpy()
    first = min(SPLIT_ORDER[split[r]] for r in g.rows)
    return [r for r in g.rows if SPLIT_ORDER[split[r]] != first]


def leakage_groups(ctx: Context) -> list[Group]:
    split = ctx.table["split"].to_numpy()
    return [g for g in ctx.duplicates.groups if len({split[r] for r in g.rows}) > 1]


@check("duplicates.leakage", "data", "Duplicates across train / validation / test")
def leakage(ctx: Context) -> Hit | None:
    if len(ctx.data.splits) < 2:
        raise Skip("only one split (give --validation/--test, or a validation_split)")
    split = ctx.table["split"].to_numpy()
    groups = leakage_groups(ctx)
    if not groups:
        return None
    pairs = Counter(" + ".join(sorted({str(split[r]) for r in g.rows})) for g in groups)
    held_out = int(np.isin(split, ["validation", "test"]).sum()) or 1
    leaked = sum(len(leaked_rows(ctx, g)) for g in groups)
    names = ctx.table["name"].to_numpy()
    severity: Severity = "error" if any(g.exact for g in groups) else "warning"
    return Hit(severity, f"{len(groups)} group(s) of copies span splits ({leaked} held-out "
               f"copies, {pct(leaked / held_out)} of validation/test)",
               "remove the training twins (--write-fixes lists them) or the held-out copies, "
               "so that the splits are disjoint",
               evidence={**_groups_evidence(ctx, groups, lambda r: split[r]),
                         "by_splits": dict(pairs), "held_out_copies": leaked},
               files=[names[r] for g in groups for r in g.rows],
               detail="Validation/test accuracy on images the model has trained "
               "on over-states how well it generalises.")
