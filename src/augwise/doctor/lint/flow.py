"""Lint of the flow: validation, shuffling, class_mode, class order, seed, memory, resizing."""

from __future__ import annotations

import numpy as np

from augwise.core.machine import total_memory
from augwise.doctor.checks import Skip, check, need_files, need_labels
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit, Severity, pct
from augwise.loader.iterators import default_workers

MEMORY_WARNING = 0.25  # share of RAM held by batches in flight
MEMORY_ERROR = 0.75
DOWNSCALE = 2.0  # median downscale factor that aliases with nearest interpolation


@check("config.validation_augmented", "config", "Validation data augmented")
def validation_augmented(ctx: Context) -> Hit | None:
    cfg = ctx.config
    if not cfg.validation_split or not cfg.augments:
        return None
    if not (ctx.keras or cfg.augment_validation):
        return None
    val = ctx.data.get("validation")
    evidence = {"validation_split": cfg.validation_split, "validation_images": len(val) if val
                else 0, "engine": ctx.setup.engine, "augment_validation": cfg.augment_validation}
    if ctx.keras:
        return Hit("warning", "the validation subset is augmented like the training data "
                   "(same generator + validation_split under Keras)",
                   "flow the validation subset from a second ImageDataGenerator with the same "
                   "validation_split and rescale but no augmentation, or use augwise",
                   evidence=evidence, detail="Validation then measures the model on distorted "
                   "images, so it under-reports accuracy and misguides early stopping.")
    return Hit("warning", "augment_validation=True augments the validation subset",
               "set augment_validation=False", evidence=evidence,
               patch={"augment_validation": False})


@check("config.shuffle_off", "config", "Shuffling off for training")
def shuffle_off(ctx: Context) -> Hit | None:
    if ctx.flow.shuffle or ctx.flow.subset == "validation":
        return None
    labels = ctx.table.loc[ctx.rows("train", ok=False), "label"].to_numpy()
    bs = ctx.flow.batch_size
    batches = [labels[i : i + bs] for i in range(0, len(labels), bs)]
    single = sum(1 for b in batches if len(np.unique(b)) == 1)
    share = single / len(batches) if batches else 0.0
    return Hit("warning", f"shuffle=False for training: {single} of {len(batches)} batches "
               f"({pct(share)}) hold a single class", "pass shuffle=True to the training flow",
               evidence={"batches": len(batches), "single_class_batches": single,
                         "batch_size": bs}, flow_patch={"shuffle": True},
               detail="Files are listed class by class, so unshuffled batches follow the "
               "classes and every epoch ends on the last class.")


@check("config.class_mode", "config", "class_mode against the labels")
def class_mode(ctx: Context) -> Hit | None:
    need_files(ctx)
    mode = ctx.flow.class_mode
    split = ctx.train
    k = len(split.class_names)
    evidence = {"class_mode": mode, "classes": k, "label_kind": split.label_kind,
                "label_types": list(split.label_types)}
    problem = ""
    severity: Severity = "error"
    fix = ""
    if split.label_kind == "multi" and mode not in ("categorical", "raw", "multi_output", None):
        problem, fix = "multi-label rows need class_mode='categorical'", "class_mode='categorical'"
    elif mode == "binary" and k != 2:
        problem = f"class_mode='binary' needs exactly 2 classes, the data have {k}"
        fix = "class_mode='categorical' (or 'sparse')" if k > 2 else "add the second class"
    elif mode in ("binary", "sparse") and split.label_types and split.label_types != ("str",):
        problem = (f"class_mode='{mode}' needs string labels; the column holds "
                   f"{', '.join(split.label_types)}")
        fix = "convert the label column to strings (df[y_col].astype(str))"
    elif mode not in (None, "input") and split.label_kind == "single" and k == 1:
        problem, fix = "only one class: a classifier cannot learn anything", "add the other classes"
    elif mode in (None, "input") and split.labelled:
        severity = "info"
        problem = f"class_mode={mode!r} ignores the {k} class labels"
        fix = "use class_mode='categorical' or 'sparse' to train a classifier"
    if not problem:
        return None
    return Hit(severity, problem, fix, evidence=evidence,
               flow_patch={"class_mode": "categorical"} if "categorical" in fix else {})


