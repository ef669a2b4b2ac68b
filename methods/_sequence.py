"""Helpers of the window methods: feature preparation and the recurrent head.

Not a plugin (the leading ``_``); ``mobilenet_lstm.py`` imports it.
"""

from __future__ import annotations

import numpy as np


def prepare(features: np.ndarray, mean: np.ndarray, scale: np.ndarray, deltas: bool):
    """Standardise per-frame features; append frame-to-frame differences if ``deltas``.

    The differences carry the motion (a roundhouse kick's leg sweeps sideways, a front
    kick's rises straight), which is what tells apart moves whose peak frames look alike.
    The first frame of a window gets a zero difference.
    """
    x = (np.asarray(features, np.float32) - mean) / scale
    if not deltas:
        return x
    diff = np.zeros_like(x)
    diff[..., 1:, :] = x[..., 1:, :] - x[..., :-1, :]
    return np.concatenate([x, diff], axis=-1)


def build_lstm(
    window: int, n_features: int, n_classes: int, units: int, dropout: float, lr, noise=0.0
):
    """Input (window, n_features) -> [noise] -> LSTM(units) -> dropout -> softmax.

    Gaussian noise on the standardised features (training only) keeps the LSTM from
    memorising the few training performers.
    """
    import keras

    model = keras.Sequential(
        [
            keras.Input((window, n_features)),
            keras.layers.GaussianNoise(noise),
            keras.layers.LSTM(units),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(n_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


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
