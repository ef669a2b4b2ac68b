"""The classic detector: movement.js's background subtraction and histogram rules.

Both methods read the engine's :class:`~harness.api.Silhouette` features: the frame resized
to 400 x 300, luma grayscale, absolute difference with the empty-scene frame, threshold at
50, column and row histograms.

- ``classic-faithful`` applies movement.js's hand-set rules and maps its gestures onto the
  harness's fine labels (the table is ``_movement.GESTURE_TO_FINE``). It learns nothing.
- ``classic-tuned`` crops both histograms to the silhouette's box, resamples them to a
  fixed number of bins and lets a scikit-learn classifier, tuned by grouped
  cross-validation on the training subjects, replace the rules.
- ``classic-mask``: ``classic-tuned`` on BlazePose's learned person mask (no empty scene):
  mk-synth full, clean, punch-kick-other 0.990 macro-F1, classic-tuned 0.804 (``python -m
  harness run --methods classic-mask,classic-tuned --tasks punch-kick-other``).

Camera convention: movement.js assumes an unmirrored camera, where the performer's right
side is on the image's left. With a mirrored (selfie) camera every side is swapped:
``classic-faithful(mirrored=True)`` swaps ``_left``/``_right`` in its labels. The tuned
variant learns sides from its training labels, so it needs no such switch.

The background is the recording's empty-scene frame; without one it is estimated from
the recording's first frames and kept per recording, as movement.js keeps its first frame.
"""

from __future__ import annotations

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from harness.api import FeatureMethod, Preset, split_histograms, swap_side

from . import _movement as mv
from ._guard import Guard, GuardedStream


class _Classic(FeatureMethod):
    """What both variants share: the silhouette extractor and the explanation image."""

    tasks = ("punch-binary", "punch-kick-other", "posture")
    shows_box = False  # the tuned variant draws the box its features are normalised by

    @property
    def extractor(self):  # Silhouette, or BlazePoseMask for classic-mask
        kind = getattr(self, "silhouette", "difference")  # classic-faithful: always
        return mv.silhouette_extractor(kind, self.background, self.background_frames)

    def explain(self, samples, i: int) -> np.ndarray:
        """RGB image: frame, silhouette, both histograms with the rule lines, decision."""
        recording, frame = samples.recording(i), samples.frame(i)
        mask = self.extractor.mask(frame, self.extractor.background_of(recording))
        columns, rows = split_histograms(self.features_of(samples.subset(np.array([i])))[0])
        reading = mv.rules(columns, rows)
        label = self.predict(samples.subset(np.array([i])).without_labels())[0]
        text = f"{self.name}: {label}  (movement.js: {reading.gesture}, {reading.position})"
        box = mv.bounding_box(columns, rows) if self.shows_box else None
        return mv.render(frame, mask, columns, rows, reading, text, box)

    def live_view(self, frame: np.ndarray, features: np.ndarray, background) -> dict:
        """The silhouette and both histograms, as movement.js showed them, beside the view."""
        columns, rows = split_histograms(features)
        box = mv.bounding_box(columns, rows) if self.shows_box else None
        mask = self.extractor.mask(frame, background)
        return {"panel": mv.live_panel(mask, columns, rows, mv.rules(columns, rows), box)}


class ClassicFaithful(_Classic):
    """movement.js's rules as written in 2013 (it learns nothing)."""

    name = "classic-faithful"
    description = "movement.js port: silhouette histograms + hand-set rules (no learning)"
    stateful = True  # played live, movement.js's warm-up guard decides when it reports

    def __init__(
        self,
        *,
        mirrored: bool = False,
        background: str = "median",
        background_frames: int = 30,
        stream_fps: float | None = 5.0,
    ):
        self.mirrored = mirrored
        self.background = background
        self.background_frames = background_frames
        self.stream_fps = stream_fps

    def fit(self, train):
        self.classes_ = np.asarray(train.task.classes, dtype=object)
        self.task_ = train.task
        return self

    def _fine(self, columns: np.ndarray, rows: np.ndarray) -> str:
        fine = mv.fine_label(mv.rules(columns, rows))
        return swap_side(fine) if self.mirrored else fine

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        columns, rows = split_histograms(features)
        return self.task_.map_labels(self._fine(c, r) for c, r in zip(columns, rows, strict=True))

    def predict_stream(self, samples) -> np.ndarray:
        """Labels of a take played live, through movement.js's warm-up guard (``_guard.py``)."""
        recording = samples.recordings[int(samples.rec[0])]
        guard = Guard(self._fine, recording.fps, self.stream_fps)
        features = self.features_of(samples)
        labels = [guard.update(int(t), f) for t, f in zip(samples.end, features, strict=True)]
        return self.task_.map_labels(labels)

    def stream(self, task, window: int = 1, background=None):
        return GuardedStream(self, task, window, background)


