"""Streaming evaluation of a fitted method over whole held-out takes, frame by frame.

Every method is compared at one level, the game's: ``punch-kick-other``; single-frame and
window methods are streamed when they are scored on that task. The
metrics themselves live in :mod:`harness.streaming`.
"""

from __future__ import annotations

import numpy as np

from harness import streaming
from harness.samples import Samples
from harness.tasks import get_task

STREAM_TASK = "punch-kick-other"


def stream_task_for(task_name: str) -> str | None:
    """The level a method scored on ``task_name`` is streamed at: every method (single-frame
    or window) is streamed once, on ``punch-kick-other``, the game's level."""
    return STREAM_TASK if task_name == STREAM_TASK else None


def take_predictions(method, test: Samples, r_index: int) -> np.ndarray:
    """The method's label at every frame of one take, as a game would see it (None before
    the first full window)."""
    recording = test.recordings[r_index]
    ends = np.arange(test.window - 1, len(recording))
    every = Samples(test.task, test.recordings, np.full(len(ends), r_index), ends, test.window)
    predicted = np.full(len(recording), None, dtype=object)
    predicted[ends] = method.predict_stream(every.without_labels())
    return predicted


def evaluate(method, test: Samples, level: str = STREAM_TASK) -> dict | None:
    """Detections, time-to-detect and false triggers over every take of ``test``.

    Returns None when no test recording is a continuous take. The clock starts at the
    move's first labelled frame, including its ambiguous onset (frames labelled with the
    move before it is plainly visible): that is when the player starts moving.
    """
    level_task = get_task(level)
    events: list[dict] = []
    for r_index in np.unique(test.rec):
        recording = test.recordings[int(r_index)]
        if not recording.continuous:
            continue  # independent images (class folders) are not a take to stream over
        truth = streaming.task_labels(recording.labels, level_task)
        predicted = [
            None if p is None else level_task.map_label(str(p))
            for p in take_predictions(method, test, int(r_index))
        ]
        events += streaming.stream_events(
            truth, predicted, recording.fps, idle=("other",), take=recording.id
        )
    if not events:
        return None
    summary = streaming.summarise_stream(events)
    flat = {k: summary[k] for k in ("detection_rate", "ttd_median_ms", "false_triggers_per_min")}
    return {"summary": flat, "detail": summary}
