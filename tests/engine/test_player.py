"""The player rule: largest and most central at the start, then followed by overlap."""

from __future__ import annotations

import numpy as np
import pytest

from harness.player import box_iou, pick_player, start_scores

FRAME = (480, 640)  # height, width


def test_no_candidate_means_no_player():
    assert pick_player(np.zeros((0, 4)), FRAME) is None


def test_the_larger_and_central_person_is_picked_at_the_start():
    passer_by = [20, 200, 120, 460]  # small, at the left edge
    player = [220, 60, 420, 470]  # large, central
    assert pick_player([passer_by, player], FRAME) == 1
    assert pick_player([player, passer_by], FRAME) == 0


def test_centrality_beats_a_slightly_larger_box_at_the_edge():
    edge = [0, 0, 260, 480]  # a bit larger, but its centre is far from the frame's
    centre = [210, 20, 430, 470]
    scores = start_scores([edge, centre], FRAME)
    assert scores[1] > scores[0]
    assert pick_player([edge, centre], FRAME) == 1


def test_the_player_is_followed_even_when_the_other_person_becomes_larger():
    player = np.array([220, 60, 420, 470])
    other = np.array([20, 200, 120, 460])
    assert pick_player([other, player], FRAME) == 1
    previous = player
    for step in range(1, 6):  # the other person walks towards the camera and grows
        grown = np.array([0, 0, 200 + 50 * step, 480])
        moved = player + np.array([10, 0, 10, 0]) * step
        assert pick_player([grown, moved], FRAME, previous=previous) == 1
        previous = moved
    # By now a fresh start would take the other person: only the tracking keeps the player.
    assert pick_player([grown, moved], FRAME) == 0


def test_a_nearby_player_who_moved_fast_is_still_followed():
    previous = np.array([100, 100, 200, 400])
    jumped = np.array([230, 100, 330, 400])  # no overlap, centre 130 px away (< 1 diagonal)
    far_and_central = np.array([400, 40, 600, 470])
    assert box_iou(previous, [jumped])[0] == 0
    assert pick_player([far_and_central, jumped], FRAME, previous=previous) == 1


def test_a_lost_player_is_picked_again_by_the_start_rule():
    previous = np.array([0, 0, 60, 120])
    far_small = np.array([560, 360, 600, 460])
    central = np.array([220, 60, 420, 470])
    assert pick_player([far_small, central], FRAME, previous=previous) == 1


def test_ties_go_to_the_higher_detector_score():
    box = [220, 60, 420, 470]
    assert pick_player([box, box], FRAME, scores=[0.6, 0.9]) == 1


def test_iou_of_identical_disjoint_and_half_overlapping_boxes():
    box = np.array([0, 0, 10, 10])
    np.testing.assert_allclose(box_iou(box, [box, [20, 20, 30, 30], [5, 0, 15, 10]]), [1, 0, 1 / 3])


def test_bad_candidates_get_one_clear_error():
    with pytest.raises(ValueError, match="finite"):
        pick_player([[0, 0, np.nan, 1]], FRAME)
    with pytest.raises(ValueError, match="scores"):
        pick_player([[0, 0, 1, 1]], FRAME, scores=[0.5, 0.5])
