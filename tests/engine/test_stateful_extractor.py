"""Stateful extractors (trackers): whole takes in order, runs of frames, one tracker a stream.

The extractor here is a real tracker of the simplest kind: each frame's features are its
mean brightness and how many frames of the take it has seen so far, so any frame it was
not given, or given out of order, shows in the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from harness import cache
from harness.api import Extractor, Recording, get_task
from harness.samples import Samples


@dataclass(frozen=True)
class CountingTracker(Extractor):
    kind = "test-counting-tracker"
    stateful = True
    shape = (3,)

    def track(self, background, fps):
        seen = []

        def step(frame):
            seen.append(1)
            return np.array([frame.mean(), len(seen), fps], np.float32)

        return step


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))


def _take(n: int = 20, fps: float = 12.0) -> Recording:
    frames = np.stack([np.full((8, 10, 3), t, np.uint8) for t in range(n)])
    return Recording("a", frames, ["stand"] * n, "a", fps=fps)


def _windows(recording, ends, window) -> Samples:
    task = get_task("action" if window > 1 else "posture")
    ends = np.asarray(ends)
    return Samples(task, [recording], np.zeros(len(ends), int), ends, window)


def test_a_recording_is_one_take_tracked_from_its_first_frame_at_its_frame_rate():
    take = _take()
    features = CountingTracker().of_recording(take)
    np.testing.assert_array_equal(features[:, 0], np.arange(20))  # every frame, in order
    np.testing.assert_array_equal(features[:, 1], np.arange(1, 21))
    assert set(features[:, 2]) == {12.0}


def test_every_window_of_a_take_from_pixels_equals_the_cached_take():
    take = _take()
    extractor = CountingTracker()
    every = _windows(take, np.arange(3, 20), 4)
    cached = extractor.of_samples(every)
    with cache.bypassed():
        raw = extractor.of_samples(every)
    assert raw.shape == (17, 4, 3)
    np.testing.assert_array_equal(raw, cached)


def test_a_lone_window_from_pixels_is_a_take_of_its_own():
    take = _take()
    with cache.bypassed():
        lone = CountingTracker().of_samples(_windows(take, [12], 4))
    np.testing.assert_array_equal(lone[0, :, 0], [9, 10, 11, 12])
    np.testing.assert_array_equal(lone[0, :, 1], [1, 2, 3, 4])  # the tracker started at 9


def test_runs_of_frames_are_split_at_gaps_and_joined_where_they_touch():
    take = _take()
    with cache.bypassed():
        frames = CountingTracker().of_samples(_windows(take, [15, 2, 3, 4, 9], 1))
    # 2, 3, 4 are consecutive: one run; 9 and 15 are runs of their own.
    np.testing.assert_array_equal(frames[:, 0], [15, 2, 3, 4, 9])
    np.testing.assert_array_equal(frames[:, 1], [1, 1, 2, 3, 1])


def test_live_keeps_one_tracker_per_stream():
    extractor = CountingTracker()
    first, second = extractor.live(), extractor.live(fps=30.0)
    frame = np.zeros((8, 10, 3), np.uint8)
    assert [first(frame)[1] for _ in range(3)] == [1, 2, 3]
    assert second(frame).tolist() == [0.0, 1.0, 30.0]
    assert first(frame)[1] == 4


def test_embed_treats_its_frames_as_one_take():
    frames = np.stack([np.full((8, 10, 3), t, np.uint8) for t in range(5)])
    features = CountingTracker().embed(frames, None)
    np.testing.assert_array_equal(features[:, 1], [1, 2, 3, 4, 5])
