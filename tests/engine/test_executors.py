"""Executors on this machine: the feature pre-pass, ``map``'s failures, usage errors.

The cluster backends (Dask, Ray) have their own, slow, tests in ``test_backends.py``.
"""

from __future__ import annotations

import gc
import pickle
import weakref

import numpy as np
import pytest
from _executor_tasks import double_or_fail, grow_and_tell

from harness.discovery import discover
from harness.errors import UsageError
from harness.executors import open_executor, warm_features
from harness.executors.dask_backend import call_pickled
from harness.executors.local import LocalBackend
from harness.executors.loop import TimeLimit
from harness.executors.prepass import feature_tasks
from harness.executors.worker import forget_models
from harness.plan import plan
from harness.runner import RunConfig


class Toy:
    label, version, tasks = "toy", "1", ("punch-binary", "posture")


def toy_jobs(toy_dirs, toy_recordings, run_dir, names=("chance", "classic-faithful")):
    methods = [p for p in discover("methods", [toy_dirs["methods"]]) if p.name in names]
    config = RunConfig(folds=2, progress=False)
    jobs, _, _ = plan(config, Toy, toy_recordings, methods, list(Toy.tasks), run_dir)
    return jobs


def test_the_prepass_computes_each_recordings_features_once_and_the_fits_read_them(
    toy_dirs, toy_recordings, tmp_path, monkeypatch
):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    names = ("chance", "classic-faithful", "classic-tuned")  # two heads, one extractor
    jobs = toy_jobs(toy_dirs, toy_recordings, tmp_path, names)
    tasks = feature_tasks(jobs)
    # chance has no extractor; both classic methods read the same silhouettes
    assert sorted(t.recording.id for t in tasks) == sorted(r.id for r in toy_recordings)
    assert {t.extractor.kind for t in tasks} == {"silhouette"}
    executor = LocalBackend(workers=2, timeout=600)
    try:
        summary = warm_features(jobs, executor, progress=False)
    finally:
        executor.close()
    assert summary["tasks"] == len(toy_recordings) and summary["failed"] == 0
    assert feature_tasks(jobs) == []  # all cached now
    extractor = tasks[0].extractor
    for recording in toy_recordings:  # what was cached is what the extractor computes
        cached = extractor.of_recording(recording)
        assert np.array_equal(cached, extractor._compute(recording))


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_map_reports_a_crash_and_a_time_out_as_those_tasks_errors_and_runs_the_rest():
    outcomes = {}

    def done(item, result, error):
        outcomes[item] = (result, error)

    executor = LocalBackend(workers=1, timeout=4)
    try:
        executor.map(double_or_fail, [1, "crash", 2, "hang", 3], done)
    finally:
        executor.close()
    assert {k: v[0] for k, v in outcomes.items() if v[1] is None} == {1: 2, 2: 4, 3: 6}
    assert "terminated" in str(outcomes["crash"][1]).lower()
    assert isinstance(outcomes["hang"][1], TimeLimit)
    assert str(outcomes["hang"][1]) == "timed out after 4 s (--timeout)"


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_a_worker_that_keeps_its_models_loaded_is_not_replaced_as_a_leak():
    pytest.importorskip("psutil", reason="loky checks worker memory only with psutil")
    pids = []
    executor = LocalBackend(workers=1, timeout=60)
    try:  # loky's own limit: a worker grown 300 MB since its first task is replaced
        executor.map(grow_and_tell, [1, 400, 1, 1], lambda item, pid, error: pids.append(pid))
    finally:
        executor.close()
    assert len(set(pids)) == 1, "the worker was replaced: its models would load again"


def test_open_executor_refuses_an_unknown_backend_and_an_address_without_a_cluster():
    with pytest.raises(UsageError, match="unknown backend 'slurm'; valid: local, dask, ray"):
        with open_executor("slurm"):
            pass
    with pytest.raises(UsageError, match="--address names a cluster"):
        with open_executor("local", address="tcp://10.0.0.1:8786"):
            pass


class Node:
    """An object in a reference cycle: only Python's collector frees it."""

    def __init__(self):
        self.me = self


def test_after_a_job_a_worker_freezes_what_lives_on_and_still_collects_later_cycles():
    try:
        kept = Node()
        forget_models()
        # what lived through the job is skipped by every later collection...
        assert not any(o is kept for o in gc.get_objects())
        job_garbage = Node()
        gone = weakref.ref(job_garbage)
        del job_garbage
        forget_models()
        assert gone() is None  # ...and the next job's cycles are still collected
    finally:
        gc.unfreeze()


def test_a_dask_task_is_one_pickled_blob_that_dask_cannot_look_into():
    assert call_pickled(pickle.dumps((double_or_fail, 21))) == 42
