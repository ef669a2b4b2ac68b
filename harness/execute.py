"""Running jobs in worker processes, so that one method can never stop the others.

Every job runs in a worker process (loky's process pool, the one joblib uses), even with
``--jobs 1``:

- a method that raises, or calls ``sys.exit()``, gives a ``failed`` row (:func:`run_job`
  catches it in the worker);
- a method that crashes its interpreter (a segmentation fault in native code, the memory
  killer) takes only its pool down: the jobs that were running beside it are run again one
  at a time, so the one that crashes again is the culprit and gets a ``failed`` row, and
  the others finish;
- a job running longer than ``timeout`` seconds is stopped (its pool killed) and gets a
  ``failed`` row; the jobs beside it run again.

Workers get ``cores / workers`` threads each (TensorFlow, LiteRT, BLAS, OpenMP), so two
workers on two cores do not fight over them. Recordings travel by reference to their files
(:class:`harness.recording.FileView`), never as copies. A crashed worker's native traceback
goes to the run's ``errors.log``, not the terminal.
"""

from __future__ import annotations

import faulthandler
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, wait
from pathlib import Path

from joblib.externals import loky
from joblib.externals.loky import process_executor
from joblib.externals.loky.process_executor import (
    BrokenProcessPool,
    ShutdownExecutorError,
    TerminatedWorkerError,
)

from harness.errors import last_line
from harness.executors.setup import threads_per_worker
from harness.executors.worker import run_job_here, thread_env
from harness.job import base_row
from harness.plan import Job

#: How long a job may run by default: far beyond any fit measured here (~5 minutes).
DEFAULT_TIMEOUT = 4 * 3600


def _start_worker(log: str | None) -> None:
    """Worker start-up: whatever the worker writes to stderr (native crash tracebacks,
    TensorFlow's C++ log lines at every fit) goes to the run's errors.log, not the
    terminal, where the run prints one line per failure; the worker keeps however much
    memory it grows."""
    if log:
        stream = open(log, "a")  # noqa: SIM115 - open for the worker's life
        os.dup2(stream.fileno(), 2)  # file descriptor 2: C++ libraries write there directly
        faulthandler.enable(file=stream)
    # With psutil installed, loky replaces a worker whose memory grew 300 MB since its first
    # job, taking it for a leak. Ours grow by design (TensorFlow, the backbones and pose
    # models they keep loaded for the next job); a replacement re-imports and reloads them
    # all (seconds each time), so the check is off. A real runaway still meets the OS.
    process_executor._MAX_MEMORY_LEAK_SIZE = 1 << 50


def crash_reason(error: BaseException) -> str:
    """One line on how a worker died (``SIGSEGV``, ``SIGKILL``: often out of memory)."""
    signals = re.findall(r"(SIG[A-Z]+)", str(error))
    how = f" ({', '.join(sorted(set(signals)))})" if signals else ""
    return f"its worker process died{how}: a crash in native code, or out of memory"


def failed_rows(job: Job, reason: str) -> list[dict]:
    row = base_row(job, job.method, job.scoring)
    row.update(status="failed", reason=reason)
    return [row]


class LocalExecutor:
    """Jobs on ``workers`` local processes, with crash isolation and a time limit."""

    def __init__(self, workers: int = 1, timeout: float = DEFAULT_TIMEOUT, log: Path = None):
        self.workers = max(1, int(workers))
        self.timeout = timeout
        self.log = str(log) if log else None
        self._pool, self._size = None, 0

    def _pool_of(self, size: int):
        """A pool of ``size`` workers (a new one after a crash, a kill or a resize)."""
        if self._pool is None or self._size != size:
            self._kill()
            self._pool = loky.ProcessPoolExecutor(
                max_workers=size,
                env=thread_env(threads_per_worker(self.workers)),
                initializer=_start_worker,
                initargs=(self.log,),
            )
            self._size = size
        return self._pool

    def _kill(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, kill_workers=True)
            self._pool = None

    def run(self, jobs: Iterable[Job], on_rows: Callable[[list[dict]], None]) -> None:
        """Run ``jobs``; ``on_rows(rows)`` is called in this process as each job ends."""
        todo, alone = deque(jobs), deque()  # alone: suspects of a crash, one at a time
        running: dict = {}  # future -> (job, start time, ran alone)
        try:
            while todo or alone or running:
                self._submit(todo, alone, running)
                done, _ = wait(list(running), timeout=1.0, return_when=FIRST_COMPLETED)
                crashed = []
                for future in done:
                    job, _, solo = running.pop(future)
                    try:
                        on_rows(future.result())
                    except TerminatedWorkerError as error:  # its worker died
                        if solo:
                            self._kill()  # the pool is broken; the next job gets a new one
                            on_rows(failed_rows(job, crash_reason(error)))
                        else:
                            crashed.append(job)
                    except (BrokenProcessPool, ShutdownExecutorError):  # stopped by another
                        crashed.append(job)
                    except Exception as error:  # the job could not be sent or returned
                        on_rows(failed_rows(job, last_line(error)))
                if crashed:  # which one? each runs again alone, with those running beside it
                    alone.extend(crashed + [job for job, _, _ in running.values()])
                    running.clear()
                    self._kill()
                self._stop_late(running, todo, alone, on_rows)
        except BaseException:
            self._kill()  # Ctrl-C included: no worker goes on fitting in the background
            raise
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _submit(self, todo: deque, alone: deque, running: dict) -> None:
        if alone:  # suspects of a crash run strictly one at a time
            if not running:
                job = alone.popleft()
                running[self._pool_of(1).submit(run_job_here, job)] = (job, time.monotonic(), True)
            return
        while todo and len(running) < self.workers:
            job = todo.popleft()
            try:
                future = self._pool_of(self.workers).submit(run_job_here, job)
            except BrokenProcessPool:  # broke under a job still running: find the culprit
                alone.extend([job] + [j for j, _, _ in running.values()])
                running.clear()
                self._kill()
                return
            running[future] = (job, time.monotonic(), False)

    def _stop_late(self, running: dict, todo: deque, alone: deque, on_rows) -> None:
        """Fail the jobs over their time limit; the ones beside them run again."""
        now = time.monotonic()
        late = [f for f, (_, start, _) in running.items() if now - start > self.timeout]
        if not late:
            return
        for future in late:
            job = running.pop(future)[0]
            on_rows(failed_rows(job, f"timed out after {self.timeout:g} s (--timeout)"))
        for job, _, solo in running.values():
            (alone if solo else todo).appendleft(job)
        running.clear()
        self._kill()
