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
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from harness.api import FeatureMethod, MoveNetKeypoints, Samples

from ._pose_features import pose_features, with_deltas


class MoveNetPose(FeatureMethod):
    """MoveNet keypoints of one frame -> pose features -> MLP."""

    name = "movenet-pose"
    tasks = ("punch-binary", "punch-kick-other", "posture")
    description = "MoveNet Lightning keypoints -> normalised pose features -> MLP"
    extractor = MoveNetKeypoints()

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

    def _classifier(self):
        if self.classifier == "knn":  # MediaPipe's pose classifier: nearest stored poses
            knn = KNeighborsClassifier(n_neighbors=10, weights="distance")
            return make_pipeline(StandardScaler(), knn)
        if self.classifier == "hgb":
            return HistGradientBoostingClassifier(
                max_iter=200, early_stopping=True, random_state=self.random_state
            )
        if self.classifier != "mlp":
            raise ValueError(
                f"{self.name}: classifier must be 'mlp', 'knn' or 'hgb', not {self.classifier!r}"
            )
        mlp = MLPClassifier(
            hidden_layer_sizes=tuple(self.hidden),
            alpha=self.alpha,
            max_iter=self.max_iter,
            early_stopping=True,
            n_iter_no_change=8,
            random_state=self.random_state,
        )
        return make_pipeline(StandardScaler(), mlp)

    def fit(self, train: Samples):
        self.window_ = train.window
        keypoints, y, _ = self.training_data(train, self.mirror)
        self.model_ = self._classifier().fit(self._rows(keypoints), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_features(self, keypoints: np.ndarray) -> np.ndarray:
        return self.model_.predict(self._rows(keypoints))

    def proba_of_features(self, keypoints: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(self._rows(keypoints))


class MoveNetPoseSeq(MoveNetPose):
    """MoveNet keypoints of the last n frames (+ their changes) -> MLP -> action class."""

    name = "movenet-pose-seq"
    tasks = ("action",)
    input = "clip"
    description = "MoveNet keypoints of the last n frames (+ differences), flattened -> MLP"

    def _rows(self, keypoints: np.ndarray) -> np.ndarray:
        return with_deltas(pose_features(keypoints))

    def fit(self, train: Samples):
        if train.window < 2:
            raise ValueError(f"{self.name} needs windows of 2+ frames, got {train.window}")
        return super().fit(train)
