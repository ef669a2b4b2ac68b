"""``--backend dask``: the jobs on a Dask cluster (dask.distributed), through its futures.

Without ``--address`` a local cluster of ``--jobs`` worker processes (one task each, their
share of the cores as threads) is started and stopped at the end; with one, the harness
connects to that scheduler and uses every worker it has.

- A failing job is a failed row; a worker that dies under a job (a crash, the memory
  killer) gives that job a failed row (``KilledWorker``). The local cluster declares a
  job bad at its first death (``allowed-failures: 0``): each worker runs one task at a time,
  so the job that was running is the culprit. A cluster you connect to keeps its own rule
  (by default a job is tried on 4 workers before it is failed).
- Time limit: Dask cannot interrupt a running task, so a late job is cancelled and the
  worker running it is restarted by its nanny (the job beside it on that worker, if the
  worker runs several, is run again elsewhere). Workers started without a nanny cannot be
  restarted; their late job is failed and its worker stays busy until the job returns.
- Workers of a connected cluster get, from a worker plugin, this run's cache and weights
  folders and their share of their machine's cores as thread counts.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle

from harness.errors import UsageError
from harness.executors.loop import RemoteExecutor
from harness.executors.setup import local_worker_env, shared_env, threads_per_worker
from harness.executors.worker import thread_env

PLUGIN = "posture-harness-setup"

#: Settings of the local cluster (see the module docstring).
LOCAL_CONFIG = {
    "distributed.scheduler.allowed-failures": 0,
    "distributed.scheduler.worker-saturation": 1.0,  # a worker holds only the task it runs
    "distributed.worker.daemon": False,  # a job may start processes of its own
    # The worker's statistical profiler samples the running task's stack every 10 ms;
    # nobody reads it here (there is no dashboard), and a job's Python code pays for it.
    "distributed.worker.profile.enabled": False,
}


def spawn_environ(workers: int) -> dict:
    """Variables a local cluster's worker processes get before they start (the Nanny's
    ``pre-spawn-environ``).

    - The thread counts: BLAS reads them once, when NumPy is first imported, which in a
      Dask worker is before the Nanny's ``env`` is applied. Given there only, OpenBLAS
      started a thread per core and spun (``sched_yield``) beside the job's own thread.
    - Not Dask's ``MALLOC_TRIM_THRESHOLD_=65536``: it makes glibc hand freed memory back
      at every free of more than 64 KiB, and take it again at the next allocation; our
      jobs allocate and free arrays of megabytes all the time. Workers hand memory back
      after each job instead (:func:`harness.executors.worker.forget_models`).

    With Dask's settings, the workers of a 48-job slice of the quick profile spent 57 s in
    the kernel (local workers: 6 s) and its ``blazepose-seq`` fits took twice local's time
    (/proc, strace and perf on the workers; docs/scaling.md, "Measured here").
    """
    return {**thread_env(threads_per_worker(workers)), "MALLOC_TRIM_THRESHOLD_": None}


@contextlib.contextmanager
def _environ_kept():
    """This process's environment as it was, once the Nanny has set its pre-spawn variables
    here (it sets them in its own process, for the worker processes to inherit)."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def call_pickled(blob: bytes):
    """``function(item)`` from ``pickle.dumps((function, item))``: a task Dask cannot look into."""
    function, item = pickle.loads(blob)
    return function(item)


class WorkerSetup:
    """Dask worker plugin: the run's folders and thread counts in a running worker."""

    idempotent = False  # registered again by each run, with that run's settings

    def __init__(self, env: dict[str, str], slots_by_host: dict[str, int]):
        self.env, self.slots_by_host = env, slots_by_host

    def setup(self, worker) -> None:
        from harness.executors.worker import limit_threads

        os.environ.update(self.env)
        slots = self.slots_by_host.get(worker.ip) or worker.state.nthreads
        limit_threads(threads_per_worker(slots))


class DaskExecutor(RemoteExecutor):
    """Jobs as Dask futures on a local or connected cluster."""

    joblib_name = "dask"

    def __init__(self, workers: int, timeout: float, address: str | None = None):
        import dask
        from distributed import Client, KilledWorker, LocalCluster

        self.timeout = timeout
        self.crashes = (KilledWorker,)
        self.cluster = None
        if address is None:
            settings = {
                **LOCAL_CONFIG,
                "distributed.nanny.pre-spawn-environ": spawn_environ(workers),
            }
            with dask.config.set(settings), _environ_kept():
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    memory_limit=0,  # the operating system's limit, as for local jobs
                    silence_logs=logging.ERROR,
                    env=local_worker_env(workers),
                )
            self.client = Client(self.cluster)
            return
        try:
            self.client = Client(address, timeout=30)
        except (OSError, TimeoutError) as error:
            raise UsageError(f"--address {address}: no Dask scheduler answers ({error})") from None
        slots: dict[str, int] = {}
        for info in self.client.scheduler_info(n_workers=-1)["workers"].values():
            slots[info["host"]] = slots.get(info["host"], 0) + info["nthreads"]
        self.client.register_plugin(WorkerSetup(shared_env(), slots), name=PLUGIN)

    def _task_slots(self) -> int:
        return max(1, sum(self.client.nthreads().values()))  # 1: queue until a worker joins

    def _start_task(self, function, item):
        # Dask looks into a task's arguments for tasks nested in them, through lists, dicts
        # and dataclasses, and rebuilds them on the worker: a Job (a dataclass holding a
        # fold's samples, ~1 MB pickled) took 0.3-1.4 s from submit to its worker. Sent as
        # one pickled blob it is opaque to Dask and takes ~15 ms.
        return self.client.submit(call_pickled, pickle.dumps((function, item)), pure=False)

    def _finished_tasks(self, handles: list, seconds: float) -> list:
        from distributed import wait

        try:
            return list(wait(handles, timeout=seconds, return_when="FIRST_COMPLETED").done)
        except TimeoutError:
            return []

    def _task_result(self, handle):
        return handle.result()

    def _stop_tasks(self, handles: list) -> None:
        if not handles:
            return
        keys = {handle.key for handle in handles}
        busy = [w for w, running in self.client.processing().items() if keys & set(running)]
        self.client.cancel(handles, force=True)
        if busy:  # the only way to stop a running task: restart its worker
            self.client.restart_workers(busy, raise_for_error=False)

    def close(self) -> None:
        if self.cluster is None:
            self.client.unregister_worker_plugin(PLUGIN)
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
