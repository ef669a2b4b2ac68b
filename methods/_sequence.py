"""Helpers of the window methods: feature preparation, the LSTM head, mirroring, streaming.

Not a plugin (the leading ``_``); ``mobilenet_lstm.py`` imports it by name.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from harness.api import Recording, swap_sides


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


def traced_forward(model):
    """``model`` as a traced function: ~1 ms per window instead of model.predict's ~25 ms."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def forward(x):
        return model(x, training=False)

    return forward


def probabilities(forward, x: np.ndarray, batch: int = 4096) -> np.ndarray:
    """Softmax outputs of ``forward`` over ``x`` in chunks (bounded memory)."""
    if len(x) == 0:
        return np.zeros((0, 0), np.float32)
    return np.concatenate([forward(x[i : i + batch]).numpy() for i in range(0, len(x), batch)])


def mirrored(recording: Recording) -> Recording:
    """The take as a mirror shows it: flipped frames (a view, no copy), sides swapped.

    Its fingerprint derives from the original's, so its features are cached once too.
    """
    return Recording(
        f"{recording.id}~mirror",
        recording.frames[:, :, ::-1],
        swap_sides(recording.labels),
        recording.subject,
        recording.scene,
        recording.fps,
        ambiguous=recording.ambiguous,
        fingerprint=f"{recording.fingerprint}-mirror",
    )


class FrameStream:
    """Live use: push one raw frame per tick, get the current label (None until full).

    Each tick embeds only the new frame (``embed`` maps frames (n, H, W, 3) to features)
    and keeps the last ``window`` feature vectors in a ring buffer, as a game would; the
    LSTM then runs over that window.
    """

    def __init__(self, method, embed):
        self.method = method
        self.embed = embed
        self.buffer: deque = deque(maxlen=method.window_)

    def push(self, frame: np.ndarray) -> str | None:
        self.buffer.append(self.embed(np.asarray(frame)[None])[0])
        if len(self.buffer) < self.buffer.maxlen:
            return None
        return str(self.method.predict_features(np.stack(self.buffer)[None])[0])
