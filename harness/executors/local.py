"""This machine's executor, able to run the feature pre-pass as well as the fit jobs.

Fit jobs go through :class:`harness.execute.LocalExecutor` unchanged (its crash isolation
finds the culprit among jobs that ran beside a crash). :meth:`LocalBackend.map` runs other
tasks (one recording's features) on the same worker pool, so the fits that follow find the
models loaded (loky's replacement of workers whose memory grew is off: harness.execute).
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, wait

from joblib.externals.loky.process_executor import (
    BrokenProcessPool,
    ShutdownExecutorError,
    TerminatedWorkerError,
)

from harness.execute import LocalExecutor
from harness.executors.loop import TaskLoop

_BROKEN = (BrokenProcessPool, ShutdownExecutorError, TerminatedWorkerError)


class LocalBackend(TaskLoop, LocalExecutor):
    """``--backend local``: :class:`LocalExecutor` plus :meth:`map` on its worker pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pools: dict = {}  # future -> the pool it runs on

    def _task_slots(self) -> int:
        return self.workers

    def _start_task(self, function, item):
        try:
            future = self._pool_of(self.workers).submit(function, item)
        except _BROKEN:  # broken under an earlier task: a new pool
            self._kill()
            future = self._pool_of(self.workers).submit(function, item)
        self._pools[future] = self._pool  # a crash breaks this pool only, not a newer one
        return future

    def _finished_tasks(self, handles: list, seconds: float) -> list:
        return list(wait(handles, timeout=seconds, return_when=FIRST_COMPLETED)[0])

    def _task_result(self, handle):
        pool = self._pools.pop(handle, None)
        try:
            return handle.result()
        except _BROKEN:
            if pool is self._pool:  # a task crashed its worker: the next one gets a new pool
                self._kill()
            raise

    def _stop_tasks(self, handles: list) -> None:
        # A process pool cannot stop one task: the pool goes, and the tasks running beside
        # the late one end with an error (the pre-pass leaves their work to the fits).
        if handles:
            self._kill()
        for handle in handles:
            self._pools.pop(handle, None)

    def close(self) -> None:
        self._kill()
