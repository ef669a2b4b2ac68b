"""MoveNet Lightning keypoints: 17 body joints per frame, from the published TFLite model.

The model runs on a square region of the raw RGB frame (zero padding where it leaves the
frame), resized to 192x192; the keypoints are mapped back to the frame's pixels as
(x, y, score) in COCO order. Left and right are MoveNet's joint names, i.e. the
performer's own sides.

MoveNet sees one person, so the region decides who that is. :class:`MoveNetTracker`
follows the player through a take as MoveNet's own demo crops ("smart cropping"): the
region of the next frame is a square around this frame's keypoints. Unlike the demo, the
square is centred on the keypoints' box, not on the hips, and is 1.4 times the box's
longer side: centred on the hips of a squatting or side-on player, the square drifted
towards a second person beside them until MoveNet (which looks at the person nearest its
input's centre) took them instead (``tests/engine/test_player_follow.py``). When the
torso is not seen (the start of a take, the player lost), BlazePose's person detector
gives the people's boxes, :func:`harness.player.pick_player` picks the player among them
(the one overlapping their last box, or the largest and most central), and MoveNet runs
on a square around them; with nobody detected it runs on the whole frame letterboxed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from harness.extractors.base import Extractor
from harness.extractors.blazepose.detector import WEIGHTS as DETECTOR_WEIGHTS
from harness.extractors.blazepose.detector import load_detector
from harness.extractors.runtime import tflite_interpreter
from harness.labels import swap_side
from harness.player import pick_player
from harness.recording import as_frame_batch

WEIGHTS = "movenet_single_pose_lightning_ptq.tflite"
INPUT_SIZE = 192
#: Keypoints scoring below this neither place the next region nor make the torso seen.
REGION_SCORE = 0.2
#: The region: a square around the keypoints' box, its side this many times the box's longer.
BODY_REACH = 1.4
#: A detected person's region: their body box (a square around them) enlarged this much.
BOX_MARGIN = 1.25

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


Region = tuple[int, int, int]  # (left, top, side) of a square, in frame pixels


def whole_frame(height: int, width: int) -> Region:
    """The frame letterboxed: the centred square holding all of it."""
    side = max(height, width)
    return -((side - width) // 2), -((side - height) // 2), side


def square(cx: float, cy: float, half: float, height: int, width: int) -> Region:
    """The square of half side ``half`` centred on (cx, cy), at most the letterbox's size."""
    half = min(half, max(height, width) / 2)
    side = max(8, int(round(2 * half)))
    return int(round(cx - side / 2)), int(round(cy - side / 2)), side


def region_from_keypoints(keypoints: np.ndarray, height: int, width: int) -> Region | None:
    """The next frame's region around keypoints (17, 3), or None if the torso is not seen."""
    seen = keypoints[:, 2] >= REGION_SCORE
    hips, shoulders = [11, 12], [5, 6]
    if not (seen[hips].any() and seen[shoulders].any()):
        return None
    box = keypoint_box(keypoints)
    centre = (box[:2] + box[2:]) / 2
    half = BODY_REACH * max(box[2] - box[0], box[3] - box[1]) / 2
    return square(centre[0], centre[1], half, height, width)


def keypoint_box(keypoints: np.ndarray) -> np.ndarray | None:
    """(x0, y0, x1, y1) around the keypoints scoring at least :data:`REGION_SCORE`."""
    seen = keypoints[:, 2] >= REGION_SCORE
    if not seen.any():
        return None
    return np.concatenate([keypoints[seen, :2].min(axis=0), keypoints[seen, :2].max(axis=0)])


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

    def run_region(self, frame: np.ndarray, region: Region) -> np.ndarray:
        """Keypoints (17, 3) float32 (x, y, score) in frame pixels, from one square region
        of one uint8 RGB frame (H, W, 3); outside the frame the region is black."""
        left, top, side = region
        height, width = frame.shape[:2]
        pad = (
            max(0, -top),
            max(0, top + side - height),
            max(0, -left),
            max(0, left + side - width),
        )
        inside = frame[max(0, top) : top + side, max(0, left) : left + side]
        square_image = cv2.copyMakeBorder(
            np.ascontiguousarray(inside), *pad, cv2.BORDER_CONSTANT, value=0
        )
        shrink = side >= INPUT_SIZE
        image = cv2.resize(
            square_image,
            (INPUT_SIZE, INPUT_SIZE),
            interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR,
        )
        raw = self.run(image)
        out = np.empty((17, 3), np.float32)
        out[:, 0] = raw[:, 1] * side + left
        out[:, 1] = raw[:, 0] * side + top
        out[:, 2] = raw[:, 2]
        return out

    def detect(self, frames: np.ndarray) -> np.ndarray:
        """Keypoints of raw uint8 RGB frames (N, H, W, 3) or (H, W, 3), each letterboxed
        whole: (N, 17, 3) float32 rows (x, y, score), x and y in the frame's pixels."""
        frames = as_frame_batch(frames, "MoveNet")
        region = whole_frame(*frames.shape[1:3])
        return np.stack([self.run_region(frame, region) for frame in frames])


class MoveNetTracker:
    """MoveNet following the player through one take (see the module docstring)."""

    def __init__(self):
        self.movenet = load_movenet()
        self.region: Region | None = None  # from the last keypoints, None: detect
        self.player_box: np.ndarray | None = None
        self.detector_calls = 0

    def _seed(self, frame: np.ndarray) -> Region:
        """A region around the player among the detected people (the whole frame if none)."""
        height, width = frame.shape[:2]
        self.detector_calls += 1
        people = load_detector().detect(frame)
        boxes = np.stack([d.body_box for d in people]) if people else np.zeros((0, 4))
        scores = np.array([d.score for d in people])
        chosen = pick_player(boxes, (height, width), previous=self.player_box, scores=scores)
        if chosen is None:
            return whole_frame(height, width)
        x0, y0, x1, y1 = boxes[chosen]
        half = BOX_MARGIN * max(x1 - x0, y1 - y0) / 2
        return square((x0 + x1) / 2, (y0 + y1) / 2, half, height, width)

    def process(self, frame: np.ndarray) -> np.ndarray:
        """Keypoints (17, 3) of the player in the take's next frame (uint8 RGB (H, W, 3))."""
        frame = as_frame_batch(frame, "MoveNet")[0]
        region = self.region or self._seed(frame)
        keypoints = self.movenet.run_region(frame, region)
        self.region = region_from_keypoints(keypoints, *frame.shape[:2])
        if self.region is not None:
            self.player_box = keypoint_box(keypoints)
        return keypoints


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
    """MoveNet Lightning's 17 keypoints (x, y, score) of the player per frame, in frame
    pixels, followed through each take (:class:`MoveNetTracker`)."""

    kind = "movenet"
    shape = (17, 3)
    stateful = True

    def requirements(self) -> tuple[str, ...]:
        return ("ai_edge_litert",)

    def weights(self) -> tuple[str, ...]:
        return (WEIGHTS, DETECTOR_WEIGHTS)

    def track(self, background, fps):
        return MoveNetTracker().process

    def mirror(self, features: np.ndarray, width: int) -> np.ndarray:
        return mirror_keypoints(features, width)
