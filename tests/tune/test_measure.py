"""Affinity, diversity and per-transform deltas on data where the answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from augwise.core.config import AugmentConfig
from augwise.results import FULL_CONFIG
from augwise.tune.data import TuneData
from augwise.tune.measure import affinity, measure_transforms, single_transforms
from augwise.tune.progress import Step
from augwise.tune.proxy import ProxyBudget
from augwise.tune.training import batches, train


def test_identity_transform_has_affinity_exactly_one(
    tiny_fashion: TuneData, tiny_budget: ProxyBudget
) -> None:
    # brightness in [1, 1] runs the engine's colour step but changes no pixel
    identity = AugmentConfig(brightness_range=(1.0, 1.0))
    val = tiny_fashion.val
    augmented = np.concatenate(list(batches(val, identity, seed=7)))
    assert augmented.tobytes() == val.x.tobytes()
    run = train(tiny_fashion, AugmentConfig(), 0, tiny_budget)
    assert affinity(run.model, val, identity, 7, run.val_accuracy) == 1.0
    # a config without augmentation: only full_config, and it changes nothing at all
    [full] = measure_transforms(tiny_fashion, AugmentConfig(), seeds=2, budget=tiny_budget)
    assert full.transform.name == FULL_CONFIG
    assert full.affinity == [1.0, 1.0] and full.diversity == [1.0, 1.0]
    assert full.acc_with == full.acc_without


def test_destroying_transform_has_affinity_near_chance(
    tiny_fashion: TuneData, tiny_budget: ProxyBudget
) -> None:
    # Keras semantics, kept by the engine: a float shift >= 1 is in pixels, so 1.0 is a
    # one-pixel shift; shifting by the full width (list form: +-W) empties the image.
    width = tiny_fashion.image_shape[1]
    destroy = AugmentConfig(width_shift_range=[width], fill_mode="constant", cval=0)
    val = tiny_fashion.val
    assert not np.concatenate(list(batches(val, destroy, seed=1))).any()
    run = train(tiny_fashion, AugmentConfig(), 0, tiny_budget)
    assert run.val_accuracy > 0.3
    aff = affinity(run.model, val, destroy, 1, run.val_accuracy)
    # every image is the same blank one, so the model scores one class's share: chance
    predicted = run.model.predict(np.zeros((1, *tiny_fashion.image_shape), np.uint8))[0]
    share = float(np.mean(val.y == predicted))
    assert share == pytest.approx(1 / tiny_fashion.num_classes, abs=0.02)
    assert aff == pytest.approx(share / run.val_accuracy)
    assert aff < 0.35


def test_mirror_classes_make_horizontal_flip_the_top_harm(mirror_data: TuneData) -> None:
    config = AugmentConfig(rotation_range=10, width_shift_range=0.05,
                           brightness_range=(0.9, 1.1), horizontal_flip=True)
    steps: list[Step] = []
    samples = measure_transforms(
        mirror_data, config, seeds=3, budget=ProxyBudget(epochs=3, batch_size=32, threads=1),
        progress=steps.append,
    )
    names = [s.transform.name for s in samples]
    assert names == ["rotation_range", "width_shift_range", "brightness_range",
                     "horizontal_flip", FULL_CONFIG]
    by_delta = sorted(
        (s for s in samples if s.transform.name != FULL_CONFIG),
        key=lambda s: float(np.mean(np.subtract(s.acc_with, s.acc_without))),
    )
    flip = by_delta[0]
    assert flip.transform.name == "horizontal_flip"
    assert np.mean(flip.acc_without) > 0.9
    assert np.mean(flip.acc_with) < 0.75
    # flipped mirror glyphs look like the other class: affinity falls to about chance
    assert np.mean(flip.affinity) < 0.7
    assert all(np.mean(s.affinity) > 0.9 for s in by_delta[1:])
    assert steps[-1].done == steps[-1].total == 3 * 6


def test_single_transforms_keep_fill_mode_and_policy_arguments() -> None:
    cfg = AugmentConfig(rotation_range=30, fill_mode="reflect", policy="randaugment",
                        policy_num_ops=3, policy_magnitude=12, rescale=1 / 255)
    singles = {t.name: t for t in single_transforms(cfg)}
    assert set(singles) == {"rotation_range", "policy", FULL_CONFIG}
    assert singles["rotation_range"].config.fill_mode == "reflect"
    assert singles["rotation_range"].config.policy is None
    assert singles["policy"].value == "randaugment(num_ops=3, magnitude=12)"
    assert singles["policy"].config.policy_num_ops == 3
    assert singles["policy"].config.rotation_range == 0
    assert "rescale" not in singles[FULL_CONFIG].value
    with pytest.raises(ValueError, match="seeds"):
        measure_transforms(None, cfg, seeds=0)  # type: ignore[arg-type]
