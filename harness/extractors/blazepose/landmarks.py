"""BlazePose's landmark model on the aligned crop, and its outputs in frame pixels.

The model (lite or full) takes a 256x256 RGB crop in [0, 1] and returns 39 landmarks
(33 body points and, among the rest, the two auxiliary points that give the next frame's
crop), each ``(x, y, z, visibility logit, presence logit)`` with x, y in crop pixels; a
pose presence probability; a 256x256 person segmentation (logits); 64x64 heatmaps (one
per landmark); and 39 world landmarks (metres, hip-centred, axes of the crop).

Post-processing follows ``tensors_to_pose_landmarks_and_segmentation.pbtxt``: sigmoid of
the visibility and presence logits; each landmark refined to the score-weighted mean of
the sigmoid heatmap in a 7x7 window around it when that window's peak is at least 0.5;
landmarks mapped out of the crop (:mod:`.roi`); world landmarks turned back by the crop's
rotation; the mask (sigmoid) warped back to the frame.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.special import expit

from harness.extractors.blazepose.roi import CROP_SIZE, Roi, crop_image, crop_to_frame, frame_matrix
from harness.extractors.blazepose.runtime import open_interpreter, output_indices

#: Landmark model files by complexity (MediaPipe's model_complexity 0 and 1).
MODELS = {"lite": "pose_landmark_lite.tflite", "full": "pose_landmark_full.tflite"}
#: Pose presence below which the pose is absent (MediaPipe's ``min_tracking_confidence``).
MIN_PRESENCE = 0.5
#: Heatmap refinement: window side and the peak needed to move a landmark.
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONFIDENCE = 0.5
#: The 33 body landmarks, MediaPipe's order; left/right are the person's own sides.
LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    *(f"{side}_eye{part}" for side in ("left", "right") for part in ("_inner", "", "_outer")),
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    *(
        f"{side}_{joint}"
        for joint in ("shoulder", "elbow", "wrist", "pinky", "index", "thumb")
        for side in ("left", "right")
    ),
    *(
        f"{side}_{joint}"
        for joint in ("hip", "knee", "ankle", "heel", "foot_index")
        for side in ("left", "right")
    ),
)
NUM_LANDMARKS = len(LANDMARK_NAMES)  # 33
_ALL = 39  # 33 + auxiliary points the model also predicts
_AUXILIARY = slice(33, 35)


def sigmoid(values):
    """Logistic function (logits -> probabilities), without overflow for large logits."""
    return expit(values)


@dataclass
class RawOutput:
    """The landmark model's outputs on one crop (crop pixels, logits as the model gives).

    Attributes
    ----------
    landmarks
        (39, 5) ``x, y, z, visibility logit, presence logit``; x, y, z in crop pixels.
    world
        (39, 3) metres, hip-centred, in the crop's axes.
    presence
        Pose presence probability.
    heatmap
        (64, 64, 39) heatmap logits (None when not fetched).
    segmentation
        (256, 256) person segmentation logits (None when not fetched).
    """

    landmarks: np.ndarray
    world: np.ndarray
    presence: float
    heatmap: np.ndarray | None
    segmentation: np.ndarray | None


class LandmarkModel:
    """A BlazePose landmark model (``complexity`` "lite" or "full")."""

    def __init__(self, complexity: str = "lite"):
        if complexity not in MODELS:
            raise ValueError(
                f"BlazePose: complexity must be one of {sorted(MODELS)}, got {complexity!r}"
            )
        self.complexity = complexity
        self.interpreter = open_interpreter(MODELS[complexity])
        self._input = self.interpreter.get_input_details()[0]["index"]
        out = output_indices(self.interpreter)
        self._outputs = [out[f"Identity{suffix}"] for suffix in ("", "_1", "_2", "_3", "_4")]

    def run(self, image: np.ndarray, heatmap: bool = True, segmentation: bool = True) -> RawOutput:
        """Outputs on one 256x256x3 RGB crop: uint8 (scaled to [0, 1] here) or float in [0, 1].

        ``heatmap`` and ``segmentation``: fetch those outputs (None otherwise); they are the
        large ones (640 kB and 256 kB a frame), so a caller that needs neither skips copying.
        """
        if image.shape != (CROP_SIZE, CROP_SIZE, 3):
            raise ValueError(f"BlazePose landmarks: crop must be (256, 256, 3), got {image.shape}")
        if image.dtype == np.uint8:
            tensor = np.multiply(image, 1.0 / 255.0, dtype=np.float32)
        else:
            tensor = image.astype(np.float32)
        self.interpreter.set_tensor(self._input, tensor[None])
        self.interpreter.invoke()
        landmarks, presence, mask, maps, world = self._outputs
        get = self.interpreter.get_tensor
        maps = get(maps) if heatmap else None
        return RawOutput(
            landmarks=get(landmarks).reshape(_ALL, 5).astype(np.float64),
            world=get(world).reshape(_ALL, 3).astype(np.float64),
            presence=float(get(presence).reshape(())),
            heatmap=None if maps is None else maps.reshape(maps.shape[-3:]),
            segmentation=get(mask).reshape(CROP_SIZE, CROP_SIZE) if segmentation else None,
        )


@functools.cache
def load_landmark_model(complexity: str = "lite") -> LandmarkModel:
    """The landmark model of ``complexity``, loaded once per process and shared by trackers."""
    return LandmarkModel(complexity)


def refine_with_heatmap(
    xy: np.ndarray,
    heatmap: np.ndarray,
    kernel: int = HEATMAP_KERNEL,
    min_confidence: float = HEATMAP_MIN_CONFIDENCE,
    crop: int = CROP_SIZE,
) -> np.ndarray:
    """Landmarks (N, 2) in crop pixels moved to the sigmoid-weighted heatmap mean near them.

    As MediaPipe's ``RefineLandmarksFromHeatmapCalculator``: the window is the ``kernel``
    x ``kernel`` cells around the landmark's cell (cut at the map's edge); a landmark moves
    only if the window's peak probability is at least ``min_confidence``. The mean uses
    cell indices (not cell centres), as MediaPipe's does. Landmarks off the map stay.
    """
    rows, cols, channels = heatmap.shape
    out = np.array(xy, dtype=np.float64, copy=True)
    count = min(channels, len(out))
    half = (kernel - 1) // 2
    col = np.floor(out[:count, 0] / crop * cols).astype(int)
    row = np.floor(out[:count, 1] / crop * rows).astype(int)
    on_map = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    # All windows at once, (count, kernel, kernel); cells past the edge weigh nothing.
    r = row[:, None] + np.arange(-half, half + 1)
    c = col[:, None] + np.arange(-half, half + 1)
    inside = ((r >= 0) & (r < rows))[:, :, None] & ((c >= 0) & (c < cols))[:, None, :]
    r, c = np.clip(r, 0, rows - 1), np.clip(c, 0, cols - 1)
    channel = np.arange(count)[:, None, None]
    window = sigmoid(heatmap[r[:, :, None], c[:, None, :], channel].astype(np.float64)) * inside
    total = window.sum(axis=(1, 2))
    move = on_map & (window.max(axis=(1, 2)) >= min_confidence) & (total > 0)
    safe = np.where(total > 0, total, 1.0)
    mean_col = (window.sum(axis=1) * c).sum(axis=1) / safe
    mean_row = (window.sum(axis=2) * r).sum(axis=1) / safe
    out[:count, 0] = np.where(move, mean_col / cols * crop, out[:count, 0])
    out[:count, 1] = np.where(move, mean_row / rows * crop, out[:count, 1])
    return out


@dataclass
class PoseResult:
    """BlazePose's answer for one frame, in that frame's pixels.

    Attributes
    ----------
    landmarks
        (33, 5) ``x, y, z, visibility, presence``: x, y in frame pixels, z depth in the
        same pixel scale (smaller is nearer the camera, relative to the hips),
        visibility and presence as probabilities. NaN when no pose was found.
    world_landmarks
        (33, 3) metres, origin between the hips, turned upright as the frame is. NaN when
        no pose was found.
    presence
        Pose presence probability (0 when nothing was looked at).
    found
        Whether ``presence`` reached the tracker's threshold.
    roi
        The crop the landmark model saw, or None when the detector found nobody.
    auxiliary
        (2, 2) frame pixels of the auxiliary landmarks that give the next frame's crop.
    detected
        Whether the detector ran for this frame (False: the crop came from tracking).
    mask
        (H, W) float32 person probability, when asked for.
    segmentation
        (256, 256) the crop's person segmentation logits, when asked for (map them out of
        the crop with :func:`segmentation_to_frame` or your own size).
    """

    landmarks: np.ndarray
    world_landmarks: np.ndarray
    presence: float
    found: bool
    roi: Roi | None = None
    auxiliary: np.ndarray | None = None
    detected: bool = False
    mask: np.ndarray | None = None
    segmentation: np.ndarray | None = None

    @classmethod
    def nobody(cls, detected: bool = True) -> PoseResult:
        """The result for a frame with no pose."""
        return cls(
            landmarks=np.full((NUM_LANDMARKS, 5), np.nan),
            world_landmarks=np.full((NUM_LANDMARKS, 3), np.nan),
            presence=0.0,
            found=False,
            detected=detected,
        )

    @property
    def box(self) -> np.ndarray | None:
        """(4,) ``(x0, y0, x1, y1)`` around the 33 landmarks, or None when not found."""
        if not self.found:
            return None
        xy = self.landmarks[:, :2]
        return np.concatenate([xy.min(0), xy.max(0)])


def segmentation_to_frame(
    logits: np.ndarray, roi: Roi, frame_shape: tuple[int, int], size: tuple[int, int] | None = None
) -> np.ndarray:
    """The crop's segmentation logits as a person probability of the whole frame.

    ``size`` (width, height): the frame resized to it (default: the frame's own size).
    """
    height, width = frame_shape[:2]
    out_width, out_height = size or (width, height)
    # Then frame pixels -> resized pixels, centre to centre as cv2.resize maps them.
    scale = np.array([out_width / width, out_height / height])
    matrix = frame_matrix(roi) * scale[:, None]
    matrix[:, 2] += (scale - 1) / 2
    probability = sigmoid(logits.astype(np.float32))
    return cv2.warpAffine(
        probability,
        matrix,
        (out_width, out_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0.0,
    )


def estimate(
    model: LandmarkModel,
    frame: np.ndarray,
    roi: Roi,
    *,
    refine: bool = True,
    with_mask: bool = False,
    with_segmentation: bool = False,
    min_presence: float = MIN_PRESENCE,
) -> PoseResult:
    """Landmarks of the person in ``roi`` of one uint8 RGB frame, in frame pixels.

    ``with_mask``: the person probability warped to the frame; ``with_segmentation``: the
    crop's raw segmentation logits (cheaper, for callers that map it themselves).
    """
    raw = model.run(
        crop_image(frame, roi), heatmap=refine, segmentation=with_mask or with_segmentation
    )
    found = raw.presence >= min_presence
    if not found:
        result = PoseResult.nobody(detected=False)
        result.presence, result.roi = raw.presence, roi
        return result
    xy = raw.landmarks[:, :2]
    if refine:
        xy = refine_with_heatmap(xy, raw.heatmap)
    frame_xy = crop_to_frame(xy, roi)
    landmarks = np.empty((NUM_LANDMARKS, 5))
    landmarks[:, :2] = frame_xy[:NUM_LANDMARKS]
    landmarks[:, 2] = raw.landmarks[:NUM_LANDMARKS, 2] * roi.size / CROP_SIZE
    landmarks[:, 3:5] = sigmoid(raw.landmarks[:NUM_LANDMARKS, 3:5])
    cos, sin = np.cos(roi.rotation), np.sin(roi.rotation)
    world = raw.world[:NUM_LANDMARKS].copy()
    world[:, 0] = cos * raw.world[:NUM_LANDMARKS, 0] - sin * raw.world[:NUM_LANDMARKS, 1]
    world[:, 1] = sin * raw.world[:NUM_LANDMARKS, 0] + cos * raw.world[:NUM_LANDMARKS, 1]
    mask = segmentation_to_frame(raw.segmentation, roi, frame.shape) if with_mask else None
    return PoseResult(
        landmarks=landmarks,
        world_landmarks=world,
        presence=raw.presence,
        found=True,
        roi=roi,
        auxiliary=frame_xy[_AUXILIARY],
        mask=mask,
        segmentation=raw.segmentation if with_segmentation else None,
    )
