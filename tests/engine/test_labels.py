import numpy as np
import pytest

from harness.labels import (
    ACTION_LABELS,
    FINE_LABELS,
    KEYPOINT_NAMES,
    action_label,
    fine_label,
    mirror,
    swap_side,
)


def test_swap_side_swaps_left_and_right_and_keeps_the_rest():
    assert swap_side("punch_left") == "punch_right"
    assert swap_side("roundhouse_kick_right") == "roundhouse_kick_left"
    assert swap_side("left_wrist") == "right_wrist"
    assert swap_side("squat") == "squat"


@pytest.mark.parametrize("label", FINE_LABELS + ACTION_LABELS)
def test_swapping_twice_is_the_identity_and_stays_in_the_taxonomy(label):
    assert swap_side(swap_side(label)) == label
    assert swap_side(label) in set(FINE_LABELS + ACTION_LABELS)


def test_mirror_flips_frame_keypoints_mask_and_swaps_labels():
    frame = np.zeros((4, 6, 3), np.uint8)
    frame[1, 0] = 255  # a bright pixel on the image's left edge
    mask = frame[..., 0] > 0
    keypoints = np.zeros((len(KEYPOINT_NAMES), 2))
    left_wrist = KEYPOINT_NAMES.index("left_wrist")
    keypoints[left_wrist] = (0, 1)
    flipped, labels, points, flipped_mask = mirror(frame, ["punch_left", "stand"], keypoints, mask)
    assert flipped[1, 5, 0] == 255 and flipped[1, 0, 0] == 0
    assert list(labels) == ["punch_right", "stand"]
    assert flipped_mask[1, 5] and not flipped_mask[1, 0]
    # The joint that was the left wrist now sits at x = W - 1 and is named the right wrist.
    assert tuple(points[KEYPOINT_NAMES.index("right_wrist")]) == (5, 1)


def test_mirror_of_a_stack_flips_every_frame_and_twice_is_identity():
    frames = np.random.default_rng(0).integers(0, 255, (3, 5, 7, 3), dtype=np.uint8)
    once, label, _, _ = mirror(frames, "kick_left")
    assert label == "kick_right"
    np.testing.assert_array_equal(once[:, :, ::-1], frames)
    np.testing.assert_array_equal(mirror(once)[0], frames)


def test_action_labels_split_kicks_by_style_and_merge_back():
    assert action_label("kick_left", "front") == "front_kick_left"
    assert fine_label("roundhouse_kick_right") == "kick_right"
    assert action_label("punch_left", None) == "punch_left"
    with pytest.raises(ValueError, match="kick style"):
        action_label("kick_left", None)
