"""The runner end to end on the toy dataset: outputs, failures, determinism, bad usage."""

import csv
import json
import subprocess
import sys

import pytest

from harness.errors import UsageError
from harness.results import RESULT_COLUMNS
from harness.runner import RunConfig, run


def toy_run(toy_dirs, out, **overrides):
    config = RunConfig(
        datasets=("toy",),
        methods=("chance", "flaky"),
        profile="quick",
        out=out,
        dataset_dirs=(toy_dirs["datasets"],),
        method_dirs=(toy_dirs["methods"],),
        progress=False,
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return run(config)


def test_a_run_writes_every_output_file_with_every_column(toy_dirs, tmp_path):
    run_dir = toy_run(toy_dirs, tmp_path / "run")
    for name in ("results.csv", "results.json", "summary.md", "report.html"):
        assert (run_dir / name).stat().st_size > 0, name
    with open(run_dir / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert set(RESULT_COLUMNS) <= set(rows[0])
    ok = [r for r in rows if r["status"] == "ok"]
    assert {r["task"] for r in ok} == {"punch-binary", "punch-kick-other", "posture", "action"}
    # latency is probed once per method, on the first fold of its first task (it varies
    # with neither), and every task's entry shows that figure
    timed = [r for r in ok if r["latency_median_ms"] not in ("", "nan")]
    methods = {r["method"].removesuffix("+vote") for r in ok}
    assert sorted(r["method"] for r in timed if "+vote" not in r["method"]) == sorted(methods)
    assert all(r["fold"] == "0" for r in timed)
    assert all(float(r["latency_median_ms"]) > 0 and float(r["throughput_fps"]) > 0 for r in timed)
    results = json.loads((run_dir / "results.json").read_text())
    entries = [a for a in results["aggregates"] if a["status"] == "ok"]
    assert all(a["latency_median_ms"] > 0 for a in entries)
    assert any(a.get("latency_task") for a in entries)  # reused from the probed task
    row = next(r for r in results["rows"] if r["status"] == "ok" and r["detail"]["latency"])
    assert {"min", "max", "mean", "stddev", "median", "iqr", "q1", "q3", "ops", "rounds"} <= set(
        row["detail"]["latency"]
    )
    assert row["detail"]["latency"]["rounds"] >= 50
    assert "confusion" in row["detail"] and "per_class_f1" in row["detail"]
    assert results["machine_info"]["python_version"]
    assert "chance" in (run_dir / "summary.md").read_text()


def test_a_failing_method_becomes_failed_rows_and_the_others_finish(toy_dirs, tmp_path):
    run_dir = toy_run(toy_dirs, tmp_path / "run")
    with open(run_dir / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    flaky = [r for r in rows if r["method"] == "flaky"]
    assert flaky and all(r["status"] == "failed" for r in flaky)
    assert flaky[0]["reason"] == "RuntimeError: flaky fit exploded"
    assert any(r["method"] == "chance" and r["status"] == "ok" for r in rows)
    assert "flaky fit exploded" in (run_dir / "errors.log").read_text()


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_the_same_seed_gives_identical_metrics(toy_dirs, tmp_path):
    def metrics_of(run_dir):
        with open(run_dir / "results.csv") as handle:
            return [
                (r["task"], r["method"], r["fold"], r["macro_f1"], r["macro_f1_ci_low"])
                for r in csv.DictReader(handle)
            ]

    first = metrics_of(toy_run(toy_dirs, tmp_path / "a", methods=("chance",)))
    second = metrics_of(toy_run(toy_dirs, tmp_path / "b", methods=("chance",)))
    assert first == second


def test_folds_never_share_a_subject_between_training_and_testing(
    toy_dirs, toy_recordings, tmp_path
):
    from harness.discovery import discover
    from harness.plan import plan

    methods = [p for p in discover("methods", [toy_dirs["methods"]]) if p.name == "chance"]
    config = RunConfig(progress=False)

    class Dataset:
        label, version, tasks = "toy", "1", ("posture", "action")

    jobs, _, _ = plan(config, Dataset, toy_recordings, methods, ["posture", "action"], tmp_path)
    assert jobs
    for job in jobs:
        assert not set(job.train.groups) & set(job.test.groups)
    tested = sorted({s for job in jobs if job.task == "posture" for s in set(job.test.groups)})
    assert tested == sorted({r.subject for r in toy_recordings})


def test_unknown_methods_and_tasks_are_usage_errors(toy_dirs, tmp_path):
    with pytest.raises(UsageError, match="unknown method"):
        toy_run(toy_dirs, tmp_path / "x", methods=("nope",))
    with pytest.raises(UsageError, match="unknown task"):
        toy_run(toy_dirs, tmp_path / "x", tasks=("nope",))


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--methods", "nope"], "unknown method"),
        (["run", "--dataset", "nope"], "unknown dataset"),
        (["run", "--tasks", "kicks"], "unknown task"),
        (["report", "/definitely/not/a/run"], "results.json not found"),
    ],
)
def test_the_cli_exits_2_with_one_line_on_bad_usage(args, message, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_report_re_renders_from_results_json_alone(toy_dirs, tmp_path):
    run_dir = toy_run(toy_dirs, tmp_path / "run", methods=("chance",))
    (run_dir / "report.html").unlink()
    (run_dir / "summary.md").unlink()
    done = subprocess.run(
        [sys.executable, "-m", "harness", "report", str(run_dir)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "chance" in (run_dir / "report.html").read_text()


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_parallel_jobs_give_the_same_results_as_one_job(toy_dirs, tmp_path):
    def metrics_of(run_dir):
        with open(run_dir / "results.csv") as handle:
            return sorted(
                (r["task"], r["method"], r["fold"], r["macro_f1"]) for r in csv.DictReader(handle)
            )

    serial = metrics_of(toy_run(toy_dirs, tmp_path / "a", methods=("chance",), jobs=1))
    parallel = metrics_of(toy_run(toy_dirs, tmp_path / "b", methods=("chance",), jobs=2))
    assert serial == parallel
