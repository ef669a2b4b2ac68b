"""The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012) for landmarks in streaming.

A low-pass filter whose cutoff rises with speed: at rest it smooths hard (little jitter),
moving fast it follows closely (little lag). Per value, at frame rate ``f``::

    alpha(c) = 1 / (1 + f / (2 pi c))
    dx   = (x - previous raw x) * value_scale * f            # speed
    edx  = low-pass(dx, alpha(derivate_cutoff))
    out  = low-pass(x, alpha(min_cutoff + beta * |edx|))

This is MediaPipe's form (``mediapipe/util/filtering/one_euro_filter.cc``): the speed uses
the previous *raw* value, the frame rate comes from the timestamps (``frequency`` until
two are seen), and ``value_scale`` makes the speed relative to the object's size (MediaPipe
passes 1 / the body's size in pixels), so one setting suits near and far people alike.

The presets are MediaPipe's, from ``mediapipe/modules/pose_landmark/
pose_landmark_filtering.pbtxt`` (the graph behind ``solutions.pose`` with
``smooth_landmarks=True``), chosen because they are what BlazePose's users see and were
tuned by its authors for these very landmarks:

- :data:`LANDMARKS` (image landmarks, speed in body sizes per second): min_cutoff 0.05,
  beta 80, derivate_cutoff 1;
- :data:`WORLD_LANDMARKS` (metres, no size scaling): min_cutoff 0.1, beta 40,
  derivate_cutoff 1;
- :data:`AUXILIARY` (the two points giving the next crop, smoothed harder so the crop
  holds still): min_cutoff 0.01, beta 10, derivate_cutoff 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OneEuroSettings:
    """The filter's parameters (cutoffs in Hz; ``frequency`` is the rate assumed at first)."""

    min_cutoff: float = 1.0
    beta: float = 0.0
    derivate_cutoff: float = 1.0
    frequency: float = 30.0


LANDMARKS = OneEuroSettings(min_cutoff=0.05, beta=80.0, derivate_cutoff=1.0)
WORLD_LANDMARKS = OneEuroSettings(min_cutoff=0.1, beta=40.0, derivate_cutoff=1.0)
AUXILIARY = OneEuroSettings(min_cutoff=0.01, beta=10.0, derivate_cutoff=1.0)


def _alpha(cutoff, frequency: float):
    """Smoothing factor of a first-order low-pass at ``cutoff`` Hz, sampled at ``frequency``."""
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, dtype=np.float64))
    return 1.0 / (1.0 + tau * frequency)


class OneEuroFilter:
    """One-Euro filter over an array of values (e.g. (33, 3) landmarks), element-wise.

    Parameters
    ----------
    settings
        Cutoffs and slope; the default is the paper's starting point (1 Hz, beta 0).
    """

    def __init__(self, settings: OneEuroSettings = OneEuroSettings()):
        if settings.min_cutoff <= 0 or settings.derivate_cutoff <= 0 or settings.frequency <= 0:
            raise ValueError(f"One-Euro filter: cutoffs and frequency must be > 0, got {settings}")
        self.settings = settings
        self.reset()

    def reset(self) -> None:
        """Forget the past (e.g. when the person is lost): the next value passes as is."""
        self._frequency = self.settings.frequency
        self._time: float | None = None
        self._raw: np.ndarray | None = None
        self._smoothed: np.ndarray | None = None
        self._speed: np.ndarray | None = None

    def __call__(self, value, timestamp: float, value_scale: float = 1.0) -> np.ndarray:
        """Filtered ``value`` at ``timestamp`` (seconds, increasing).

        ``value_scale`` multiplies the speed, so speed is in units the cutoffs suit (1 /
        object size in pixels for image landmarks). A timestamp that does not increase
        returns ``value`` unfiltered and leaves the state alone, as MediaPipe does.
        """
        value = np.asarray(value, dtype=np.float64)
        if self._time is not None and timestamp <= self._time:
            return value.copy()
        if self._time is not None:
            self._frequency = 1.0 / (timestamp - self._time)
        self._time = timestamp
        if self._raw is None or self._raw.shape != value.shape:
            self._raw, self._smoothed = value.copy(), value.copy()
            self._speed = np.zeros_like(value)
            return value.copy()
        speed = (value - self._raw) * value_scale * self._frequency
        speed_alpha = _alpha(self.settings.derivate_cutoff, self._frequency)
        self._speed = speed_alpha * speed + (1.0 - speed_alpha) * self._speed
        cutoff = self.settings.min_cutoff + self.settings.beta * np.abs(self._speed)
        alpha = _alpha(cutoff, self._frequency)
        self._smoothed = alpha * value + (1.0 - alpha) * self._smoothed
        self._raw = value.copy()
        return self._smoothed.copy()
