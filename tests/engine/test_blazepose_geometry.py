"""BlazePose's geometry without the models: anchors, detection decoding, the aligned crop."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.extractors.blazepose.anchors import AnchorOptions, ssd_anchors
from harness.extractors.blazepose.detector import decode, letterbox_matrix, weighted_nms
from harness.extractors.blazepose.roi import (
    CROP_SIZE,
    Roi,
    alignment_roi,
    crop_image,
    crop_to_frame,
    frame_to_crop,
    normalize_radians,
    roi_from_detection,
)

# -- anchors -----------------------------------------------------------------------------------


def test_pose_detector_anchors_are_mediapipes_2254():
    anchors = ssd_anchors()
    assert anchors.shape == (2254, 4)
    # fixed_anchor_size: every anchor is 1 x 1; centres at (cell + 0.5) / map size.
    np.testing.assert_array_equal(anchors[:, 2:], 1.0)
    np.testing.assert_allclose(anchors[0], [0.5 / 28, 0.5 / 28, 1, 1])  # stride 8: 28x28
    np.testing.assert_allclose(anchors[1], anchors[0])  # 2 anchors per cell
    np.testing.assert_allclose(anchors[2], [1.5 / 28, 0.5 / 28, 1, 1])
    np.testing.assert_allclose(anchors[1568], [0.5 / 14, 0.5 / 14, 1, 1])  # stride 16: 14x14
    np.testing.assert_allclose(anchors[1960:1966, :2], [[0.5 / 7, 0.5 / 7]] * 6)  # 3 layers x 2
    np.testing.assert_allclose(anchors[-1], [6.5 / 7, 6.5 / 7, 1, 1])


def test_anchor_count_follows_the_strides_and_shared_feature_maps():
    one_layer = AnchorOptions(num_layers=1, strides=(32,), input_height=64, input_width=96)
    assert len(ssd_anchors(one_layer)) == 2 * 3 * 2  # 2x3 cells, ratio 1 + interpolated
    with pytest.raises(ValueError, match="strides"):
        ssd_anchors(AnchorOptions(num_layers=2, strides=(8,)))


# -- detection decoding ------------------------------------------------------------------------


def test_decode_places_boxes_and_keypoints_relative_to_their_anchor():
    anchors = np.array([[0.25, 0.5, 1, 1], [0.75, 0.5, 1, 1]], np.float32)
    raw = np.zeros((2, 12), np.float32)
    raw[1, :4] = [22.4, -22.4, 44.8, 89.6]  # centre +0.1, -0.1; size 0.2 x 0.4 (of 224)
    raw[1, 4:6] = [11.2, 0.0]  # keypoint 0 at +0.05 in x
    boxes, keypoints, scores = decode(raw, np.array([-5.0, 3.0]), anchors, min_score=0.5)
    assert len(boxes) == 1  # sigmoid(-5) is below 0.5
    np.testing.assert_allclose(boxes[0], [0.75, 0.2, 0.95, 0.6], atol=1e-6)
    np.testing.assert_allclose(keypoints[0, 0], [0.8, 0.5], atol=1e-6)
    np.testing.assert_allclose(scores, [1 / (1 + math.exp(-3.0))])


def test_decode_clips_huge_logits_instead_of_overflowing():
    anchors = np.array([[0.5, 0.5, 1, 1]] * 2, np.float32)
    _, _, scores = decode(np.zeros((2, 12)), np.array([1e6, -1e6], np.float32), anchors, 0.0)
    assert np.all(np.isfinite(scores)) and scores[0] == pytest.approx(1.0)


def test_weighted_nms_merges_overlapping_detections_by_score():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], float)
    keypoints = np.zeros((3, 4, 2))
    keypoints[:, 0, 0] = [0.0, 4.0, 55.0]
    scores = np.array([0.9, 0.3, 0.8])
    merged = weighted_nms(boxes, keypoints, scores, threshold=0.3)
    assert [score for _, _, score in merged] == [0.9, 0.8]
    np.testing.assert_allclose(merged[0][0], [0.25, 0, 10.25, 10])  # (0*0.9 + 1*0.3) / 1.2
    assert merged[0][1][0, 0] == pytest.approx(1.0)
    np.testing.assert_allclose(merged[1][0], boxes[2])


def test_letterbox_maps_the_frame_centred_into_the_square_input():
    matrix = letterbox_matrix(240, 320, 224)  # landscape: padding above and below
    corners = np.array([[0, 0, 1], [320, 240, 1]], float) @ matrix.T
    np.testing.assert_allclose(corners, [[0, 28], [224, 196]])


# -- the aligned crop --------------------------------------------------------------------------


def test_an_upright_body_gives_an_unrotated_crop_of_2_5_times_the_radius():
    roi = alignment_roi((100.0, 300.0), (100.0, 200.0))  # scale point straight above the hips
    assert roi.rotation == pytest.approx(0.0)
    assert roi.size == pytest.approx(2 * 100 * 1.25)
    assert (roi.x_centre, roi.y_centre) == (100.0, 300.0)


def test_the_crop_turns_the_hip_to_scale_point_line_upright():
    hips, scale_point = np.array([200.0, 300.0]), np.array([260.0, 200.0])  # leaning right
    roi = roi_from_detection(np.array([hips, scale_point, [0, 0], [0, 0]]))
    assert roi.rotation == pytest.approx(math.atan2(60, 100))  # clockwise on screen
    inside = frame_to_crop([hips, scale_point], roi)
    np.testing.assert_allclose(inside[0], [CROP_SIZE / 2, CROP_SIZE / 2])
    assert inside[1, 0] == pytest.approx(CROP_SIZE / 2)  # straight above the hips in the crop
    assert inside[1, 1] < inside[0, 1]


def test_normalize_radians_wraps_into_minus_pi_to_pi():
    assert normalize_radians(3 * math.pi / 2) == pytest.approx(-math.pi / 2)
    assert normalize_radians(math.pi) == pytest.approx(-math.pi)
    assert normalize_radians(0.3) == pytest.approx(0.3)


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-500, 1500),
    y=st.floats(-500, 1500),
    size=st.floats(8, 2000),
    rotation=st.floats(-math.pi, math.pi),
    point=st.tuples(st.floats(-1000, 2000), st.floats(-1000, 2000)),
)
def test_a_point_mapped_into_the_crop_and_back_is_where_it_was(x, y, size, rotation, point):
    roi = Roi(x, y, size, rotation)
    back = crop_to_frame(frame_to_crop([point], roi), roi)
    np.testing.assert_allclose(back[0], point, atol=1e-6 * max(1.0, abs(point[0]) + abs(point[1])))


def test_the_cropped_image_shows_the_frame_where_the_maps_say():
    frame = np.zeros((240, 320, 3), np.uint8)
    cv2.circle(frame, (200, 90), 3, (255, 255, 255), -1)
    roi = Roi(160.0, 120.0, 200.0, 0.7)
    crop = crop_image(frame, roi)
    assert crop.shape == (CROP_SIZE, CROP_SIZE, 3)
    expected = frame_to_crop([[200.0, 90.0]], roi)[0]
    ys, xs = np.nonzero(crop[:, :, 0] > 128)
    np.testing.assert_allclose([xs.mean(), ys.mean()], expected, atol=1.5)
