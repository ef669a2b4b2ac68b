"""Latency of BlazePose on one raw 320x240 camera frame (target: 15 ms, lite, tracking on).

Run with ``python -m pytest tests/benchmarks/test_blazepose_latency.py --benchmark-only``.
The timed call is :meth:`BlazePoseTracker.process` on a frame whose person was found on the
previous frame, so the crop comes from the last landmarks and the detector does not run:
crop, landmark model, heatmap refinement and the map back to frame pixels (no mask). The
other benchmarks time the parts: the detector alone (what a lost person costs on top), the
lite and full landmark models on a crop, and the mask's post-processing.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from _plugins import SQUAT, require_weights
from _targets import meets_target, without_target

TARGET_SECONDS = 0.015
ROUNDS = dict(rounds=100, warmup_rounds=10)


def _webcam_frame() -> np.ndarray:
    """The squat photo letterboxed into a 320x240 RGB frame, as a webcam would give it."""
    photo = cv2.cvtColor(cv2.imread(str(SQUAT)), cv2.COLOR_BGR2RGB)
    scale = 240 / photo.shape[0]
    person = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = np.full((240, 320, 3), 200, np.uint8)
    left = (320 - person.shape[1]) // 2
    frame[:, left : left + person.shape[1]] = person[:, : 320 - left]
    return frame


def test_blazepose_tracked_frame_latency(benchmark):
    require_weights("pose_detection.tflite", "pose_landmark_lite.tflite", photo=SQUAT)
    from harness.extractors.blazepose import BlazePoseTracker

    frame = _webcam_frame()
    tracker = BlazePoseTracker("lite", with_mask=False)
    assert tracker.process(frame).found  # the first frame detects; the rest are tracked
    calls = tracker.detector_calls
    benchmark.extra_info["target_seconds"] = TARGET_SECONDS
    benchmark.extra_info["frame"] = "320x240, lite, ROI tracking on, mask off"
    result = benchmark.pedantic(tracker.process, args=(frame,), **ROUNDS)
    assert result.found and tracker.detector_calls == calls  # every timed frame was tracked
    meets_target(benchmark, TARGET_SECONDS)


@pytest.mark.parametrize("part", ["detector", "landmarks-lite", "landmarks-full", "mask"])
def test_blazepose_part_latency(benchmark, part):
    require_weights(
        "pose_detection.tflite",
        "pose_landmark_lite.tflite",
        "pose_landmark_full.tflite",
        photo=SQUAT,
    )
    from harness.extractors.blazepose.detector import PoseDetector
    from harness.extractors.blazepose.landmarks import LandmarkModel, segmentation_to_frame
    from harness.extractors.blazepose.roi import crop_image
    from harness.extractors.blazepose.tracker import BlazePoseTracker

    frame = _webcam_frame()
    roi = BlazePoseTracker("lite").process(frame).roi
    crop = crop_image(frame, roi)
    benchmark.extra_info["frame"] = "320x240"
    if part == "detector":
        detector = PoseDetector()
        benchmark.pedantic(detector.detect, args=(frame,), **ROUNDS)
    elif part == "mask":
        logits = LandmarkModel("lite").run(crop).segmentation
        benchmark.pedantic(segmentation_to_frame, args=(logits, roi, frame.shape), **ROUNDS)
    else:
        model = LandmarkModel(part.split("-")[1])
        benchmark.pedantic(model.run, args=(crop,), **ROUNDS)
    without_target(benchmark, "a part of the tracked frame (or of a lost person's frame)")


def test_blazepose_method_live_frame_latency(benchmark):
    """What a game pays per camera frame for ``blazepose``: its live stream's ``push`` (the
    tracker on the last frame's crop, pose features, the MLP). Target 15 ms, as above."""
    require_weights("pose_detection.tflite", "pose_landmark_lite.tflite", photo=SQUAT)
    from _plugins import plugin

    from harness.api import Recording, get_task
    from harness.samples import task_samples

    frame = _webcam_frame()
    frames = np.stack([np.roll(frame, 4 * (t % 6), axis=1) for t in range(12)])
    take = Recording("squats", frames, ["squat", "stand"] * 6, "s1")
    samples = task_samples([take], get_task("posture"))
    method = plugin("methods", "blazepose").create(hidden=(16,), max_iter=20).fit(samples)
    stream = method.stream(samples.task)
    for warm in frames:
        stream.push(warm)
    benchmark.extra_info["frame"] = "320x240, lite, ROI tracking on, features + MLP"
    label = benchmark.pedantic(stream.push, args=(frame,), **ROUNDS)
    assert label in ("squat", "stand")
    meets_target(benchmark, TARGET_SECONDS)
