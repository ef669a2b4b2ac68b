"""MoveNet pose extraction and pose features, shared by the ``movenet-pose*`` methods.

Not a plugin (the leading ``_``). Three jobs:

1. :class:`MoveNet` runs the published MoveNet Lightning single-pose TFLite model on raw
   RGB frames: letterbox to a square (pad, keep aspect), resize to 192x192, run, and map
   the keypoints back to the frame's pixels. Keypoints are (x, y, score) in COCO order.
2. :func:`recording_keypoints` / :func:`sample_keypoints`: keypoints of whole recordings,
   cached on disk (computed from raw pixels inside :func:`harness.cache.bypassed`).
3. :func:`pose_features`: a translation- and scale-free description of a pose, in the
   spirit of MediaPipe's pose classification (landmarks centred on the hips, scaled by the
   torso, plus vectors between joint pairs and joint angles) and the keypoint scores.

Left and right are MoveNet's names, i.e. the performer's own sides, which is also what the
labels use; nothing here depends on which way the image faces.
"""

from __future__ import annotations

import functools
import os
import sys

import cv2
import numpy as np
from tqdm.auto import tqdm

from harness import cache
from harness import weights as weights_resolver
from harness.api import as_frame_batch

WEIGHTS = "movenet_single_pose_lightning_ptq.tflite"
INPUT_SIZE = 192
#: Interpreter threads: at most 2 (the harness may run other work beside it).
THREADS = max(1, min(2, os.cpu_count() or 1))

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
_K = {name: i for i, name in enumerate(COCO_KEYPOINTS)}


def _swap(name: str) -> str:
    if name.startswith("left_"):
        return "right_" + name[5:]
    if name.startswith("right_"):
        return "left_" + name[6:]
    return name


#: Index permutation taking a pose to its mirror image's pose (left <-> right joints).
COCO_FLIP_ORDER = np.asarray([_K[_swap(name)] for name in COCO_KEYPOINTS])


class MoveNet:
    """MoveNet Lightning (uint8 TFLite). ``detect(frames)`` -> (N, 17, 3) (x, y, score) px."""

    def __init__(self):
        from ai_edge_litert.interpreter import Interpreter

        path = weights_resolver.resolve_weights(WEIGHTS)
        self.interpreter = Interpreter(model_path=str(path), num_threads=THREADS)
        self.interpreter.allocate_tensors()
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


# Cache keys include this: editing how keypoints are computed invalidates them.
_CODE = cache.code_hash(MoveNet)


def _key(recording) -> str:
    return cache.key_of(WEIGHTS, recording.fingerprint, _CODE)


def recording_keypoints(recording) -> np.ndarray:
    """Keypoints of every frame of ``recording``: float32 (T, 17, 3), cached on disk."""

    def compute() -> np.ndarray:
        net = load_movenet()
        frames = recording.frames
        out = np.empty((len(frames), 17, 3), np.float32)
        steps = range(0, len(frames), 64)
        bar = tqdm(
            steps, desc=f"movenet {recording.id}", unit="x64 frames", file=sys.stderr,
            disable=None, leave=False,
        )  # fmt: skip
        for start in bar:
            out[start : start + 64] = net.detect(np.asarray(frames[start : start + 64]))
        return out

    return cache.cached_array("movenet/lightning-v1", _key(recording), compute)


def sample_keypoints(samples) -> np.ndarray:
    """Keypoints of ``samples``: (N, 17, 3) for frame samples, (N, window, 17, 3) for windows.

    From the per-recording cache; inside :func:`harness.cache.bypassed` computed from the
    raw pixels of exactly these samples (the latency probe's path).
    """
    window = samples.window
    if cache.is_bypassed():
        net = load_movenet()
        if window == 1:
            return net.detect(samples.frames())
        clips = np.stack([samples.clip(i) for i in range(len(samples))])
        return net.detect(clips.reshape(-1, *clips.shape[2:])).reshape(len(samples), window, 17, 3)
    out = np.empty((len(samples), window, 17, 3), np.float32)
    offsets = np.arange(-window + 1, 1)
    for r in np.unique(samples.rec):
        mask = samples.rec == r
        keypoints = recording_keypoints(samples.recordings[r])
        out[mask] = keypoints[samples.end[mask][:, None] + offsets[None, :]]
    return out[:, 0] if window == 1 else out


