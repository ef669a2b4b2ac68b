"""MoveNet pose landmarks -> normalised pose features -> a small classifier (the pose peers).

Recipe
------
1. MoveNet Lightning (the published single-pose TFLite weights) finds 17 keypoints in each
   raw frame, letterboxed to a square (the engine's :class:`~harness.api.MoveNetKeypoints`
   extractor, cached per recording).
2. Pose features as MediaPipe's pose classification builds them (``_pose_features.py``).
3. ``movenet-pose`` (frames): StandardScaler + MLPClassifier. ``movenet-pose-seq``
   (windows): each frame's features and their frame-to-frame differences, flattened over
   the window -> StandardScaler + MLPClassifier.

No background frame and no image-side convention: left and right are MoveNet's joint
names, the performer's own sides, as the labels are. With ``mirror`` (default) every
training pose is also learned mirrored (joints swapped, label sides swapped), so both
sides are learned from every move.

Measured (mk-synth full, clean, 5 leave-subjects-out folds, defaults; macro-F1 on held-out
subjects; ``python -m harness run --methods movenet-pose,movenet-pose-seq
--weights-dir ../shared/weights``): posture 0.93 (folds 0.91-0.96), punch-kick-other 0.95
(0.93-0.97), action 0.92 (0.89-0.96); front and roundhouse kicks are confused in about 4 %
of kick windows (the action confusion matrix in results.json). ``classifier="knn"``
(MediaPipe's choice) gave posture 0.89 and action 0.66; ``"hgb"`` 0.94 on posture's first
fold (fold 0 in results.csv) but fit in minutes (fit_seconds): the same command with
``--set movenet-pose.classifier=knn,hgb --set movenet-pose-seq.classifier=knn``.
"""

from __future__ import annotations

import numpy as np

from harness.api import COCO_17_EDGES, MoveNetKeypoints

from ._pose_features import pose_features, with_deltas
from ._pose_head import PoseHead
from ._sequence import RecurrentMethod


class MoveNetPose(PoseHead):
    """MoveNet keypoints of one frame -> pose features -> MLP."""

    name = "movenet-pose"
    tasks = ("punch-binary", "punch-kick-other", "posture")
    description = "MoveNet Lightning keypoints -> normalised pose features -> MLP"
    extractor = MoveNetKeypoints()
    _edges = COCO_17_EDGES

    def __init__(
        self,
        *,
        classifier: str = "mlp",
        hidden: tuple[int, ...] = (128, 64),
        alpha: float = 1e-3,
        max_iter: int = 200,
        mirror: bool = True,
        random_state: int = 0,
    ):
        self.classifier = classifier
        self.hidden = hidden
        self.alpha = alpha
        self.max_iter = max_iter
        self.mirror = mirror
        self.random_state = random_state

    def _rows(self, keypoints: np.ndarray) -> np.ndarray:
        return pose_features(keypoints)

    def _keypoints(self, keypoints: np.ndarray) -> np.ndarray:
        return keypoints


class MoveNetPoseSeq(MoveNetPose):
    """MoveNet keypoints of the last n frames (+ their changes) -> MLP -> action class."""

    name = "movenet-pose-seq"
    tasks = ("action",)
    input = "clip"
    description = "MoveNet keypoints of the last n frames (+ differences), flattened -> MLP"

    def _rows(self, keypoints: np.ndarray) -> np.ndarray:
        return with_deltas(pose_features(keypoints))


class MoveNetPoseGRU(RecurrentMethod):
    """MoveNet pose features of the last n frames (+ their changes) -> GRU -> action class.

    Beside ``movenet-pose-seq`` (the same features, flattened, into an MLP), so a report
    shows whether the recurrence or the features carry the result. Measured in issue 12's
    diagnosis (mk-synth full, 5 subject folds, action macro-F1): 0.944 with this training
    (validation macro-F1 stopping, refit on every training subject), against the MLP's 0.920;
    ``python -m harness run --methods movenet-pose-seq,movenet-pose-gru --tasks action``.
    """

    name = "movenet-pose-gru"
    description = "MoveNet pose features of the last n frames (+ differences) -> GRU"
    extractor = MoveNetKeypoints()

    def __init__(
        self,
        *,
        cell: str = "gru",
        units: int = 64,
        deltas: bool = True,
        mirror: bool = True,
        dropout: float = 0.3,
        noise: float = 0.0,
        epochs: int = 40,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        patience: int = 3,
        validation_fraction: float = 0.25,
        random_state: int = 0,
    ):
        for key, value in dict(locals()).items():
            if key not in ("self", "__class__"):
                setattr(self, key, value)

    def per_frame(self, keypoints: np.ndarray) -> np.ndarray:
        return pose_features(keypoints)
