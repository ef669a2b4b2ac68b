"""What a cluster's workers must share with the process that plans the run.

- This checkout of the harness first on their import path (a local cluster's workers would
  otherwise import whatever ``harness`` their interpreter has installed);
- the cache folder: recordings travel as references to files in it
  (:class:`harness.recording.FileView`) and features are written there, so a cluster's
  workers need it at the same path (shared storage);
- the weights folder, when one is set;
- thread counts: each worker's share of its machine's cores.
"""

from __future__ import annotations

import os
from pathlib import Path

from harness import cache, weights
from harness.executors.worker import thread_env

#: Where this checkout's ``harness`` package lives.
HARNESS_ROOT = str(Path(__file__).resolve().parents[2])


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Each of ``workers`` processes' share of ``cores`` (this machine's by default)."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def shared_env() -> dict[str, str]:
    """The cache and weights folders of this process, for workers to use the same."""
    env = {cache.ENV_VAR: str(cache.cache_dir())}
    if os.environ.get(weights.ENV_VAR):
        env[weights.ENV_VAR] = str(Path(os.environ[weights.ENV_VAR]).resolve())
    return env


def local_worker_env(workers: int) -> dict[str, str]:
    """The environment of each of a local cluster's ``workers`` processes."""
    path = [HARNESS_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
    return {
        **thread_env(threads_per_worker(workers)),
        **shared_env(),
        "PYTHONPATH": os.pathsep.join(path),
    }
