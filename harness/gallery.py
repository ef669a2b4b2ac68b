"""Images a run writes beside its results for the report: the augmentation grid and one
explanation per class. They need the recordings or a fitted method, so the runner writes
them; the report only links them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harness.errors import last_line
from harness.files import save_png
from harness.samples import Samples, task_samples
from harness.tasks import get_task


def write_explanations(method, samples: Samples, folder: Path) -> None:
    """One explanation image per class: the middle test sample of each class."""
    for label in samples.classes:
        where = np.flatnonzero(samples.y == label)
        if not len(where):
            continue
        image = method.explain(samples, int(where[len(where) // 2]))
        if image is None:  # the method has no explanation
            return
        save_png(folder / f"{label}.png", image)


def write_augmentation_figure(recordings, tasks, run_dir: Path, seed: int, header: dict) -> None:
    """A grid of augmented training samples for the report (only if augmentation is installed)."""
    if "augmentation" in header["figures"]:
        return
    try:
        from harness import augment
    except ImportError:
        return
    try:
        frame_tasks = [get_task(t) for t in tasks if get_task(t).level == "frame"]
        samples = next(s for s in (task_samples(recordings, t) for t in frame_tasks) if len(s))
        picks = np.linspace(0, len(samples) - 1, 4).astype(int)
        frames = np.stack([samples.frame(i) for i in picks])
        path = augment.write_augmentation_grid(
            frames, samples.y[picks], run_dir / "augmentation.png", seed=seed
        )
        header["figures"]["augmentation"] = Path(path).name
    except Exception as error:  # a figure is never worth losing a run
        header["warnings"].append(f"augmentation figure skipped: {last_line(error)}")
