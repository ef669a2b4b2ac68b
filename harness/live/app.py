"""``python -m harness live``: a saved model on a camera or a video, frame by frame.

The loop joins the building blocks of :mod:`harness.live`::

    source -> [empty scene, with a countdown] -> method stream -> probabilities
        -> debounced events -> JSON lines and key presses
        -> overlay (move, bars, FPS, latency, skeleton or panel) -> window / video

Every input frame gets one annotated output frame and one debouncer tick (frames of the
scene countdown too, so event frame numbers are the source's). Before the first frame the
method runs once on a blank frame: the untimed warm-up (models load, functions trace),
which also gives the size of its panel, so the annotated video keeps one size throughout.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from contextlib import ExitStack
from dataclasses import dataclass, field

import numpy as np

from harness.live.events import EventWriter, MoveDebouncer
from harness.live.keys import KeyPresser, load_key_map
from harness.live.overlay import BLAZEPOSE_33_EDGES, COCO_17_EDGES, HARNESS_15_EDGES, annotate
from harness.live.scene import CAMERA_COUNTDOWN, DEFAULT_SCENE_FRAMES, SceneTaker, draw_banner
from harness.live.video import VideoWriter, Window, display_available, open_source
from harness.streaming import IDLE

#: Skeleton edges by number of keypoints (COCO / MoveNet, BlazePose, mk-synth's own).
EDGES = {17: COCO_17_EDGES, 33: BLAZEPOSE_33_EDGES, 15: HARNESS_15_EDGES}


@dataclass
class LiveSummary:
    """What a live session did: frames in, events out, and how fast.

    ``seconds`` is the wall time of the frame loop (decoding, the method, events, drawing
    and writing; the warm-up before it excluded); ``latency_ms`` the method's time per
    frame (stream push and debouncing) once its stream ran.
    """

    frames: int = 0
    seconds: float = 0.0
    events: list[dict] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    labels: list = field(default_factory=list)  # the stream's label per frame (None: none)
    written: int = 0

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")

    def line(self) -> str:
        """One line for stderr at the end of a session."""
        lat = np.percentile(self.latency_ms, [50, 95]) if self.latency_ms else [np.nan] * 2
        starts = sum(e["event"] == "start" for e in self.events)
        return (
            f"live: {self.frames} frames in {self.seconds:.1f} s ({self.fps:.1f} fps end to "
            f"end); method {lat[0]:.1f} ms median, {lat[1]:.1f} ms p95; {starts} moves started"
        )


class FpsMeter:
    """Frames per second over the last ``span`` frames (what the overlay shows)."""

    def __init__(self, span: int = 30):
        self.times: deque = deque(maxlen=span)

    def tick(self) -> float | None:
        self.times.append(time.perf_counter())
        if len(self.times) < 2:
            return None
        return (len(self.times) - 1) / max(self.times[-1] - self.times[0], 1e-9)


def warm_up(model, size: tuple[int, int]) -> np.ndarray | None:
    """Run the model's stream once on a blank frame of ``size`` (width, height): models
    load and trace before the clock starts. Returns a blank panel of its panel's size."""
    blank = np.zeros((size[1], size[0], 3), np.uint8)
    scene = blank if model.method.uses_background() else None
    stream = model.method.stream(model.task, model.window, scene)
    for _ in range(model.window):
        stream.push(blank)
    panel = stream.view(blank).get("panel")
    return None if panel is None else np.zeros_like(np.asarray(panel, np.uint8))


def play(
    model,
    *,
    camera: int | None = None,
    source=None,
    keys=None,
    show: bool = True,
    out=None,
    events=None,
    countdown: float | None = None,
    scene_frames: int = DEFAULT_SCENE_FRAMES,
    debouncing: dict | None = None,
    log=None,
) -> LiveSummary:
    """Run ``model`` (a :class:`harness.models.SavedModel`) live; see the module docstring.

    Parameters
    ----------
    camera, source : a camera index or a video file (exactly one).
    keys : a key map file (TOML or CSV); its keys are pressed while a move is active.
    show : open a window (needs a display; without one the session runs headless).
    out : an ``.avi`` or ``.mp4`` file for the annotated frames, every input frame.
    events : a file for the JSON-lines events; None or ``-`` for stdout.
    countdown : seconds before the empty scene is read (default 3 for a camera, 0 for a
        file); only for methods that use the scene. ``scene_frames``: frames it is read from.
    debouncing : :class:`~harness.live.events.MoveDebouncer` settings (``alpha``,
        ``enter``, ``exit``, ``hold_frames``); its defaults when None.
    log : where notes go (default: stderr).
    """
    method, summary = model.method, LiveSummary()
    log = log or sys.stderr  # looked up now: a caller may have replaced sys.stderr
    key_map = load_key_map(keys, model.classes) if keys else {}
    if show and not display_available():
        print("live: no display (DISPLAY is not set); running without a window", file=log)
    with ExitStack() as stack:
        frames = stack.enter_context(open_source(camera=camera, path=source))
        writer = stack.enter_context(EventWriter(events))
        presser = stack.enter_context(KeyPresser(key_map, stream=log))
        video = stack.enter_context(VideoWriter(out, frames.fps)) if out else None
        window = stack.enter_context(Window(headless=not (show and display_available())))
        blank_panel = warm_up(model, frames.size)
        debouncer = MoveDebouncer(model.classes, fps=frames.fps, **(debouncing or {}))
        scene, stream = None, None
        if method.uses_background():
            wait = (
                (CAMERA_COUNTDOWN if frames.is_camera else 0.0) if countdown is None else countdown
            )
            scene = SceneTaker(wait, scene_frames)
        else:
            stream = method.stream(model.task, model.window)
        meter, started = FpsMeter(), time.perf_counter()
        for frame in frames:
            fps = meter.tick()
            if stream is None:  # the empty scene is being taken
                message = scene.add(frame.rgb, frame.t)
                debouncer.update(None, t=frame.t)
                summary.labels.append(None)
                shown = annotate(draw_banner(frame.rgb, message), fps=fps, panel=blank_panel)
                if scene.background is not None:
                    stream = method.stream(model.task, model.window, scene.background)
            else:
                tick = time.perf_counter()
                label = stream.push(frame.rgb)
                summary.labels.append(label)
                new = debouncer.update(stream.proba, t=frame.t)
                summary.latency_ms.append((time.perf_counter() - tick) * 1e3)
                writer.write(new)
                presser.handle(new)
                summary.events += new
                shown = _draw(frame.rgb, stream, debouncer, label, fps, summary.latency_ms[-1])
            summary.frames += 1
            if video is not None:
                video.write(shown)
            if not window.show(shown):
                break
        final = debouncer.finish()
        writer.write(final)
        presser.handle(final)
        summary.events += final
        summary.seconds = time.perf_counter() - started
        summary.written = video.count if video is not None else 0
    return summary


def _draw(rgb, stream, debouncer, label, fps, latency_ms) -> np.ndarray:
    """The annotated frame: the active move (or the idle label), smoothed probabilities,
    FPS, latency, and what the method draws (skeleton, panel)."""
    view = stream.view(rgb)
    keypoints = view.get("keypoints")
    edges = EDGES.get(len(keypoints), ()) if keypoints is not None else COCO_17_EDGES
    move = debouncer.active or (label if label in IDLE else None)
    return annotate(
        rgb,
        move=move,
        probabilities=debouncer.probabilities(),
        fps=fps,
        latency_ms=latency_ms,
        keypoints=keypoints,
        edges=edges,
        panel=view.get("panel"),
    )
