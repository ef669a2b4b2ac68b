"""Live use of a fitted method: push one camera frame at a time, read the current label.

:class:`Stream` works for every method (it keeps the last raw frames and predicts on the
window); :class:`FeatureStream` is what a feature method gives: each frame is embedded once,
on arrival, and the head runs over a ring buffer of features, as a game would.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from harness.recording import Recording
from harness.samples import Samples


def align_proba(proba: np.ndarray, fitted: tuple, wanted: tuple) -> np.ndarray:
    """Probability columns of classes ``fitted`` rearranged to ``wanted`` (0 where unseen)."""
    proba = np.asarray(proba, np.float32)
    out = np.zeros((len(proba), len(wanted)), np.float32)
    position = {label: j for j, label in enumerate(wanted)}
    for j, label in enumerate(fitted):
        if label in position:
            out[:, position[label]] = proba[:, j]
    return out


def one_hot(labels, classes: tuple) -> np.ndarray:
    """Hard decisions as probabilities (N, len(classes))."""
    index = {label: j for j, label in enumerate(classes)}
    out = np.zeros((len(labels), len(classes)), np.float32)
    for i, label in enumerate(labels):
        if label in index:
            out[i, index[label]] = 1.0
    return out


class Stream:
    """Live use: ``push(frame)`` once per camera frame returns the current label.

    The default feeds the method's :meth:`Method.predict` with the last ``window`` raw frames
    (with caches off): correct for every method, but it redoes each frame's work
    ``window`` times; :class:`FeatureMethod` keeps per-frame features instead.
    ``proba`` holds the last class probabilities (in ``classes`` order), or None.
    """

    def __init__(self, method, task, window: int, background: np.ndarray | None = None):
        self.method, self.task, self.window = method, task, window
        self.background = background
        self.frames: deque = deque(maxlen=window)
        self.proba: np.ndarray | None = None

    @property
    def classes(self) -> tuple[str, ...]:
        return self.task.classes

    def view(self, frame: np.ndarray) -> dict:
        """What the live view draws for the frame just pushed (:meth:`Method.live_view`)."""
        return self.method.live_view(frame, None, self.background)

    def push(self, frame: np.ndarray) -> str | None:
        from harness import cache

        self.frames.append(np.asarray(frame))
        if len(self.frames) < self.window:
            return None
        clip = np.stack(self.frames)
        take = Recording(
            "live",
            clip,
            ["stand"] * len(clip),
            "live",
            background=self.background,
            fingerprint="live",
        )
        one = Samples(self.task, [take], np.zeros(1, int), np.array([len(clip) - 1]), self.window)
        with cache.bypassed():
            self.proba = self.method.predict_proba(one)[0]
            return str(self.method.predict(one)[0])


class FeatureStream(Stream):
    """Live use of a :class:`FeatureMethod`: each frame is embedded once, on arrival, and
    the last ``window`` feature arrays are kept in a ring buffer, as a game would."""

    def __init__(self, method, task, window: int, background: np.ndarray | None = None):
        super().__init__(method, task, window, background)
        self.embed = method.extractor.live(background)

    def view(self, frame: np.ndarray) -> dict:
        features = self.frames[-1] if self.frames else None
        return self.method.live_view(frame, features, self.background)

    def push(self, frame: np.ndarray) -> str | None:
        self.frames.append(self.embed(frame))
        if len(self.frames) < self.window:
            return None
        x = np.stack(self.frames)[None] if self.window > 1 else self.frames[-1][None]
        proba = self.method.proba_of_features(x)  # once per tick: the label follows from it
        self.proba = align_proba(proba, tuple(self.method.classes_), self.classes)[0]
        return str(self.method.decide(proba)[0])