class ClassicTuned(_Classic):
    """The same silhouettes; box-normalised histograms into a cross-validated classifier."""

    name = "classic-tuned"
    shows_box = True
    description = "movement.js silhouettes, box-normalised histograms + tuned classifier"
    _MASK = "classic-tuned on BlazePose's learned person mask (no empty scene)"
    presets = {"classic-mask": Preset({"silhouette": "mask"}, description=_MASK)}

    def __init__(
        self,
        *,
        n_bins: int = 16,
        classifier: str = "kernel",
        cv: int = 3,
        silhouette: str = "difference",
        background: str = "median",
        background_frames: int = 30,
        random_state: int = 0,
    ):
        self.silhouette = silhouette
        self.n_bins = n_bins
        self.classifier = classifier
        self.cv = cv
        self.background = background
        self.background_frames = background_frames
        self.random_state = random_state

    def _search_space(self, n_train: int):
        """The classifier and its grid. Every choice weighs classes by their rarity (moves
        are short, standing is long) and predicts one frame in well under a millisecond."""
        balanced = LogisticRegression(max_iter=3000, class_weight="balanced")
        if self.classifier == "kernel":  # an RBF kernel machine, linear at predict time
            rbf = Nystroem(n_components=min(300, n_train // 2), random_state=self.random_state)
            model = make_pipeline(StandardScaler(), rbf, balanced)
            return model, {"nystroem__gamma": [0.01, 0.03], "logisticregression__C": [10.0]}
        if self.classifier == "logreg":
            model = make_pipeline(StandardScaler(), balanced)
            return model, {"logisticregression__C": [0.1, 1.0, 10.0]}
        if self.classifier == "hgb":  # strong but slow to fit, ~1 ms per 100 trees to predict
            model = HistGradientBoostingClassifier(
                class_weight="balanced", random_state=self.random_state
            )
            return model, {"max_leaf_nodes": [15, 31], "learning_rate": [0.1, 0.2]}
        raise ValueError(
            f"classic-tuned: unknown classifier {self.classifier!r}; use kernel, logreg or hgb"
        )

    def _shape_features(self, histograms: np.ndarray) -> np.ndarray:
        """Box-normalised histograms and box shape (float64, one row per frame)."""
        columns, rows = split_histograms(histograms)
        return np.stack(
            [mv.features(c, r, self.n_bins) for c, r in zip(columns, rows, strict=True)]
        )

    def fit(self, train):
        features = self._shape_features(self.features_of(train)).astype(np.float32)
        model, grid = self._search_space(len(train))
        n_groups = len(np.unique(train.groups))
        mv.single_threaded()
        if n_groups >= 2 and self.cv >= 2:
            folds = GroupKFold(min(self.cv, n_groups))
            search = GridSearchCV(model, grid, scoring="f1_macro", cv=folds, refit=True)
            search.fit(features, train.y, groups=train.groups)
            self.model_, self.best_params_ = search.best_estimator_, search.best_params_
        else:  # one training subject: nothing to cross-validate over, keep the defaults
            self.model_, self.best_params_ = model.fit(features, train.y), {}
        self.classes_ = self.model_.classes_
        return self

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        x = self._shape_features(features)
        mv.single_threaded()
        with sklearn.config_context(assume_finite=True):
            return np.asarray(self.model_.predict(x), dtype=object)

    def proba_of_features(self, features: np.ndarray) -> np.ndarray:
        x = self._shape_features(features)
        mv.single_threaded()
        with sklearn.config_context(assume_finite=True):
            return self.model_.predict_proba(x)
