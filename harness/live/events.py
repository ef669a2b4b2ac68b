"""Debounced move events from a stream of per-frame class probabilities.

The scheme is the one MediaPipe's pose classification uses to count repetitions: smooth
each class's probability with an exponential moving average (EMA), then apply hysteresis
(a move is *in* once its smoothed probability rises above ``enter`` and *out* only when it
falls below a lower ``exit``), so a classifier's one-frame flickers neither start a move
nor cut one short. On top of that a move must stay above ``enter`` for ``hold_frames``
consecutive frames before it starts.

Rules, per frame:

- Idle classes (``other``, ``stand``, ``empty``) never start a move.
- The candidate is the non-idle class with the highest smoothed probability; it starts
  when it has been above ``enter`` for ``hold_frames`` frames in a row.
- At most one move is active: a new move's start first ends the active one.
- The active move ends when its smoothed probability falls below ``exit``.

An event is ``{"t": seconds, "frame": int, "move": str, "event": "start"|"end",
"confidence": float}``; ``confidence`` is the move's smoothed probability at that frame.

Defaults, for 15 fps (mk-synth's rate, a webcam's worst case) and a 200 ms budget:

- ``alpha = 0.5``: the newest frame weighs half, a window ("span", ``2 / alpha - 1``) of
  3 frames. MediaPipe's ``alpha = 0.2`` over 10 frames suits counting squats at 30 fps;
  here a clean switch would start a move 4 frames (267 ms) late, a third into a punch.
- ``enter = 0.6``: from idle (a move's average below 0.2), one frame cannot lift the
  average above ``0.5 * 1 + 0.5 * 0.2 = 0.6``, so a one-frame flicker never starts a move,
  while two confident frames in a row (``p > 0.8``) start it on the second (67 ms).
- ``exit = 0.2``: two frames of doubt inside a move the classifier was sure of leave its
  average at ``0.25 * 0.8 = 0.2`` or more, so they do not end it and start it again (which
  would press its key twice); a third ends it.
- ``hold_frames = 1``: the average already asks for two frames of evidence; each further
  frame of hold costs 67 ms of the budget. Raise it for a classifier whose flickers last
  two frames or more.

On real classifier output the cautious defaults cost one frame for the best method
(issue 14; mk-synth full, punch-kick-other, each method trained without performers
s07-s10 and streamed over s07-s08's takes to choose, then trained without s09-s10 and
streamed over theirs to check). Chosen on s07-s08 for ``blazepose``, ``alpha = 0.6,
enter = 0.5`` (``live --smoothing 0.6 --enter 0.5``) starts 95 of s09-s10's 97 punches
and kicks once within 200 ms instead of 91, with a median first-start delay of 67 ms
instead of 133 and no false start in either case; the two it misses are punches the
classifier never names. A noisier classifier pays for it in false starts: ``movenet-pose``
goes from 0 to 1.3 false starts per idle minute on s09-s10 (0.6 to 3.0 on s07-s08), so
the defaults stay cautious and the faster setting is an option. These figures come from
each model's ``stream()`` over the takes' frames; through video files, as ``live`` reads
them, ``python benchmarks/live_targets.py --methods blazepose --smoothing 0.6 --enter
0.5`` gives them within a move or so (MJPG compression moved one move at the defaults:
92 of 97 there, 91 on the frames).

``tests/engine/test_live_events.py`` checks the target (every punch and kick starts once
within 200 ms of its first labelled frame; at most 2 false starts per idle minute) on
synthetic streams with a pose classifier's flicker, and measures the latency the debouncer
adds to raw labels: ``python -m pytest tests/engine/test_live_events.py -s`` prints it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from harness.streaming import IDLE

DEFAULT_ALPHA = 0.5
DEFAULT_ENTER = 0.6
DEFAULT_EXIT = 0.2
DEFAULT_HOLD_FRAMES = 1
DEFAULT_FPS = 15.0


class MoveDebouncer:
    """Turn per-frame class probabilities into move start/end events.

    Parameters
    ----------
    classes : the task's classes, in the order of probability arrays.
    alpha : EMA weight of the newest frame, in (0, 1]; 1 turns smoothing off.
    enter, exit : hysteresis thresholds on the smoothed probability, ``0 <= exit < enter``.
    hold_frames : frames a candidate must stay above ``enter`` before it starts (>= 1).
    idle : classes that never start a move.
    fps : converts frame numbers to seconds when :meth:`update` gets no timestamp.
    """

    def __init__(
        self,
        classes: Sequence[str],
        alpha: float = DEFAULT_ALPHA,
        enter: float = DEFAULT_ENTER,
        exit: float = DEFAULT_EXIT,  # the hysteresis word MediaPipe uses
        hold_frames: int = DEFAULT_HOLD_FRAMES,
        idle: Iterable[str] = IDLE,
        fps: float = DEFAULT_FPS,
    ):
        check_settings(alpha, enter, exit, hold_frames, fps)
        self.classes = tuple(str(c) for c in classes)
        self.alpha, self.enter, self.exit = float(alpha), float(enter), float(exit)
        self.hold_frames, self.fps = int(hold_frames), float(fps)
        self._index = {c: i for i, c in enumerate(self.classes)}
        self._movable = np.asarray([c not in set(idle) for c in self.classes], dtype=bool)
        self.smoothed: np.ndarray | None = None
        self.active: str | None = None
        self.frame = -1
        self._candidate: str | None = None
        self._held = 0
        self._t = 0.0

    def as_vector(self, observation) -> np.ndarray:
        """One frame's observation as a probability vector over :attr:`classes`.

        Accepts a dict ``{class: probability}`` (missing classes count 0), an array in
        class order, or a hard label (a class name, turned into a one-hot vector) for
        methods that predict labels only.
        """
        if isinstance(observation, str):
            observation = {observation: 1.0}  # a hard label is a one-hot vector
        if isinstance(observation, Mapping):
            unknown = sorted(set(map(str, observation)) - set(self._index))
            if unknown:
                raise ValueError(f"debouncer: {unknown} are not among the classes {self.classes}")
            vector = np.zeros(len(self.classes))
            for name, p in observation.items():
                vector[self._index[str(name)]] = float(p)
            return vector
        vector = np.asarray(observation, dtype=float).reshape(-1)
        if vector.shape != (len(self.classes),):
            raise ValueError(
                f"debouncer: {vector.size} probabilities for {len(self.classes)} classes"
            )
        return vector

    def update(self, observation, t: float | None = None) -> list[dict]:
        """Feed one frame; return the events it causes (often none).

        ``observation`` may be None ("no report yet", e.g. a window method's first frames):
        the frame counts, but the state does not change.
        """
        self.frame += 1
        self._t = float(t) if t is not None else self.frame / self.fps
        if observation is None:
            return []
        p = self.as_vector(observation)
        # The first report seeds the average, so a stream does not start biased toward 0.
        self.smoothed = (
            p if self.smoothed is None else self.alpha * p + (1 - self.alpha) * self.smoothed
        )
        events: list[dict] = []
        if self.active is not None and self._p(self.active) < self.exit:
            events.append(self._event(self.active, "end"))
            self.active = None
        candidate = self._best_move()
        if candidate is None or candidate == self.active or self._p(candidate) <= self.enter:
            self._candidate, self._held = None, 0
            return events
        self._held = self._held + 1 if candidate == self._candidate else 1
        self._candidate = candidate
        if self._held >= self.hold_frames:
            if self.active is not None:
                events.append(self._event(self.active, "end"))
            self.active = candidate
            events.append(self._event(candidate, "start"))
            self._candidate, self._held = None, 0
        return events

    def finish(self) -> list[dict]:
        """End the active move (if any) at the last frame: the stream has stopped."""
        if self.active is None:
            return []
        event = self._event(self.active, "end")
        self.active = None
        return [event]

    def probabilities(self) -> dict[str, float]:
        """The smoothed probabilities as ``{class: p}`` (zeros before the first report)."""
        values = np.zeros(len(self.classes)) if self.smoothed is None else self.smoothed
        return {c: float(v) for c, v in zip(self.classes, values, strict=True)}

    def _p(self, name: str) -> float:
        return float(self.smoothed[self._index[name]])

    def _best_move(self) -> str | None:
        if not self._movable.any():
            return None
        masked = np.where(self._movable, self.smoothed, -np.inf)
        return self.classes[int(np.argmax(masked))]

    def _event(self, move: str, kind: str) -> dict:
        return {
            "t": round(self._t, 4),
            "frame": self.frame,
            "move": move,
            "event": kind,
            "confidence": round(self._p(move), 4),
        }


def check_settings(
    alpha: float = DEFAULT_ALPHA,
    enter: float = DEFAULT_ENTER,
    exit: float = DEFAULT_EXIT,
    hold_frames: int = DEFAULT_HOLD_FRAMES,
    fps: float = DEFAULT_FPS,
) -> None:
    """Raise ValueError (one line) unless these are valid :class:`MoveDebouncer` settings."""
    if not 0 < alpha <= 1:
        raise ValueError(f"debouncer: alpha={alpha}; valid: 0 < alpha <= 1")
    if not 0 <= exit < enter <= 1:
        raise ValueError(f"debouncer: exit={exit}, enter={enter}; valid: 0 <= exit < enter <= 1")
    if int(hold_frames) < 1 or fps <= 0:
        raise ValueError(f"debouncer: hold_frames={hold_frames}, fps={fps}; valid: >= 1, > 0")


def debounce(stream: Iterable, classes: Sequence[str], **settings) -> list[dict]:
    """Every event of a whole stream of observations (one per frame), ended at its last frame.

    ``settings`` are :class:`MoveDebouncer`'s keyword arguments.
    """
    debouncer = MoveDebouncer(classes, **settings)
    events: list[dict] = []
    for observation in stream:
        events += debouncer.update(observation)
    return events + debouncer.finish()


def active_per_frame(events: Iterable[dict], n_frames: int) -> np.ndarray:
    """The active move at every frame (None when no move is active).

    This turns events back into a per-frame prediction, which
    :func:`harness.streaming.stream_events` scores like any method's labels: the live path
    and the streaming table then use one definition of detection and false trigger.
    """
    active = np.full(int(n_frames), None, dtype=object)
    current, since = None, 0
    for event in sorted(events, key=lambda e: (e["frame"], e["event"] == "start")):
        if current is not None:
            active[since : event["frame"]] = current
        current = event["move"] if event["event"] == "start" else None
        since = event["frame"]
    if current is not None:
        active[since:] = current
    return active


class EventWriter:
    """Write events as JSON lines to a file, or to stdout when ``path`` is None or ``"-"``.

    Every line is flushed at once: a game or a script may be reading the file live.
    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, path=None):
        self.path = None if path in (None, "-") else str(path)
        try:
            self._stream = sys.stdout if self.path is None else open(self.path, "w")
        except OSError as error:
            raise ValueError(f"{path}: cannot write events ({error.strerror})") from None
        self.count = 0

    def write(self, events: Iterable[dict]) -> None:
        """Append events, one JSON object per line."""
        for event in events:
            self._stream.write(json.dumps(event) + "\n")
            self.count += 1
        self._stream.flush()

    def close(self) -> None:
        """Close the file (stdout stays open)."""
        if self.path is not None and not self._stream.closed:
            self._stream.close()

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
