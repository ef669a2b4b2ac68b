"""The classic detector: movement.js's background subtraction and histogram rules.

Two methods share one pipeline (``_movement.py``): resize to 400 x 300, luma grayscale,
absolute difference with the empty-scene frame, threshold at 50, column and row
histograms.

- ``classic-faithful`` applies movement.js's hand-set rules and maps its gestures onto the
  harness's fine labels (the table is ``_movement.GESTURE_TO_FINE``). It learns nothing.
- ``classic-tuned`` crops both histograms to the silhouette's box, resamples them to a
  fixed number of bins and lets a scikit-learn classifier, tuned by grouped
  cross-validation on the training subjects, replace the rules.

Camera convention: movement.js assumes an unmirrored camera, where the performer's right
side is on the image's left. With a mirrored (selfie) camera every side is swapped:
``classic-faithful(mirrored=True)`` swaps ``_left``/``_right`` in its labels. The tuned
variant learns sides from its training labels, so it needs no such switch.

The background is the recording's empty-scene frame; without one it is estimated from
the recording's first frames (``harness.background``) and kept per recording, as
movement.js keeps its first frame.
"""

from __future__ import annotations

import _movement as mv
import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from tqdm.auto import tqdm

from harness import cache
from harness.api import Method, swap_side


class _Classic(Method):
    """What both variants share: the silhouette of a sample and the explanation image."""

    tasks = ("punch-binary", "punch-kick-other", "posture")
    input = "frame"
    needs_background = True
    requirements = ()
    shows_box = False  # the tuned variant draws the box its features are normalised by

    def _histograms(self, samples, i: int):
        recording = samples.recording(i)
        frame = mv.check_frame(samples.frame(i), f"frame {i} of {recording.id}")
        if frame.shape != recording.frames.shape[1:]:
            raise ValueError(f"classic: frame {i} of {recording.id} has shape {frame.shape}")
        background = mv.background_gray(recording, self.background, self.background_frames)
        mask = mv.silhouette(frame, background)
        return mask, *mv.histograms(mask)

    def explain(self, samples, i: int) -> np.ndarray:
        """RGB image: frame, silhouette, both histograms with the rule lines, decision."""
        mask, columns, rows = self._histograms(samples, i)
        reading = mv.rules(columns, rows)
        label = self.predict(samples.subset(np.array([i])).without_labels())[0]
        text = f"{self.name}: {label}  (movement.js: {reading.gesture}, {reading.position})"
        box = mv.bounding_box(columns, rows) if self.shows_box else None
        return mv.render(samples.frame(i), mask, columns, rows, reading, text, box)


class ClassicFaithful(_Classic):
    """movement.js's rules as written in 2013 (it learns nothing)."""

    name = "classic-faithful"
    description = "movement.js port: silhouette histograms + hand-set rules (no learning)"

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
        return self

    def _fine(self, columns: np.ndarray, rows: np.ndarray) -> str:
        fine = mv.fine_label(mv.rules(columns, rows))
        return swap_side(fine) if self.mirrored else fine

    def predict(self, samples) -> np.ndarray:
        task = samples.task
        labels = [
            task.map_label(self._fine(*self._histograms(samples, i)[1:]))
            for i in range(len(samples))
        ]
        return np.asarray(labels, dtype=object)

    def predict_stream(self, recording) -> np.ndarray:
        """Per-frame fine labels of a take played live, with movement.js's guards.

        movement.js samples the camera ``stream_fps`` times a second (5; None = every
        frame), skips its first processed frame, and reports only after 48 consecutive
        processed frames whose silhouette stays under 79,680 px. Its callbacks fire on
        changes, so the game keeps the last reported gesture: every frame carries the
        last report, ``"stand"`` before the first.
        """
        step = 1 if not self.stream_fps else max(1, round(recording.fps / self.stream_fps))
        background = mv.background_gray(recording, self.background, self.background_frames)
        labels = np.empty(len(recording), dtype=object)
        current, quiet = "stand", 0
        for t in range(len(recording)):
            if t % step == 0 and t > 0:  # movement.js only primes on its first frame
                mask = mv.silhouette(recording.frames[t], background)
                columns, rows = mv.histograms(mask)
                quiet = quiet + 1 if columns.sum() <= mv.MOTION_LIMIT else 0
                if quiet >= mv.QUIET_FRAMES:
                    current = self._fine(columns, rows)
            labels[t] = current
        return labels


class ClassicTuned(_Classic):
    """The same silhouettes; box-normalised histograms into a cross-validated classifier."""

    name = "classic-tuned"
    shows_box = True
    description = "movement.js silhouettes, box-normalised histograms + tuned classifier"

    def __init__(
        self,
        *,
        n_bins: int = 16,
        classifier: str = "kernel",
        cv: int = 3,
        background: str = "median",
        background_frames: int = 30,
        random_state: int = 0,
    ):
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

    def _recording_features(self, recording) -> np.ndarray:
        """Features of every frame of a take, cached on disk by content and code."""

        def compute():
            background = mv.background_gray(recording, self.background, self.background_frames)
            rows = []
            for frame in tqdm(
                recording.frames, desc=f"silhouettes {recording.id}", leave=False, disable=None
            ):
                columns, row_hist = mv.histograms(mv.silhouette(frame, background))
                rows.append(mv.features(columns, row_hist, self.n_bins))
            return np.asarray(rows, dtype=np.float32)

        key = cache.key_of(
            recording.fingerprint,
            self.background,
            self.background_frames,
            self.n_bins,
            cache.code_hash(mv),
        )
        return cache.cached_array("classic-features", key, compute, mmap=False)

    def fit(self, train):
        features = np.empty((len(train), 2 * self.n_bins + len(mv.SHAPE_FEATURES)), np.float32)
        for r in np.unique(train.rec):
            at = train.rec == r
            features[at] = self._recording_features(train.recordings[r])[train.end[at]]
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

    def _features(self, samples) -> np.ndarray:
        return np.stack(
            [
                mv.features(*self._histograms(samples, i)[1:], self.n_bins)
                for i in range(len(samples))
            ]
        )

    def predict(self, samples) -> np.ndarray:
        features = self._features(samples)
        mv.single_threaded()
        with sklearn.config_context(assume_finite=True):
            return np.asarray(self.model_.predict(features), dtype=object)

    def predict_proba(self, samples) -> np.ndarray:
        features = self._features(samples)
        mv.single_threaded()
        with sklearn.config_context(assume_finite=True):
            proba = self.model_.predict_proba(features)
        order = [
            list(self.classes_).index(c) if c in self.classes_ else -1 for c in samples.classes
        ]
        return np.where(np.asarray(order) >= 0, proba[:, order], 0.0)
