"""Where a run's jobs execute: this machine, a Dask cluster or a Ray cluster.

``run --backend local|dask|ray [--address ADDR]``. Every backend gives the same rows for
the same jobs (the fits are seeded by the run; only timings differ), and every one keeps a
failing, crashing or hanging job from stopping the others.

- ``local`` (default): worker processes on this machine (:mod:`harness.execute`).
- ``dask``: :mod:`harness.executors.dask_backend` (``pip install 'posture-harness[dask]'``).
- ``ray``: :mod:`harness.executors.ray_backend` (``pip install 'posture-harness[ray]'``).

Without ``--address`` the cluster is started here with ``--jobs`` workers and stopped at
the end; with one, the run uses that cluster's workers, which need this checkout of the
harness importable and the cache folder (``HARNESS_CACHE_DIR``) at the same path, on
storage they share. Before the fits, :func:`warm_features` computes every recording's
features once, spread over the workers. While the cluster is open, joblib's ``Parallel``
in this process (mk-synth's renderer) runs on it too, through joblib's backend for it.

API::

    with open_executor("dask", workers=2, timeout=3600, log=run_dir / "errors.log") as ex:
        with ex.joblib_backend():
            recordings = dataset.load()          # rendering, on the cluster
        warm_features(jobs, ex)                  # features, once per recording
        ex.run(jobs, on_rows)                    # fits: on_rows(rows) as each job ends
"""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

from harness.errors import UsageError
from harness.executors.prepass import warm_features

BACKENDS = ("local", "dask", "ray")

#: The module each backend needs, and the extra that installs it.
_NEEDS = {"dask": ("distributed", "dask"), "ray": ("ray", "ray")}

__all__ = ["BACKENDS", "open_executor", "warm_features"]


def _check_installed(backend: str) -> None:
    module, extra = _NEEDS[backend]
    if importlib.util.find_spec(module) is None:
        raise UsageError(
            f"--backend {backend} needs the Python package {module!r}: "
            f"pip install 'posture-harness[{extra}]'"
        )


@contextlib.contextmanager
def open_executor(
    backend: str,
    workers: int = 1,
    timeout: float | None = None,
    log: Path | None = None,
    address: str | None = None,
):
    """The executor of ``backend``, its cluster started (or joined) and stopped on exit.

    Parameters
    ----------
    backend : ``local``, ``dask`` or ``ray``.
    workers : worker processes of a local cluster (``--jobs``); a joined cluster's own.
    timeout : seconds a job may run (``--timeout``).
    log : ``errors.log`` of the run (native crash tracebacks of local workers).
    address : the scheduler or head node to join (``--address``); None: start one.

    The executor has ``run(jobs, on_rows)``, ``map(function, items, on_result)`` and
    ``joblib_backend()``. A missing package or an unknown backend is a UsageError.
    """
    from harness.execute import DEFAULT_TIMEOUT

    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")
    if backend == "local":
        if address:
            raise UsageError("--address names a cluster: use it with --backend dask or ray")
        from harness.executors.local import LocalBackend

        executor = LocalBackend(workers, timeout, log)
    else:
        _check_installed(backend)
        if backend == "dask":
            from harness.executors.dask_backend import DaskExecutor as Executor
        else:
            from harness.executors.ray_backend import RayExecutor as Executor
        executor = Executor(workers, timeout, address)
    try:
        yield executor
    finally:
        executor.close()
