"""MobileNet features of the last n frames -> LSTM -> the move (the blog's proposed action model).

Recipe
------
1. Per-frame features of each window from the frozen backbone (MobileNet v1 0.25 at
   56x100, 256-d by default). ``features="person"`` (default) embeds a crop around the
   performer and its mirror image, keeping posture and side apart (see ``_crops.py``);
   ``features="frame"`` embeds the whole frame (the cached features of
   :mod:`harness.features`). With ``mirror`` every training window is also learned
   mirrored (``_left``/``_right`` labels swapped).
2. Standardise each frame's features (mean and spread of the training frames) and append
   the frame-to-frame differences, which carry the motion.
3. LSTM(units) -> dropout -> softmax over the action classes; Adam, class-balanced
   cross-entropy, early stopping on a validation split of training *subjects*.

Windows are what :func:`harness.samples.task_samples` makes: ``window`` consecutive frames
of one take, labelled by the move at the last frame; ambiguous frames are history only.

Measured (mk-synth full, clean, 5 leave-subjects-out folds, defaults): action macro-F1
0.42 (folds 0.36-0.51); front kicks are the weak point (F1 < 0.1). Whole-frame features
(``features="frame"``) gave 0.22 on the first fold where person crops gave 0.36-0.41.

Latency: ``predict`` on one window (the harness's probe, caches bypassed) embeds all
``window`` raw frames and runs the LSTM: an upper bound. A game embeds only the new frame
per tick and keeps the others (:meth:`MobileNetLSTM.stream`); that tick costs one
frame's crop and embedding (two backbone passes with ``features="person"``) plus the LSTM.
"""

from __future__ import annotations

import _crops
import numpy as np
from _sequence import FrameStream, build_lstm, mirrored, prepare, probabilities, traced_forward
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.model_selection import GroupShuffleSplit

from harness.api import Method, Samples, swap_sides


class MobileNetLSTM(Method):
    """CNN features of a window of frames -> LSTM -> action class."""

    name = "mobilenet-lstm"
    tasks = ("action",)
    input = "clip"
    # The default person crop is found by differencing with the empty scene (estimated
    # from the take's first frames when a recording has none).
    needs_background = True
    requirements = ("tensorflow",)
    weights = ("mobilenet_2_5_224_tf_no_top.h5",)
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

    # -- features -------------------------------------------------------------------------
    def _features(self, samples: Samples) -> np.ndarray:
        if self.features == "person":
            return _crops.window_crop_features(samples, self.backbone)
        if self.features == "frame":
            from harness.features import sample_features

            return sample_features(samples, self.backbone)
        raise ValueError(
            f"{self.name}: features must be 'person' or 'frame', not {self.features!r}"
        )

    def _training_data(self, train: Samples):
        x, y, groups = self._features(train), np.asarray(train.y, object), train.groups
        if self.mirror:
            if self.features == "person":  # exact and free: the antisymmetric half flips sign
                x_flip = _crops.mirror_features(x)
            else:
                mirrors = [mirrored(r) for r in train.recordings]
                flipped = Samples(train.task, mirrors, train.rec, train.end, train.window)
                x_flip = self._features(flipped)
            x = np.concatenate([x, x_flip])
            y_flip = [train.task.map_label(label) for label in swap_sides(y)]
            y = np.concatenate([y, np.asarray(y_flip, object)])
            groups = np.concatenate([groups, groups])
        return x, y, groups

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
        x, y, groups = self._training_data(train)
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

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        """Labels of windows given as per-frame features (N, window, dim)."""
        return self.classes_[self._proba_of_features(features).argmax(axis=1)]

    def _proba_of_features(self, features: np.ndarray) -> np.ndarray:
        if getattr(self, "_forward", None) is None:
            self._forward = traced_forward(self.model_)
        x = prepare(features, self.mean_, self.scale_, self.deltas)
        return probabilities(self._forward, x)

    def predict_proba(self, samples: Samples) -> np.ndarray:
        """Class probabilities in ``samples.classes`` order (0 for classes never trained)."""
        if samples.window != self.window_:
            raise ValueError(
                f"{self.name} was fitted on windows of {self.window_} frames, "
                f"got {samples.window}; use the same --window for fit and predict"
            )
        proba = self._proba_of_features(self._features(samples))
        out = np.zeros((len(samples), len(samples.classes)), np.float32)
        columns = [list(samples.classes).index(c) for c in self.classes_]
        out[:, columns] = proba
        return out

    def predict(self, samples: Samples) -> np.ndarray:
        return self.predict_features(self._features(samples))

    def predict_stream(self, recording) -> np.ndarray:
        """The label at every frame of a take (None before the first full window).

        Gives what :meth:`stream` pushed frame by frame gives (same features, same
        windows), but batched over the take's cached features.
        """
        if self.features == "person":
            features = _crops.recording_crop_features(recording, self.backbone)
        else:
            from harness.features import recording_features

            features = recording_features(recording, self.backbone)
        features = np.asarray(features)
        out = np.full(len(features), None, dtype=object)
        if len(features) >= self.window_:
            windows = sliding_window_view(features, self.window_, axis=0).transpose(0, 2, 1)
            out[self.window_ - 1 :] = self.predict_features(windows)
        return out

    def stream(self, recording) -> FrameStream:
        """A live stream for ``recording``'s scene: ``push(frame)`` per camera frame.

        Only the scene's background is read from ``recording`` (taken once at start-up).
        """
        from harness.features import load_backbone

        net = load_backbone(self.backbone)
        if self.features == "person":
            background = _crops.background_of(recording)
            return FrameStream(self, lambda frames: _crops.embed_frames(frames, background, net))
        return FrameStream(self, net.embed)

    def warm_up(self) -> None:
        from harness.features import load_backbone

        load_backbone(self.backbone).embed(np.zeros((1, 56, 100, 3), np.uint8))
        dim = len(self.mean_)
        for n in (1, 32):  # trace both the single-window and the batched shapes
            self.predict_features(np.zeros((n, self.window_, dim), np.float32))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_forward", None)  # a traced function does not pickle; rebuilt on use
        return state
