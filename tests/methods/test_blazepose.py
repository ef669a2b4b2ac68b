"""The BlazePose methods' features and presets, and classic-mask's silhouette."""

from __future__ import annotations

import numpy as np
import pytest
from _plugins import helper, plugin

from harness.api import BlazePoseLandmarks, BlazePoseMask, Silhouette

_features = helper("methods", "_pose_features.py")
BlazePose = plugin("methods", "blazepose").cls


def _pose(seed: int = 0) -> np.ndarray:
    """One plausible BlazePose feature row (33, 8): pixels, visibility, world metres."""
    rng = np.random.default_rng(seed)
    rows = np.zeros((33, 8), np.float32)
    rows[:, :2] = rng.uniform(60, 220, (33, 2))
    rows[:, 2] = rng.normal(0, 20, 33)
    rows[:, 3:5] = rng.uniform(0.5, 1.0, (33, 2))
    rows[:, 5:] = rng.normal(0, 0.4, (33, 3))
    return rows


def _rows(landmarks: str, features: np.ndarray) -> np.ndarray:
    return BlazePose(landmarks=landmarks)._rows(features)


def test_image_world_and_both_feature_rows():
    poses = np.stack([_pose(0), _pose(1)])
    image, world, both = (_rows(kind, poses) for kind in ("image", "world", "both"))
    assert image.shape[0] == world.shape[0] == 2
    assert both.shape[1] == image.shape[1] + world.shape[1] - 33  # world alone adds visibility
    assert np.isfinite(both).all()


def test_world_rows_do_not_depend_on_where_the_person_stands_in_the_image():
    pose = _pose(0)
    moved = pose.copy()
    moved[:, :2] = moved[:, :2] * 1.7 + 40  # nearer the camera and to the right
    np.testing.assert_allclose(_rows("world", moved[None]), _rows("world", pose[None]))
    np.testing.assert_allclose(_rows("image", moved[None]), _rows("image", pose[None]), atol=1e-5)
    changed = pose.copy()
    changed[15, 5:] += 0.3  # the left wrist moved in 3-D
    assert not np.allclose(_rows("world", changed[None]), _rows("world", pose[None]))


def test_nobody_gives_finite_rows():
    for kind in ("image", "world", "both"):
        assert np.isfinite(_rows(kind, np.zeros((1, 33, 8), np.float32))).all()


def test_sequence_rows_hold_every_frame_and_its_change():
    seq = plugin("methods", "blazepose-seq").create()
    window = np.stack([_pose(i) for i in range(4)])[None]
    assert seq._rows(window).shape == (1, 4 * 2 * _rows("both", window[0]).shape[1])


def test_an_unknown_landmark_choice_is_one_clear_line():
    with pytest.raises(ValueError, match="landmarks must be one of"):
        _rows("heatmaps", _pose()[None])


def test_the_presets_choose_the_landmarks_and_the_extractor_follows_the_parameters():
    assert plugin("methods", "blazepose-world").create().landmarks == "world"
    assert plugin("methods", "blazepose-image").create().landmarks == "image"
    method = BlazePose(model="full", smooth=True)
    assert method.extractor == BlazePoseLandmarks(model="full", smooth=True)
    assert not method.uses_background()


def test_the_blazepose_skeleton_has_hands_and_feet():
    names = _features.BLAZEPOSE.names
    pairs = {(names[a], names[b]) for a, b in _features.BLAZEPOSE.pairs}
    assert ("left_heel", "left_foot_index") in pairs and ("right_wrist", "right_index") in pairs


def test_classic_mask_reads_the_learned_mask_and_needs_no_empty_scene():
    mask = plugin("methods", "classic-mask").create()
    tuned = plugin("methods", "classic-tuned").create()
    assert isinstance(mask.extractor, BlazePoseMask) and not mask.uses_background()
    assert isinstance(tuned.extractor, Silhouette) and tuned.uses_background()
    assert mask.extractor.shape == tuned.extractor.shape  # the same head runs unchanged
    with pytest.raises(ValueError, match="silhouette must be"):
        plugin("methods", "classic-tuned").create(silhouette="edges").extractor  # noqa: B018
