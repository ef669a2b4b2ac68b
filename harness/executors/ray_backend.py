"""``--backend ray``: the jobs as Ray tasks (``ray.remote``, ``ray.wait``).

Without ``--address`` a local Ray instance is started with ``--jobs`` task slots (each
with its share of the cores) and shut down at the end; with one (``auto``, ``HOST:6379``,
``ray://HOST:10001``) the harness joins that cluster, one job per CPU.

- Each task asks for its threads as CPUs (``num_cpus``), so Ray never runs more jobs on a
  machine than its cores allow, and the workers' environment sets the same thread counts.
- A failing job is a failed row; a worker that dies under a job gives that job a failed row
  (``WorkerCrashedError``; tasks are not retried: each runs in a worker of its own, so the
  job that was running is the culprit).
- Time limit: a late job is cancelled with ``force=True``, which kills its worker process.
"""

from __future__ import annotations

import logging

from harness.executors.loop import RemoteExecutor
from harness.executors.setup import local_worker_env, shared_env, threads_per_worker
from harness.executors.worker import thread_env

#: The local instance's object store: jobs carry recordings by reference, rows are small.
OBJECT_STORE_BYTES = 256 * 2**20


class RayExecutor(RemoteExecutor):
    """Jobs as Ray tasks on a local or joined cluster."""

    joblib_name = "ray"

    def __init__(self, workers: int, timeout: float, address: str | None = None):
        import ray
        from ray import exceptions

        self.timeout = timeout
        self.crashes = (
            exceptions.WorkerCrashedError,
            exceptions.OutOfMemoryError,
            exceptions.NodeDiedError,
            exceptions.LocalRayletDiedError,
        )
        self.workers = workers if address is None else None
        self.threads = threads_per_worker(workers) if address is None else 1
        env = local_worker_env(workers) if address is None else shared_env()
        settings = dict(
            runtime_env={"env_vars": {**env, **thread_env(self.threads)}},
            include_dashboard=False,
            log_to_driver=False,  # a failing job's reason is in its row and errors.log
            logging_level=logging.ERROR,
        )
        if address is None:
            settings.update(num_cpus=workers * self.threads, object_store_memory=OBJECT_STORE_BYTES)
        ray.init(address=address, **settings)
        self._remote: dict = {}

    def _task_slots(self) -> int:
        if self.workers is not None:
            return self.workers
        import ray

        return max(1, int(ray.cluster_resources().get("CPU", 1) // self.threads))

    def _start_task(self, function, item):
        import ray

        if function not in self._remote:
            self._remote[function] = ray.remote(function).options(
                num_cpus=self.threads, max_retries=0
            )
        return self._remote[function].remote(item)

    def _finished_tasks(self, handles: list, seconds: float) -> list:
        import ray

        return ray.wait(handles, num_returns=1, timeout=seconds, fetch_local=False)[0]

    def _task_result(self, handle):
        import ray

        return ray.get(handle)

    def _stop_tasks(self, handles: list) -> None:
        import ray

        for handle in handles:
            ray.cancel(handle, force=True)

    def close(self) -> None:
        import ray

        ray.shutdown()
