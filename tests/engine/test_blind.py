"""What ``predict`` gets: blind takes (frames and scene, no truth), as views."""

import pickle

import numpy as np
import pytest

from harness.recording import LabelsHidden, Recording
from harness.samples import task_samples
from harness.tasks import get_task


def _take() -> Recording:
    frames = np.random.default_rng(0).integers(0, 255, (6, 8, 10, 3), np.uint8)
    return Recording(
        "a", frames, ["stand"] * 3 + ["punch_left"] * 3, "s1",
        background=frames[0], ambiguous=[0, 0, 0, 1, 0, 0],
        keypoints=np.zeros((6, 14, 2)), masks=np.ones((6, 8, 10), bool),
    )  # fmt: skip


def test_a_blind_take_keeps_pixels_scene_and_fingerprint_and_hides_the_truth():
    take = _take()
    blind = take.blind()
    assert np.shares_memory(blind.frames, take.frames) and blind.background is take.background
    assert blind.fingerprint == take.fingerprint  # cached features stay valid
    assert blind.keypoints is None and blind.masks is None and not blind.ambiguous.any()
    assert len(blind.labels) == len(take) and blind.is_blind and not take.is_blind
    for read in (
        lambda labels: labels[0],
        lambda labels: list(labels),
        lambda labels: np.asarray(labels, dtype=object),
        lambda labels: labels == "stand",
        lambda labels: "stand" in labels,
    ):
        with pytest.raises(LabelsHidden, match="must not read recording.labels"):
            read(blind.labels)
    assert pickle.loads(pickle.dumps(blind)).is_blind  # worker processes get it blind too


def test_samples_without_labels_point_into_blind_takes_and_keep_their_order():
    take = _take()
    samples = task_samples([take], get_task("posture"))
    blind = samples.without_labels()
    assert blind.y is None and list(blind.end) == list(samples.end)
    assert all(r.is_blind for r in blind.recordings)
    np.testing.assert_array_equal(blind.frames(), samples.frames())
    assert blind.without_labels().recordings[0] is blind.recordings[0]  # no second copy
    assert not take.is_blind and samples.y is not None  # the original is untouched
