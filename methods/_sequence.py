"""Helpers of the window methods: feature preparation and the recurrent head's training.

Not a plugin (the leading ``_``); ``mobilenet_lstm.py`` and ``movenet_pose.py`` import it.

Training (why, measured in issue 12's diagnosis on mk-synth full, 5 subject folds): every
head memorises its few training performers in 1-3 epochs, so what matters is when to stop
and what to train on. Stopping on the *validation macro-F1* of held-out training subjects
(the loss stops too early on some folds), then training afresh on *all* training subjects
for that many epochs (the held-out quarter of the performers is otherwise never learned
from) took the GRU on person crops from 0.874 to 0.895 and the pose GRU from 0.878 to 0.944.

Patience 3 epochs, not 6 (issue 11): on mk-synth full, action, folds 0 and 1, both window
methods chose the same epoch and got the same held-out macro-F1 as with 6 (pose GRU
0.992/0.993, mobilenet-lstm 0.897/0.949) in 45-55 % of the fit time (the first two
fold rows of ``python -m harness run --profile full --methods
movenet-pose-gru,mobilenet-lstm --tasks action``, with and without
``--set movenet-pose-gru.patience=6 --set mobilenet-lstm.patience=6``).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupShuffleSplit

from harness.api import FeatureMethod, Samples, import_tensorflow

from ._mobilenet_head import traced_forward


class RecurrentMethod(FeatureMethod):
    """Per-frame features of the last n frames -> GRU or LSTM -> the move: the head shared
    by the window methods. A subclass names its extractor and, if the extractor's output is
    not yet a feature vector per frame, ``per_frame(features)`` (N, window, ...) -> (N,
    window, D). Parameters: ``cell``, ``units``, ``deltas``, ``mirror``, ``dropout``,
    ``noise``, ``epochs``, ``batch_size``, ``learning_rate``, ``patience``,
    ``validation_fraction``, ``random_state``."""

    tasks = ("action",)
    input = "clip"
    requirements = ("tensorflow",)

    def per_frame(self, features: np.ndarray) -> np.ndarray:
        return features

    def fit(self, train: Samples):
        if train.window < 2:
            raise ValueError(f"{self.name} needs windows of 2+ frames, got {train.window}")
        x, y, groups = self.training_data(train, self.mirror)
        self.window_ = train.window
        fit_recurrent(self, self.per_frame(x), y, groups, train.classes)
        self._forward = None
        return self

    def proba_of_features(self, features: np.ndarray) -> np.ndarray:
        """Probabilities (N, len(classes_)) of windows given as per-frame features."""
        if getattr(self, "_forward", None) is None:
            self._forward = traced_forward(self.model_)
        x = prepare(self.per_frame(features), self.mean_, self.scale_, self.deltas)
        return probabilities(self._forward, x)

    def keras_head(self):
        """Standardisation, frame differences and the recurrent head as one Keras model."""
        return keras_head(self.model_, self.mean_, self.scale_, self.deltas)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_forward", None)  # a traced function does not pickle; rebuilt on use
        return state


def prepare(features: np.ndarray, mean: np.ndarray, scale: np.ndarray, deltas: bool):
    """Standardise per-frame features; append frame-to-frame differences if ``deltas``.

    The differences carry the motion (a roundhouse kick's leg sweeps sideways, a front
    kick's rises straight), which is what tells apart moves whose peak frames look alike.
    The first frame of a window gets a zero difference.
    """
    features = np.asarray(features, np.float32)
    width = features.shape[-1]
    # Written into one output array, in place: a full run's windows are gigabytes, and
    # each temporary copy of them counted in the run's peak memory (issue 11).
    out = np.empty((*features.shape[:-1], width * (2 if deltas else 1)), np.float32)
    x = out[..., :width]
    np.subtract(features, mean, out=x)
    np.divide(x, scale, out=x)
    if deltas:
        diff = out[..., width:]
        diff[..., :1, :] = 0
        np.subtract(x[..., 1:, :], x[..., :-1, :], out=diff[..., 1:, :])
    return out


def build_recurrent(
    window: int,
    n_features: int,
    n_classes: int,
    *,
    cell: str,
    units: int,
    dropout: float,
    learning_rate: float,
    noise: float = 0.0,
):
    """Input (window, n_features) -> [noise] -> GRU or LSTM(units) -> dropout -> softmax.

    Gaussian noise on the standardised features (training only) keeps the head from
    memorising the few training performers.
    """
    import keras

    layers = {"gru": keras.layers.GRU, "lstm": keras.layers.LSTM}
    if cell not in layers:
        raise ValueError(f"cell must be 'gru' or 'lstm', not {cell!r}")
    model = keras.Sequential(
        [
            keras.Input((window, n_features)),
            keras.layers.GaussianNoise(noise),
            layers[cell](units),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
    )
    return model


def subject_split(groups: np.ndarray, fraction: float, seed: int):
    """Train / validation indices with disjoint subjects (None: too few subjects)."""
    subjects = np.unique(groups)
    if len(subjects) < 2 or fraction <= 0:
        return None
    n_val = min(max(int(round(fraction * len(subjects))), 1), len(subjects) - 1)
    splitter = GroupShuffleSplit(n_splits=1, test_size=n_val, random_state=seed)
    return next(splitter.split(groups, groups=groups))


def fit_recurrent(method, x: np.ndarray, y: np.ndarray, groups: np.ndarray, order) -> None:
    """Fit ``method``'s recurrent head on windows ``x`` (N, window, D) with labels ``y``
    (classes kept in the task's ``order``): sets ``classes_``, ``mean_``, ``scale_``,
    ``model_`` and ``epochs_`` (see the module docstring for the training)."""
    import keras

    # Same seed, same model: measured to cost no fit time here (issue 12's diagnosis).
    import_tensorflow().config.experimental.enable_op_determinism()
    method.classes_ = np.asarray([c for c in order if c in set(y)], object)
    frames = x.reshape(-1, x.shape[-1])
    method.mean_, method.scale_ = frames.mean(axis=0), frames.std(axis=0) + 1e-6
    x = prepare(x, method.mean_, method.scale_, method.deltas)
    index = {label: i for i, label in enumerate(method.classes_)}
    target = np.asarray([index[label] for label in y], np.int64)
    counts = np.bincount(target, minlength=len(method.classes_))
    # balanced weights: rare moves matter as much as the long stretches of standing
    weights = {i: len(target) / (len(counts) * c) for i, c in enumerate(counts) if c}

    def train(rows, epochs: int, validation=None) -> int:
        keras.utils.set_random_seed(method.random_state)
        method.model_ = build_recurrent(
            x.shape[1],
            x.shape[2],
            len(method.classes_),
            cell=method.cell,
            units=method.units,
            dropout=method.dropout,
            learning_rate=method.learning_rate,
            noise=method.noise,
        )
        stopper = [_StopOnMacroF1(*validation, method.patience)] if validation else []
        method.model_.fit(
            x if rows is None else x[rows],  # no copy of every window for the refit
            target if rows is None else target[rows],
            epochs=epochs,
            batch_size=method.batch_size,
            class_weight=weights,
            callbacks=stopper,
            shuffle=True,
            verbose=0,
        )
        return stopper[0].best_epoch if stopper else epochs

    split = subject_split(groups, method.validation_fraction, method.random_state)
    if split is None:
        method.epochs_ = train(None, method.epochs)
        return
    method.epochs_ = train(split[0], method.epochs, (x[split[1]], target[split[1]]))
    train(None, method.epochs_)  # afresh, on every training subject, as long as was best


class _StopOnMacroF1:
    """Keras callback: stop when validation macro-F1 has not improved for ``patience``
    epochs; remembers the best epoch (1-based). Built lazily so keras imports stay local."""

    def __new__(cls, x_val, t_val, patience: int):
        import keras

        class Stop(keras.callbacks.Callback):
            best, best_epoch, waited = -1.0, 1, 0

            def on_epoch_end(self, epoch, logs=None):
                predicted = self.model.predict(x_val, verbose=0, batch_size=4096).argmax(axis=1)
                score = f1_score(t_val, predicted, average="macro")
                if score > self.best + 1e-4:
                    self.best, self.best_epoch, self.waited = score, epoch + 1, 0
                else:
                    self.waited += 1
                    self.model.stop_training = self.waited >= patience

        return Stop()


def probabilities(forward, x: np.ndarray, batch: int = 4096) -> np.ndarray:
    """Softmax outputs of ``forward`` over ``x`` in chunks (bounded memory)."""
    if len(x) == 0:
        return np.zeros((0, 0), np.float32)
    return np.concatenate([np.asarray(forward(x[i : i + batch])) for i in range(0, len(x), batch)])


def keras_head(model, mean: np.ndarray, scale: np.ndarray, deltas: bool):
    """:func:`prepare` followed by ``model`` as one Keras model (per-frame features in), for
    export: the same arithmetic, as Keras operations."""
    import keras

    window = model.input_shape[1]
    inputs = keras.Input((window, len(mean)))
    x = (inputs - np.asarray(mean, np.float32)) / np.asarray(scale, np.float32)
    if deltas:
        diff = keras.ops.concatenate([keras.ops.zeros_like(x[:, :1]), x[:, 1:] - x[:, :-1]], 1)
        x = keras.ops.concatenate([x, diff], axis=-1)
    return keras.Model(inputs, model(x))