@check("config.lexicographic_classes", "config", "Numeric class names in text order")
def lexicographic_classes(ctx: Context) -> Hit | None:
    need_labels(ctx)
    if not ctx.files:
        raise Skip("array labels keep their numeric order")
    names = ctx.train.class_names
    if not names or not all(n.isdigit() for n in names):
        return None
    numeric = sorted(names, key=int)
    if names == numeric:
        return None
    moved = {n: {"index": i, "numeric_index": numeric.index(n)} for i, n in enumerate(names)
             if numeric.index(n) != i}
    first = next(i for i, (a, b) in enumerate(zip(names, numeric, strict=True)) if a != b)
    return Hit("warning", f"class folders are numbers sorted as text: class index {first} is "
               f"folder '{names[first]}', not '{numeric[first]}'",
               f"pass classes={[*numeric[:6], '...'] if len(numeric) > 6 else numeric} to the "
               "flow (or zero-pad the folder names)",
               evidence={"class_order": names, "moved": moved},
               detail="flow_from_directory sorts class names as strings ('10' before '2'); if "
               "your labels elsewhere use the numbers, every class from 10 on is off.")


@check("config.no_seed", "config", "No seed")
def no_seed(ctx: Context) -> Hit | None:
    if ctx.config.seed is not None or ctx.flow.seed is not None:
        return None
    return Hit("info", "no seed: augmentation, shuffling and the stratified split change "
               "every run", "set ImageDataGenerator(seed=0) (augwise) or flow(..., seed=0)",
               evidence={"seed": None}, patch={"seed": 0})


@check("config.batch_memory", "config", "Batch memory against RAM")
def batch_memory(ctx: Context) -> Hit | None:
    cfg = ctx.config
    th, tw = ctx.target_hw
    channels = ctx.train.x.shape[3] if ctx.train.x is not None else ctx.flow.channels
    itemsize = 1 if cfg.output_dtype == "uint8" else np.dtype(cfg.dtype).itemsize
    per_batch = ctx.flow.batch_size * th * tw * channels * itemsize
    workers = ctx.flow.workers if ctx.flow.workers is not None else default_workers()
    in_flight = ctx.flow.max_queue_size + workers + 1
    total = per_batch * in_flight
    ram = total_memory()
    if not ram:
        raise Skip("the machine's memory size is unknown")
    share = total / ram
    evidence = {"batch_bytes": per_batch, "batches_in_flight": in_flight,
                "total_bytes": total, "ram_bytes": ram, "share_of_ram": share}
    if share < MEMORY_WARNING:
        return None
    return Hit("error" if share >= MEMORY_ERROR else "warning",
               f"batches in flight take about {total / 2**30:.1f} GiB ({pct(share)} of RAM)",
               "lower batch_size, target_size or max_queue_size, or use output_dtype='uint8' "
               "(4x smaller batches; normalise on the device)", evidence=evidence)


@check("config.nearest_downscale", "config", "Nearest-neighbour downscaling")
def nearest_downscale(ctx: Context) -> Hit | None:
    need_files(ctx)
    if ctx.flow.interpolation != "nearest":
        return None
    ok = ctx.ok
    h = ctx.table["height"].to_numpy()[ok]
    w = ctx.table["width"].to_numpy()[ok]
    if not len(h):
        return None
    th, tw = ctx.target_hw
    factor = np.minimum(h / th, w / tw)
    med = float(np.median(factor))
    if med < DOWNSCALE:
        return None
    return Hit("warning", f"interpolation='nearest' (the default) downscales images by a median "
               f"{med:.1f}x: aliasing", "pass interpolation='bilinear' to the flow (augwise "
               "then area-averages large downscales)", evidence={
                   "median_downscale": med, "share_over_2x": float((factor >= 2).mean()),
                   "target_size": [th, tw]}, flow_patch={"interpolation": "bilinear"},
               detail="Nearest neighbour keeps one source pixel of every block, so thin "
               "structures break up and textures alias.")
