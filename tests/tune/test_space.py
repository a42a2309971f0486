"""The search space: every draw is a valid config on the grid the compute claim counts."""

from __future__ import annotations

import math

import optuna

from augwise.core.config import AugmentConfig
from augwise.tune import space


def test_grid_size_counts_every_level() -> None:
    classic = 1
    for d in space.CLASSIC_DIMS:
        classic *= d.levels
    randaugment = math.prod(d.levels for d in space.RANDAUGMENT_DIMS)
    assert space.grid_size() == classic * (2 + randaugment)
    rotation = next(d for d in space.CLASSIC_DIMS if d.name == "rotation_range")
    assert rotation.levels == int((rotation.high - rotation.low) / rotation.step) + 1


def test_sampled_configs_lie_on_the_grid_and_are_valid() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen_policies = set()
    for _ in range(60):
        trial = study.ask()
        cfg = space.suggest(trial)
        assert isinstance(cfg, AugmentConfig)
        assert space.config_from_params(trial.params) == cfg
        for d in space.all_dims():
            if d.name not in trial.params:
                continue
            value = trial.params[d.name]
            if d.choices:
                assert value in d.choices
            else:
                steps = (value - d.low) / d.step
                assert abs(steps - round(steps)) < 1e-9 and d.low <= value <= d.high
        seen_policies.add(cfg.policy)
        if cfg.policy != "randaugment":
            assert "policy_magnitude" not in trial.params
        study.tell(trial, 0.0)
    assert seen_policies == {None, "trivialaugment", "randaugment"}


def test_config_from_params_maps_the_derived_arguments() -> None:
    cfg = space.config_from_params(
        {"zoom_range": 0.15000000000000002, "brightness": 0.2, "policy": "randaugment",
         "policy_num_ops": 3, "policy_magnitude": 12, "fill_mode": "reflect"}
    )
    assert cfg.zoom_range == (0.85, 1.15)
    assert cfg.brightness_range == (0.8, 1.2)
    assert (cfg.policy, cfg.policy_num_ops, cfg.policy_magnitude) == ("randaugment", 3, 12)
    assert cfg.fill_mode == "reflect"
    assert space.config_from_params({}) == AugmentConfig()
    # nothing moves pixels, so nothing is filled: the fill mode is not part of the result
    still = space.config_from_params({"brightness": 0.1, "horizontal_flip": True,
                                      "channel_shift_range": 30, "fill_mode": "wrap"})
    assert still.fill_mode == "nearest" and still.channel_shift_range == 30
    assert space.config_from_params({"rotation_range": 10, "fill_mode": "wrap"}).fill_mode == "wrap"
    assert len(space.describe_space()) == len(space.CLASSIC_DIMS) + 1


def test_the_dimensions_are_the_transform_registry_s() -> None:
    from augwise.core.transforms import TRANSFORMS

    declared = [d for s in TRANSFORMS for d in s.search]
    declared += [d for s in TRANSFORMS for more in s.search_if.values() for d in more]
    assert sorted(d.name for d in space.all_dims()) == sorted(
        [d.name for d in declared] + ["fill_mode"])
    for s in TRANSFORMS:  # every transform's own dimensions, at their top, turn it on
        top = {d.name: d.choices[-1] if d.choices else d.high for d in s.search}
        assert s.active(space.config_from_params(top)), s.name
