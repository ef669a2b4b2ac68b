"""The public contract for plugins: everything a file in ``methods/`` or ``datasets/`` may use.

Plugins import from here (and from :mod:`harness.augment`, :mod:`harness.weights` and
:mod:`harness.cache`), never from the runner, the CLI or the report.
"""

from harness.dataset import Dataset
from harness.labels import (
    ACTION_LABELS,
    COARSE_LABELS,
    FINE_LABELS,
    KEYPOINT_NAMES,
    action_label,
    fine_label,
    mirror,
    swap_side,
    swap_sides,
)
from harness.method import Method
from harness.recording import Recording, as_frame_batch
from harness.samples import DEFAULT_WINDOW, Samples
from harness.tasks import FRAME_TASKS, TASKS, Task, get_task

__all__ = [
    "ACTION_LABELS",
    "COARSE_LABELS",
    "DEFAULT_WINDOW",
    "FINE_LABELS",
    "FRAME_TASKS",
    "KEYPOINT_NAMES",
    "TASKS",
    "Dataset",
    "Method",
    "Recording",
    "Samples",
    "Task",
    "action_label",
    "as_frame_batch",
    "fine_label",
    "get_task",
    "mirror",
    "swap_side",
    "swap_sides",
]
