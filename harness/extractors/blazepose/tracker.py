"""BlazePose's two-stage pipeline over a take: detect once, then track.

As MediaPipe's ``pose_landmark_cpu.pbtxt``: the person detector runs on the first frame;
the landmark model runs on the aligned crop it gives; every later frame's crop comes from
the previous frame's auxiliary landmarks, so the detector runs again only when the pose
presence falls below ``min_presence``. One deliberate difference: when tracking loses the
pose, MediaPipe answers "nobody" for that frame and detects on the next; here the detector
runs on the same frame at once, so a game loses no frame to a recovery it could make.

When the detector finds several people, :func:`harness.player.pick_player` picks the
player among their full-body boxes (the square around the circle that keypoints 0 and 1
describe), with the player's last box, built the same way from the tracked auxiliary
landmarks (None at the start of a take).

Optionally the landmarks are smoothed with MediaPipe's One-Euro presets
(:mod:`.one_euro`) for streaming: image landmarks scaled by the body's size, world
landmarks in metres, and the auxiliary points that set the next crop (smoothed hardest,
so the crop holds still).
"""

from __future__ import annotations

import time

import numpy as np

from harness.extractors.blazepose import one_euro
from harness.extractors.blazepose.detector import MIN_SCORE, load_detector
from harness.extractors.blazepose.landmarks import (
    MIN_PRESENCE,
    PoseResult,
    estimate,
    load_landmark_model,
)
from harness.extractors.blazepose.roi import body_box, roi_from_detection, roi_from_landmarks
from harness.player import pick_player
from harness.recording import as_frame_batch


class BlazePoseTracker:
    """Stateful BlazePose for one take (a stream of consecutive frames).

    Parameters
    ----------
    complexity
        Landmark model: "lite" or "full".
    with_mask
        Also return the person segmentation mask warped to the frame (costs time).
    with_segmentation
        Also return the crop's raw segmentation logits (cheap; map them yourself).
    smooth
        Smooth landmarks over time with the One-Euro filter (streaming use).
    refine
        Refine landmarks with the model's heatmaps, as MediaPipe does.
    min_detection_score, min_presence
        MediaPipe's ``min_detection_confidence`` and ``min_tracking_confidence``.

    Attributes
    ----------
    detector_calls
        How many times the detector has run since construction.
    """

    def __init__(
        self,
        complexity: str = "lite",
        *,
        with_mask: bool = False,
        with_segmentation: bool = False,
        smooth: bool = False,
        refine: bool = True,
        min_detection_score: float = MIN_SCORE,
        min_presence: float = MIN_PRESENCE,
    ):
        # The models are loaded once per process: a tracker is only the state of one take.
        self.landmark_model = load_landmark_model(complexity)
        self.detector = load_detector(min_detection_score)
        self.with_mask = with_mask
        self.with_segmentation = with_segmentation
        self.smooth = smooth
        self.refine = refine
        self.min_presence = min_presence
        self.detector_calls = 0
        self._filters = {
            "landmarks": one_euro.OneEuroFilter(one_euro.LANDMARKS),
            "world": one_euro.OneEuroFilter(one_euro.WORLD_LANDMARKS),
            "auxiliary": one_euro.OneEuroFilter(one_euro.AUXILIARY),
        }
        self.reset()

    def reset(self) -> None:
        """Start a new take: no crop to track, no player yet, filters emptied."""
        self._player_box = None
        self._lose()

    def _lose(self) -> None:
        """The pose is gone: detect on the next frame and restart the filters, but keep the
        player's last box so the player rule can find the same person again."""
        self._roi = None
        for smoother in self._filters.values():
            smoother.reset()

    def _detect(self, frame: np.ndarray) -> PoseResult:
        self.detector_calls += 1
        detections = self.detector.detect(frame)
        if not detections:
            return PoseResult.nobody(detected=True)
        chosen = pick_player(
            np.stack([d.body_box for d in detections]),
            frame.shape[:2],
            previous=self._player_box,
            scores=np.array([d.score for d in detections]),
        )
        roi = roi_from_detection(detections[chosen].keypoints)
        result = self._estimate(frame, roi)
        result.detected = True
        return result

    def _estimate(self, frame: np.ndarray, roi) -> PoseResult:
        return estimate(
            self.landmark_model,
            frame,
            roi,
            refine=self.refine,
            with_mask=self.with_mask,
            with_segmentation=self.with_segmentation,
            min_presence=self.min_presence,
        )

    def _smoothed(self, result: PoseResult, timestamp: float) -> None:
        """Filter ``result`` in place (MediaPipe scales image speeds by the body's size)."""
        auxiliary = result.auxiliary
        size = 2.0 * float(np.linalg.norm(auxiliary[1] - auxiliary[0]))
        scale = 1.0 / size if size > 1e-6 else 1.0
        xyz = self._filters["landmarks"](result.landmarks[:, :3], timestamp, scale)
        result.landmarks[:, :3] = xyz
        result.world_landmarks = self._filters["world"](result.world_landmarks, timestamp)
        result.auxiliary = self._filters["auxiliary"](auxiliary, timestamp, scale)

    def process(self, frame: np.ndarray, timestamp: float | None = None) -> PoseResult:
        """The result for the next frame of the take (live use).

        Parameters
        ----------
        frame
            uint8 RGB (H, W, 3).
        timestamp
            Seconds, increasing; only the smoother uses it (default: the monotonic clock).
        """
        frames = as_frame_batch(frame, "BlazePose")
        if len(frames) != 1:
            raise ValueError(f"BlazePose: process() takes one frame, got {len(frames)}")
        frame = frames[0]
        if self._roi is None:
            result = self._detect(frame)
        else:
            result = self._estimate(frame, self._roi)
            if not result.found:  # lost: look for the person again in this very frame
                result = self._detect(frame)
        if not result.found:
            self._lose()
            return result
        if self.smooth:
            self._smoothed(result, time.monotonic() if timestamp is None else timestamp)
        self._roi = roi_from_landmarks(result.auxiliary)
        self._player_box = body_box(result.auxiliary[0], result.auxiliary[1])
        return result

    def process_take(self, frames: np.ndarray, fps: float = 30.0) -> list[PoseResult]:
        """Results for every frame of one take, from a fresh start.

        Parameters
        ----------
        frames
            uint8 RGB (T, H, W, 3), consecutive frames.
        fps
            Frame rate, for the smoother's timestamps.
        """
        frames = as_frame_batch(frames, "BlazePose")
        self.reset()
        return [self.process(frame, index / fps) for index, frame in enumerate(frames)]
