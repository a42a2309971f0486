"""``report.html``: one self-contained file (images embedded as data URIs, no script).

Rendered by jinja2 with autoescape on, so file names, class names and any other user
text are escaped; a Content-Security-Policy forbids scripts as a second line of defence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined

from augwise.core.pixels import fit_side, to_uint8
from augwise.doctor import plots
from augwise.doctor.context import Context
from augwise.doctor.evidence import ROBUST_Z, class_counts, robust_z
from augwise.doctor.evidence_html import evidence_html
from augwise.doctor.fill import matrix_fill
from augwise.doctor.findings import RANK, Finding
from augwise.doctor.harm import harm_rows, scatter_png
from augwise.io.decode import DecodeSpec, ImageDecodeError, load_image
from augwise.preview.replay import Replayer, png_uri, replay_rows, worst_fill

if TYPE_CHECKING:
    from augwise.doctor.api import Diagnosis

EXAMPLES = 6  # thumbnails shown per finding
PREVIEW_ROWS = 8
WORST_CASES = 6
THUMB_SIDE = 96
GROUP_SIDE = 128  # duplicate groups: decoded at most this size, shown at least 112 px
GROUPS_SHOWN = 12
GROUP_MEMBERS = 6


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("augwise.doctor", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["evidence"] = evidence_html
    return env


# Measures of impact, most direct first; different units are not compared by value.
_SHARES = (("visible_mean", "visible fill {:.1f}% of pixels"),
           ("share", "{:.1f}% of images"),
           ("minority_share", "minority class {:.1f}% of images"),
           ("oriented_share", "{:.1f}% of classes oriented"))


def _impact(f: Finding, images: int) -> tuple[int, float, str] | None:
    """The finding's measured size as (tier of the measure, size, text), or None."""
    ev = f.evidence
    delta = ev.get("delta")
    if isinstance(delta, dict) and isinstance(delta.get("mean"), (int, float)):
        return 0, -float(delta["mean"]), f"{-100 * float(delta['mean']):.1f} points of accuracy"
    if f.file_count and images:
        share = f.file_count / images
        return 1, share, f"{f.file_count} of {images} images ({100 * share:.1f}%)"
    for tier, (key, text) in enumerate(_SHARES, start=2):
        value = ev.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return tier, float(value), text.format(100 * float(value))
    return None


def _fixes(findings: list[Finding], images: int) -> list[dict[str, str]]:
    """Each finding's fix: most severe first, then by measure (accuracy lost, images
    affected, pixels, classes), then largest first; unmeasured ones last."""
    rows = []
    for order, f in enumerate(findings):
        impact = _impact(f, images)
        tier, size, text = impact if impact else (len(_SHARES) + 2, 0.0, "")
        rows.append(((-RANK[f.severity], tier, -size, order),
                     {"id": f.id, "severity": f.severity, "title": f.title, "fix": f.fix,
                      "impact": text}))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


