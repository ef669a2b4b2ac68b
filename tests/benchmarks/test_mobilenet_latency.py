"""Latency of the MobileNet methods on one raw 320x240 camera frame (target: 10 ms at 0.25).

Run with ``pytest tests/benchmarks --benchmark-only``. The timed call is ``predict`` on one
sample with caches bypassed, as the harness's latency probe makes it: resize to 100 x 56,
preprocessing, the frozen backbone and the dense head, from the raw frame.
"""

import numpy as np
import pytest
from _plugins import plugin
from _targets import meets_target

from harness import cache
from harness.api import Recording, get_task
from harness.extractors.backbones import backbone_missing_reason
from harness.samples import task_samples

# The target is 10 ms at width 0.25; the others are budgets, not targets
# (full frame: ~8 ms on an idle 2-core CPU, up to ~13 ms while other jobs load it).
TARGET_SECONDS = {
    "mobilenet-0.25": 0.010,
    "mobilenet-0.25@240x320": 0.015,
    "mobilenet-1.0-tflite": 0.020,
}


def _samples(task: str):
    """Two subjects' takes of noise frames at webcam size, labelled in turn."""
    rng = np.random.default_rng(0)
    labels = ["stand", "punch_left", "kick_right"] * 8
    recordings = [
        Recording(s, rng.integers(0, 255, (24, 240, 320, 3), np.uint8), labels, subject=s)
        for s in ("a", "b")
    ]
    return task_samples(recordings, get_task(task))


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))


@pytest.mark.deep
@pytest.mark.parametrize("backbone", list(TARGET_SECONDS))
@pytest.mark.parametrize("task", ["punch-binary", "punch-kick-other"])
@pytest.mark.parametrize("name", ["mobilenet", "mobilenet-blog"])
def test_mobilenet_predict_one_raw_frame_latency(benchmark, name, task, backbone):
    pytest.importorskip("tensorflow")
    if backbone_missing_reason(backbone):
        pytest.skip(backbone_missing_reason(backbone))
    samples = _samples(task)
    make = plugin("methods", name).create
    method = make(backbone=backbone, augment="none", frame_every=1, epochs=2, binary_epochs=2)
    method.fit(samples)
    method.warm_up()
    one = samples.subset(np.array([3])).without_labels()
    with cache.bypassed():
        # 12 cases: 50 rounds each keep the CI step short and the median stable
        benchmark.pedantic(method.predict, args=(one,), rounds=50, warmup_rounds=10)
    meets_target(benchmark, TARGET_SECONDS[backbone])
