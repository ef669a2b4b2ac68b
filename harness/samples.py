"""Samples: what a method is fitted on and asked about, a lazy view of frames or windows.

A sample is one frame (frame tasks) or the window of the ``window`` frames ending at one
frame (the ``action`` task). Samples never copy pixels until asked: a method reads
``frame(i)``, ``clip(i)`` or ``frames()`` and the arrays come from the recordings (often
memory maps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.recording import Recording
from harness.tasks import Task

#: Default window length of the action task: 8 frames, about half a second at 15 fps.
DEFAULT_WINDOW = 8


@dataclass
class Samples:
    """Frames or windows of some recordings, with their task labels.

    Attributes
    ----------
    task : the task the labels belong to.
    recordings : the recordings the samples point into.
    rec : int array (N,): index into ``recordings`` of each sample.
    end : int array (N,): the sample's frame (frame tasks) or the last frame of its window.
    window : frames per sample (1 for frame tasks).
    y : array (N,) of task labels, or None when labels are hidden (prediction).
    """

    task: Task
    recordings: list[Recording]
    rec: np.ndarray
    end: np.ndarray
    window: int = 1
    y: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.end)

    @property
    def classes(self) -> tuple[str, ...]:
        return self.task.classes

    @property
    def groups(self) -> np.ndarray:
        """The subject of each sample (what splits and bootstrap intervals group by)."""
        subjects = np.asarray([r.subject for r in self.recordings], dtype=object)
        return subjects[self.rec]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return self.recordings[int(self.rec[0])].frames.shape[1:]

    def frame(self, i: int) -> np.ndarray:
        """The frame of sample ``i`` (the last frame of its window), (H, W, 3) RGB uint8."""
        return self.recordings[int(self.rec[i])].frames[int(self.end[i])]

    def clip(self, i: int) -> np.ndarray:
        """The window of sample ``i``, (window, H, W, 3), oldest frame first."""
        end = int(self.end[i])
        return self.recordings[int(self.rec[i])].frames[end - self.window + 1 : end + 1]

    def frames(self) -> np.ndarray:
        """Every sample's (last) frame, stacked: (N, H, W, 3). Copies."""
        return (
            np.stack([self.frame(i) for i in range(len(self))])
            if len(self)
            else np.empty((0, 0, 0, 3), np.uint8)
        )

    def recording(self, i: int) -> Recording:
        return self.recordings[int(self.rec[i])]

    def subset(self, index) -> Samples:
        """The samples at ``index`` (bool mask or int array), sharing the recordings."""
        return Samples(
            self.task,
            self.recordings,
            self.rec[index],
            self.end[index],
            self.window,
            None if self.y is None else self.y[index],
        )

    def with_recordings(self, recordings: list[Recording]) -> Samples:
        """The same samples pointing into other recordings of the same lengths (e.g. their
        mirror images)."""
        return Samples(self.task, list(recordings), self.rec, self.end, self.window, self.y)

    def without_labels(self) -> Samples:
        """What ``predict`` receives: the same samples with ``y`` None, pointing into blind
        views of their recordings (:meth:`Recording.blind`: labels unreadable, no keypoints
        or masks), so a method cannot look at the truth of what it is asked about."""
        blind = [r if r.is_blind else r.blind() for r in self.recordings]
        return Samples(self.task, blind, self.rec, self.end, self.window, None)

    def as_frames(self, task: Task | None = None) -> Samples:
        """Every frame of every window as a frame sample (for voting over a window)."""
        offsets = np.arange(-self.window + 1, 1)
        rec = np.repeat(self.rec, self.window)
        end = (self.end[:, None] + offsets[None, :]).ravel()
        return Samples(task or self.task, self.recordings, rec, end, 1, None)


def task_samples(
    recordings: list[Recording], task: Task, window: int = DEFAULT_WINDOW, stride: int = 1
) -> Samples:
    """Every usable sample of ``task`` in ``recordings``.

    Frame tasks: every frame whose label maps to the task and is not ambiguous.
    Clip tasks: every window of ``window`` consecutive frames inside one take (windows
    never cross takes) whose last frame is labelled and not ambiguous; the window's label
    is the move at its last frame, which is what a game must report at that moment.
    Ambiguous frames are kept as history inside windows.
    """
    window = 1 if task.level == "frame" else window
    recs, ends, labels = [], [], []
    for r_index, recording in enumerate(recordings):
        mapped = np.asarray([task.map_label(label) for label in recording.labels], dtype=object)
        usable = np.asarray([m is not None for m in mapped], dtype=bool)
        # as bool: a dataset may give ``ambiguous`` as a list or 0/1 ints
        usable &= ~np.asarray(recording.ambiguous, dtype=bool)
        usable[: window - 1] = False
        frame_index = np.flatnonzero(usable)
        frame_index = frame_index[frame_index % stride == 0] if stride > 1 else frame_index
        recs.append(np.full(len(frame_index), r_index))
        ends.append(frame_index)
        labels.append(mapped[frame_index])
    return Samples(
        task,
        list(recordings),
        np.concatenate(recs).astype(int) if recs else np.zeros(0, int),
        np.concatenate(ends).astype(int) if ends else np.zeros(0, int),
        window,
        np.concatenate(labels).astype(object) if labels else np.zeros(0, object),
    )
