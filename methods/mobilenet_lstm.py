"""MobileNet features of the last n frames -> LSTM -> the move (the blog's proposed action model).

Recipe
------
1. Per-frame features of each window from the frozen backbone (MobileNet v1 0.25 at
   56x100, 256-d by default). ``features="person"`` (default) embeds a crop around the
   performer and its mirror image, keeping posture and side apart (the engine's
   :class:`~harness.api.PersonCrop`); ``features="frame"`` embeds the whole frame. With
   ``mirror`` every training window is also learned mirrored (``_left``/``_right`` labels
   swapped).
2. Standardise each frame's features (mean and spread of the training frames) and append
   the frame-to-frame differences, which carry the motion.
3. LSTM(units) -> dropout -> softmax over the action classes; Adam, class-balanced
   cross-entropy, early stopping on a validation split of training *subjects*.

Windows are what :func:`harness.samples.task_samples` makes: ``window`` consecutive frames
of one take, labelled by the move at the last frame; ambiguous frames are history only.

Measured (mk-synth full, clean, 5 leave-subjects-out folds, defaults; ``python -m harness
run --methods mobilenet-lstm --tasks action --weights-dir ../shared/weights``): action
macro-F1 0.42 (folds 0.36-0.51); front kicks are the weak point (F1 < 0.1, per-class F1 in
results.json). Whole-frame features gave 0.22 on the first fold (fold 0 in results.csv)
where person crops gave 0.36-0.41: the same command with
``--set mobilenet-lstm.features=frame,person``.

Latency: ``predict`` on one window (the harness's probe, caches bypassed) embeds all
``window`` raw frames and runs the LSTM: an upper bound. A game embeds only the new frame
per tick and keeps the others (:meth:`MobileNetLSTM.stream`); that tick costs one
frame's crop and embedding (two backbone passes with ``features="person"``) plus the LSTM.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from harness.api import FeatureMethod, PersonCrop, Samples, WholeFrame

from ._mobilenet_head import traced_forward
from ._sequence import build_lstm, prepare, probabilities


class MobileNetLSTM(FeatureMethod):
    """CNN features of a window of frames -> LSTM -> action class."""

    name = "mobilenet-lstm"
    tasks = ("action",)
    input = "clip"
    requirements = ("tensorflow",)
    description = "frozen MobileNet 0.25 features of the last n frames (+ differences) -> LSTM"

    def __init__(
        self,
        *,
        backbone: str = "mobilenet-0.25",
        features: str = "person",
        units: int = 64,
        deltas: bool = True,
        mirror: bool = True,
        dropout: float = 0.3,
        noise: float = 0.0,
        epochs: int = 40,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        patience: int = 6,
        validation_fraction: float = 0.25,
        random_state: int = 0,
    ):
        self.backbone = backbone
        self.features = features
        self.units = units
        self.deltas = deltas
        self.mirror = mirror
        self.dropout = dropout
        self.noise = noise
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    @property
    def extractor(self):
        """The person crop (found against the empty scene, estimated from the take's first
        frames when a recording has none) or the whole frame."""
        if self.features not in ("person", "frame"):
            raise ValueError(
                f"{self.name}: features must be 'person' or 'frame', not {self.features!r}"
            )
        return (PersonCrop if self.features == "person" else WholeFrame)(self.backbone)

    def _validation_split(self, groups: np.ndarray):
        """Train / validation indices with disjoint subjects (None: too few subjects)."""
        subjects = np.unique(groups)
        n_val = int(round(self.validation_fraction * len(subjects)))
        if len(subjects) < 2 or self.validation_fraction <= 0:
            return None
        n_val = min(max(n_val, 1), len(subjects) - 1)
        splitter = GroupShuffleSplit(n_splits=1, test_size=n_val, random_state=self.random_state)
        return next(splitter.split(groups, groups=groups))

    # -- the estimator --------------------------------------------------------------------
    def fit(self, train: Samples) -> MobileNetLSTM:
        import keras

        if train.window < 2:
            raise ValueError(f"{self.name} needs windows of 2+ frames, got {train.window}")
        keras.utils.set_random_seed(self.random_state)
        x, y, groups = self.training_data(train, self.mirror)
        self.window_ = train.window
        self.classes_ = np.asarray([c for c in train.classes if c in set(y)], dtype=object)
        frames = x.reshape(-1, x.shape[-1])
        self.mean_, self.scale_ = frames.mean(axis=0), frames.std(axis=0) + 1e-6
        x = prepare(x, self.mean_, self.scale_, self.deltas)
        index = {label: i for i, label in enumerate(self.classes_)}
        target = np.asarray([index[label] for label in y], dtype=np.int64)
        counts = np.bincount(target, minlength=len(self.classes_))
        # balanced weights: rare moves matter as much as the long stretches of standing
        class_weight = {i: len(target) / (len(counts) * c) for i, c in enumerate(counts) if c}
        split = self._validation_split(groups)
        fit_index = np.arange(len(x)) if split is None else split[0]
        callbacks, validation = [], None
        if split is not None:
            validation = (x[split[1]], target[split[1]])
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    patience=self.patience, restore_best_weights=True, monitor="val_loss"
                )
            )
        self.model_ = build_lstm(
            self.window_,
            x.shape[-1],
            len(self.classes_),
            self.units,
            self.dropout,
            self.learning_rate,
            self.noise,
        )
        history = self.model_.fit(
            x[fit_index],
            target[fit_index],
            validation_data=validation,
            epochs=self.epochs,
            batch_size=self.batch_size,
            class_weight=class_weight,
            callbacks=callbacks,
            shuffle=True,
            verbose=0,
        )
        self.epochs_run_ = len(history.history["loss"])
        self._forward = None
        return self

    def proba_of_features(self, features: np.ndarray) -> np.ndarray:
        """Probabilities (N, len(classes_)) of windows given as per-frame features."""
        if getattr(self, "_forward", None) is None:
            self._forward = traced_forward(self.model_)
        return probabilities(self._forward, prepare(features, self.mean_, self.scale_, self.deltas))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_forward", None)  # a traced function does not pickle; rebuilt on use
        return state