def mirror_keypoints(keypoints: np.ndarray, width: int) -> np.ndarray:
    """Keypoints (..., 17, 3) of the horizontally flipped frame: x -> width - 1 - x, and the
    left and right joints trade places (the performer's left arm becomes the right)."""
    out = np.array(keypoints, dtype=np.float32, copy=True)
    out[..., 0] = width - 1 - out[..., 0]
    return out[..., COCO_FLIP_ORDER, :]


# Joint pairs whose vectors describe the pose (MediaPipe's pose-classification embedding,
# mapped onto COCO joints): limbs, two-joint spans, and cross-body spans.
_PAIRS = [
    (a, b)
    for side in ("left", "right")
    for a, b in (
        ("shoulder", "elbow"),
        ("elbow", "wrist"),
        ("hip", "knee"),
        ("knee", "ankle"),
        ("shoulder", "wrist"),
        ("hip", "ankle"),
        ("hip", "wrist"),
        ("shoulder", "ankle"),
        ("hip", "elbow"),
        ("shoulder", "knee"),
    )
    for a, b in [(f"{side}_{a}", f"{side}_{b}")]
] + [
    ("left_elbow", "right_elbow"),
    ("left_knee", "right_knee"),
    ("left_wrist", "right_wrist"),
    ("left_ankle", "right_ankle"),
    ("nose", "left_hip"),
    ("nose", "right_hip"),
]
_PAIR_INDEX = np.asarray([(_K[a], _K[b]) for a, b in _PAIRS])
# Joint angles at the middle joint of each triple (elbows, shoulders, hips, knees).
_TRIPLES = np.asarray(
    [
        (_K[f"{s}_{a}"], _K[f"{s}_{b}"], _K[f"{s}_{c}"])
        for s in ("left", "right")
        for a, b, c in (
            ("shoulder", "elbow", "wrist"),
            ("hip", "shoulder", "elbow"),
            ("shoulder", "hip", "knee"),
            ("hip", "knee", "ankle"),
        )
    ]
)
TORSO_MULTIPLIER = 2.5  # MediaPipe's: the pose size is max(2.5 x torso, farthest joint)


def pose_features(keypoints: np.ndarray) -> np.ndarray:
    """A translation- and scale-free description of poses (..., 17, 3) -> (..., D) float32.

    Centre: the hips' midpoint. Scale: max(2.5 x shoulder-to-hip distance, the farthest
    joint from the centre), as MediaPipe's pose classifier normalises. Features: the 17
    normalised (x, y), the 17 scores, the normalised vectors of :data:`_PAIRS` and their
    lengths, and the cosine and sine of the 8 joint angles.
    """
    keypoints = np.asarray(keypoints, np.float32)
    xy, score = keypoints[..., :2], keypoints[..., 2]
    hips = xy[..., [_K["left_hip"], _K["right_hip"]], :].mean(axis=-2)
    shoulders = xy[..., [_K["left_shoulder"], _K["right_shoulder"]], :].mean(axis=-2)
    centred = xy - hips[..., None, :]
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    farthest = np.linalg.norm(centred, axis=-1).max(axis=-1)
    size = np.maximum(torso * TORSO_MULTIPLIER, farthest)
    norm = centred / np.maximum(size, 1e-6)[..., None, None]
    vectors = norm[..., _PAIR_INDEX[:, 1], :] - norm[..., _PAIR_INDEX[:, 0], :]
    lengths = np.linalg.norm(vectors, axis=-1)
    a = norm[..., _TRIPLES[:, 0], :] - norm[..., _TRIPLES[:, 1], :]
    b = norm[..., _TRIPLES[:, 2], :] - norm[..., _TRIPLES[:, 1], :]
    cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    dot = (a * b).sum(axis=-1)
    angle = np.arctan2(cross, dot)
    parts = [
        norm.reshape(*norm.shape[:-2], -1),
        score,
        vectors.reshape(*vectors.shape[:-2], -1),
        lengths,
        np.cos(angle),
        np.sin(angle),
    ]
    return np.concatenate(parts, axis=-1).astype(np.float32)
