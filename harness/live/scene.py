"""Taking the empty scene at start-up, as movement.js did, with a countdown on screen.

Methods that subtract the empty scene (the classic silhouette, the person crop) need a
frame of the room without the player. Live, the player is asked to step out of view:
a countdown runs for ``countdown`` seconds, then the next ``frames`` frames are read
and their per-pixel median is the scene (a passer-by in a few of them is voted out).
From a video file the countdown defaults to none: a take that starts with the empty
room (as mk-synth's do, for at least 10 frames) gives its scene from its first frames.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from harness.background import estimate_background

#: Frames whose median is the scene: 10 is mk-synth's shortest empty start at 15 fps.
DEFAULT_SCENE_FRAMES = 10
#: Seconds a player gets to step out of view of a camera.
CAMERA_COUNTDOWN = 3.0


class SceneTaker:
    """Feed frames with :meth:`add` until :attr:`background` is set.

    Parameters
    ----------
    countdown : seconds of countdown (by the frames' timestamps) before frames are read.
    frames : how many frames' median makes the scene (>= 1).
    """

    def __init__(self, countdown: float, frames: int = DEFAULT_SCENE_FRAMES):
        if countdown < 0 or frames < 1:
            raise ValueError(
                f"--countdown {countdown:g} --scene-frames {frames}; valid: a countdown of 0 s "
                "or more and 1 scene frame or more"
            )
        self.countdown, self.n_frames = float(countdown), int(frames)
        self.frames: list[np.ndarray] = []
        self.background: np.ndarray | None = None
        self._start: float | None = None

    def add(self, rgb: np.ndarray, t: float) -> str:
        """Take one frame (``t`` in seconds); returns the line to show on it."""
        self._start = t if self._start is None else self._start
        left = self.countdown - (t - self._start)
        if left > 0:
            return f"step out of view: {math.ceil(left)}"
        self.frames.append(np.asarray(rgb))
        if len(self.frames) >= self.n_frames:
            self.background = estimate_background(np.stack(self.frames), "median", self.n_frames)
            self.frames = []
        return f"reading the empty scene {len(self.frames) or self.n_frames}/{self.n_frames}"


def draw_banner(rgb: np.ndarray, text: str) -> np.ndarray:
    """``text`` large and centred on a dark band across the middle of a copy of ``rgb``."""
    out = rgb.copy()
    height, width = out.shape[:2]
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1.0, 2)
    scale = min(0.9 * width / max(w, 1), 0.12 * height / (h + base))
    thickness = max(1, round(2 * scale))
    (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    top = (height - h - base) // 2 - 6
    cv2.rectangle(out, (0, top), (width - 1, top + h + base + 12), (0, 0, 0), cv2.FILLED)
    origin = ((width - w) // 2, top + h + 6)
    cv2.putText(out, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thickness,
                cv2.LINE_AA)  # fmt: skip
    return out
