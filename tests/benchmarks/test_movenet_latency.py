"""Latency of the MoveNet pose methods on one raw 320x240 camera frame (target: 20 ms).

Run with ``pytest tests/benchmarks --benchmark-only``. The timed call is ``predict`` on one
sample with caches bypassed, as the harness's latency probe makes it: letterbox, resize to
192x192, MoveNet Lightning, pose features and the classifier, from the raw frame. For
``movenet-pose-seq`` the probe's window of 8 raw frames is all run through MoveNet (an upper
bound: a game keeps the last 7 frames' keypoints), so it is timed per window.
"""

import numpy as np
import pytest
from _plugins import plugin
from _targets import meets_target

from harness import cache
from harness.api import Recording, get_task
from harness.samples import task_samples

#: MoveNet Lightning is ~9 ms per frame on a 2-core CPU; the classifier well under 1 ms.
TARGET_SECONDS = {"movenet-pose": 0.020, "movenet-pose-seq": 0.160}
TASK = {"movenet-pose": "punch-kick-other", "movenet-pose-seq": "action"}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))


def _samples(task: str):
    """Two subjects' takes of noise frames at webcam size, labelled in turn."""
    rng = np.random.default_rng(0)
    labels = ["stand", "punch_left", "front_kick_right"] * 8
    recordings = [
        Recording(s, rng.integers(0, 255, (24, 240, 320, 3), np.uint8), labels, subject=s)
        for s in ("a", "b")
    ]
    return task_samples(recordings, get_task(task), window=8)


@pytest.mark.parametrize("name", list(TARGET_SECONDS))
def test_movenet_predict_one_raw_frame_latency(benchmark, name):
    entry = plugin("methods", name)
    if not entry.available:
        pytest.skip(entry.reason)
    samples = _samples(TASK[name])
    method = entry.create(hidden=(16,), max_iter=20).fit(samples)
    method.warm_up()
    one = samples.subset(np.array([3])).without_labels()
    with cache.bypassed():
        # a window costs 8 MoveNet calls (~75 ms): fewer rounds keep the CI step short
        rounds = 20 if name == "movenet-pose-seq" else 60
        benchmark.pedantic(method.predict, args=(one,), rounds=rounds, warmup_rounds=3)
    meets_target(benchmark, TARGET_SECONDS[name])
