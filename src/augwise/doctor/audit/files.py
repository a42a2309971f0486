"""File integrity: what cannot be read, what is skipped, and what Keras would mistake."""

from __future__ import annotations

import os
from collections import Counter

import numpy as np

from augwise.doctor.checks import Skip, check, need_files
from augwise.doctor.context import Context
from augwise.doctor.findings import Hit
from augwise.io.inventory import Inventory


def _inventories(ctx: Context) -> list[tuple[str, Inventory]]:
    return [(s.name, s.inventory) for s in ctx.data.splits if s.inventory is not None]


def _need_directory(ctx: Context) -> list[tuple[str, Inventory]]:
    inv = _inventories(ctx)
    if not inv:
        raise Skip("the data are not class-folder directories")
    return inv


def _errors(ctx: Context, kind: str) -> tuple[np.ndarray, list[str]]:
    need_files(ctx)
    mask = np.asarray(ctx.table["error_kind"] == kind, bool)
    return mask, ctx.names(mask)


def _reasons(ctx: Context, mask: np.ndarray) -> dict[str, int]:
    return dict(Counter(ctx.table.loc[mask, "error"]).most_common(5))


_CRASH = ("Keras raises in the middle of an epoch; augwise raises ImageDecodeError naming the "
          "file (or skips and records it with on_error='skip')")


@check("files.no_images", "data", "No readable training image")
def no_images(ctx: Context) -> Hit | None:
    if ctx.rows("train").any():
        return None
    listed = int(ctx.rows("train", ok=False).sum())
    return Hit("error", f"no readable training image ({listed} file(s) listed)",
               "point the doctor at the folder that holds one sub-folder per class",
               evidence={"listed": listed, "source": ctx.data.source or ""},
               detail="flow_from_directory would report 'Found 0 images' and training would "
               "fail or learn nothing.")


@check("files.zero_byte", "data", "Zero-byte files")
def zero_byte(ctx: Context) -> Hit | None:
    _mask, names = _errors(ctx, "zero_byte")
    if not names:
        return None
    return Hit("error", f"{len(names)} file(s) are empty (0 bytes)",
               "delete or re-download them", evidence={"files": len(names)}, files=names,
               detail=f"An empty file is not an image: {_CRASH}.")


@check("files.corrupt", "data", "Corrupt or truncated images")
def corrupt(ctx: Context) -> Hit | None:
    mask, names = _errors(ctx, "corrupt")
    unreadable = np.asarray(ctx.table["error_kind"] == "unreadable", bool)
    mask = mask | unreadable
    names = ctx.names(mask)
    if not names:
        return None
    return Hit("error", f"{len(names)} image file(s) are corrupt, truncated or unreadable",
               "re-download or delete them (the evidence lists the decoder's reasons)",
               evidence={"files": len(names), "reasons": _reasons(ctx, mask)}, files=names,
               detail=f"The decoder fails on these files: {_CRASH}.")


@check("files.not_image", "data", "Non-image files with image extensions")
def not_image(ctx: Context) -> Hit | None:
    mask, names = _errors(ctx, "not_image")
    if not names:
        return None
    sizes = ctx.table.loc[mask, "bytes"]
    return Hit("error", f"{len(names)} file(s) named like images are not images",
               "delete them (often HTML error pages or text saved by a scraper)",
               evidence={"files": len(names), "median_bytes": float(np.median(sizes))},
               files=names, detail=f"No image decoder recognises their content: {_CRASH}.")


@check("files.too_large", "data", "Images over the decompression-bomb limit")
def too_large(ctx: Context) -> Hit | None:
    mask, names = _errors(ctx, "too_large")
    if not names:
        return None
    t = ctx.table.loc[mask]
    return Hit("error", f"{len(names)} image(s) exceed the pixel limit and are refused",
               "downscale them offline, or raise max_image_pixels if they are legitimate",
               evidence={"files": len(names), "largest_pixels": float(
                   (t["width"] * t["height"]).max())},
               files=names, detail="augwise refuses images above max_image_pixels "
               "(89,478,485 by default, Pillow's own limit) before decoding them.")


@check("files.wrong_extension", "data", "Extensions that do not match the content")
def wrong_extension(ctx: Context) -> Hit | None:
    need_files(ctx)
    mask = ctx.ok & ~np.asarray(ctx.table["ext_ok"], bool)
    names = ctx.names(mask)
    if not names:
        return None
    pairs = Counter(
        f"{os.path.splitext(n)[1].lower()} holding {fmt}"
        for n, fmt in zip(names, ctx.table.loc[mask, "format"], strict=True)
    )
    return Hit("info", f"{len(names)} file(s) have an extension that does not match their "
               "format", "rename them to their real format (tools that trust the extension, "
               "such as tf.io.decode_jpeg, fail on them)",
               evidence={"files": len(names), "kinds": dict(pairs.most_common(5))}, files=names,
               detail="Pillow reads them by content, so augwise and Keras load them.")


@check("files.decode_warnings", "data", "Images the decoder warns about")
def decode_warnings(ctx: Context) -> Hit | None:
    need_files(ctx)
    mask = ctx.ok & np.asarray(ctx.table["warning"] != "", bool)
    names = ctx.names(mask)
    if not names:
        return None
    kinds = dict(Counter(ctx.table.loc[mask, "warning"]).most_common(5))
    return Hit("info", f"{len(names)} image(s) decode with warnings", "inspect them; "
               "re-save them with a clean encoder if the warning is about corrupt data",
               evidence={"files": len(names), "warnings": kinds}, files=names)


