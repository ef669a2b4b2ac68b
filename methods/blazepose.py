"""BlazePose landmarks -> pose features -> a small classifier (MediaPipe's pose peer).

Recipe
------
1. MediaPipe BlazePose (the published lite or full TFLite models) follows the player
   through each take: the person detector finds them (the player rule among several
   people), the landmark model then tracks them on the crop their last landmarks give, and
   the detector runs again only when the pose is lost (the engine's
   :class:`~harness.api.BlazePoseLandmarks` extractor, cached per take).
2. Pose features as MediaPipe's pose classifier builds them (``_pose_features.py``) from
   the 33 image landmarks (hands and feet included) and/or from the 3-D world landmarks,
   which do not depend on where the camera stands (``landmarks="image" | "world" |
   "both"``).
3. ``blazepose`` (frames): StandardScaler + MLP. ``blazepose-seq`` (windows): each frame's
   features and their frame-to-frame differences, flattened over the window -> MLP.

With ``mirror`` (default) every training pose is also learned mirrored: the extractor
mirrors landmarks exactly (x flipped, world x negated, left and right landmarks swapped)
and the labels' sides are swapped. ``smooth`` runs MediaPipe's One-Euro landmark filter
inside the tracker, in training, in evaluation and live alike (it also steadies the crop).

Measured (mk-synth full, clean, 5 leave-subjects-out folds, lite model, macro-F1 on
held-out subjects; ``python -m harness run --methods blazepose,blazepose-image,
blazepose-world,blazepose-seq --tasks punch-kick-other,action --weights-dir
../shared/weights``): punch-kick-other 0.995 (both), 0.997 (image), 0.994 (world), all
within each other's 95 % intervals (movenet-pose 0.950 on the same folds); action from
the last frame 0.945 / 0.949 / 0.942, and ``blazepose-seq`` 0.994. Image and world
landmarks tie on mk-synth, whose camera always faces the performer; the world features
are there for cameras that do not. The harness's latency probe times a *fresh* take per
call (detector and landmark model); a game tracks, and pays the landmark model alone:
``tests/benchmarks/test_blazepose_latency.py``.
"""

from __future__ import annotations

import numpy as np

from harness.api import BLAZEPOSE_33_EDGES, BlazePoseLandmarks, Preset

from ._pose_features import BLAZEPOSE, pose_features, with_deltas, world_features
from ._pose_head import PoseHead

_LANDMARKS = ("image", "world", "both")


def blazepose_rows(features: np.ndarray, landmarks: str) -> np.ndarray:
    """Pose feature rows of BlazePose features (..., 33, 8) -> (..., D).

    ``image``: 2-D features of (x, y, visibility); ``world``: 3-D features of the world
    landmarks plus the visibilities (which say "nobody" when all are 0); ``both``: both.
    """
    if landmarks not in _LANDMARKS:
        raise ValueError(f"blazepose: landmarks must be one of {_LANDMARKS}, not {landmarks!r}")
    features = np.asarray(features, np.float32)
    parts = []
    if landmarks in ("image", "both"):
        parts.append(pose_features(features[..., [0, 1, 3]], BLAZEPOSE))
    if landmarks in ("world", "both"):
        parts.append(world_features(features[..., 5:8], BLAZEPOSE))
        if landmarks == "world":
            parts.append(features[..., 3])
    return np.concatenate(parts, axis=-1)


class BlazePose(PoseHead):
    """BlazePose landmarks of one frame -> pose features -> MLP."""

    name = "blazepose"
    tasks = ("punch-binary", "punch-kick-other", "posture")
    description = "MediaPipe BlazePose (lite, tracked) landmarks -> pose features -> MLP"
    presets = {
        "blazepose-image": Preset(
            {"landmarks": "image"}, description="BlazePose image landmarks only -> MLP"
        ),
        "blazepose-world": Preset(
            {"landmarks": "world"}, description="BlazePose 3-D world landmarks only -> MLP"
        ),
    }
    _edges = BLAZEPOSE_33_EDGES

    def __init__(
        self,
        *,
        landmarks: str = "both",
        model: str = "lite",
        smooth: bool = False,
        classifier: str = "mlp",
        hidden: tuple[int, ...] = (128, 64),
        alpha: float = 1e-3,
        max_iter: int = 200,
        mirror: bool = True,
        random_state: int = 0,
    ):
        self.landmarks = landmarks
        self.model = model
        self.smooth = smooth
        self.classifier = classifier
        self.hidden = hidden
        self.alpha = alpha
        self.max_iter = max_iter
        self.mirror = mirror
        self.random_state = random_state

    @property
    def extractor(self) -> BlazePoseLandmarks:
        return BlazePoseLandmarks(model=self.model, smooth=self.smooth)

    def _rows(self, features: np.ndarray) -> np.ndarray:
        return blazepose_rows(features, self.landmarks)

    def _keypoints(self, features: np.ndarray) -> np.ndarray:
        return features[:, [0, 1, 3]]  # x, y, visibility


class BlazePoseSeq(BlazePose):
    """BlazePose landmarks of the last n frames (+ their changes) -> MLP -> action class."""

    name = "blazepose-seq"
    tasks = ("action",)
    input = "clip"
    description = "BlazePose landmarks of the last n frames (+ differences), flattened -> MLP"
    presets = {}

    def _rows(self, features: np.ndarray) -> np.ndarray:
        return with_deltas(blazepose_rows(features, self.landmarks))
