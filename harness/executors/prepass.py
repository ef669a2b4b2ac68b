"""The feature pre-pass: every recording's features computed once, before the fits.

Without it, the first fit that reads an extractor's features computes them for all its
training recordings, one after the other, while the fits beside it (other folds, other
heads on the same extractor) wait for them or compute them too. The pre-pass finds every
(extractor, recording) the jobs of a run will read, keeps those not cached yet, and
computes them as tasks on the run's executor, one task per recording: spread over all
workers, each entry once.

It is an optimisation only: a task that fails or crashes is left to the fit that needs it
(which then fails, or crashes, with its own row); the fits read what the pre-pass cached.
Augmented copies (``harness.extractors.augmented``) are made inside fits, from parameters
only the method knows; the cache's entry locks make the fits beside it wait for them
instead of making them twice.
"""

from __future__ import annotations

import sys

import numpy as np
from tqdm.auto import tqdm

from harness import cache
from harness.errors import last_line
from harness.executors.worker import FeatureTask, compute_features
from harness.method import FeatureMethod


def _extractor_of(job, made: dict):
    """(extractor, mirrored training data?) of a job's method, or (None, False)."""
    from harness.job import instantiate

    which = (str(job.method_path), job.plugin or job.method, cache.key_of(job.params))
    if which not in made:
        try:
            method = instantiate(job)
            extractor = method.extractor if isinstance(method, FeatureMethod) else None
            if extractor is not None and extractor.missing_reason():
                extractor = None  # the fit will say what is missing
            mirror = bool(method.get_params().get("mirror")) and extractor is not None
            made[which] = (extractor, mirror and not _mirror_is_derived(extractor))
        except Exception:  # a method that cannot be made fails in its own job, with a row
            made[which] = (None, False)
    return made[which]


def _mirror_is_derived(extractor) -> bool:
    """Whether mirrored features come from the features (no mirrored recording to embed)."""
    try:
        return extractor.mirror(np.zeros((0, *extractor.shape), extractor.dtype), 2) is not None
    except Exception:
        return True  # unknown: leave the mirrored views to the fit


def _recordings(samples):
    return [samples.recordings[r] for r in np.unique(samples.rec)]


def feature_tasks(jobs) -> list[FeatureTask]:
    """The (extractor, recording) pairs the ``jobs`` will read and the cache lacks, once each.

    Training and test recordings (and the test recordings of sweep levels); mirror images
    of the training recordings for methods trained on mirrored frames whose extractor
    cannot derive mirrored features from the plain ones. Grouped by extractor.
    """
    made: dict = {}
    tasks: dict[tuple, FeatureTask] = {}
    for job in jobs:
        extractor, mirror = _extractor_of(job, made)
        if extractor is None:
            continue
        wanted = [(r, False) for s in (job.train, job.test) for r in _recordings(s)]
        wanted += [(r, False) for level in job.sweep for r in _recordings(level.test)]
        wanted += [(r, True) for r in _recordings(job.train)] if mirror else []
        for recording, mirrored in wanted:
            task = FeatureTask(extractor, recording, mirrored)
            tasks.setdefault((extractor.key, extractor.recording_key(task.view())), task)
    todo = [t for t in tasks.values() if not t.extractor.is_cached(t.view())]
    return sorted(todo, key=lambda t: t.extractor.key)  # stable: recordings keep their order


def warm_features(jobs, executor, progress: bool = True) -> dict:
    """Compute the features ``jobs`` will read and the cache lacks, on ``executor``.

    Parameters
    ----------
    jobs : the run's jobs (:class:`harness.plan.Job`) still to run.
    executor : any executor of :mod:`harness.executors` (it has ``map``).
    progress : show a progress bar.

    Returns
    -------
    ``{"tasks": n, "failed": n, "seconds": summed task seconds}``; a failed task is one line
    on stderr (its fit computes the features, or fails with a row of its own).
    """
    tasks = feature_tasks(jobs)
    summary = {"tasks": len(tasks), "failed": 0, "seconds": 0.0}
    if not tasks:
        return summary
    bar = tqdm(total=len(tasks), desc="features", unit="recording", disable=not progress)

    def finished(task: FeatureTask, seconds, error) -> None:
        bar.update()
        if error is None:
            summary["seconds"] += seconds
            return
        summary["failed"] += 1
        print(
            f"warning: features {task.label} not computed ahead ({last_line(error)}); "
            "the fits that need them will try",
            file=sys.stderr,
        )

    try:
        executor.map(compute_features, tasks, finished)
    finally:
        bar.close()
    return summary
