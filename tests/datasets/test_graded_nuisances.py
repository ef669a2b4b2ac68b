"""mk-synth nuisances at graded strengths: 0 is clean, more is worse, the truth is the same.

Takes are the quick profile's first take rendered at the smallest allowed size, so every
strength of every nuisance renders in well under a second.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from _plugins import plugin as find_plugin

from harness.synth import (
    DEFAULT_STRENGTH,
    NAMED,
    SWEEPABLE,
    levels,
    load_recordings,
    plan_takes,
    profile_config,
    render_take,
    store,
)
from harness.synth.config import MIN_SIZE, SynthConfig
from harness.synth.store import take_key

REPO = Path(__file__).resolve().parents[2]
SMALL = dataclasses.replace(profile_config("quick"), size=MIN_SIZE)
#: The default suite checks none < half < severe; the slow suite every level of a sweep.
QUICK_LEVELS = (0.5, 1.0)


def spec_at(nuisance: str | None = None, strength: float = 0.0, config: SynthConfig = SMALL):
    """The quick profile's first take with one nuisance at ``strength``."""
    nuisances = () if nuisance is None else ((nuisance, strength),)
    return plan_takes(dataclasses.replace(config, nuisances=nuisances))[0]


_renders: dict = {}


def render(nuisance: str | None = None, strength: float = 0.0):
    """Render once per (nuisance, strength) for the whole module (renders are deterministic)."""
    key = (nuisance, strength)
    if key not in _renders:
        _renders[key] = render_take(spec_at(nuisance, strength))
    return _renders[key]


def difference_from_clean(nuisance: str, strength: float) -> float:
    """How far the take is from the clean one, in a measure that fits the nuisance.

    Mean absolute pixel difference, except: ``frame-rate`` compares the frames filmed at
    the same instants as clean frames; ``person-scale`` counts the clean performer's pixels
    no longer covered (the mean difference saturates once the smaller body lies inside the
    clean one's outline, while the uncovered area keeps growing).
    """
    clean, take = render(), render(nuisance, strength)
    if nuisance == "person-scale":
        return float((clean.masks & ~take.masks).mean())
    if nuisance == "frame-rate":
        instants = np.arange(len(take.frames)) * (clean.meta["fps"] / take.meta["fps"])
        same = np.flatnonzero(np.isclose(instants, np.round(instants)))
        ours, theirs = take.frames[same], clean.frames[np.round(instants[same]).astype(int)]
        return float(np.abs(ours.astype(np.int16) - theirs).mean())
    return float(np.abs(take.frames.astype(np.int16) - clean.frames).mean())


def check_grows(nuisance: str, strengths) -> None:
    diffs = [difference_from_clean(nuisance, s) for s in strengths]
    assert diffs[0] > 0, f"{nuisance}@{strengths[0]} looks exactly like clean"
    assert all(b > a for a, b in zip(diffs, diffs[1:], strict=False)), (nuisance, diffs)


def test_strength_zero_is_exactly_the_clean_render():
    for nuisance in SWEEPABLE:
        config = profile_config("quick", nuisance, strength=0.0)
        assert config == profile_config("quick") and config.nuisances == ()
        assert take_key(spec_at(nuisance, 0.0)) == take_key(spec_at())  # so the clean cache
    clean, none = render(), render_take(spec_at("shadow", 0.0))
    assert np.array_equal(none.frames, clean.frames) and np.array_equal(none.masks, clean.masks)
    assert list(none.labels) == list(clean.labels)


@pytest.mark.parametrize("nuisance", [n for n in SWEEPABLE if n != "mirrored"] + ["lighting"])
def test_difference_from_clean_grows_with_strength(nuisance):
    check_grows(nuisance, QUICK_LEVELS)


@pytest.mark.slow
@pytest.mark.parametrize("nuisance", [n for n in SWEEPABLE if n != "mirrored"])
def test_difference_from_clean_grows_at_every_level_of_a_sweep(nuisance):
    assert len(levels(nuisance)) >= 5
    check_grows(nuisance, levels(nuisance)[1:])


def test_mirrored_is_off_or_on():
    assert levels("mirrored") == (0.0, 1.0)
    clean, mirrored = render(), render("mirrored", 1.0)
    assert np.array_equal(mirrored.frames, clean.frames[:, :, ::-1])
    with pytest.raises(ValueError, match="valid: 0 .off. or 1 .on."):
        profile_config("quick", "mirrored@0.5")


