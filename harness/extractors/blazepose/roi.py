"""The rotated square crop the landmark model sees, and the maps in and out of it.

MediaPipe derives the crop (the region of interest, ROI) from two alignment points: a
centre and a scale point. The crop is centred on the first; its side is twice their
distance; it is turned so that the vector centre -> scale point points up in the crop
(``AlignmentPointsRectsCalculator`` with target angle 90 degrees); then it is enlarged
1.25 times (``RectTransformationCalculator``, ``square_long``). From a detection the
points are keypoints 0 and 1 (hip centre, full-body scale point); from the previous
frame's landmarks they are the two auxiliary landmarks 33 and 34, which the landmark
model predicts for exactly this purpose (``pose_landmarks_to_roi.pbtxt``).

Everything here is in frame pixels. ``rotation`` follows MediaPipe's sign: a crop point
``q`` (``crop`` x ``crop`` pixels, centre ``crop / 2``) lies in the frame at
``centre + R(rotation) (q - crop / 2) * size / crop`` with ``R(a) = [[cos a, -sin a],
[sin a, cos a]]`` (y down), the crop's corners at the ROI's corners, as MediaPipe's
image-to-tensor step maps them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

#: Side of the landmark model's input.
CROP_SIZE = 256
#: Enlargement of the alignment square (the margin the landmark model was trained with).
ROI_SCALE = 1.25
#: Direction (degrees, y up) that the centre -> scale point vector is turned to.
TARGET_ANGLE = 90.0


@dataclass(frozen=True)
class Roi:
    """A square, rotated region of a frame, in frame pixels.

    Attributes
    ----------
    x_centre, y_centre
        Its centre.
    size
        Its side.
    rotation
        Radians in [-pi, pi); 0 is upright.
    """

    x_centre: float
    y_centre: float
    size: float
    rotation: float

    def corners(self) -> np.ndarray:
        """(4, 2) corners: top-left, top-right, bottom-right, bottom-left of the crop."""
        unit = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float64) * CROP_SIZE
        return crop_to_frame(unit, self)


def normalize_radians(angle: float) -> float:
    """``angle`` wrapped into [-pi, pi)."""
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def alignment_roi(centre, scale_point, scale: float = ROI_SCALE) -> Roi:
    """The ROI that MediaPipe builds from a centre and a scale point (frame pixels)."""
    cx, cy = (float(v) for v in centre)
    sx, sy = (float(v) for v in scale_point)
    # y is flipped so the angle is counter-clockwise on screen, as MediaPipe computes it.
    angle = math.atan2(-(sy - cy), sx - cx)
    rotation = normalize_radians(math.radians(TARGET_ANGLE) - angle)
    size = 2.0 * math.hypot(sx - cx, sy - cy) * scale
    return Roi(cx, cy, size, rotation)


def roi_from_detection(keypoints: np.ndarray, scale: float = ROI_SCALE) -> Roi:
    """ROI from a detection's (4, 2) keypoints: hip centre and full-body scale point."""
    return alignment_roi(keypoints[0], keypoints[1], scale)


def roi_from_landmarks(auxiliary: np.ndarray, scale: float = ROI_SCALE) -> Roi:
    """ROI for the next frame from the (2, >=2) auxiliary landmarks 33 and 34 (pixels)."""
    return alignment_roi(auxiliary[0, :2], auxiliary[1, :2], scale)


def body_box(centre, scale_point) -> np.ndarray:
    """(4,) ``(x0, y0, x1, y1)`` around the circle through ``scale_point`` centred on ``centre``.

    The same box for a detection (keypoints 0, 1) and for tracked landmarks (auxiliary
    33, 34), so the player rule compares like with like.
    """
    centre = np.asarray(centre, np.float64)[:2]
    radius = float(np.linalg.norm(np.asarray(scale_point, np.float64)[:2] - centre))
    return np.concatenate([centre - radius, centre + radius])


def _rotation(angle: float) -> np.ndarray:
    cos, sin = math.cos(angle), math.sin(angle)
    return np.array([[cos, -sin], [sin, cos]])


def crop_matrix(roi: Roi, crop: int = CROP_SIZE) -> np.ndarray:
    """2x3 affine map from frame pixels to crop pixels (for ``cv2.warpAffine``)."""
    linear = _rotation(-roi.rotation) * (crop / roi.size)
    offset = crop / 2 - linear @ np.array([roi.x_centre, roi.y_centre])
    return np.hstack([linear, offset[:, None]])


def frame_matrix(roi: Roi, crop: int = CROP_SIZE) -> np.ndarray:
    """2x3 affine map from crop pixels back to frame pixels (inverse of :func:`crop_matrix`)."""
    linear = _rotation(roi.rotation) * (roi.size / crop)
    offset = np.array([roi.x_centre, roi.y_centre]) - linear @ np.array([crop / 2, crop / 2])
    return np.hstack([linear, offset[:, None]])


def _apply(matrix: np.ndarray, points) -> np.ndarray:
    points = np.asarray(points, np.float64)
    return points @ matrix[:, :2].T + matrix[:, 2]


def frame_to_crop(points, roi: Roi, crop: int = CROP_SIZE) -> np.ndarray:
    """(N, 2) frame pixels -> crop pixels."""
    return _apply(crop_matrix(roi, crop), points)


def crop_to_frame(points, roi: Roi, crop: int = CROP_SIZE) -> np.ndarray:
    """(N, 2) crop pixels -> frame pixels."""
    return _apply(frame_matrix(roi, crop), points)


def crop_image(frame: np.ndarray, roi: Roi, crop: int = CROP_SIZE) -> np.ndarray:
    """The ROI of a frame, warped to ``crop`` x ``crop`` (bilinear).

    Outside the frame the edge pixels are repeated, as MediaPipe's image-to-tensor step
    does by default for the landmark model (it pads with zeros only for the detector).
    """
    return cv2.warpAffine(
        frame,
        crop_matrix(roi, crop),
        (crop, crop),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )
