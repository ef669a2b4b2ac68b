"""Tasks for executor tests, in a module that imports almost nothing: a worker process loads
it in a blink, so the tests' time limits measure the tasks, not the workers' start-up."""

import os
import signal
import time


def double_or_fail(item):
    """``item * 2``; ``"crash"`` kills the worker (SIGSEGV), ``"hang"`` sleeps two minutes."""
    if item == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "hang":
        time.sleep(120)
    return item * 2


def where_am_i(_) -> dict:
    """Which harness a worker imports, its thread counts (the variable, and what its BLAS and
    OpenMP pools really run), its malloc setting and cache folder, its process."""
    from pathlib import Path

    import numpy  # noqa: F401 - loads BLAS, if the worker had not yet
    from threadpoolctl import threadpool_info

    import harness

    return {
        "harness": str(Path(harness.__file__).resolve().parents[1]),
        "threads": os.environ.get("HARNESS_THREADS"),
        "blas_threads": {str(pool["num_threads"]) for pool in threadpool_info()},
        "malloc_trim_threshold": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "cache": os.environ.get("HARNESS_CACHE_DIR"),
        "pid": os.getpid(),
    }


_KEPT = []  # what a worker keeps loaded between jobs (models, in the harness)


def grow_and_tell(megabytes: int) -> int:
    """Keep ``megabytes`` more memory (touched, so it is resident), wait past loky's
    memory check delay (1 s), return this worker's pid."""
    _KEPT.append(bytearray(megabytes << 20))
    time.sleep(1.2)
    return os.getpid()
