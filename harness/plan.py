"""Planning a run: which method is scored on which task, fold by fold, and how.

Every job is one method (one combination of its ``--set`` parameters) fitted on the training
part of one fold of one task of one dataset and scored on the held-out part:

- ``frame``: a single-frame method on a frame task;
- ``window``: a window method (``input = "clip"``) on the windows of the last n frames,
  on ``action`` and on every frame task too (the window ending at each labelled frame, no
  future frames, predicts that frame's label): "does temporal context help?" in every run;
- ``last-frame``: a single-frame method on ``action``, fitted on frames, scored on each
  window's last frame (and by a vote over the window, as a second row).

Protocols: ``subjects`` (leave-subjects-out, the honest one) and ``random-frames`` (frames of
the same people on both sides: the leak behind the blog's 92 %, shown, marked in red).
With sweeps, each job also scores its held-out subjects under each nuisance level.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from harness import cache, discovery, streaming_eval
from harness.errors import UsageError
from harness.models import fold_model_dir
from harness.samples import Samples, task_samples
from harness.splits import in_subjects, subject_folds
from harness.tasks import TASKS, get_task

PROTOCOLS = ("subjects", "random-frames")


@dataclass
class SweepTest:
    """A fold's held-out subjects under one nuisance level of the dataset."""

    dataset: str
    dataset_version: str
    nuisance: str
    strength: float
    test: Samples


@dataclass
class Job:
    """One fit-and-score unit: a method on one fold of one task of one dataset."""

    dataset: str
    dataset_version: str
    task: str
    method: str  # the row's name: the plugin, with its --set parameters if any
    method_path: Path
    fold: int
    seed: int
    train: Samples
    test: Samples
    scoring: str  # "frame", "window" or "last-frame" (+ a "vote" row) for frames on clips
    latency_rounds: int
    explain_dir: Path | None = None
    stream_task: str | None = None
    key: str = ""  # what decides its rows: code, parameters, data, split (run --resume)
    plugin: str = ""  # the plugin entry's name (method without the parameters)
    params: dict = field(default_factory=dict)
    protocol: str = "subjects"
    sweep: list[SweepTest] = field(default_factory=list)
    probe_latency: bool = True  # on one fold of one task per method: it varies with neither
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
    """How ``plugin``'s method is scored on ``task`` (empty: it is not)."""
    if plugin.cls is None:
        return []
    if plugin.input == "clip":  # windows answer every task; action only if declared
        return ["window"] if task.level == "frame" or task.name in plugin.tasks else []
    if task.level == "frame":
        return ["frame"] if task.name in plugin.tasks else []
    return ["last-frame"] if {"posture", task.name} & set(plugin.tasks) else []


def frame_view(samples: Samples) -> Samples:
    """Clip samples seen as their last frames (a frame-level task of the same labels)."""
    task = dataclasses.replace(samples.task, level="frame")
    return Samples(task, samples.recordings, samples.rec, samples.end, 1, samples.y)


def views(recordings, task, window: int, scoring: str) -> tuple[Samples, Samples]:
    """(training samples, test samples) of ``task`` for a method scored by ``scoring``."""
    frames = dataclasses.replace(task, level="frame")
    windows = dataclasses.replace(task, level="clip")
    if scoring == "frame":
        one = task_samples(recordings, frames)
        return one, one
    test = task_samples(recordings, windows, window=window)
    return (task_samples(recordings, frames) if scoring == "last-frame" else test), test


def split(samples: Samples, protocol: str, fold: tuple, seed: int) -> tuple[Samples, Samples]:
    """(train, test) of one fold: subjects apart, or frames at random (the leak)."""
    if protocol == "subjects":
        train_subjects, test_subjects = fold
        return (
            samples.subset(in_subjects(samples, train_subjects)),
            samples.subset(in_subjects(samples, test_subjects)),
        )
    k, n_folds = fold
    # A frame's fold depends only on (seed, take, frame): a window and its last frame, and
    # every method, share one random split.
    takes = [samples.recordings[r].id for r in samples.rec]
    pairs = zip(takes, samples.end, strict=True)
    which = np.asarray([hash_fold(seed, t, e, n_folds) for t, e in pairs])
    return samples.subset(which != k), samples.subset(which == k)


def hash_fold(seed: int, take: str, frame: int, n_folds: int) -> int:
    return int(cache.key_of(seed, take, int(frame)), 16) % n_folds


def folds_of(protocol: str, recordings, config) -> list[tuple]:
    if protocol == "subjects":
        return subject_folds([r.subject for r in recordings], config.folds, config.seed)
    return [(k, config.folds) for k in range(config.folds)]


