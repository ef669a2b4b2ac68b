"""The live overlay: shapes, dtype, where each drawing lands, and tiny frames."""

from __future__ import annotations

import numpy as np
import pytest

from harness.labels import ACTION_LABELS, KEYPOINT_NAMES
from harness.live.overlay import (
    BLAZEPOSE_33,
    BLAZEPOSE_33_EDGES,
    COCO_17,
    COCO_17_EDGES,
    HARNESS_15_EDGES,
    annotate,
    attach_panel,
    draw_move,
    draw_probabilities,
    draw_skeleton,
    draw_stats,
)

H, W = 240, 320


def _grey(h=H, w=W) -> np.ndarray:
    return np.full((h, w, 3), 90, np.uint8)


def _changed(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    return (before != after).any(axis=2)


def test_every_drawing_returns_a_new_rgb_uint8_frame_and_leaves_the_input_alone():
    frame = _grey()
    keep = frame.copy()
    outputs = [
        draw_move(frame, "punch", 0.9),
        draw_stats(frame, 31.2, 14.0),
        draw_probabilities(frame, {"punch": 0.7, "kick": 0.2, "other": 0.1}),
        draw_skeleton(frame, np.full((17, 3), 50.0), COCO_17_EDGES),
    ]
    for out in outputs:
        assert out.shape == frame.shape and out.dtype == np.uint8 and out is not frame
    np.testing.assert_array_equal(frame, keep)


def test_the_move_is_written_at_the_top_left_and_the_stats_at_the_top_right():
    frame = _grey()
    move = _changed(frame, draw_move(frame, "roundhouse_kick_right"))
    ys, xs = np.nonzero(move)
    assert ys.max() < H // 4 and xs.min() < 5 and xs.max() <= 0.6 * W + 6
    stats = _changed(frame, draw_stats(frame, 30.0, 12.0))
    ys, xs = np.nonzero(stats)
    assert ys.max() < H // 6 and xs.min() > W // 2 and xs.max() < W
    assert not _changed(frame, draw_stats(frame, None, None)).any()


def test_a_bar_grows_with_its_probability():
    frame = _grey()

    def punch_bar(p: float) -> int:
        out = draw_probabilities(frame, {"punch": p, "other": 1 - p}, highlight="other")
        rows = np.nonzero(_changed(frame, out))[0]
        assert rows.min() > H // 2  # bars sit in the bottom half
        punch_row = rows.min() + 3  # classes are drawn in order, punch first
        bars = out[punch_row, int(0.22 * W) + 4 :]  # right of the labels
        return int((bars[:, 2] > 200).sum())  # the blue of a bar that is not the highlight

    assert punch_bar(0.9) > 5 * punch_bar(0.1) > 0
    assert punch_bar(0.0) == 0


def test_the_skeleton_draws_bones_between_confident_joints_only():
    frame = np.zeros((H, W, 3), np.uint8)
    points = np.zeros((17, 3))
    points[:, :2] = -100  # off the frame: nothing of them shows
    i, j = COCO_17.index("left_shoulder"), COCO_17.index("left_elbow")
    points[i] = (50, 60, 0.9)
    points[j] = (150, 60, 0.9)
    out = draw_skeleton(frame, points, COCO_17_EDGES)
    assert out[60, 100].any()  # the middle of the upper arm
    points[j, 2] = 0.1
    out = draw_skeleton(frame, points, COCO_17_EDGES, threshold=0.3)
    assert not out[60, 100].any() and out[60, 50].any()  # the shoulder joint alone
    two_d = draw_skeleton(frame, points[:, :2], COCO_17_EDGES)  # no scores: all shown
    assert two_d[60, 100].any()
    with pytest.raises(ValueError, match=r"\(J, 2\) or \(J, 3\)"):
        draw_skeleton(frame, np.zeros((17, 4)), COCO_17_EDGES)


@pytest.mark.parametrize(
    "names, edges, expected",
    [(COCO_17, COCO_17_EDGES, 16), (BLAZEPOSE_33, BLAZEPOSE_33_EDGES, 35)]
    + [(KEYPOINT_NAMES, HARNESS_15_EDGES, 14)],
)
def _components(n_joints, edges) -> int:
    parent = list(range(n_joints))

    def root(j):
        while parent[j] != j:
            j = parent[j]
        return j

    for a, b in edges:
        parent[root(a)] = root(b)
    return len({root(j) for j in range(n_joints)})


@pytest.mark.parametrize(
    "names, edges, n_edges, n_parts",
    # BlazePose draws the face (nose, eyes, ears) and the mouth apart from the body.
    [(COCO_17, COCO_17_EDGES, 18, 1), (BLAZEPOSE_33, BLAZEPOSE_33_EDGES, 35, 3)]
    + [(KEYPOINT_NAMES, HARNESS_15_EDGES, 14, 1)],
)
def test_the_edge_lists_reach_every_joint(names, edges, n_edges, n_parts):
    assert len(edges) == n_edges and len({tuple(sorted(e)) for e in edges}) == n_edges
    assert {j for edge in edges for j in edge} == set(range(len(names)))
    assert _components(len(names), edges) == n_parts


def test_a_panel_is_composed_beside_or_below_with_its_aspect_kept():
    frame, panel = _grey(), np.full((60, 40, 3), 200, np.uint8)
    right = attach_panel(frame, panel, "right")
    assert right.shape == (H, W + 160, 3) and right.dtype == np.uint8
    assert (right[:, W:] == 200).all() and (right[:, :W] == 90).all()
    below = attach_panel(frame, panel[:, :, 0], "below")  # a grey panel is fine too
    assert below.shape == (H + 480, W, 3)
    with pytest.raises(ValueError, match="right' or 'below"):
        attach_panel(frame, panel, "left")


@pytest.mark.parametrize("h, w", [(240, 320), (48, 64), (12, 16), (1, 1)])
def test_everything_at_once_fits_small_frames(h, w):
    probabilities = {name: 1 / len(ACTION_LABELS) for name in ACTION_LABELS}
    out = annotate(
        _grey(h, w),
        move="front_kick_left",
        confidence=0.8,
        probabilities=probabilities,
        fps=29.7,
        latency_ms=33.3,
        keypoints=np.random.default_rng(0).uniform(0, max(h, w), (17, 3)),
        panel=np.zeros((30, 20, 3), np.uint8),
    )
    assert out.dtype == np.uint8 and out.shape[0] == h and out.shape[1] > w


def test_text_on_a_320x240_frame_stays_inside_it():
    frame = _grey()
    out = annotate(frame, move="roundhouse_kick_right", confidence=1.0, fps=123.4, latency_ms=999)
    changed = _changed(frame, out)
    assert changed[:, :4].any() and changed[:, -4:].any()  # move left, stats right ...
    ys = np.nonzero(changed)[0]
    assert ys.max() < H // 4  # ... and both at the top, without overlapping rows below
