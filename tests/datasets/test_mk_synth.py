"""mk-synth, the rendered default dataset: determinism, ground truth and nuisance variants."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from _plugins import plugin as find_plugin
from joblib import parallel_config, register_parallel_backend
from joblib._parallel_backends import ThreadingBackend

from harness.labels import ACTION_LABELS, KEYPOINT_NAMES, mirror
from harness.synth import moves
from harness.synth.config import SynthConfig, TakeSpec, plan_takes, profile_config
from harness.synth.render import pose_take, render_take, stage_take

REPO = Path(__file__).resolve().parents[2]
MOVE_LABELS = set(ACTION_LABELS) - {"empty"}
W, H = 320, 240


@pytest.fixture(scope="module")
def plugin():
    return find_plugin("datasets", "mk-synth").cls


@pytest.fixture(scope="module")
def quick(plugin, tmp_path_factory):
    """The quick profile, rendered cold into a private cache."""
    old = os.environ.get("HARNESS_CACHE_DIR")
    os.environ["HARNESS_CACHE_DIR"] = str(tmp_path_factory.mktemp("synth-cache"))
    try:
        yield plugin(profile="quick", seed=0).load()
    finally:
        if old is None:
            os.environ.pop("HARNESS_CACHE_DIR", None)
        else:
            os.environ["HARNESS_CACHE_DIR"] = old


def small_spec(variant: str = "clean", seed: int = 0) -> TakeSpec:
    """One short take (still every move once) of subject 2 in room 1."""
    nuisances = () if variant == "clean" else (variant,)
    config = SynthConfig(
        n_subjects=3, n_scenes=1, takes_per_subject=1, take_seconds=(16.0, 16.0),
        nuisances=nuisances, seed=seed,
    )  # fmt: skip
    return plan_takes(config)[1]


@pytest.fixture(scope="module")
def clean_take():
    return render_take(small_spec())


@pytest.fixture(scope="module")
def variant_takes():
    names = ("lighting", "shake", "noise", "shadow", "camouflage", "moving-object", "mirrored")
    return {name: render_take(small_spec(name)) for name in names}


def test_same_seed_and_configuration_give_bit_identical_takes(clean_take):
    again = render_take(small_spec())
    assert np.array_equal(again.frames, clean_take.frames)
    assert np.array_equal(again.masks, clean_take.masks)
    assert np.array_equal(again.keypoints, clean_take.keypoints)
    assert list(again.labels) == list(clean_take.labels)


def test_another_seed_gives_another_take(clean_take):
    other = stage_take(small_spec(seed=1))
    assert len(other) != len(clean_take.labels) or list(other.labels) != list(clean_take.labels)


def test_recordings_follow_the_contract(quick):
    assert len({r.subject for r in quick}) >= 4
    for rec in quick:
        assert rec.frames.shape[1:] == (H, W, 3) and rec.frames.dtype == np.uint8
        assert isinstance(rec.frames, np.memmap)
        assert set(rec.labels) <= set(ACTION_LABELS)
        assert rec.keypoints.shape == (len(rec), len(KEYPOINT_NAMES), 2)
        assert rec.masks.shape == (len(rec), H, W) and rec.masks.dtype == bool
        assert rec.background.shape == (H, W, 3)
        assert rec.fps == 15
        assert list(rec.labels[:10]) == ["empty"] * 10
        assert not rec.masks[:10].any()
    assert len({r.fingerprint for r in quick}) == len(quick)


def test_quick_profile_has_every_move_for_every_subject(quick):
    for rec in quick:
        plain = set(rec.labels[~rec.ambiguous])
        assert MOVE_LABELS <= plain, f"{rec.id} lacks {sorted(MOVE_LABELS - plain)}"


def test_full_profile_scripts_every_move_for_every_subject():
    specs = plan_takes(profile_config("full"))
    assert len(specs) == 50 and len({s.subject for s in specs}) == 10
    assert {s.scene for s in specs} == set(range(5))
    seen: dict[int, set] = {}
    for spec in specs:
        posed = pose_take(spec)
        n = len(posed.joints)
        assert 20 <= n / 15 <= 45
        labels, ambiguous = moves.label_frames(posed.script.events, posed.joints, 15, np.ones(n))
        seen.setdefault(spec.subject, set()).update(labels[~ambiguous])
    for subject, labels in seen.items():
        assert MOVE_LABELS <= labels, f"subject {subject} lacks {sorted(MOVE_LABELS - labels)}"


def test_performer_fills_a_webcam_frame_at_normal_distance(quick):
    for rec in quick:
        stand = np.flatnonzero((rec.labels == "stand") & ~rec.ambiguous)
        rows = rec.masks[stand].any(axis=2)
        height = np.array([np.ptp(np.flatnonzero(r)) + 1 for r in rows])
        assert 0.5 * H <= np.median(height) <= 0.9 * H


def test_keypoints_lie_inside_the_image_and_on_the_mask(clean_take):
    shown = (clean_take.labels != "empty") & ~clean_take.ambiguous
    for t in np.flatnonzero(shown):
        kp = clean_take.keypoints[t]
        assert np.all((kp >= 0) & (kp <= [W - 1, H - 1]))
        mask = clean_take.masks[t]
        for x, y in np.round(kp).astype(int):
            window = mask[max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2]
            assert window.any(), f"frame {t}: keypoint ({x}, {y}) off the mask"


def test_mirror_swaps_sides_consistently_on_a_right_punch(clean_take):
    t = _peak_frame(clean_take, "punch_right")
    frame, label, kp, mask = mirror(
        clean_take.frames[t],
        str(clean_take.labels[t]),
        clean_take.keypoints[t],
        clean_take.masks[t],
    )
    assert label == "punch_left"
    left, right = KEYPOINT_NAMES.index("left_wrist"), KEYPOINT_NAMES.index("right_wrist")
    # The raised wrist was the right one; after mirroring it is named left, and it is on the
    # mirrored mask, in the mirrored image's pixels.
    assert clean_take.keypoints[t, right, 1] < clean_take.keypoints[t, left, 1]
    assert kp[left, 1] < kp[right, 1]
    x, y = np.round(kp[left]).astype(int)
    assert mask[y - 1 : y + 2, x - 1 : x + 2].any()
    assert np.array_equal(frame, clean_take.frames[t][:, ::-1])


def test_unmirrored_camera_shows_the_performers_right_hand_on_the_image_left(clean_take):
    t = _peak_frame(clean_take, "punch_right")
    kp = clean_take.keypoints[t]
    neck = KEYPOINT_NAMES.index("neck")
    assert kp[KEYPOINT_NAMES.index("right_wrist"), 0] < kp[neck, 0]


def test_mirrored_camera_flips_the_image_but_not_the_labels(clean_take, variant_takes):
    mirrored = variant_takes["mirrored"]
    assert np.array_equal(mirrored.frames, clean_take.frames[:, :, ::-1])
    assert np.array_equal(mirrored.masks, clean_take.masks[:, :, ::-1])
    assert list(mirrored.labels) == list(clean_take.labels)
    expected = clean_take.keypoints.copy()
    expected[..., 0] = W - 1 - expected[..., 0]
    assert np.allclose(mirrored.keypoints, expected, atol=1e-3)
    assert np.array_equal(mirrored.background, clean_take.background[:, ::-1])


def test_background_equals_the_empty_frames_up_to_sensor_noise(clean_take, variant_takes):
    empty = clean_take.labels == "empty"
    assert np.array_equal(
        clean_take.frames[empty][:10], np.repeat(clean_take.background[None], 10, 0)
    )
    noisy = variant_takes["noise"]
    diff = noisy.frames[:10].astype(float) - noisy.background.astype(float)
    assert 1 < np.abs(diff).mean() < 12
    assert abs(diff.mean()) < 1.5


def test_lighting_shifts_mean_intensity_after_the_background_frame(clean_take, variant_takes):
    lit = variant_takes["lighting"]
    start, gain = lit.meta["lighting"]["start_frame"], lit.meta["lighting"]["gain"]
    assert np.array_equal(lit.frames[:start], clean_take.frames[:start])
    last = len(lit.frames) - 1
    ratio = lit.frames[last].mean() / clean_take.frames[last].mean()
    assert abs(ratio - gain) < 0.08 and abs(ratio - 1) > 0.1


def test_shake_moves_the_background(clean_take, variant_takes):
    shaken = variant_takes["shake"]
    moved = [not np.array_equal(shaken.frames[t], shaken.background) for t in range(1, 10)]
    assert sum(moved) >= 5
    assert shaken.meta["shake"]["amplitude_px"] <= 8


def test_shadow_darkens_the_room_but_not_the_performer(clean_take, variant_takes):
    shadow = variant_takes["shadow"]
    shown = np.flatnonzero(clean_take.labels == "stand")[:20]
    a = shadow.frames[shown].astype(int)
    b = clean_take.frames[shown].astype(int)
    outside = ~clean_take.masks[shown]
    assert np.all(a[outside] <= b[outside])
    assert (a[outside] < b[outside] - 10).any()
    inside = clean_take.masks[shown]
    assert np.abs(a[inside] - b[inside]).mean() < 1


def test_camouflage_dresses_the_performer_like_the_wall(clean_take, variant_takes):
    def contrast(take):
        shown = np.flatnonzero(take.labels == "stand")[:20]
        diff = np.abs(take.frames[shown].astype(int) - take.background.astype(int)).sum(-1)
        return diff[take.masks[shown]].mean()

    assert contrast(variant_takes["camouflage"]) < contrast(clean_take)


def test_moving_object_changes_the_empty_frames(variant_takes):
    take = variant_takes["moving-object"]
    changed = [
        np.abs(take.frames[t].astype(int) - take.background).max() > 30 for t in range(1, 10)
    ]
    assert any(changed)


def test_ambiguous_frames_carry_a_move_label(quick):
    for rec in quick:
        assert not set(rec.labels[rec.ambiguous]) & {"empty", "stand"}


def test_front_and_roundhouse_kicks_share_their_peak_but_not_their_path():
    front = moves._right_keys("front_kick", 1.0, 0.0)
    round_ = moves._right_keys("roundhouse_kick", 1.0, 0.0)
    peak = moves._kick_peak(1.0)
    assert any(keys == peak for _, keys in front) and any(keys == peak for _, keys in round_)
    assert front[1][1] != round_[1][1]  # the chambers differ


def test_variants_differ_from_clean_only_by_their_nuisance(clean_take, variant_takes):
    for name, take in variant_takes.items():
        assert list(take.labels) == list(clean_take.labels), name
        assert name in take.meta["nuisances"]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"n_subjects": 0}, "n_subjects"),
        ({"nuisances": ("fog",)}, "valid: lighting"),
        ({"size": (40, 30)}, "too small"),
    ],
)
def test_bad_configuration_fails_with_one_line_listing_what_is_valid(change, words):
    with pytest.raises(ValueError) as info:
        dataclasses.replace(SynthConfig(), **change)
    message = str(info.value)
    assert words in message and "valid" in message and "\n" not in message


def test_unknown_variant_or_profile_is_refused(plugin):
    with pytest.raises(ValueError, match="valid: clean"):
        plugin("fog")
    with pytest.raises(ValueError, match="valid: quick, full"):
        plugin(profile="huge").config()


def refuse_to_render(spec, folder):
    """Stands in for the store's take writer where every take must come from the cache (it
    raises in joblib's worker processes too)."""
    raise AssertionError(f"take {spec.id} was rendered again instead of read from the cache")


