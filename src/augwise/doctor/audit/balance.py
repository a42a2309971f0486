"""Classes: balance, empty classes, and class sets that differ between splits."""

from __future__ import annotations

from augwise.doctor.checks import Skip, check, need_labels
from augwise.doctor.context import Context
from augwise.doctor.evidence import class_counts
from augwise.doctor.findings import Hit, Severity

IMBALANCE_WARNING = 3.0  # largest / smallest class
IMBALANCE_INFO = 1.5


def balanced_weights(counts: dict[str, int]) -> dict[str, float]:
    """``n / (k * n_c)`` per class (scikit-learn's 'balanced')."""
    present = {k: v for k, v in counts.items() if v > 0}
    total = sum(present.values())
    return {k: round(total / (len(present) * v), 3) for k, v in present.items()}


@check("classes.imbalance", "data", "Class balance")
def imbalance(ctx: Context) -> Hit | None:
    need_labels(ctx)
    counts = class_counts(ctx)
    present = {k: v for k, v in counts.items() if v > 0}
    if len(present) < 2:
        raise Skip("fewer than two non-empty classes")
    ratio = max(present.values()) / min(present.values())
    if ratio < IMBALANCE_INFO:
        return None
    weights = balanced_weights(counts)
    index = {name: i for i, name in enumerate(ctx.train.class_names)}
    by_index = {index[k]: w for k, w in weights.items()}
    small = sorted(present, key=present.__getitem__)[:3]
    severity: Severity = "warning" if ratio >= IMBALANCE_WARNING else "info"
    return Hit(
        severity,
        f"classes are imbalanced {ratio:.1f}:1 (largest {max(present, key=present.__getitem__)}"
        f" {max(present.values())}, smallest {small[0]} {present[small[0]]})",
        f"model.fit(..., class_weight={by_index}) or resample the small classes",
        evidence={"imbalance_ratio": ratio, "class_counts": counts, "class_weight": weights},
        detail="Accuracy then rewards the majority classes; class weights (n / (k * n_c)) "
        "give every class the same total weight in the loss.",
    )


@check("classes.empty", "data", "Empty classes")
def empty(ctx: Context) -> Hit | None:
    need_labels(ctx)
    found: dict[str, int] = {}
    for split in ctx.data.splits:
        if split.label_kind != "single":
            continue
        for name, n in class_counts(ctx, split.name).items():
            if n == 0:
                found[f"{split.name}/{name}"] = 0
    if not found:
        return None
    return Hit("error", f"{len(found)} class(es) have no readable image",
               "remove the empty class folders or add images", evidence={"classes": list(found)},
               files=list(found), detail="The loader still counts them as classes, so the model "
               "gets an output that is never a target, and class_mode='binary' sees the wrong "
               "number of classes.")


@check("classes.split_mismatch", "data", "Class sets that differ between splits")
def split_mismatch(ctx: Context) -> Hit | None:
    need_labels(ctx)
    train = ctx.train.class_names
    others = [s for s in ctx.data.splits[1:] if s.label_kind == "single" and s.class_names]
    if not others:
        raise Skip("no separate validation or test split with labels")
    problems: dict[str, dict[str, list[str]]] = {}
    for s in others:
        if s.class_names == train:
            continue
        problems[s.name] = {
            "missing": sorted(set(train) - set(s.class_names)),
            "extra": sorted(set(s.class_names) - set(train)),
            "index_changes": [c for i, c in enumerate(s.class_names)
                              if i < len(train) and train[i] != c][:10],
        }
    if not problems:
        return None
    if not all(s.origin == "directory" for s in [ctx.train, *others]):
        return Hit("warning", "class sets differ between train and " + ", ".join(problems),
                   "make every split contain every class (a stratified split does)",
                   evidence=problems, detail="Accuracy on a split that lacks classes does not "
                   "measure them; classes seen only outside training are never learnt.")
    return Hit("error", "class sets differ between train and " + ", ".join(problems),
               "give every split the same class folders (or pass classes=[...] to every flow)",
               evidence=problems, detail="flow_from_directory numbers classes per folder, so a "
               "missing or extra class shifts the indices: the labels of that split silently "
               "mean other classes.")
