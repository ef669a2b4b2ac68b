"""The grid on a local Dask or Ray cluster of 2 workers: the same results.csv metrics, row for
row, as ``--backend local --jobs 2``; failures, crashes and hangs stay one job's row; workers
run this checkout with their share of the cores.

Slow (each run starts a cluster and fits the toy grid); skipped cleanly where the backend's
package is not installed (``pip install -e '.[dask,ray]'``; ``.ci/run`` installs both).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from _bad_methods import BAD_METHODS
from _executor_tasks import where_am_i
from _plugins import plugin_folder

from harness.executors import open_executor
from harness.executors.setup import HARNESS_ROOT, threads_per_worker
from harness.runner import RunConfig, run

pytestmark = pytest.mark.slow

BACKENDS = [
    pytest.param("dask", id="dask"),
    pytest.param("ray", id="ray"),
]
#: What identifies a row, and what must be identical whatever ran it (timings may differ).
KEY = ("dataset", "task", "method", "scoring", "protocol", "fold")
METRICS = (
    "status", "reason", "n_train", "n_test", "test_subjects", "accuracy", "balanced_accuracy",
    "macro_f1", "macro_f1_ci_low", "macro_f1_ci_high", "detection_rate", "ttd_median_ms",
    "false_triggers_per_min",
)  # fmt: skip
METHODS = ("chance", "classic-faithful", "classic-tuned", "movenet-pose")


def needs(backend: str) -> None:
    pytest.importorskip({"dask": "distributed", "ray": "ray"}[backend])


def toy_run(toy_dirs, out: Path, cache: Path, monkeypatch, **overrides) -> Path:
    """A toy grid run with its own, empty cache: every backend computes its own features."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(cache))
    settings = dict(
        datasets=("toy",),
        methods=METHODS,
        profile="quick",
        folds=2,
        jobs=2,
        out=out,
        dataset_dirs=(toy_dirs["datasets"],),
        method_dirs=(toy_dirs["methods"],),
        progress=False,
    )
    return run(RunConfig(**(settings | overrides)))


def metrics_of(run_dir: Path) -> list[tuple]:
    with open(run_dir / "results.csv") as handle:
        return [tuple(row[k] for k in KEY + METRICS) for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def local_metrics(toy_dirs, tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:
        root = tmp_path_factory.mktemp("local")
        return metrics_of(toy_run(toy_dirs, root / "run", root / "cache", monkeypatch))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_cluster_gives_the_local_metrics_row_for_row(
    backend, local_metrics, toy_dirs, tmp_path, monkeypatch
):
    needs(backend)
    run_dir = toy_run(toy_dirs, tmp_path / "run", tmp_path / "cache", monkeypatch, backend=backend)
    assert any(row[len(KEY)] == "ok" for row in local_metrics)
    assert metrics_of(run_dir) == local_metrics


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_crash_and_a_hang_on_a_cluster_are_failed_rows_and_the_others_finish(
    backend, toy_dirs, tmp_path, monkeypatch
):
    needs(backend)
    folder = plugin_folder(tmp_path / "methods", bad=BAD_METHODS)
    run_dir = toy_run(
        toy_dirs, tmp_path / "run", tmp_path / "cache", monkeypatch, backend=backend,
        methods=("crasher", "sleeper", "honest", "chance"), tasks=("punch-binary",),
        method_dirs=(str(folder),), timeout=30,  # a loaded machine starts workers slowly
    )  # fmt: skip
    with open(run_dir / "results.csv") as handle:
        rows = {(r["method"], r["fold"]): r for r in csv.DictReader(handle)}
    for fold in ("0", "1"):
        assert "worker process died" in rows[("crasher", fold)]["reason"]
        assert rows[("sleeper", fold)]["reason"] == "timed out after 30 s (--timeout)"
        assert rows[("honest", fold)]["status"] == rows[("chance", fold)]["status"] == "ok"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_local_clusters_workers_run_this_checkout_with_their_share_of_the_cores(
    backend, tmp_path, monkeypatch
):
    needs(backend)
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))  # where_am_i, for workers
    seen = []
    with open_executor(backend, workers=2) as executor:
        executor.map(where_am_i, range(4), lambda item, found, error: seen.append(error or found))
    assert all(isinstance(s, dict) for s in seen), seen
    assert {s["harness"] for s in seen} == {HARNESS_ROOT}
    assert {s["threads"] for s in seen} == {str(threads_per_worker(2))}
    # BLAS sizes its pool when NumPy is imported, which in a Dask worker comes before the
    # cluster's env is applied: with more threads than its share, OpenBLAS spun beside the job
    assert set.union(*(s["blas_threads"] for s in seen)) == {str(threads_per_worker(2))}
    # nor Dask's own MALLOC_TRIM_THRESHOLD_ (with it and the spinning BLAS, a slice of the
    # quick profile spent 57 s in the kernel on Dask, 6 s on local workers)
    expected = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    assert {s["malloc_trim_threshold"] for s in seen} == {expected}
    assert {s["cache"] for s in seen} == {str(tmp_path)}
    assert len({s["pid"] for s in seen}) <= 2 and os.getpid() not in {s["pid"] for s in seen}
