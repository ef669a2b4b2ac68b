"""BlazePose's person detector: who is where, and how their body is turned.

As MediaPipe's ``pose_detection_cpu.pbtxt``: the whole frame is letterboxed into 224x224
(aspect kept, zero padding, values in [-1, 1]); the model regresses, for each of 2254
anchors (:mod:`.anchors`), a box and 4 keypoints in input pixels (divided by 224 and added
to the anchor centre, since anchors have fixed size 1) and a score logit (clipped to
+-100, then sigmoid). Detections scoring at least ``min_score`` go through weighted
non-max suppression (IoU above 0.3 merges boxes and keypoints, weighted by score) and are
mapped back to frame pixels (the letterbox undone).

The box is the face's; the keypoints are what locate the body: 0 hip centre, 1 a point
whose distance from it is the radius of a circle around the whole body (and whose
direction from it is the body's "up"), 2 shoulder centre, 3 the same for the upper body.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from harness.extractors.blazepose.anchors import POSE_DETECTION, ssd_anchors
from harness.extractors.blazepose.roi import body_box
from harness.extractors.blazepose.runtime import open_interpreter, output_indices
from harness.player import box_iou
from harness.recording import as_frame_batch

WEIGHTS = "pose_detection.tflite"
INPUT_SIZE = 224
#: MediaPipe's Python ``solutions.pose`` default ``min_detection_confidence`` (its graph
#: file says 0.2, but the Python API overrides it with this).
MIN_SCORE = 0.5
#: IoU above which two detections are one person (the graph's NMS option).
NMS_THRESHOLD = 0.3
_SCORE_CLIP = 100.0


@dataclass(frozen=True)
class Detection:
    """One detected person, in frame pixels.

    Attributes
    ----------
    score
        Detector confidence in [0, 1].
    box
        (4,) ``(x0, y0, x1, y1)`` of the face box the model regresses.
    keypoints
        (4, 2) ``(x, y)``: hip centre, full-body scale point, shoulder centre,
        upper-body scale point.
    """

    score: float
    box: np.ndarray
    keypoints: np.ndarray

    @property
    def body_box(self) -> np.ndarray:
        """(4,) box around the full-body circle: hip centre +- the distance to point 1."""
        return body_box(self.keypoints[0], self.keypoints[1])


def letterbox_matrix(height: int, width: int, size: int = INPUT_SIZE) -> np.ndarray:
    """2x3 affine map from frame pixels to the letterboxed ``size`` x ``size`` input.

    The frame's centred bounding square maps corner to corner onto the input, as
    MediaPipe's image-to-tensor step maps its region's corners to 0 and ``size``.
    """
    side = max(height, width)
    scale = size / side
    return np.array(
        [[scale, 0.0, scale * (side - width) / 2], [0.0, scale, scale * (side - height) / 2]],
        dtype=np.float64,
    )


def decode(
    raw_boxes: np.ndarray,
    raw_scores: np.ndarray,
    anchors: np.ndarray,
    min_score: float = MIN_SCORE,
    input_size: int = INPUT_SIZE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes, keypoints and scores of the anchors scoring at least ``min_score``.

    Parameters
    ----------
    raw_boxes
        (N, 12) model regressions: box centre x, y, width, height, then 4 keypoints (x, y).
    raw_scores
        (N,) score logits.
    anchors
        (N, 4) anchors (x centre, y centre, width, height), input fractions.

    Returns
    -------
    tuple of numpy.ndarray
        Boxes (M, 4) ``(x0, y0, x1, y1)`` and keypoints (M, 4, 2), both as fractions of the
        letterboxed input, and scores (M,).
    """
    logits = np.clip(raw_scores.astype(np.float64), -_SCORE_CLIP, _SCORE_CLIP)
    scores = 1.0 / (1.0 + np.exp(-logits))
    keep = np.flatnonzero(scores >= min_score)
    raw, anchor = raw_boxes[keep].astype(np.float64), anchors[keep].astype(np.float64)
    centre = raw[:, 0:2] / input_size * anchor[:, 2:4] + anchor[:, 0:2]
    half = raw[:, 2:4] / input_size * anchor[:, 2:4] / 2
    boxes = np.concatenate([centre - half, centre + half], axis=1)
    points = raw[:, 4:12].reshape(-1, 4, 2) / input_size
    keypoints = points * anchor[:, None, 2:4] + anchor[:, None, 0:2]
    return boxes, keypoints, scores[keep].astype(np.float64)


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, threshold: float = NMS_THRESHOLD
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """MediaPipe's weighted non-max suppression.

    The best remaining detection gathers every remaining one overlapping it by IoU above
    ``threshold`` (itself included); their boxes and keypoints are averaged weighted by
    score, with the best one's score. Repeats on the rest.

    Returns
    -------
    list of (box, keypoints, score)
        Highest score first.
    """
    remaining = np.argsort(-scores, kind="stable")
    merged = []
    while len(remaining):
        best = remaining[0]
        overlap = box_iou(boxes[best], boxes[remaining])
        group = remaining[overlap > threshold]
        group = group if len(group) else remaining[:1]  # a degenerate box still counts once
        weights = scores[group][:, None]
        box = (boxes[group] * weights).sum(0) / weights.sum()
        points = (keypoints[group] * weights[:, :, None]).sum(0) / weights.sum()
        merged.append((box, points, float(scores[best])))
        remaining = np.setdiff1d(remaining, group, assume_unique=True)
        remaining = remaining[np.argsort(-scores[remaining], kind="stable")]
    return merged