class _Thumbs:
    """Small images of the samples named in findings."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.index = {str(name): r for r, name in enumerate(ctx.table["name"])}

    def image(self, row: int, side: int = THUMB_SIDE) -> np.ndarray | None:
        ctx = self.ctx
        if not ctx.ok[row]:
            return None
        split = ctx.table.at[row, "split"]
        s = next(x for x in ctx.data.splits if x.name == split)
        pos = row - int(np.flatnonzero(np.asarray(ctx.table["split"] == split))[0])
        if s.x is not None:
            return fit_side(to_uint8(s.x[pos], ctx.scan.value_ranges[split]), side)
        spec = DecodeSpec(color_mode="rgb", target_hw=(side, side), max_pixels=None)
        try:
            return fit_side(to_uint8(load_image(s.paths[pos], spec).array, (0.0, 255.0)), side)
        except (ImageDecodeError, OSError):
            return None

    def uri(self, name: str, side: int = THUMB_SIDE) -> str:
        row = self.index.get(name)
        img = None if row is None else self.image(row, side)
        return png_uri(img) if img is not None else ""

    def examples(self, f: Finding) -> list[dict[str, str]]:
        out = []
        for name in f.files:
            uri = self.uri(name)
            if uri:
                out.append({"uri": uri, "name": name})
            if len(out) >= EXAMPLES:
                break
        return out


def _member(thumbs: _Thumbs, g: dict[str, Any], k: int) -> dict[str, str]:
    if k == 0:
        how = "representative"
    elif g["identical"][k]:
        how = "identical pixels"
    else:
        how = f"similarity {g['similarity'][k]:.3f}"
    name = g["members"][k]
    return {"uri": thumbs.uri(name, GROUP_SIDE), "name": name, "split": g["splits"][k],
            "label": g["labels"][k], "how": how}


def _groups(f: Finding, thumbs: _Thumbs) -> dict[str, Any] | None:
    """Duplicate groups side by side, and the closest and most distant accepted pairs."""
    groups = f.evidence.get("group_list") if f.id.startswith("duplicates.") else None
    if not groups:
        return None
    shown = []
    for g in groups[:GROUPS_SHOWN]:
        members = [_member(thumbs, g, k) for k in range(min(len(g["members"]), GROUP_MEMBERS))]
        if g["representative"] not in g["members"]:
            members.insert(0, {"uri": thumbs.uri(g["representative"], GROUP_SIDE),
                               "name": g["representative"], "split": "", "label": "",
                               "how": "representative (other split or class)"})
        shown.append({"members": members, "more": len(g["members"]) - GROUP_MEMBERS})
    near = [(g["similarity"][k], i, k) for i, g in enumerate(groups)
            for k in range(len(g["members"])) if not g["identical"][k]]
    extremes = []
    if near:
        for title, (_, i, k) in (("closest accepted pair", max(near)),
                                 ("most distant accepted pair", min(near))):
            g = groups[i]
            pair = [_member(thumbs, g, 0) if g["representative"] == g["members"][0] else
                    {"uri": thumbs.uri(g["representative"], GROUP_SIDE),
                     "name": g["representative"], "split": "", "label": "",
                     "how": "representative"}, _member(thumbs, g, k)]
            extremes.append({"title": title, "members": pair})
    return {"shown": shown, "more": len(groups) - len(shown), "extremes": extremes}


def _finding(f: Finding, thumbs: _Thumbs) -> dict[str, Any]:
    groups = _groups(f, thumbs)
    hidden = ("group_list", "examples") if groups else ()
    return {
        "id": f.id, "severity": f.severity, "category": f.category, "title": f.title,
        "detail": f.detail, "fix": f.fix,
        "evidence": [(k, evidence_html(v)) for k, v in f.evidence.items() if k not in hidden],
        "files": list(f.files), "more_files": f.file_count - len(f.files),
        "patch": ", ".join(f"{k}={v!r}" for k, v in f.patch.items()),
        "flow_patch": ", ".join(f"{k}={v!r}" for k, v in f.flow_patch.items()),
        "examples": [] if groups else thumbs.examples(f),
        "groups": groups,
    }


def _previews(d: Diagnosis, versions: int) -> dict[str, Any]:
    ctx = d.context
    train = ctx.train
    empty: dict[str, Any] = {"rows": [], "worst": [], "note": ""}
    if not ctx.config.augments or len(train) == 0:
        empty["note"] = "The config applies no random augmentation."
        return empty
    if train.x is not None:
        replayer = Replayer(ctx.config, d.replay_seed, x=train.x)
    else:
        replayer = Replayer(ctx.config, d.replay_seed, paths=train.paths,
                            target_size=ctx.target_hw, color_mode=ctx.flow.color_mode,
                            interpolation=ctx.flow.interpolation,
                            keep_aspect_ratio=ctx.flow.keep_aspect_ratio)
    ok = ctx.rows("train")
    labels = ctx.table["label"].to_numpy()
    first = int(np.flatnonzero(ctx.rows("train", ok=False))[0])
    chosen: list[tuple[int, str, str]] = []
    for label in list(dict.fromkeys(labels[ok].tolist()))[:PREVIEW_ROWS]:
        row = int(np.flatnonzero(ok & (labels == label))[0])
        name = ctx.class_names[label] if label >= 0 else "unlabelled"
        chosen.append((row - first, name, str(ctx.table.at[row, "name"])))
    if len(chosen) < min(PREVIEW_ROWS, 4):
        chosen = [(int(r) - first, "unlabelled", str(ctx.table.at[int(r), "name"]))
                  for r in np.flatnonzero(ok)[:PREVIEW_ROWS]]
    hw = replayer.hw

    def fill_of(mats: np.ndarray) -> np.ndarray:
        return matrix_fill(mats, hw)

    pool_rows = np.flatnonzero(ok)[:: max(1, int(ok.sum()) // 48)][:48]
    pool = [(int(r) - first, ctx.class_names[labels[r]] if labels[r] >= 0 else "unlabelled",
             str(ctx.table.at[int(r), "name"])) for r in pool_rows]
    note = (f"Replayed with seed {d.replay_seed}: sample i of epoch e gets the parameters that "
            "training draws for it")
    if ctx.config.seed is None and ctx.flow.seed is None:
        note += " (no seed is set, so each training run draws different ones)"
    if ctx.keras:
        note += ". Keras' own draws cannot be replayed: these use augwise's default-mode " \
                "semantics with the same ranges"
    return {
        "rows": replay_rows(replayer, chosen, versions, fill_of),
        "worst": worst_fill(replayer, pool, 8, WORST_CASES, fill_of),
        "note": note + ".",
    }


def _plots(d: Diagnosis) -> dict[str, str]:
    ctx = d.context
    out = dict.fromkeys(("classes", "sizes", "intensity", "orientation", "fill"), "")
    counts = {s.name: class_counts(ctx, s.name) for s in ctx.data.splits
              if s.label_kind == "single" and s.class_names}
    if counts:
        out["classes"] = plots.class_histogram(counts)
    ok = ctx.ok
    t = ctx.table
    if ok.any():
        out["sizes"] = plots.sizes(t["height"].to_numpy()[ok], t["width"].to_numpy()[ok],
                                   ctx.target_hw)
        mean = t["mean"].to_numpy()[ok]
        out["intensity"] = plots.intensity(mean, t["std"].to_numpy()[ok],
                                           np.abs(robust_z(mean)) > ROBUST_Z)
    if ctx.orientation is not None:
        out["orientation"] = plots.orientation(ctx.orientation)
    if ctx.fill is not None:
        out["fill"] = plots.fill_bars(ctx.fill)
    return out


def render(d: Diagnosis, versions: int = 6) -> str:
    """The whole report as one HTML string."""
    ctx = d.context
    thumbs = _Thumbs(ctx)
    o = ctx.orientation
    means = []
    if o is not None:
        for name, m in o.means.items():
            img = np.clip(np.rint(m), 0, 255).astype(np.uint8)[:, :, None]
            means.append({"name": name, "uri": png_uri(img)})
    harm = None
    if d.harm is not None:
        harm = {"rows": harm_rows(d.harm), "proxy": d.harm.proxy, "seeds": d.harm.seeds,
                "scatter": plots.png_bytes_uri(scatter_png(d.harm))}
    doc = d.to_dict()
    template = _environment().get_template("report.html.j2")
    return template.render(
        doc=doc,
        summary=doc["summary"],
        inputs=doc["inputs"],
        config_call=ctx.config.python_call(),
        splits=doc["dataset"]["splits"],
        findings=[_finding(f, thumbs) for f in d.findings],
        fixes=_fixes(list(d.findings), int(doc["summary"]["images"] or 0)),
        checks=doc["checks"],
        plots=_plots(d),
        means=means,
        fill=doc["augmentation"]["fill"],
        previews=_previews(d, versions),
        harm=harm,
        fixed_yaml=d.fixed_yaml(),
    )
