"""``python -m harness explain``: one frame, and how a method decides on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness import discovery
from harness.errors import UsageError
from harness.files import save_png
from harness.method import Method
from harness.samples import Samples, task_samples
from harness.tasks import get_task


def explain(
    method_name: str,
    dataset_spec: str,
    profile: str,
    take: str | None,
    frame: int | None,
    task_name: str,
    out: Path,
    method_dirs=(),
    dataset_dirs=(),
) -> Path:
    """Write the method's explanation image of one frame to ``out``.

    A method that learns is first fitted on every *other* subject, so the frame it explains
    is one it never saw.
    """
    (plugin,) = discovery.select_methods([method_name], discovery.discover("methods", method_dirs))
    if not plugin.available:
        raise UsageError(f"method {method_name} is unavailable: {plugin.reason}")
    if plugin.cls.explain is Method.explain:
        raise UsageError(f"method {method_name} has no explain(); try classic-faithful")
    datasets = discovery.discover("datasets", dataset_dirs)
    (dataset,) = discovery.resolve_datasets((dataset_spec,), datasets, profile, seed=0)
    recordings = dataset.load()
    by_id = {r.id: i for i, r in enumerate(recordings)}
    if take is not None and take not in by_id:
        raise UsageError(f"no take {take!r} in {dataset.label}; takes: {', '.join(by_id)}")
    r_index = by_id.get(take, 0)
    recording = recordings[r_index]
    frame = len(recording) // 2 if frame is None else frame
    if not 0 <= frame < len(recording):
        raise UsageError(f"take {recording.id} has frames 0..{len(recording) - 1}, not {frame}")
    served = [t for t in dataset.tasks if get_task(t).level == "frame" and t in plugin.tasks]
    task_name = task_name or next(iter(sorted(served, key=lambda t: t != "posture")), None)
    if task_name not in served:
        raise UsageError(
            f"{method_name} on {dataset.label} explains the task(s) {', '.join(served) or 'none'}"
            f", not {task_name}; pass --task"
        )
    samples = task_samples(recordings, get_task(task_name))
    train = samples.subset(samples.groups != recording.subject)
    if not len(train):
        raise UsageError(f"{dataset.label} has no other subject to fit {method_name} on")
    method = plugin.create()
    method.fit(train)
    one = Samples(samples.task, recordings, np.array([r_index]), np.array([frame]))
    image = method.explain(one.without_labels(), 0)
    return save_png(Path(out), np.asarray(image))