class PoseDetector:
    """The BlazePose person detector on raw RGB frames.

    Parameters
    ----------
    min_score
        Detections scoring below this are dropped before suppression.
    """

    def __init__(self, min_score: float = MIN_SCORE):
        self.min_score = min_score
        self.interpreter = open_interpreter(WEIGHTS)
        self._input = self.interpreter.get_input_details()[0]["index"]
        outputs = output_indices(self.interpreter)
        self._boxes, self._scores = outputs["Identity"], outputs["Identity_1"]
        self.anchors = ssd_anchors(POSE_DETECTION)

    def input_tensor(self, frame: np.ndarray) -> np.ndarray:
        """The model's input for one uint8 RGB frame: (1, 224, 224, 3) float32 in [-1, 1]."""
        height, width = frame.shape[:2]
        image = cv2.warpAffine(
            frame,
            letterbox_matrix(height, width),
            (INPUT_SIZE, INPUT_SIZE),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        return (image.astype(np.float32) / 127.5 - 1.0)[None]

    def detect(self, frame: np.ndarray) -> list[Detection]:
        """People in one uint8 RGB frame (H, W, 3), highest score first."""
        frame = as_frame_batch(frame, "BlazePose detector")
        if len(frame) != 1:
            raise ValueError(f"BlazePose detector: one frame at a time, got {len(frame)}")
        frame = frame[0]
        self.interpreter.set_tensor(self._input, self.input_tensor(frame))
        self.interpreter.invoke()
        raw_boxes = self.interpreter.get_tensor(self._boxes)[0]
        raw_scores = self.interpreter.get_tensor(self._scores)[0, :, 0]
        boxes, keypoints, scores = decode(raw_boxes, raw_scores, self.anchors, self.min_score)
        # Fractions of the letterboxed input -> frame pixels.
        matrix = letterbox_matrix(*frame.shape[:2])
        scale, offset = matrix[0, 0], matrix[:, 2]
        detections = []
        for box, points, score in weighted_nms(boxes, keypoints, scores):
            box_px = (box.reshape(2, 2) * INPUT_SIZE - offset) / scale
            points_px = (points * INPUT_SIZE - offset) / scale
            detections.append(Detection(score, box_px.reshape(4), points_px))
        return detections


@functools.cache
def load_detector(min_score: float = MIN_SCORE) -> PoseDetector:
    """The person detector, loaded once per process (per score threshold) and shared."""
    return PoseDetector(min_score)
