"""The four tasks: named views of the data, each with its classes and a label mapping.

Frame tasks score single frames; the ``action`` task scores windows of the last n frames.
Every task maps from the action vocabulary (fine labels with kick styles), so a dataset
that knows kick styles serves all four, and one that does not serves the frame tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harness.labels import ACTION_LABELS, FINE_LABELS, fine_label, swap_side


@dataclass(frozen=True)
class Task:
    """A named classification problem over frames or windows.

    Attributes
    ----------
    name : the task's id, used on the command line and in reports.
    level : ``"frame"`` (one frame per sample) or ``"clip"`` (a window of frames).
    classes : the task's labels, in report order.
    positive : for binary tasks, the class a detector fires on.
    """

    name: str
    level: str
    classes: tuple[str, ...]
    mapping: Callable[[str], str | None]
    description: str = ""
    positive: str | None = None

    def map_label(self, label: str) -> str | None:
        """Map a fine or action-vocabulary label to this task's class (None = not used)."""
        return self.mapping(str(label))

    def map_labels(self, labels) -> np.ndarray:
        """:meth:`map_label` over a sequence: object array, None where the task drops one."""
        return np.asarray([self.mapping(str(label)) for label in labels], dtype=object)

    def mirrored_labels(self, labels) -> np.ndarray:
        """The task labels of the mirror images of samples labelled ``labels``.

        ``labels`` may be task labels or finer ones; ``_left`` and ``_right`` trade places
        before the task's mapping (a mirrored left punch is a right punch).
        """
        return self.map_labels(swap_side(str(label)) for label in labels)


def _move(label: str) -> str:
    """``punch``, ``kick`` or the label itself: the move without its side or style."""
    return fine_label(label).split("_")[0]


def _punch_binary(label: str) -> str:
    return "punch" if _move(label) == "punch" else "other"


def _punch_kick_other(label: str) -> str:
    move = _move(label)
    return move if move in ("punch", "kick") else "other"


def _posture(label: str) -> str | None:
    fine = fine_label(label)
    return fine if fine in FINE_LABELS else None


def _action(label: str) -> str | None:
    return label if label in ACTION_LABELS else None


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            "punch-binary",
            "frame",
            ("other", "punch"),
            _punch_binary,
            "punch vs anything else (the blog's first model)",
            positive="punch",
        ),
        Task(
            "punch-kick-other",
            "frame",
            ("punch", "kick", "other"),
            _punch_kick_other,
            "punch / kick / other (the blog's second model)",
        ),
        Task("posture", "frame", FINE_LABELS, _posture, "the game's fine postures"),
        Task(
            "action",
            "clip",
            ACTION_LABELS,
            _action,
            "the move performed in a window of the last n frames; kicks split by style",
        ),
    )
}

FRAME_TASKS = tuple(name for name, task in TASKS.items() if task.level == "frame")


def get_task(name: str) -> Task:
    """The task called ``name``; a ValueError lists the valid names otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; valid tasks: {', '.join(TASKS)}") from None
