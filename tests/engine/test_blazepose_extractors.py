"""The BlazePose extractors: landmarks of the followed player, their mirror, the learned mask.

Real frames: the squat photo (a real person) in a 320x240 webcam-sized frame, sliding a
few pixels per frame so the tracker has a take to follow.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from _people import photo, require

from harness import cache
from harness.api import Recording, get_task
from harness.extractors.blazepose_extractors import (
    BlazePoseLandmarks,
    BlazePoseMask,
    mirror_landmarks,
)
from harness.samples import Samples


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def take() -> np.ndarray:
    """Six 320x240 frames of the squat photo sliding right 3 px a frame, then nobody."""
    require("pose_detection.tflite", "pose_landmark_lite.tflite")
    image = photo()
    person = cv2.resize(image, None, fx=240 / image.shape[0], fy=240 / image.shape[0])
    frame = np.full((240, 320, 3), 200, np.uint8)
    left = (320 - person.shape[1]) // 2
    frame[:, left : left + person.shape[1]] = person[:, : 320 - left]
    frames = [np.roll(frame, 3 * t, axis=1) for t in range(6)]
    return np.stack(frames + [np.full_like(frame, 200)])


def test_landmarks_are_in_frame_pixels_with_world_landmarks_and_zeros_for_nobody(take):
    features = BlazePoseLandmarks().embed_take(take, None, 15.0)
    assert features.shape == (7, 33, 8) and features.dtype == np.float32
    found = features[:6]
    assert (found[:, :, 4] > 0.5).mean() > 0.9  # presence
    assert (found[:, :, 0] >= -20).all() and (found[:, :, 0] <= 340).all()  # x in pixels
    nose, hips = found[:, 0, 1], found[:, [23, 24], 1].mean(axis=1)
    assert (nose < hips).all()  # the head is above the hips
    assert np.abs(found[:, [23, 24], 5:].mean(axis=1)).max() < 0.1  # world: hip-centred
    assert np.diff(found[:, [23, 24], 0].mean(axis=1)).mean() == pytest.approx(3, abs=1.5)
    assert not features[6].any()  # nobody: all zeros


def test_the_mirror_is_the_flipped_frame_within_a_few_pixels(take):
    extractor = BlazePoseLandmarks()
    direct = extractor.embed_take(take[:6], None, 15.0)
    flipped = extractor.embed_take(np.ascontiguousarray(take[:6, :, ::-1]), None, 15.0)
    derived = extractor.mirror(direct, 320)
    distance = np.linalg.norm(derived[..., :2] - flipped[..., :2], axis=-1)
    assert np.median(distance) < 3.0  # px; measured 1.4
    assert np.abs(derived[..., 5:] - flipped[..., 5:]).mean() < 0.08  # m; measured 0.04
    np.testing.assert_allclose(mirror_landmarks(derived, 320), direct, atol=1e-4)  # involution
    assert not extractor.mirror(np.zeros((1, 33, 8), np.float32), 320).any()


def test_a_recording_is_tracked_as_one_take_and_equals_the_live_stream(take):
    recording = Recording("squat", take, ["squat"] * 6 + ["empty"], "s1")
    extractor = BlazePoseLandmarks()
    cached = extractor.of_recording(recording)
    live = extractor.live()
    np.testing.assert_array_equal(np.stack([live(frame) for frame in take]), cached)
    windows = Samples(get_task("action"), [recording], np.zeros(4, int), np.arange(3, 7), 4)
    with cache.bypassed():
        raw = extractor.of_samples(windows)
    np.testing.assert_array_equal(raw, cached[np.arange(3, 7)[:, None] + np.arange(-3, 1)])


def test_the_mask_histograms_are_the_silhouette_of_the_person(take):
    histograms = BlazePoseMask().embed_take(take, None, 15.0)
    assert histograms.shape == (7, 700) and histograms.dtype == np.uint16
    columns, rows = histograms[:, :400].astype(int), histograms[:, 400:].astype(int)
    np.testing.assert_array_equal(columns.sum(axis=1), rows.sum(axis=1))  # both count pixels
    area = columns[:6].sum(axis=1) / (400 * 300)
    assert ((area > 0.1) & (area < 0.5)).all()  # a person, not the wall
    assert not histograms[6].any()  # nobody: an empty silhouette
    # The person slides right: so do the columns' centres of mass (400/320 px per px).
    centre = (columns[:6] * np.arange(400)).sum(axis=1) / columns[:6].sum(axis=1)
    assert np.diff(centre).mean() == pytest.approx(3 * 400 / 320, abs=2)


def test_landmarks_and_mask_share_one_tracker_pass_per_recording(take):
    recording = Recording("squat", take, ["squat"] * 6 + ["empty"], "s1")
    landmarks = BlazePoseLandmarks().of_recording(recording)
    histograms = BlazePoseMask().of_recording(recording)
    np.testing.assert_array_equal(landmarks, BlazePoseLandmarks().embed_take(take, None, 15.0))
    np.testing.assert_array_equal(histograms, BlazePoseMask().embed_take(take, None, 15.0))
    assert BlazePoseMask()._shared.is_cached(recording)


def test_the_mask_mirror_reverses_the_columns_only():
    features = np.arange(700, dtype=np.uint16)[None]
    mirrored = BlazePoseMask().mirror(features, 320)
    np.testing.assert_array_equal(mirrored[0, :400], np.arange(400)[::-1])
    np.testing.assert_array_equal(mirrored[0, 400:], np.arange(400, 700))


def test_a_bad_model_name_is_one_clear_line():
    with pytest.raises(ValueError, match="model must be one of"):
        BlazePoseLandmarks(model="heavy").weights()
