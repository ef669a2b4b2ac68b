"""classic-tuned: box-normalised histogram features and a classifier tuned per subject."""

import cv2
import numpy as np
import pytest
from _plugins import REPO, helper, plugin

from harness.api import Recording, get_task
from harness.extractors.silhouette import histograms
from harness.samples import task_samples

mv = helper("methods", "_movement.py")
Tuned = plugin("methods", "classic-tuned").cls

POSTURES = ("empty", "stand", "punch_left", "punch_right", "kick_left", "kick_right", "squat")


def person(kind: str, x: int, scale: float, rng) -> np.ndarray:
    """A 300 x 400 mask of a small stick-like figure at column ``x``, ``scale`` tall.

    Far smaller than movement.js's rules expect: only a box-normalised view reads it.
    """
    mask = np.zeros((300, 400), np.uint8)
    if kind == "empty":
        return mask
    s = scale * (1 + rng.normal(0, 0.05))
    foot = 280
    if kind == "squat":
        top = int(foot - 70 * s)
        cv2.rectangle(mask, (x - int(25 * s), top), (x + int(25 * s), foot), 1, -1)
        return mask
    top = int(foot - 140 * s)
    cv2.rectangle(mask, (x - int(10 * s), top), (x + int(10 * s), foot), 1, -1)  # body
    arm_y, leg_y = int(top + 25 * s), int(foot - 40 * s)
    reach = int(45 * s)
    # The performer's right side is on the image's left (unmirrored camera).
    side = -1 if kind.endswith("_right") else 1
    if kind.startswith("punch"):
        end = x + side * (int(10 * s) + reach)
        cv2.line(mask, (x, arm_y), (end, arm_y), 1, max(2, int(6 * s)))
    elif kind.startswith("kick"):
        end = x + side * (int(10 * s) + reach)
        cv2.line(mask, (x, leg_y), (end, leg_y - int(15 * s)), 1, max(2, int(8 * s)))
    return mask


def take(subject: int, frames_per_posture: int = 12) -> Recording:
    """One subject's take: each posture at varying places, with camera noise."""
    rng = np.random.default_rng(subject)
    scene = rng.integers(20, 120, (240, 320, 3), np.uint8)
    scale = 0.8 + 0.1 * subject
    frames, labels = [], []
    for kind in POSTURES:
        for _ in range(frames_per_posture):
            mask = person(kind, int(rng.integers(120, 280)), scale, rng)
            big = cv2.resize(mask, (320, 240), interpolation=cv2.INTER_NEAREST) > 0
            frame = scene.copy()
            frame[big] = rng.integers(170, 250, 3)
            noise = rng.normal(0, 6, frame.shape)
            frames.append(np.clip(frame + noise, 0, 255).astype(np.uint8))
            labels.append(kind)
    return Recording(
        f"t{subject}", np.stack(frames), np.array(labels), f"s{subject}", background=scene
    )


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Keep the feature cache of these tests out of the user's cache folder."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))


@pytest.fixture(scope="module")
def posture_samples():
    return task_samples([take(s) for s in range(5)], get_task("posture"))


def test_features_ignore_where_the_silhouette_stands():
    rng = np.random.default_rng(0)
    left = person("punch_right", 150, 1.0, rng)
    right = np.roll(left, 100, axis=1)
    a = mv.features(*histograms(left), n_bins=16)
    b = mv.features(*histograms(right), n_bins=16)
    np.testing.assert_allclose(a[:32], b[:32])  # both histograms: the same
    assert b[32 + mv.SHAPE_FEATURES.index("centre_x")] > a[32 + mv.SHAPE_FEATURES.index("centre_x")]


def test_features_of_an_empty_mask_are_finite():
    empty = np.zeros((300, 400), np.uint8)
    assert np.isfinite(mv.features(*histograms(empty))).all()


def test_resample_keeps_the_mean_of_a_histogram():
    hist = np.random.default_rng(1).integers(0, 300, 123)
    np.testing.assert_allclose(mv.resample(hist, 0, 123, 16).mean(), hist.mean())
    np.testing.assert_allclose(mv.resample(np.full(50, 7), 0, 50, 16), 7.0)


def test_bounding_box_ignores_a_speck_of_noise():
    mask = np.zeros((300, 400), np.uint8)
    mask[50:250, 150:250] = 1
    mask[5, 5] = 1
    x0, x1, y0, y1 = mv.bounding_box(*histograms(mask))
    # At most 1 % of the mass is trimmed per side: the box hugs the block, not the speck.
    assert 148 <= x0 <= 152 and 248 <= x1 <= 250 and 48 <= y0 <= 52 and 248 <= y1 <= 250


def test_tuned_beats_chance_on_held_out_subjects(posture_samples):
    from sklearn.metrics import f1_score

    test = posture_samples.groups == "s4"
    train = posture_samples.subset(~test)
    held_out = posture_samples.subset(test)
    method = Tuned(random_state=0).fit(train)
    predicted = method.predict(held_out.without_labels())
    assert set(predicted) <= set(posture_samples.classes)
    assert method.best_params_  # chosen by grouped cross-validation
    # Measured 1.0 (seed 0): block figures on a noisy still scene are segmented exactly and
    # their shapes differ plainly; chance is 1/7. A drop below 0.95 is a regression.
    assert f1_score(held_out.y, predicted, average="macro") > 0.95


def test_tuned_predict_proba_follows_task_classes(posture_samples):
    method = Tuned(classifier="logreg").fit(posture_samples)
    one = posture_samples.subset(np.array([0, 50])).without_labels()
    proba = method.predict_proba(one)
    assert proba.shape == (2, len(posture_samples.classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_tuned_rejects_unknown_classifier(posture_samples):
    with pytest.raises(ValueError, match="unknown classifier"):
        Tuned(classifier="svm").fit(posture_samples)


MK_SYNTH = REPO / "datasets" / "mk_synth.py"


@pytest.mark.slow
@pytest.mark.skipif(not MK_SYNTH.is_file(), reason="datasets/mk_synth.py is not there yet")
def test_tuned_beats_chance_on_mk_synth_held_out_subject(monkeypatch):
    from sklearn.metrics import f1_score

    monkeypatch.delenv("HARNESS_CACHE_DIR")  # the rendered dataset lives in the user's cache
    dataset = plugin("datasets", "mk-synth").create(arg="clean", profile="quick", seed=0)
    samples = task_samples(dataset.load(), get_task("punch-kick-other"))
    held_out = samples.groups == np.unique(samples.groups)[-1]
    method = Tuned(random_state=0).fit(samples.subset(~held_out))
    test = samples.subset(held_out)
    predicted = method.predict(test.without_labels())
    chance = f1_score(test.y, np.full(len(test), "other"), average="macro")
    # Measured 0.46 against 0.30 for always answering "other" (seed 0, last subject held
    # out): three training performers, rendered shadows and clothes; the floor sits 0.04 below.
    assert f1_score(test.y, predicted, average="macro") > 0.42 > chance + 0.1
