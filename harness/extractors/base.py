"""The feature extractor: the engine's one way to turn raw frames into per-frame features.

A method names the extractor it uses and adds only its head. The extractor owns what every
method would otherwise write again:

- the per-recording on-disk cache (:meth:`Extractor.of_recording`), keyed complete by
  construction: the source of every module that defines the extractor, its parameters,
  the sha256 of its weights files, the recording's content and, for extractors that use
  the empty scene, where that scene came from;
- gathering the features of frame samples and of windows (:meth:`Extractor.of_samples`);
- the raw-pixel path: inside :func:`harness.cache.bypassed` (the latency probe) nothing is
  looked up, the features are computed from exactly the frames asked for;
- mirrored training data (``mirrored=True``), exact and free where the features allow it;
- live use, one frame at a time (:meth:`Extractor.live`);
- trackers (``stateful = True``): an extractor whose features of a frame depend on the
  frames before it (it follows the player, or keeps a crop from frame to frame) is given
  whole takes in order, never loose frames (see :meth:`Extractor.embed_take`).

A new extractor is a small frozen dataclass: its parameters as fields, ``kind``,
``shape``, and :meth:`Extractor.embed` (or, for a tracker, :meth:`Extractor.track`);
optionally :meth:`Extractor.mirror`.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import sys
from collections.abc import Callable
from typing import ClassVar

import numpy as np
from tqdm.auto import tqdm

from harness import background as scene
from harness import cache
from harness import weights as weights_resolver
from harness.labels import swap_sides
from harness.recording import Recording
from harness.stages import stage

#: Frame rate a tracker assumes when none is known (a live camera; a take's own rate wins).
DEFAULT_FPS = 15.0


@dataclasses.dataclass(frozen=True)
class Extractor:
    """Raw RGB frames in, one feature array per frame out (see the module docstring).

    Must define
    -----------
    kind : ClassVar[str]
        Short name; the cache folder is ``features/<kind>``.
    shape : tuple
        The feature shape of one frame (``(256,)``, ``(17, 3)``).
    embed(frames, background) -> array (N, *shape)
        The real work on raw uint8 RGB frames (N, H, W, 3), consecutive frames of one take;
        ``background`` is the take's empty scene (H, W, 3) when ``needs_background``.

    May define
    ----------
    needs_background : ClassVar[bool]
        True if :meth:`embed` uses the empty scene (given, or estimated from the take's
        first ``background_frames`` frames with ``background``, fields of the extractor).
    stateful : ClassVar[bool]
        True if the features of a frame depend on the frames before it (tracking). Such an
        extractor defines :meth:`track` (a fresh tracker for one take: call it on each
        frame in order) and optionally :meth:`embed_take` (a whole take at once, e.g. to
        batch a backbone); its :meth:`embed` treats the frames as one take from its start.
        A recording is embedded as one take; the raw-pixel path tracks through each run of
        consecutive frames asked for, from the run's first frame (a lone window is a take
        of its own; every window of a take is the take, as a live stream sees it); and
        :meth:`live` keeps one tracker per stream.
    dtype : ClassVar
        The stored dtype (float32 by default).
    chunk : ClassVar[int]
        Frames per :meth:`embed` call when a whole recording is extracted.
    track(background, fps) -> (frame -> features)
        Stateful extractors: a new tracker for one take; ``fps`` is the take's frame rate.
    requirements() / weights() : the modules and weights files it needs.
    mirror(features, width) : the features of the mirrored frames, computed from the
        features (None if that is not exact: the mirrored frames are then embedded).
    code() : the objects whose source defines its behaviour (default: its modules).
    """

    kind: ClassVar[str] = ""
    needs_background: ClassVar[bool] = False
    stateful: ClassVar[bool] = False
    dtype: ClassVar = np.float32
    chunk: ClassVar[int] = 128

    # -- what a subclass defines ----------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:  # pragma: no cover - the contract
        raise NotImplementedError

    def embed(self, frames: np.ndarray, background: np.ndarray | None) -> np.ndarray:
        if self.stateful:  # consecutive frames of one take, from its start
            return self.embed_take(frames, background, DEFAULT_FPS)
        raise NotImplementedError  # pragma: no cover - the contract

    def track(
        self, background: np.ndarray | None, fps: float
    ) -> Callable[[np.ndarray], np.ndarray]:
        """Stateful extractors: a fresh tracker for one take, ``frame (H, W, 3) -> features``.

        Called on every frame of the take in order; ``fps`` is the take's frame rate (for
        time-based filters). The features must equal :meth:`embed_take`'s, frame by frame.
        """
        raise NotImplementedError  # pragma: no cover - the contract of stateful extractors

    def embed_take(
        self, frames: np.ndarray, background: np.ndarray | None, fps: float
    ) -> np.ndarray:
        """Stateful extractors: features of consecutive frames (T, H, W, 3) of one take, from
        its start. Default: one :meth:`track` over them; override to batch the work."""
        step = self.track(background, fps)
        out = np.empty((len(frames), *self.shape), self.dtype)
        for index, frame in enumerate(frames):
            out[index] = step(np.asarray(frame))
        return out

    def mirror(self, features: np.ndarray, width: int) -> np.ndarray | None:
        """Features of the horizontally mirrored frames, or None when not derivable."""
        return None

    def requirements(self) -> tuple[str, ...]:
        return ()

    def weights(self) -> tuple[str, ...]:
        return ()

    def code(self) -> tuple:
        """Modules whose source decides the features: the extractor's module and every
        ``harness`` module it imports (the scene estimator included)."""
        return cache.project_modules(type(self).__module__)

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """``kind(param=value, ...)``: how reports and errors name it."""
        params = ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(self).items())
        return f"{self.kind}({params})" if params else self.kind

    def missing_reason(self) -> str:
        """'' if this extractor can run here, else one line saying what is missing."""
        for module in self.requirements():
            if importlib.util.find_spec(module) is None:
                return f"{self.kind} needs the Python package {module!r} (pip install it)"
        for filename in self.weights():
            problem = weights_resolver.missing_reason(filename)
            if problem:
                return problem
        return ""

    @functools.cached_property
    def key(self) -> str:
        """Hash of everything that decides the features, except the recording."""
        weights = [weights_resolver.content_id(f) for f in self.weights()]
        code = cache.code_hash(*self.code())
        return cache.key_of(self.kind, dataclasses.asdict(self), code, weights)

    def recording_key(self, recording: Recording) -> str:
        parts = [self.key, recording.fingerprint]
        if self.needs_background:
            parts.append(scene.background_source(recording, *self._background_how()))
        return cache.key_of(*parts)

    # -- the scene ------------------------------------------------------------------------
    def _background_how(self) -> tuple[str, int]:
        return getattr(self, "background", "median"), getattr(self, "background_frames", 30)

    def background_of(self, recording: Recording) -> np.ndarray | None:
        """The empty scene :meth:`embed` gets for ``recording`` (None if not needed)."""
        if not self.needs_background:
            return None
        return scene.scene_background(recording, *self._background_how())

    # -- whole recordings -----------------------------------------------------------------
    def _compute(self, recording: Recording) -> np.ndarray:
        background = self.background_of(recording)
        if self.stateful:  # the whole take in order: the tracker must see every frame
            features = self.embed_take(recording.frames, background, recording.fps)
            return np.asarray(features).astype(self.dtype, copy=False)
        parts = [
            np.asarray(self.embed(np.asarray(recording.frames[i : i + self.chunk]), background))
            for i in range(0, len(recording), self.chunk)
        ]
        if not parts:
            return np.zeros((0, *self.shape), self.dtype)
        return np.concatenate(parts).astype(self.dtype, copy=False)

    def of_recording(self, recording: Recording) -> np.ndarray:
        """Features of every frame of ``recording``: (T, *shape), cached on disk."""

        def compute() -> np.ndarray:
            with stage(f"features: {self.kind}"):
                return self._compute(recording)

        return cache.cached_array(f"features/{self.kind}", self.recording_key(recording), compute)

    def is_cached(self, recording: Recording) -> bool:
        return cache.entry_path(f"features/{self.kind}", self.recording_key(recording)).is_file()

    def warm(self, recordings) -> None:
        """Extract (and cache) the recordings not cached yet, with a progress bar."""
        if cache.is_bypassed():
            return
        todo = [r for r in recordings if not self.is_cached(r)]
        bar = tqdm(
            todo,
            desc=f"features {self.kind}",
            unit="recording",
            file=sys.stderr,
            leave=False,
            disable=None if len(todo) > 1 else True,
        )
        for recording in bar:
            self.of_recording(recording)

    # -- samples and windows --------------------------------------------------------------
    def of_samples(self, samples, mirrored: bool = False) -> np.ndarray:
        """Features of ``samples``: (N, *shape) for frames, (N, window, *shape) for windows.

        With ``mirrored``, the features of the horizontally mirrored frames (what a mirrored
        camera would give): derived exactly from the features where :meth:`mirror` can,
        else computed (and cached) from mirrored views of the recordings.
        """
        if mirrored:
            direct = self.of_samples(samples)
            widths = np.asarray([r.size[1] for r in samples.recordings])[samples.rec]
            flipped = self._mirror_by_width(direct, widths)
            if flipped is not None:
                return flipped
            views = [mirrored_view(r) for r in samples.recordings]
            return self.of_samples(samples.with_recordings(views))
        out = np.empty((len(samples), samples.window, *self.shape), self.dtype)
        used = np.unique(samples.rec)
        if cache.is_bypassed():
            self._embed_samples(samples, used, out)
        else:
            self.warm([samples.recordings[r] for r in used])
            offsets = np.arange(-samples.window + 1, 1)
            for r in used:
                at = samples.rec == r
                features = self.of_recording(samples.recordings[r])
                out[at] = features[samples.end[at][:, None] + offsets[None, :]]
        return out[:, 0] if samples.window == 1 else out

    def _embed_samples(self, samples, used, out: np.ndarray) -> None:
        """The latency probe's path: embed exactly the samples' frames, from raw pixels."""
        for r in used:
            recording = samples.recordings[r]
            background = self.background_of(recording)
            at = np.flatnonzero(samples.rec == r)
            if self.stateful:
                self._track_runs(recording, samples.end[at], samples.window, background, out, at)
                continue
            clips = np.stack([samples.clip(i) for i in at])  # (n, window, H, W, 3)
            # one batched call: what a game batching inputs would do
            flat = self.embed(clips.reshape(-1, *clips.shape[2:]), background)
            out[at] = np.asarray(flat).reshape(len(at), samples.window, *self.shape)

    def _track_runs(self, recording, ends, window, background, out, at) -> None:
        """Stateful extractors: one tracker through each run of consecutive frames that the
        windows ending at ``ends`` cover (from the run's first frame); windows gathered."""
        starts = ends - window + 1
        order = np.argsort(starts, kind="stable")
        reach = np.maximum.accumulate(ends[order])  # the last frame covered so far
        gaps = np.flatnonzero(starts[order][1:] > reach[:-1] + 1) + 1
        for run in np.split(order, gaps):
            first, last = int(starts[run].min()), int(ends[run].max())
            frames = np.asarray(recording.frames[first : last + 1])
            features = self.embed_take(frames, background, recording.fps)
            for k in run:
                clip = features[starts[k] - first : ends[k] - first + 1]
                out[at[k]] = clip[0] if window == 1 else clip

    def _mirror_by_width(self, features: np.ndarray, widths: np.ndarray) -> np.ndarray | None:
        out = np.empty_like(features)
        for width in np.unique(widths):
            at = widths == width
            flipped = self.mirror(features[at], int(width))
            if flipped is None:
                return None
            out[at] = flipped
        return out

    # -- live -----------------------------------------------------------------------------
    def live(
        self, background: np.ndarray | None = None, fps: float = DEFAULT_FPS
    ) -> Callable[[np.ndarray], np.ndarray]:
        """A function ``frame (H, W, 3) -> features (*shape)`` for a camera, frame by frame.

        ``background``: the scene taken at start-up, for extractors that need one. A
        stateful extractor gets one tracker for the stream (``fps``: the camera's rate).
        """
        if self.needs_background and background is None:
            raise ValueError(f"{self.kind} needs the empty scene: pass the start-up frame")
        if self.stateful:
            step = self.track(background, fps)
            return lambda frame: np.asarray(step(np.asarray(frame)), self.dtype)
        return lambda frame: np.asarray(self.embed(np.asarray(frame)[None], background))[0]


def mirrored_view(recording: Recording) -> Recording:
    """The take as a mirror shows it: flipped frames (a view, no copy), sides swapped.

    Its fingerprint derives from the original's, so its features are cached once too.
    """
    flip = None if recording.background is None else recording.background[:, ::-1]
    return dataclasses.replace(
        recording,
        id=f"{recording.id}~mirror",
        frames=recording.frames[:, :, ::-1],
        labels=swap_sides(recording.labels),
        background=flip,
        keypoints=None,
        masks=None if recording.masks is None else recording.masks[:, :, ::-1],
        fingerprint=f"{recording.fingerprint}-mirror",
    )
