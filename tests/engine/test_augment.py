"""The blog's augmentation: deterministic, right size, and label-aware on flips."""

import cv2
import numpy as np
import pytest

from harness.augment import RECIPES, augment, flip_flags, frame_keys, write_augmentation_grid
from harness.labels import KEYPOINT_NAMES


def _frames(n=3, seed=0):
    """Frames whose left half is brighter than their right half, so a flip is visible."""
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 60, (n, 120, 160, 3), dtype=np.uint8)
    frames[:, :, :80] += 150
    return frames


def test_blog_recipe_makes_16_copies_at_100_by_56():
    images, labels = augment(_frames(2), ["stand", "punch_left"], "blog", seed=0)
    assert images.shape == (32, 56, 100, 3) and images.dtype == np.uint8
    assert len(labels) == 32
    assert RECIPES["blog"].copies == 16


def test_same_seed_gives_same_copies_and_other_seed_differs():
    frames = _frames()
    first, _ = augment(frames, None, "blog", copies=4, seed=7)
    again, _ = augment(frames, None, "blog", copies=4, seed=7)
    other, _ = augment(frames, None, "blog", copies=4, seed=8)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_copies_of_a_frame_depend_only_on_seed_and_key_not_on_the_batch():
    frames = _frames(4)
    keys = frame_keys("recording-a", np.arange(4))
    whole, _ = augment(frames, None, "blog", copies=3, seed=1, keys=keys)
    alone, _ = augment(frames[2:3], None, "blog", copies=3, seed=1, keys=keys[2:3])
    np.testing.assert_array_equal(whole[6:9], alone)


def test_flip_swaps_left_and_right_labels():
    frames = _frames(1)
    images, labels = augment(frames, ["punch_left"], "flip", copies=32, seed=3)
    bright_left = images[:, :, :50].mean(axis=(1, 2, 3)) > images[:, :, 50:].mean(axis=(1, 2, 3))
    assert set(labels) == {"punch_left", "punch_right"}  # 32 fair coins: both sides occur
    np.testing.assert_array_equal(labels == "punch_right", ~bright_left)


def test_blog_recipe_swaps_exactly_the_labels_of_flipped_copies():
    keys = np.arange(5)
    _, labels = augment(_frames(5), ["kick_right"] * 5, "blog", copies=16, seed=2, keys=keys)
    flipped = flip_flags("blog", 16, 2, keys).ravel()
    np.testing.assert_array_equal(labels == "kick_left", flipped)
    assert 0 < flipped.mean() < 1


def test_noflip_recipe_never_swaps_labels():
    _, labels = augment(_frames(2), ["punch_left", "kick_right"], "blog-noflip", copies=8)
    assert set(labels[:8]) == {"punch_left"} and set(labels[8:]) == {"kick_right"}


def test_flip_mirrors_keypoints_and_swaps_left_and_right_joints():
    frames = _frames(1)
    points = np.zeros((1, len(KEYPOINT_NAMES), 2))
    points[0, KEYPOINT_NAMES.index("left_wrist")] = (40, 60)  # on the 160 x 120 frame
    images, labels, out = augment(
        frames, ["punch_left"], "flip", copies=16, seed=0, keypoints=points
    )
    wrist_l, wrist_r = KEYPOINT_NAMES.index("left_wrist"), KEYPOINT_NAMES.index("right_wrist")
    for label, kp in zip(labels, out, strict=True):
        x = 40 * 100 / 160  # resized to 100 wide
        if label == "punch_right":
            assert kp[wrist_r, 0] == pytest.approx(100 - 1 - x)
            assert kp[wrist_l, 0] == pytest.approx(100 - 1)  # the zero joint, mirrored
        else:
            assert kp[wrist_l, 0] == pytest.approx(x)


def test_none_recipe_returns_frames_unchanged():
    frames = _frames(2)
    images, labels = augment(frames, ["stand", "squat"], "none")
    assert images is frames and list(labels) == ["stand", "squat"]


def test_unknown_recipe_is_a_one_line_error():
    with pytest.raises(ValueError, match="unknown augmentation recipe 'fancy'; valid: blog"):
        augment(_frames(1), None, "fancy")


def test_augmentation_grid_is_a_readable_png(tmp_path):
    path = write_augmentation_grid(_frames(6), ["punch_left"] * 6, tmp_path / "grid.png", copies=3)
    image = cv2.imread(str(path))
    assert image is not None
    assert image.shape[0] == 4 * (56 * 2 + 14) and image.shape[1] == 4 * 100 * 2


def test_copies_can_be_made_at_another_size():
    images, _ = augment(_frames(1), None, "blog", copies=2, size=(120, 160))
    assert images.shape == (2, 120, 160, 3)