@check("files.exif_orientation", "data", "EXIF orientation tags")
def exif_orientation(ctx: Context) -> Hit | None:
    need_files(ctx)
    orient = ctx.table["exif_orientation"].to_numpy()
    mask = ctx.ok & (orient > 1)
    names = ctx.names(mask)
    if not names:
        return None
    if ctx.keras:
        return Hit("warning", f"{len(names)} image(s) carry an EXIF rotation that Keras ignores",
                   "rotate the pixels offline (e.g. PIL.ImageOps.exif_transpose) or load with "
                   "augwise, which applies the tag", evidence={"files": len(names)},
                   files=names, detail="Keras loads the stored pixels, so these images reach "
                   "the model rotated or mirrored relative to what a viewer shows.")
    return Hit("info", f"{len(names)} image(s) carry an EXIF rotation (augwise applies it)",
               "nothing to do with augwise; other loaders may show them rotated",
               evidence={"files": len(names)}, files=names)


@check("files.hidden_classes", "data", "Hidden folders that Keras counts as classes")
def hidden_classes(ctx: Context) -> Hit | None:
    found = {f"{split}/{d}": n for split, inv in _need_directory(ctx)
             for d, n in inv.hidden_dirs.items()}
    if not found:
        return None
    evidence = {"folders": found}
    names = list(found)
    if ctx.keras:
        return Hit("error", f"{len(found)} hidden folder(s) become extra classes under Keras",
                   "delete them (rm -r the folders listed) or load with augwise, which skips "
                   "hidden folders", evidence=evidence, files=names,
                   detail="Keras sorts class folders by name, so '.ipynb_checkpoints' becomes "
                   "class 0 and shifts every other class index by one; the model gets an "
                   "output for a class with notebook checkpoints in it.")
    return Hit("info", f"{len(found)} hidden folder(s) at the class level (augwise skips them)",
               "delete them: Keras' flow_from_directory would count each as a class",
               evidence=evidence, files=names)


@check("files.hidden_files", "data", "Hidden image files inside class folders")
def hidden_files(ctx: Context) -> Hit | None:
    names = [f"{split}/{f}" for split, inv in _need_directory(ctx) for f in inv.hidden_files]
    if not names:
        return None
    apple = sum(1 for n in names if os.path.basename(n).startswith("._"))
    evidence = {"files": len(names), "appledouble": apple}
    if ctx.keras:
        return Hit("warning", f"{len(names)} hidden image file(s) are loaded as samples by "
                   "Keras", "delete them (macOS '._*' files are metadata, not images)",
                   evidence=evidence, files=names)
    return Hit("info", f"{len(names)} hidden image file(s) in class folders (augwise skips "
               "them)", "delete them: Keras would load them as samples", evidence=evidence,
               files=names)


@check("files.ignored_images", "data", "Images skipped because of their extension")
def ignored_images(ctx: Context) -> Hit | None:
    found = {f"{split}/{p}": fmt for split, inv in _need_directory(ctx)
             for p, fmt in inv.ignored_images.items()}
    if not found:
        return None
    kinds = Counter(f"{os.path.splitext(p)[1].lower() or '(none)'}: {fmt}"
                    for p, fmt in found.items())
    return Hit("warning", f"{len(found)} image(s) are silently ignored: their extension is "
               "not read", "convert them to PNG/JPEG, or rename them if the content already "
               "is one", evidence={"files": len(found), "kinds": dict(kinds.most_common(5))},
               files=list(found),
               detail="flow_from_directory reads only .png .jpg .jpeg .bmp .ppm .tif "
               ".tiff (augwise's default mode also .gif .webp); Keras skips other files "
               "without a word, augwise lists them in the iterator's ignored_files.")


@check("files.non_image", "data", "Non-image files in the data folders")
def non_image(ctx: Context) -> Hit | None:
    inv = _need_directory(ctx)
    names = [f"{split}/{p}" for split, i in inv for p in i.other_files]
    loose = [f"{split}/{p}" for split, i in inv for p in i.loose_files]
    if not names and not loose:
        return None
    return Hit("info", f"{len(names) + len(loose)} non-image file(s) in the data folders "
               "(ignored by the loaders)", "move them out of the data folders",
               evidence={"in_class_folders": len(names), "at_root": len(loose)},
               files=names + loose)


@check("files.missing", "data", "Dataframe rows whose files are missing or not read")
def missing(ctx: Context) -> Hit | None:
    dropped = {f"{s.name}/{k}": v for s in ctx.data.splits for k, v in s.dropped.items()}
    if not any(s.origin in ("csv", "dataframe") for s in ctx.data.splits):
        raise Skip("no dataframe or CSV input")
    if not dropped:
        return None
    reasons = dict(Counter(dropped.values()))
    return Hit("warning", f"{len(dropped)} row(s) name files that flow_from_dataframe drops",
               "fix the paths (they are relative to the CSV's folder unless --directory is "
               "given) or remove the rows", evidence={"rows": len(dropped), "reasons": reasons},
               files=list(dropped), detail="Keras drops them with one warning, so class "
               "counts silently differ from the dataframe's.")
