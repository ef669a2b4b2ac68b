"""What the pose methods share beyond their features: the classifier and the explanation.

Not a plugin (the leading ``_``). :class:`PoseHead` is a :class:`~harness.api.FeatureMethod`
whose subclasses (``movenet_pose.py``, ``blazepose.py``) give the extractor, ``_rows``
(extractor features -> one feature row per sample), ``_keypoints`` (features of one frame ->
(J, 3) pixels and score, for drawing) and ``_edges``; it fits a StandardScaler + MLP on the
rows (or MediaPipe's k-NN, or gradient boosting), with mirrored training poses when
``mirror``, and explains a decision by drawing the skeleton and the box of the person it
followed.
"""

from __future__ import annotations

import cv2
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from harness.api import FeatureMethod, Samples, draw_skeleton

#: Joints scoring below this are not drawn and do not widen the player's box.
DRAW_SCORE = 0.3
_BOX = (255, 200, 0)


def pose_classifier(kind: str, hidden, alpha: float, max_iter: int, random_state: int, owner: str):
    """The head over pose feature rows: ``"mlp"`` (default), ``"knn"`` or ``"hgb"``."""
    if kind == "knn":  # MediaPipe's pose classifier: nearest stored poses
        knn = KNeighborsClassifier(n_neighbors=10, weights="distance")
        return make_pipeline(StandardScaler(), knn)
    if kind == "hgb":
        return HistGradientBoostingClassifier(
            max_iter=200, early_stopping=True, random_state=random_state
        )
    if kind != "mlp":
        raise ValueError(f"{owner}: classifier must be 'mlp', 'knn' or 'hgb', not {kind!r}")
    mlp = MLPClassifier(
        hidden_layer_sizes=tuple(hidden),
        alpha=alpha,
        max_iter=max_iter,
        early_stopping=True,
        n_iter_no_change=8,
        random_state=random_state,
    )
    return make_pipeline(StandardScaler(), mlp)


def player_box(keypoints: np.ndarray, threshold: float = DRAW_SCORE) -> np.ndarray | None:
    """(x0, y0, x1, y1) around the joints (J, 3) scoring at least ``threshold``, or None."""
    shown = np.isfinite(keypoints[:, :2]).all(axis=1) & (keypoints[:, 2] >= threshold)
    if not shown.any():
        return None
    xy = keypoints[shown, :2]
    return np.concatenate([xy.min(axis=0), xy.max(axis=0)])


def draw_pose(frame: np.ndarray, keypoints: np.ndarray, edges, text: str) -> np.ndarray:
    """The frame with the followed person's skeleton, their box and ``text`` on top."""
    out = draw_skeleton(np.ascontiguousarray(frame), keypoints, edges, DRAW_SCORE)
    box = player_box(keypoints)
    if box is not None:
        x0, y0, x1, y1 = np.round(box).astype(int)
        cv2.rectangle(out, (x0 - 4, y0 - 4), (x1 + 4, y1 + 4), _BOX, 1, cv2.LINE_AA)
    else:
        text += "  (nobody found)"
    scale = max(out.shape[0] / 480, 0.35)
    cv2.putText(out, text, (4, int(18 * scale) + 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale,
                (255, 255, 255), 1, cv2.LINE_AA)  # fmt: skip
    return out


class PoseHead(FeatureMethod):
    """Pose features of the extractor's output -> a classifier (see the module docstring).

    Subclasses store ``classifier``, ``hidden``, ``alpha``, ``max_iter``, ``mirror`` and
    ``random_state`` in their ``__init__``.
    """

    def _rows(self, features: np.ndarray) -> np.ndarray:  # pragma: no cover - the contract
        raise NotImplementedError

    def _keypoints(self, features: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    _edges: tuple = ()

    def fit(self, train: Samples):
        if self.input == "clip" and train.window < 2:
            raise ValueError(f"{self.name} needs windows of 2+ frames, got {train.window}")
        self.window_ = train.window
        features, y, _ = self.training_data(train, self.mirror)
        self.model_ = pose_classifier(
            self.classifier, self.hidden, self.alpha, self.max_iter, self.random_state, self.name
        ).fit(self._rows(features), y)
        self.classes_ = self.model_.classes_
        return self

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        return self.model_.predict(self._rows(features))

    def proba_of_features(self, features: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(self._rows(features))

    def explain(self, samples, i: int) -> np.ndarray:
        """RGB image: the frame, the skeleton of the person followed and their box, the label."""
        one = samples.subset(np.array([i]))
        features = self.features_of(one)[0]
        last = features[-1] if self.window_ > 1 else features
        label = self.predict_features(features[None])[0]
        return draw_pose(
            samples.frame(i), self._keypoints(last), self._edges, f"{self.name}: {label}"
        )