@pytest.mark.parametrize(
    "nuisance", [n for n in SWEEPABLE if n not in ("person-scale", "frame-rate")]
)
def test_labels_are_those_of_the_clean_take(nuisance):
    clean = render()
    for strength in QUICK_LEVELS if nuisance != "mirrored" else (1.0,):
        take = render(nuisance, strength)
        assert list(take.labels) == list(clean.labels), (nuisance, strength)
        assert np.array_equal(take.ambiguous, clean.ambiguous), (nuisance, strength)
        assert take.meta["events"] == clean.meta["events"]


def test_a_smaller_performer_does_the_same_moves_only_entering_the_view_later():
    clean = render()
    for strength in QUICK_LEVELS:
        take = render("person-scale", strength)
        assert take.meta["events"] == clean.meta["events"]
        both = (take.labels != "empty") & (clean.labels != "empty")
        assert np.array_equal(take.labels[both], clean.labels[both])
        # Only visibility differs: the small body is out of view or fully in view on a few
        # frames where the full-size one was partly in view.
        changed = (take.labels != clean.labels) | (take.ambiguous != clean.ambiguous)
        assert changed.mean() < 0.1
        assert not (changed & ~clean.ambiguous & ~take.ambiguous).any()


def test_a_lower_frame_rate_keeps_the_clean_labels_at_its_instants():
    clean = render()
    for strength, fps in ((0.5, 7.5), (1.0, 5.0)):
        take = render("frame-rate", strength)
        assert take.meta["fps"] == fps
        assert len(take.labels) == round(len(clean.labels) * fps / 15)
        assert len(take.frames) == len(take.masks) == len(take.keypoints) == len(take.labels)
        same = np.minimum(np.arange(len(take.labels)) * round(15 / fps), len(clean.labels) - 1)
        assert list(take.labels) == list(clean.labels[same])
        assert np.array_equal(take.ambiguous, clean.ambiguous[same])


def test_named_variants_are_their_nuisance_at_the_default_strength():
    for name in NAMED:
        config = profile_config("quick", name)
        assert config.strengths == {name: DEFAULT_STRENGTH[name]}
        assert config == profile_config("quick", f"{name}@{DEFAULT_STRENGTH[name]}")
        assert config == SynthConfig(**{**dataclasses.asdict(config), "nuisances": (name,)})
    assert profile_config("quick", "noise", strength=0.25).strengths == {"noise": 0.25}


@pytest.fixture(scope="module")
def plugin():
    return find_plugin("datasets", "mk-synth").cls


def test_the_dataset_plugin_reads_a_strength_after_the_variant(plugin):
    dataset = plugin("lighting-gradual@0.60", profile="quick")
    assert dataset.arg == "lighting-gradual@0.6"
    assert dataset.label == "mk-synth:lighting-gradual@0.6"
    assert dataset.config().strengths == {"lighting-gradual": 0.6}
    assert plugin("shadow", profile="quick").config().strengths == {"shadow": 0.5}
    assert plugin("noise@0", profile="quick").config() == plugin(profile="quick").config()
    for bad, words in (("noise@2", "valid: 0"), ("noise@lots", "no number"), ("fog@0.5", "valid")):
        with pytest.raises(ValueError, match=words) as info:
            plugin(bad, profile="quick")
        assert "\n" not in str(info.value)


def refuse_to_render(spec, folder):
    raise AssertionError(f"take {spec.id} was rendered again instead of read from the cache")


def test_rendering_at_a_strength_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    one = dataclasses.replace(SMALL, n_subjects=1, n_scenes=1)
    config = dataclasses.replace(one, nuisances=(("frame-rate", 0.5),))
    first = load_recordings(config, n_jobs=1)[0]
    written = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.npy")}
    with monkeypatch.context() as patch:
        patch.setattr(store, "_write_take", refuse_to_render)
        again = load_recordings(config, n_jobs=1)[0]
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*.npy")} == written
    assert again.fingerprint == first.fingerprint and again.fps == first.fps == 7.5
    assert np.array_equal(again.frames, first.frames)
    stronger = load_recordings(dataclasses.replace(config, nuisances=(("frame-rate", 1.0),)))
    clean = load_recordings(dataclasses.replace(config, nuisances=(("frame-rate", 0.0),)))
    fingerprints = {first.fingerprint, stronger[0].fingerprint, clean[0].fingerprint}
    assert len(fingerprints) == 3 and stronger[0].fps == 5.0 and clean[0].fps == 15.0
    assert clean[0].fingerprint == load_recordings(one)[0].fingerprint
    assert len(os.listdir(tmp_path / "mk-synth")) == 3
