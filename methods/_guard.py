"""movement.js's warm-up guard, as a game plays it live: shared by classic-faithful's
stream over a take and its live stream.

movement.js samples the camera ``stream_fps`` times a second (5; None = every frame), skips
its first processed frame, and reports only after 48 consecutive processed frames whose
silhouette stays under 79,680 px. Its callbacks fire on changes, so the game keeps the last
reported gesture: every frame carries the last report, ``"stand"`` before the first.
"""

from __future__ import annotations

import numpy as np

from harness.api import FeatureStream, one_hot, split_histograms

from . import _movement as mv


class Guard:
    """The guard's state over consecutive frames of one take (``fps`` frames a second)."""

    def __init__(self, fine_of, fps: float, stream_fps: float | None):
        self.fine_of = fine_of  # (columns, rows) -> fine label
        self.step = 1 if not stream_fps else max(1, round(fps / stream_fps))
        self.current, self.quiet = "stand", 0

    def update(self, t: int, histograms: np.ndarray) -> str:
        """The fine label the game holds after frame ``t`` (its silhouette histograms)."""
        if t % self.step == 0 and t > 0:  # movement.js only primes on its first frame
            columns, rows = split_histograms(histograms)
            self.quiet = self.quiet + 1 if columns.sum() <= mv.MOTION_LIMIT else 0
            if self.quiet >= mv.QUIET_FRAMES:
                self.current = self.fine_of(columns, rows)
        return self.current


class GuardedStream(FeatureStream):
    """classic-faithful live: each camera frame's histograms through the guard (at 15 fps,
    a webcam's usual rate, unless told)."""

    def __init__(self, method, task, window, background, fps: float = 15.0):
        super().__init__(method, task, window, background)
        self.guard = Guard(method._fine, fps, method.stream_fps)
        self.t = 0

    def push(self, frame: np.ndarray) -> str:
        features = self.embed(frame)
        self.frames.append(features)
        label = self.task.map_label(self.guard.update(self.t, features))
        self.t += 1
        self.proba = one_hot([label], self.classes)[0]
        return label
