"""The one loop every backend drives: tasks in flight up to the free slots, each with a time
limit, and a failure (an exception, a dead worker, a time-out) handed back as that task's
outcome, never raised, so one task can never stop the others.

Why not joblib's ``Parallel`` on Dask's or Ray's joblib backend: ``Parallel`` stops the
whole batch at the first task that fails, and a worker killed by a crash or by the memory
killer is such a failure (``run_job`` itself never raises); its ``timeout`` too stops
everything. The backends' own futures (Dask's ``Client.submit``, Ray's ``remote`` and
``wait``) report each task on its own, and let one late task be stopped alone.

Tasks go out only when a slot is free, so a task's clock starts when it starts running,
not while it queues behind others.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator

from harness.errors import last_line
from harness.execute import crash_reason, failed_rows
from harness.executors.worker import run_job_here

#: Seconds between looks at the running tasks (finished ones are seen at once).
POLL = 1.0


class TimeLimit(Exception):
    """A task ran past the executor's time limit and was stopped."""

    def __init__(self, seconds: float):
        super().__init__(f"timed out after {seconds:g} s (--timeout)")


class TaskLoop:
    """``map``: run ``function(item)`` for every item on a backend. Subclasses define how
    to submit, wait, collect and stop (the ``_`` hooks) and set ``timeout``."""

    timeout: float
    #: joblib's name for this backend; None: joblib keeps its own (local processes).
    joblib_name: str | None = None

    @contextlib.contextmanager
    def joblib_backend(self) -> Iterator[None]:
        """While open, joblib's ``Parallel`` in this process runs on this backend."""
        if self.joblib_name is None:
            yield
            return
        from joblib import parallel_config

        if self.joblib_name == "ray":
            from ray.util.joblib import register_ray

            register_ray()
        with parallel_config(backend=self.joblib_name):
            yield

    def _task_slots(self) -> int:  # pragma: no cover - defined by each backend
        raise NotImplementedError

    def _start_task(self, function: Callable, item):  # pragma: no cover
        raise NotImplementedError

    def _finished_tasks(self, handles: list, seconds: float) -> list:  # pragma: no cover
        raise NotImplementedError

    def _task_result(self, handle):  # pragma: no cover
        raise NotImplementedError

    def _stop_tasks(self, handles: list) -> None:  # pragma: no cover
        raise NotImplementedError

    def map(self, function: Callable, items: Iterable, on_result: Callable) -> None:
        """Call ``on_result(item, result, error)`` in this process as each task ends.

        ``error`` is None on success, else the exception: the task's own, the backend's
        for a dead worker, or :class:`TimeLimit`. Ctrl-C stops the running tasks.
        """
        todo, running = deque(items), {}  # handle -> (item, start time)
        try:
            while todo or running:
                while todo and len(running) < self._task_slots():
                    item = todo.popleft()
                    running[self._start_task(function, item)] = (item, time.monotonic())
                for handle in self._finished_tasks(list(running), POLL):
                    item, _ = running.pop(handle)
                    try:
                        result = self._task_result(handle)
                    except Exception as error:
                        on_result(item, None, error)
                    else:
                        on_result(item, result, None)
                now = time.monotonic()
                late = [h for h, (_, start) in running.items() if now - start > self.timeout]
                if late:
                    self._stop_tasks(late)
                    for handle in late:
                        on_result(running.pop(handle)[0], None, TimeLimit(self.timeout))
        except BaseException:
            self._stop_tasks(list(running))  # Ctrl-C included: nothing goes on in the background
            raise


class RemoteExecutor(TaskLoop):
    """A cluster backend: :meth:`run` for fit jobs (rows, or a failed row per job)."""

    #: Exception types meaning the task's worker process died (set by each backend).
    crashes: tuple[type[BaseException], ...] = ()

    def run(self, jobs, on_rows: Callable[[list[dict]], None]) -> None:
        """Run ``jobs``; ``on_rows(rows)`` is called in this process as each job ends."""

        def finished(job, rows, error) -> None:
            on_rows(rows if error is None else failed_rows(job, self.reason(error)))

        self.map(run_job_here, jobs, finished)

    def reason(self, error: BaseException) -> str:
        """One line on why a job has no rows of its own."""
        if isinstance(error, TimeLimit):
            return str(error)
        if isinstance(error, self.crashes):
            return crash_reason(error)
        cause = getattr(error, "cause", None)  # Ray wraps the task's exception
        return last_line(cause if isinstance(cause, BaseException) else error)

    def close(self) -> None:  # pragma: no cover - defined by each backend
        raise NotImplementedError
