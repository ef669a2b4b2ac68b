"""BlazePose as feature extractors: the player's landmarks, and their learned silhouette.

Both run MediaPipe's two-stage BlazePose (:mod:`harness.extractors.blazepose`) over each
take in order: the detector finds the player (:func:`harness.player.pick_player` among
several people), the landmark model then follows them from frame to frame on the crop its
last landmarks give, and the detector runs again only when the pose is lost. So they are
*stateful* extractors: a recording is one take, a live stream keeps one tracker.

- :class:`BlazePoseLandmarks`: per frame (33, 8): ``x, y`` (frame pixels), ``z`` (depth,
  same scale, relative to the hips), visibility, presence, then the world landmarks
  ``wx, wy, wz`` (metres, hip-centred). Zeros when nobody is found (presence 0).
- :class:`BlazePoseMask`: BlazePose's person segmentation, warped to movement.js's
  400 x 300 frame and thresholded, as the same column and row histograms as
  :class:`~harness.extractors.silhouette.Silhouette` (uint16 (700,)): a silhouette that
  needs no empty scene.

A recording's tracker pass is shared: both extractors read one cached pass
(:class:`BlazePoseTake`, landmarks and histograms side by side) when their tracker
settings agree, so a run holding both pays for BlazePose once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from harness.extractors.base import Extractor
from harness.extractors.blazepose.landmarks import (
    LANDMARK_NAMES,
    MODELS,
    NUM_LANDMARKS,
    PoseResult,
    segmentation_to_frame,
)
from harness.extractors.blazepose.tracker import BlazePoseTracker
from harness.extractors.silhouette import HEIGHT, WIDTH, histograms
from harness.labels import swap_side

DETECTOR_WEIGHTS = "pose_detection.tflite"
#: Columns of one landmark row: image landmark, then world landmark.
COLUMNS = ("x", "y", "z", "visibility", "presence", "wx", "wy", "wz")
#: Index permutation taking a pose to its mirror image's (left <-> right landmarks).
FLIP_ORDER = np.asarray([LANDMARK_NAMES.index(swap_side(n)) for n in LANDMARK_NAMES])
_LANDMARK_SIZE = NUM_LANDMARKS * len(COLUMNS)
#: Person probability above which a mask pixel is the player's (the segmentation's midpoint).
MASK_THRESHOLD = 0.5


def landmark_rows(result: PoseResult) -> np.ndarray:
    """(33, 8) float32 rows of one :class:`PoseResult` (zeros when no pose was found)."""
    rows = np.zeros((NUM_LANDMARKS, len(COLUMNS)), np.float32)
    if result.found:
        rows[:, :5] = result.landmarks
        rows[:, 5:] = result.world_landmarks
    return rows


def person_mask(result: PoseResult, frame_shape, threshold: float) -> np.ndarray:
    """The player's mask in movement.js's 400 x 300 frame: uint8 (300, 400), 1 where the
    person probability is above ``threshold`` (all 0 when no pose was found)."""
    if not result.found:
        return np.zeros((HEIGHT, WIDTH), np.uint8)
    size = (WIDTH, HEIGHT)
    probability = segmentation_to_frame(result.segmentation, result.roi, frame_shape, size)
    return (probability > threshold).astype(np.uint8)


def mask_histograms(result: PoseResult, frame_shape, threshold: float) -> np.ndarray:
    """uint16 (700,): column and row histograms of :func:`person_mask`."""
    columns, rows = histograms(person_mask(result, frame_shape, threshold))
    return np.concatenate([columns, rows]).astype(np.uint16)


def mirror_landmarks(features: np.ndarray, width: int) -> np.ndarray:
    """Rows (..., 33, 8) of the horizontally flipped frame: x -> width - 1 - x, world x
    negated, and left and right landmarks trade places (a found pose stays found)."""
    out = np.array(features, dtype=np.float32, copy=True)
    found = out[..., :1, 4:5] > 0  # presence: zeros (nobody) stay zeros
    out[..., 0] = np.where(found[..., 0], width - 1 - out[..., 0], 0.0)
    out[..., 5] = -out[..., 5]
    return out[..., FLIP_ORDER, :]


@dataclass(frozen=True)
class _Tracking(Extractor):
    """What both extractors share: the tracker's settings (fields) and its files.

    ``model``: "lite" or "full" landmark model; ``smooth``: One-Euro smoothing of the
    landmarks (MediaPipe's presets; it also steadies the crop); ``refine``: heatmap
    refinement of the landmarks, as MediaPipe does.
    """

    stateful = True
    model: str = "lite"
    smooth: bool = False
    refine: bool = True

    def requirements(self) -> tuple[str, ...]:
        return ("ai_edge_litert", "scipy")

    def weights(self) -> tuple[str, ...]:
        if self.model not in MODELS:
            raise ValueError(
                f"BlazePose: model must be one of {sorted(MODELS)}, not {self.model!r}"
            )
        return (DETECTOR_WEIGHTS, MODELS[self.model])

    def _tracker(self, segmentation: bool) -> BlazePoseTracker:
        self.weights()  # a bad model name fails here, in one line
        return BlazePoseTracker(
            self.model, smooth=self.smooth, refine=self.refine, with_segmentation=segmentation
        )

    @property
    def _shared(self) -> BlazePoseTake:
        """The shared pass with these tracker settings."""
        return _take(self.model, self.smooth, self.refine)


def _tracking_step(tracker: BlazePoseTracker, fps: float, features):
    """``frame -> features(result, frame)`` over consecutive frames at ``fps``."""
    count = iter(range(1 << 62))

    def step(frame: np.ndarray) -> np.ndarray:
        return features(tracker.process(frame, next(count) / fps), frame)

    return step


@dataclass(frozen=True)
class BlazePoseTake(_Tracking):
    """One tracker pass with everything both extractors keep: (33 * 8 + 700,) float32."""

    kind = "blazepose-take"
    shape = (_LANDMARK_SIZE + WIDTH + HEIGHT,)

    def track(self, background, fps):
        def both(result: PoseResult, frame: np.ndarray) -> np.ndarray:
            rows = landmark_rows(result).ravel()
            return np.concatenate([rows, mask_histograms(result, frame.shape, MASK_THRESHOLD)])

        return _tracking_step(self._tracker(segmentation=True), fps, both)


@functools.cache
def _take(model: str, smooth: bool, refine: bool) -> BlazePoseTake:
    return BlazePoseTake(model, smooth, refine)


@dataclass(frozen=True)
class BlazePoseLandmarks(_Tracking):
    """The player's 33 BlazePose landmarks and world landmarks per frame: (33, 8)."""

    kind = "blazepose"
    shape = (NUM_LANDMARKS, len(COLUMNS))

    def track(self, background, fps):
        rows = lambda result, frame: landmark_rows(result)  # noqa: E731
        return _tracking_step(self._tracker(segmentation=False), fps, rows)

    def _compute(self, recording) -> np.ndarray:
        shared = self._shared.of_recording(recording)
        return shared[:, :_LANDMARK_SIZE].reshape(len(shared), *self.shape)

    def mirror(self, features: np.ndarray, width: int) -> np.ndarray:
        return mirror_landmarks(features, width)


@dataclass(frozen=True)
class BlazePoseMask(_Tracking):
    """Column and row histograms of BlazePose's person mask at 400 x 300: uint16 (700,).

    ``threshold``: the person probability above which a pixel is the player's.
    """

    kind = "blazepose-mask"
    dtype = np.uint16
    shape = (WIDTH + HEIGHT,)
    threshold: float = MASK_THRESHOLD

    def track(self, background, fps):
        def masks(result: PoseResult, frame: np.ndarray) -> np.ndarray:
            return mask_histograms(result, frame.shape, self.threshold)

        return _tracking_step(self._tracker(segmentation=True), fps, masks)

    def _compute(self, recording) -> np.ndarray:
        if self.threshold != MASK_THRESHOLD:  # the shared pass keeps the default threshold only
            return super()._compute(recording)
        shared = self._shared.of_recording(recording)
        return shared[:, _LANDMARK_SIZE:].astype(np.uint16)

    def mirror(self, features: np.ndarray, width: int) -> np.ndarray:
        """The columns run the other way; the rows stay."""
        return np.concatenate([features[..., :WIDTH][..., ::-1], features[..., WIDTH:]], -1)

    def mask(self, frame: np.ndarray, background: np.ndarray | None = None) -> np.ndarray:
        """The 400 x 300 silhouette of one frame, found afresh (for explanations; the
        ``background`` is not used, it is there to match :meth:`Silhouette.mask`)."""
        result = self._tracker(segmentation=True).process(frame)
        return person_mask(result, frame.shape, self.threshold)