def grid(plugin, settings: dict) -> list[tuple[str, dict]]:
    """(row name, parameters) of every combination of ``--set`` values for ``plugin``."""
    chosen = settings.get(plugin.name, {})
    if not chosen:
        return [(plugin.name, {})]
    known = plugin.create().get_params()
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise UsageError(
            f"--set {plugin.name}.{unknown[0]}: {plugin.name} has no parameter {unknown[0]!r}; "
            f"its parameters: {', '.join(sorted(known))}"
        )
    names = sorted(chosen)
    combos = []
    for values in itertools.product(*(chosen[n] for n in names)):
        params = dict(zip(names, values, strict=True))
        label = ",".join(f"{n}={v}" for n, v in params.items())
        combos.append((f"{plugin.name}[{label}]", params))
    return combos


def engine_hash() -> str:
    """Hash of the engine code that fits, scores and times a job."""
    return cache.code_hash(*cache.project_modules("harness.job"))


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


def plan(config, dataset, recordings, methods, tasks, run_dir: Path, sweeps=()):
    """The jobs of one dataset, the rows of methods skipped on it, and notes for the user.

    ``sweeps``: (nuisance, strength, dataset variant, its recordings) to test each fold's
    held-out subjects on, besides the dataset itself.
    """
    jobs, skipped, notes = [], [], []
    context = {
        "data": cache.key_of(dataset.label, dataset.version, [r.fingerprint for r in recordings]),
        "engine": engine_hash(),
        "explained": set(),
        "timed": set(),  # methods whose latency is probed already (on an earlier task)
    }
    for task_name in (t for t in tasks if t in dataset.tasks):
        task = get_task(task_name)
        labels = sorted(set(task_samples(recordings, dataclasses.replace(task, level="frame")).y))
        if len(labels) < 2:  # any method would score 1.0 by always saying it
            if labels:
                notes.append(
                    f"{task_name} on {dataset.label} refused: every sample is {labels[0]!r}; "
                    "a task needs at least two classes"
                )
            continue
        for plugin in methods:
            how = scorings(plugin, task)
            if not how:  # includes files that failed to import: listed once in the header
                continue
            refusal = plugin.reason if not plugin.available else plugin.cls.skip(dataset, task)[1]
            if refusal:
                skipped.append(skipped_row(dataset, task_name, plugin.name, refusal, config.seed))
                continue
            method_jobs, method_skipped = _jobs_of(
                config, dataset, recordings, plugin, task, how[0], sweeps, run_dir, context
            )
            jobs += method_jobs
            skipped += method_skipped
    return jobs, skipped, notes


def _jobs_of(config, dataset, recordings, plugin, task, scoring, sweeps, run_dir, context):
    """Every job of one method (all its --set combinations) on one task: protocols x folds."""
    jobs, skipped = [], []
    train_view, test_view = views(recordings, task, config.window, scoring)
    sweep_views = [(n, s, d, views(r, task, config.window, scoring)[1]) for n, s, d, r in sweeps]
    code = discovery.plugin_code_hash(plugin)
    for protocol in config.protocols:
        for fold, part in enumerate(folds_of(protocol, recordings, config)):
            train = split(train_view, protocol, part, config.seed)[0]
            test = split(test_view, protocol, part, config.seed)[1]
            if not len(train) or not len(test):
                continue
            sweep = [
                SweepTest(d.label, d.version, n, s, split(v, protocol, part, config.seed)[1])
                for n, s, d, v in sweep_views
            ]
            for label, params in grid(plugin, config.settings):
                if len(set(train.y)) < 2:
                    reason = f"fold {fold}'s training part shows only {train.y[0]!r}"
                    skipped.append(skipped_row(dataset, task.name, label, reason, config.seed))
                    continue
                explain_dir = None
                if task.name == "posture" and label not in context["explained"]:
                    explain_dir = run_dir / "explain"
                    context["explained"].add(label)
                # latency depends on neither the fold nor the task: probed once per method
                first = fold == 0 and protocol == config.protocols[0]
                probe = first and label not in context["timed"]
                if probe:
                    context["timed"].add(label)
                key = cache.key_of(
                    code,
                    context["engine"],
                    context["data"],
                    label,
                    params,
                    task.name,
                    scoring,
                    protocol,
                    fold,
                    config.seed,
                    config.folds,
                    config.window,
                    config.latency_rounds,
                    probe,
                    [(t.dataset, t.dataset_version) for t in sweep],
                )
                stream = (
                    streaming_eval.stream_task_for(task.name) if protocol == PROTOCOLS[0] else None
                )
                jobs.append(
                    Job(
                        dataset.label,
                        dataset.version,
                        task.name,
                        label,
                        plugin.path,
                        fold,
                        config.seed,
                        train,
                        test,
                        scoring,
                        config.latency_rounds,
                        explain_dir,
                        stream,
                        key,
                        plugin.name,
                        params,
                        protocol,
                        sweep,
                        probe_latency=probe,
                        save_dir=(
                            fold_model_dir(run_dir, dataset.label, label, task.name, fold)
                            if config.save_models and protocol == PROTOCOLS[0]
                            else None
                        ),
                    )
                )
    return jobs, skipped
