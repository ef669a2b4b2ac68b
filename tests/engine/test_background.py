"""harness.background: estimating the empty scene of a take with someone moving in it."""

import numpy as np
import pytest

from harness.background import estimate_background


def _clip_with_walking_figure(frames: int = 30, height: int = 60, width: int = 80):
    """A textured static scene with a bright figure crossing it, and the scene itself."""
    rng = np.random.default_rng(0)
    scene = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    clip = np.repeat(scene[None], frames, axis=0)
    for t in range(frames):
        x = t * (width - 10) // frames
        clip[t, 10:50, x : x + 10] = (250, 240, 230)
    return clip, scene


@pytest.mark.parametrize("method", ["median", "mog2"])
def test_background_estimator_recovers_scene_behind_moving_figure(method):
    clip, scene = _clip_with_walking_figure()
    estimate = estimate_background(clip, method=method)
    assert estimate.shape == scene.shape and estimate.dtype == np.uint8
    wrong = np.abs(estimate.astype(int) - scene.astype(int)) > 10
    assert wrong.mean() < 0.01


@pytest.mark.parametrize("method", ["median", "mog2"])
def test_background_estimator_uses_only_first_frames(method):
    clip, scene = _clip_with_walking_figure()
    # 40 black frames after the first 30: a majority, so an estimator reading them (median
    # or the dominant mode) would return a black scene.
    late_change = np.concatenate([clip, np.zeros((40, *clip.shape[1:]), np.uint8)])
    first_only = estimate_background(late_change, method=method, n_frames=30)
    np.testing.assert_array_equal(first_only, estimate_background(clip, method=method))
    if method == "median":
        np.testing.assert_array_equal(first_only, scene)


def test_background_estimator_accepts_grayscale_stacks():
    clip, scene = _clip_with_walking_figure()
    estimate = estimate_background(clip[..., 1], method="mog2")
    assert estimate.shape == scene.shape[:2]


@pytest.mark.parametrize(
    "frames, method",
    [
        (np.zeros((5, 10, 10, 3), np.float32), "median"),
        (np.zeros((0, 10, 10, 3), np.uint8), "median"),
        (np.zeros((10, 10), np.uint8), "median"),
        (np.zeros((5, 10, 10, 3), np.uint8), "mean"),
    ],
)
def test_background_estimator_rejects_bad_input_with_clear_error(frames, method):
    with pytest.raises(ValueError, match="estimate_background"):
        estimate_background(frames, method=method)
