"""MoveNet Lightning keypoints: 17 body joints per frame, from the published TFLite model.

The model runs on the raw RGB frame letterboxed to a square (pad, keep the aspect) and
resized to 192x192; the keypoints are mapped back to the frame's pixels as (x, y, score)
in COCO order. Left and right are MoveNet's joint names, i.e. the performer's own sides.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from harness.extractors.base import Extractor
from harness.extractors.runtime import tflite_interpreter
from harness.labels import swap_side
from harness.recording import as_frame_batch

WEIGHTS = "movenet_single_pose_lightning_ptq.tflite"
INPUT_SIZE = 192

#: MoveNet's 17 keypoints (COCO order), named from the performer's perspective.
COCO_KEYPOINTS: tuple[str, ...] = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)

#: Index permutation taking a pose to its mirror image's pose (left <-> right joints).
COCO_FLIP_ORDER = np.asarray([COCO_KEYPOINTS.index(swap_side(n)) for n in COCO_KEYPOINTS])


class MoveNet:
    """MoveNet Lightning (uint8 TFLite). ``detect(frames)`` -> (N, 17, 3) (x, y, score) px."""

    def __init__(self):
        self.interpreter = tflite_interpreter(WEIGHTS)
        self._input = self.interpreter.get_input_details()[0]["index"]
        self._output = self.interpreter.get_output_details()[0]["index"]

    def run(self, image: np.ndarray) -> np.ndarray:
        """Raw model output on one uint8 192x192x3 RGB image: (17, 3) (y, x, score) in 0-1."""
        self.interpreter.set_tensor(self._input, np.ascontiguousarray(image)[None])
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self._output).reshape(17, 3).copy()

    def detect(self, frames: np.ndarray) -> np.ndarray:
        """Keypoints of raw uint8 RGB frames (N, H, W, 3) or (H, W, 3): (N, 17, 3) float32.

        Each row is (x, y, score) with x, y in the frame's pixels.
        """
        frames = as_frame_batch(frames, "MoveNet")
        height, width = frames.shape[1:3]
        side = max(height, width)
        top, left = (side - height) // 2, (side - width) // 2
        out = np.empty((len(frames), 17, 3), np.float32)
        for i, frame in enumerate(frames):
            square = cv2.copyMakeBorder(
                np.ascontiguousarray(frame),
                top,
                side - height - top,
                left,
                side - width - left,
                cv2.BORDER_CONSTANT,
                value=0,
            )
            shrink = side >= INPUT_SIZE
            image = cv2.resize(
                square,
                (INPUT_SIZE, INPUT_SIZE),
                interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
            )
            raw = self.run(image)
            out[i, :, 0] = raw[:, 1] * side - left
            out[i, :, 1] = raw[:, 0] * side - top
            out[i, :, 2] = raw[:, 2]
        return out


@functools.cache
def load_movenet() -> MoveNet:
    """The MoveNet model, loaded once per process (FileNotFoundError if weights missing)."""
    return MoveNet()


def mirror_keypoints(keypoints: np.ndarray, width: int) -> np.ndarray:
    """Keypoints (..., 17, 3) of the horizontally flipped frame: x -> width - 1 - x, and the
    left and right joints trade places (the performer's left arm becomes the right)."""
    out = np.array(keypoints, dtype=np.float32, copy=True)
    out[..., 0] = width - 1 - out[..., 0]
    return out[..., COCO_FLIP_ORDER, :]


@dataclass(frozen=True)
class MoveNetKeypoints(Extractor):
    """MoveNet Lightning's 17 keypoints (x, y, score) per frame, in frame pixels."""

    kind = "movenet"
    shape = (17, 3)

    def requirements(self) -> tuple[str, ...]:
        return ("ai_edge_litert",)

    def weights(self) -> tuple[str, ...]:
        return (WEIGHTS,)

    def embed(self, frames: np.ndarray, background: np.ndarray | None) -> np.ndarray:
        return load_movenet().detect(frames)

    def mirror(self, features: np.ndarray, width: int) -> np.ndarray:
        return mirror_keypoints(features, width)