def test_second_load_is_served_from_the_cache(plugin, quick, monkeypatch):
    from harness.synth import store

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(Path(quick[0].frames.filename).parents[2]))
    monkeypatch.setattr(store, "_write_take", refuse_to_render)
    again = plugin(profile="quick", seed=0).load()
    assert [r.fingerprint for r in again] == [r.fingerprint for r in quick]
    assert np.array_equal(again[0].frames[-1], quick[0].frames[-1])


def _peak_frame(take, label: str) -> int:
    frames = np.flatnonzero((take.labels == label) & ~take.ambiguous)
    assert len(frames), f"no {label} frame"
    runs = np.split(frames, np.flatnonzero(np.diff(frames) > 1) + 1)
    run = max(runs, key=len)
    return int(run[len(run) // 2])


def test_rendering_new_takes_deletes_takes_of_older_renderer_code(tmp_path, monkeypatch):
    from harness.synth.store import NAMESPACE, load_recordings

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    old = tmp_path / NAMESPACE / "00000000-oldtake"
    busy = tmp_path / NAMESPACE / ".tmp-being-written"
    old.mkdir(parents=True)
    busy.mkdir()
    config = SynthConfig(n_subjects=1, n_scenes=1, takes_per_subject=1, take_seconds=(5.0, 5.0))
    (rec,) = load_recordings(config, n_jobs=1)
    assert not old.exists() and busy.exists()
    assert Path(rec.frames.filename).parent.parent == tmp_path / NAMESPACE


class _BatchOnlyBackend(ThreadingBackend):
    """Like Ray's joblib backend: results come back as a list, never as a generator."""

    supports_return_generator = False


def test_takes_render_on_a_joblib_backend_that_cannot_stream_results(tmp_path, monkeypatch):
    from harness.synth.store import load_recordings

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    register_parallel_backend("batch-only", _BatchOnlyBackend)
    config = SynthConfig(n_subjects=1, n_scenes=1, takes_per_subject=1, take_seconds=(2.0, 2.0))
    with parallel_config(backend="batch-only"):
        (rec,) = load_recordings(config, n_jobs=2)
    assert len(rec.frames) == len(rec.labels) > 0
