"""Planning a run: which method is scored on which task, fold by fold, and how.

Every job is one method fitted on the training subjects of one fold of one task of one
dataset and scored on that fold's held-out subjects. Single-frame methods also join the
``action`` task (scored on each window's last frame and by a vote over the window).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from harness import streaming_eval
from harness.errors import UsageError
from harness.models import fold_model_dir
from harness.samples import Samples, task_samples
from harness.splits import in_subjects, subject_folds
from harness.tasks import TASKS, get_task


@dataclass
class Job:
    """One fit-and-score unit: a method on one fold of one task of one dataset."""

    dataset: str
    dataset_version: str
    task: str
    method: str
    method_path: Path
    fold: int
    seed: int
    train: Samples
    test: Samples
    scoring: str  # "frame", "window" or "last-frame" (+ a "vote" row) for frames on clips
    latency_rounds: int
    explain_dir: Path | None = None
    stream_task: str | None = None
    extra: dict = field(default_factory=dict)
    save_dir: Path | None = None  # run --save-models: where this fold's model goes


def select_tasks(names) -> list[str]:
    """The tasks called ``names`` (all when None); an unknown one is a UsageError."""
    if names is None:
        return list(TASKS)
    for name in names:
        try:
            get_task(name)
        except ValueError as error:
            raise UsageError(str(error)) from None
    return list(names)


def scorings(plugin, task) -> list[str]:
    """How ``plugin``'s method is scored on ``task`` (empty: it is not).

    Single-frame methods that can tell postures apart join the clip-level ``action`` task:
    fitted on frames with action labels, scored on each window's last frame (and, as a
    second row, by a majority vote over the window's frames).
    """
    if plugin.cls is None:
        return []
    if task.level == "frame":
        return ["frame"] if plugin.input == "frame" and task.name in plugin.tasks else []
    if plugin.input == "clip":
        return ["window"] if task.name in plugin.tasks else []
    if {"posture", task.name} & set(plugin.tasks):
        return ["last-frame"]
    return []


def frame_view(samples: Samples) -> Samples:
    """Clip samples seen as their last frames (a frame-level task of the same labels)."""
    task = dataclasses.replace(samples.task, level="frame")
    return Samples(task, samples.recordings, samples.rec, samples.end, 1, samples.y)


def skipped_row(dataset, task: str, method: str, reason: str, seed: int) -> dict:
    return {
        "dataset": dataset.label,
        "dataset_version": dataset.version,
        "task": task,
        "method": method,
        "fold": "",
        "seed": seed,
        "status": "skipped",
        "reason": reason,
    }


def plan(config, dataset, recordings, methods, tasks, run_dir: Path):
    """The jobs of one dataset, and the rows of methods that are skipped on it."""
    jobs, skipped = [], []
    folds = subject_folds([r.subject for r in recordings], config.folds, config.seed)
    explain_done = set()
    for task_name in tasks:
        task = get_task(task_name)
        if task_name not in dataset.tasks:
            continue
        samples = task_samples(recordings, task, window=config.window)
        frame_task = dataclasses.replace(task, level="frame")
        frame_samples = task_samples(recordings, frame_task) if task.level == "clip" else samples
        if len(samples) == 0:
            continue
        for plugin in methods:
            how = scorings(plugin, task)
            if not how:  # includes files that failed to import: listed once in the header
                continue
            if not plugin.available:
                skipped.append(
                    skipped_row(dataset, task_name, plugin.name, plugin.reason, config.seed)
                )
                continue
            skip, reason = plugin.cls.skip(dataset, task)
            if skip:
                skipped.append(skipped_row(dataset, task_name, plugin.name, reason, config.seed))
                continue
            train_source = frame_samples if how[0] == "last-frame" else samples
            stream_task = streaming_eval.stream_task_for(task_name, plugin.input)
            for fold, (train_subjects, test_subjects) in enumerate(folds):
                train = train_source.subset(in_subjects(train_source, train_subjects))
                test = samples.subset(in_subjects(samples, test_subjects))
                if len(test) == 0 or len(train) == 0:
                    continue
                explain_dir = None
                if task_name == "posture" and plugin.name not in explain_done:
                    explain_dir = run_dir / "explain"
                    explain_done.add(plugin.name)
                jobs.append(
                    Job(
                        dataset.label,
                        dataset.version,
                        task_name,
                        plugin.name,
                        plugin.path,
                        fold,
                        config.seed,
                        train,
                        test,
                        how[0],
                        config.latency_rounds,
                        explain_dir,
                        stream_task,
                        save_dir=fold_model_dir(
                            run_dir, dataset.label, plugin.name, task_name, fold
                        )
                        if config.save_models
                        else None,
                    )
                )
    return jobs, skipped
