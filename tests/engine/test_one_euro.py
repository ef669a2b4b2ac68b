"""The One-Euro landmark smoother: still when still, quick when moving."""

from __future__ import annotations

import numpy as np
import pytest

from harness.extractors.blazepose.one_euro import LANDMARKS, OneEuroFilter, OneEuroSettings

FPS = 30.0
BODY = 200.0  # body size in pixels: MediaPipe scales speeds by 1 / this


def _run(smoother: OneEuroFilter, values) -> np.ndarray:
    return np.array([smoother(v, i / FPS, 1.0 / BODY) for i, v in enumerate(values)])


def test_a_constant_signal_passes_unchanged():
    values = np.broadcast_to(np.array([[120.5, 88.0, -3.0]] * 33), (60, 33, 3))
    np.testing.assert_allclose(_run(OneEuroFilter(LANDMARKS), values), values, atol=1e-9)


def test_jitter_is_reduced():
    rng = np.random.default_rng(0)
    still = 100.0 + rng.normal(0.0, 1.0, (300, 33, 2))  # 1 px jitter on a 200 px body
    smoothed = _run(OneEuroFilter(LANDMARKS), still)
    # Measured: 0.59 of the raw spread with MediaPipe's landmark preset.
    assert smoothed[30:].std() < 0.7 * still[30:].std()


def test_a_step_is_followed_with_little_lag():
    step = np.r_[np.full(30, 100.0), np.full(30, 200.0)]  # half a body in one frame
    smoothed = _run(OneEuroFilter(LANDMARKS), step)
    assert abs(smoothed[31] - 200.0) < 5.0  # within 5 % of the step two frames on
    # Without the speed term (beta 0) the same cutoff lags far behind: the point of 1-Euro.
    slow = _run(OneEuroFilter(OneEuroSettings(min_cutoff=LANDMARKS.min_cutoff)), step)
    assert slow[39] < 150.0


def test_time_running_backwards_leaves_the_value_and_the_state_alone():
    smoother = OneEuroFilter(LANDMARKS)
    smoother(np.array([1.0]), 1.0)
    np.testing.assert_array_equal(smoother(np.array([50.0]), 1.0), [50.0])
    np.testing.assert_allclose(smoother(np.array([1.0]), 2.0), [1.0])


def test_reset_forgets_the_past():
    smoother = OneEuroFilter(OneEuroSettings(min_cutoff=0.01))
    smoother(np.array([0.0]), 0.0)
    smoother.reset()
    np.testing.assert_array_equal(smoother(np.array([42.0]), 0.1), [42.0])


def test_a_non_positive_cutoff_is_refused():
    with pytest.raises(ValueError, match="cutoff"):
        OneEuroFilter(OneEuroSettings(min_cutoff=0.0))
