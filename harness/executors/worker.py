"""What runs inside a worker process of any backend: one fit job, or one recording's features.

Workers of every backend live across many jobs (and, on a cluster you connect to, across
runs), so each job leaves nothing behind but its rows: models are built and fitted inside
the task, rows are returned (never models), and Keras' global state is cleared after
every job. Backbones that :func:`harness.extractors.backbones.load_backbone` keeps per process
are plain objects holding their own models, so they survive the clearing and stay loaded.

Thread counts are set before the harness is imported where the backend allows it (the
environment of a local cluster's workers); :func:`limit_threads` does it for workers that
are already running (a cluster started by someone else).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import gc
import os
import sys
import time

from harness.extractors.base import Extractor, mirrored_view
from harness.recording import Recording

#: Environment variables that size each worker's thread pools (TensorFlow and LiteRT read
#: HARNESS_THREADS; BLAS and OpenMP the others).
THREAD_VARIABLES = ("HARNESS_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def thread_env(threads: int) -> dict[str, str]:
    """The environment giving each worker ``threads`` threads."""
    return dict.fromkeys(THREAD_VARIABLES, str(max(1, int(threads))))


def limit_threads(threads: int) -> None:
    """Size this (already running) process's thread pools to ``threads``.

    A ``HARNESS_THREADS`` set by whoever started the worker wins. Libraries loaded already
    are limited through threadpoolctl; TensorFlow reads the variable when first imported.
    """
    threads = int(os.environ.get("HARNESS_THREADS") or threads)
    os.environ.update(thread_env(threads))
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)  # kept for the life of the process


def forget_models() -> None:
    """Clear Keras' global state (layer names, graphs, kernel caches) after a job, and hand
    the job's freed memory back to the system."""
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session(free_memory=False)  # one collection, below, not two
    gc.collect()
    # What survives a job (modules, TensorFlow's runtime, the backbones kept loaded) is
    # there for the worker's life: frozen, the next collections skip it. A full collection
    # over TensorFlow's objects took 0.2 s, after every job (48 worker-seconds over the
    # quick profile's 240 jobs) and whenever Python's own collector ran during a fit;
    # frozen, 2 ms (timed by hand in a process with TensorFlow and a fitted Keras model).
    gc.freeze()
    # glibc keeps freed heap memory for reuse; after jobs holding gigabytes of windows the
    # workers of a full run grew to 9 GB each (PSS sampled from /proc during
    # `benchmarks/run_times.py --runs full-cold`). malloc_trim returns it.
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _glibc():
    """The C library if it is glibc (malloc_trim exists there only), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


_LIBC = _glibc() if sys.platform.startswith("linux") else None


def run_job_here(job) -> list[dict]:
    """:func:`harness.job.run_job` in a long-lived worker: rows out, the job's models gone."""
    from harness.job import run_job

    try:
        return run_job(job)
    finally:
        forget_models()


@dataclasses.dataclass(frozen=True)
class FeatureTask:
    """The features of one recording by one extractor (of its mirror image if ``mirrored``)."""

    extractor: Extractor
    recording: Recording
    mirrored: bool = False

    def view(self) -> Recording:
        return mirrored_view(self.recording) if self.mirrored else self.recording

    @property
    def label(self) -> str:
        return f"{self.extractor.kind} of {self.view().id}"


def compute_features(task: FeatureTask) -> float:
    """Extract and cache ``task``'s features; returns the seconds it took (0 if cached)."""
    start = time.perf_counter()
    task.extractor.of_recording(task.view())
    return time.perf_counter() - start
