"""Every check fires on a planted dataset and stays quiet (runs, finds nothing) on another.

``FIRES`` and ``QUIET`` map each check id to a scenario returning a diagnosis; the last
test makes sure every registered check is in both tables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from augwise import ImageDataGenerator
from augwise.doctor.api import Diagnosis, diagnose, rediagnose
from augwise.doctor.checks import all_checks
from augwise.results import Estimate, HarmReport, TransformHarm
from tests.doctor.conftest import GOOD_CONFIG, GOOD_FLOW, Planted
from tests.doctor.planted import SCENE_HW, save, scene

Scenario = Callable[[Planted, Path], Diagnosis]


def shrink_rows(x: np.ndarray) -> np.ndarray:
    """A preprocessing_function that breaks the contract (changes the shape)."""
    return x[:-1]


def times_one(x: np.ndarray) -> np.ndarray:
    return x * 1.0


def cfg(**changes: object) -> dict[str, object]:
    return {**GOOD_CONFIG, **changes}


def with_lint(base: str, engine: str | None = None, flow: dict[str, object] | None = None,
              **changes: object) -> Scenario:
    """Scenario: the cached diagnosis ``base`` re-checked with config ``changes``."""

    def run(p: Planted, _: Path) -> Diagnosis:
        d = getattr(p, base)
        start = GOOD_CONFIG if base in ("scenes", "dirty_files", "dirty_content") else {
            "seed": 0}
        return rediagnose(d, {**start, **changes}, engine=engine, flow=flow)

    return run


def cached(base: str) -> Scenario:
    return lambda p, _: getattr(p, base)


def csv_data(missing: bool) -> Scenario:
    def run(p: Planted, tmp: Path) -> Diagnosis:
        root = p.scenes_dir / "train"
        rows = [{"filename": str(f.relative_to(root)), "class": f.parent.name}
                for f in sorted(root.rglob("*.*"))]
        if missing:
            rows.append({"filename": "a/gone.png", "class": "a"})
        csv = tmp / "labels.csv"
        pd.DataFrame(rows).to_csv(csv, index=False)
        return diagnose(csv, config=GOOD_CONFIG, flow={**GOOD_FLOW, "directory": str(root)})

    return run


def numeric_classes(names: tuple[str, ...]) -> Scenario:
    def run(_: Planted, tmp: Path) -> Diagnosis:
        for k, name in enumerate(names):
            for i in range(3):
                save(tmp / "data" / name / f"{i}.png", scene(*SCENE_HW, 40 * k + i))
        return diagnose(tmp / "data", config=GOOD_CONFIG, flow=GOOD_FLOW)

    return run


def validation_split(engine: str) -> Scenario:
    def run(p: Planted, _: Path) -> Diagnosis:
        return diagnose(p.scenes_dir / "train", flow=GOOD_FLOW, engine=engine,
                        config=cfg(validation_split=0.25, rotation_range=10))

    return run


def generator(fitted: bool) -> Scenario:
    def run(p: Planted, _: Path) -> Diagnosis:
        gen = ImageDataGenerator(featurewise_center=True, seed=0)
        x, y = p.unit_arrays
        if fitted:
            gen.fit(x)
        return diagnose((x, y), config=gen)

    return run


def too_large(p: Planted, _: Path) -> Diagnosis:
    return diagnose(p.scenes_dir / "train", config=GOOD_CONFIG, flow=GOOD_FLOW,
                    max_image_pixels=1000)


def harm(delta: tuple[float, float, float]) -> Scenario:
    def run(p: Planted, _: Path) -> Diagnosis:
        acc = Estimate(0.8, 0.79, 0.81, 3)
        item = TransformHarm("rotation_range", 3.0, acc, acc, Estimate(*delta, 3), acc, acc)
        return p.scenes.with_harm(HarmReport((item,), "test proxy", 3))

    return run


DIRTY_FILES = cached("dirty_files")
DIRTY_CONTENT = cached("dirty_content")
CLEAN = cached("scenes")

def empty_folder(_: Planted, tmp: Path) -> Diagnosis:
    (tmp / "data" / "a").mkdir(parents=True)
    (tmp / "data" / "a" / "x.png").write_bytes(b"")
    return diagnose(tmp / "data", config=GOOD_CONFIG, flow=GOOD_FLOW)


FIRES: dict[str, tuple[Scenario, str]] = {
    "files.no_images": (empty_folder, "error"),
    "files.zero_byte": (DIRTY_FILES, "error"),
    "files.corrupt": (DIRTY_FILES, "error"),
    "files.not_image": (DIRTY_FILES, "error"),
    "files.too_large": (too_large, "error"),
    "files.wrong_extension": (DIRTY_FILES, "info"),
    "files.decode_warnings": (DIRTY_FILES, "info"),
    "files.exif_orientation": (DIRTY_FILES, "info"),
    "files.hidden_classes": (DIRTY_FILES, "info"),
    "files.hidden_files": (DIRTY_FILES, "info"),
    "files.ignored_images": (DIRTY_FILES, "warning"),
    "files.non_image": (DIRTY_FILES, "info"),
    "files.missing": (csv_data(missing=True), "warning"),
    "classes.imbalance": (DIRTY_CONTENT, "info"),
    "classes.empty": (DIRTY_FILES, "error"),
    "classes.split_mismatch": (DIRTY_FILES, "error"),
    "duplicates.exact": (DIRTY_CONTENT, "warning"),
    "duplicates.near": (DIRTY_CONTENT, "info"),
    "duplicates.conflicting_labels": (DIRTY_CONTENT, "error"),
    "duplicates.leakage": (DIRTY_CONTENT, "error"),
    "sizes.outliers": (DIRTY_CONTENT, "info"),
    "sizes.upscaled": (with_lint("scenes", flow={"target_size": (128, 128)}), "warning"),
    "sizes.squashed": (with_lint("scenes", flow={"target_size": (64, 32)}), "warning"),
    "colour.mode_mix": (DIRTY_CONTENT, "warning"),
    "colour.alpha": (DIRTY_CONTENT, "warning"),
    "colour.cmyk": (DIRTY_CONTENT, "info"),
    "colour.high_bit_depth": (DIRTY_CONTENT, "info"),
    "quality.dark": (DIRTY_CONTENT, "warning"),
    "quality.bright": (DIRTY_CONTENT, "warning"),
    "quality.low_contrast": (DIRTY_CONTENT, "warning"),
    "quality.low_information": (DIRTY_CONTENT, "warning"),
    "quality.blurry": (DIRTY_CONTENT, "warning"),
    "intensity.outliers": (DIRTY_CONTENT, "info"),
    "orientation.canonical": (cached("letters"), "info"),
    "config.preprocessing_function": (
        with_lint("scenes", preprocessing_function=shrink_rows), "error"),
    "config.double_rescale": (with_lint("unit", rescale=1 / 255), "error"),
    "config.featurewise_without_fit": (generator(fitted=False), "error"),
    "config.brightness_unit_range": (
        with_lint("unit", engine="keras", brightness_range=[0.8, 1.2]), "error"),
    "config.brightness_deltas": (with_lint("scenes", brightness_range=[-0.2, 0.2]), "error"),
    "config.channel_shift_scale": (with_lint("scenes", channel_shift_range=100), "warning"),
    "config.validation_augmented": (validation_split("keras"), "warning"),
    "config.shuffle_off": (with_lint("scenes", flow={"shuffle": False}), "warning"),
    "config.class_mode": (with_lint("scenes", flow={"class_mode": "binary"}), "error"),
    "config.lexicographic_classes": (numeric_classes(("1", "2", "10")), "warning"),
    "config.no_seed": (with_lint("scenes", seed=None), "info"),
    "config.batch_memory": (
        with_lint("scenes", flow={"target_size": (4096, 4096), "batch_size": 256}), "error"),
    "config.nearest_downscale": (with_lint("scenes", flow={"target_size": (12, 16)}), "warning"),
    "config.horizontal_flip": (with_lint("arrows", horizontal_flip=True), "error"),
    "config.vertical_flip": (with_lint("letters", vertical_flip=True), "warning"),
    "config.rotation": (with_lint("letters", rotation_range=90), "warning"),
    "config.fill_artefacts": (
        with_lint("scenes", rotation_range=40, fill_mode="nearest"), "warning"),
    "config.out_of_frame": (with_lint("scenes", zoom_range=[0.3, 0.5]), "warning"),
    "config.zoom_aspect": (with_lint("scenes", zoom_range=0.3), "warning"),
    "config.shear_units": (with_lint("scenes", shear_range=0.2), "warning"),
    "config.keras_defects": (with_lint("scenes", engine="keras", rotation_range=10), "warning"),
    "harm.costs_accuracy": (harm((-0.05, -0.07, -0.03)), "error"),
}

QUIET: dict[str, Scenario] = {
    **{cid: CLEAN for cid in FIRES if cid.split(".")[0] in (
        "files", "classes", "duplicates", "sizes", "colour", "quality", "intensity")},
    "files.missing": csv_data(missing=False),
    "orientation.canonical": cached("blobs"),
    "config.preprocessing_function": with_lint("scenes", preprocessing_function=times_one),
    "config.double_rescale": CLEAN,  # rescale=1/255 on 0-255 files
    "config.featurewise_without_fit": generator(fitted=True),
    "config.brightness_unit_range": with_lint("unit", brightness_range=[0.8, 1.2]),
    "config.brightness_deltas": with_lint("scenes", brightness_range=[0.8, 1.2]),
    "config.channel_shift_scale": with_lint("scenes", channel_shift_range=20),
    "config.validation_augmented": validation_split("augwise"),
    "config.shuffle_off": CLEAN,
    "config.class_mode": CLEAN,
    "config.lexicographic_classes": numeric_classes(("01", "02", "10")),
    "config.no_seed": CLEAN,
    "config.batch_memory": CLEAN,
    "config.nearest_downscale": with_lint("scenes", flow={"target_size": (12, 16),
                                                          "interpolation": "bilinear"}),
    "config.horizontal_flip": with_lint("letters", horizontal_flip=True),
    "config.vertical_flip": with_lint("blobs", vertical_flip=True),
    "config.rotation": with_lint("letters", rotation_range=5),
    "config.fill_artefacts": CLEAN,  # small rotation and shifts, reflect fill
    "config.out_of_frame": with_lint("scenes", width_shift_range=0.05),
    "config.zoom_aspect": with_lint("scenes", zoom_range=0.02),
    "config.shear_units": with_lint("scenes", shear_range=15),
    "config.keras_defects": with_lint("letters", engine="keras", rotation_range=10,
                                      width_shift_range=0.1, height_shift_range=0.1),
    "harm.costs_accuracy": harm((-0.01, -0.03, 0.01)),
}


def _outcome(d: Diagnosis, check_id: str) -> str:
    return next(c.status for c in d.checks if c.id == check_id)


@pytest.mark.parametrize("check_id", sorted(FIRES))
def test_check_fires(check_id: str, bases: Planted, tmp_path: Path) -> None:
    scenario, severity = FIRES[check_id]
    d = scenario(bases, tmp_path)
    fired = [f for f in d.findings if f.id == check_id or (
        check_id == "harm.costs_accuracy" and f.category == "harm")]
    assert fired, f"{check_id} did not fire: {[f.id for f in d.findings]}"
    assert fired[0].severity == severity, fired[0]
    assert fired[0].fix and fired[0].title
    assert _outcome(d, check_id) == "fired"


@pytest.mark.parametrize("check_id", sorted(QUIET))
def test_check_stays_quiet(check_id: str, bases: Planted, tmp_path: Path) -> None:
    d = QUIET[check_id](bases, tmp_path)
    assert _outcome(d, check_id) == "quiet", [f for f in d.findings if f.id == check_id]


def test_every_check_has_a_firing_and_a_quiet_scenario() -> None:
    ids = {c.id for c in all_checks()} | {"harm.costs_accuracy"}
    assert set(FIRES) == ids
    assert set(QUIET) == ids
