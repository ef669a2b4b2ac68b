"""The fault suite: each bad input or fault gets one clear line, the right exit status, and
finished results survive (issue 15's cases, reproduced on tiny data the tests make)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from _bad_methods import BAD_METHODS
from _plugins import plugin_folder
from filelock import FileLock
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import cli
from harness.errors import UsageError
from harness.run_folder import LOCK, RunFolder
from harness.runner import RunConfig, run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bad_methods(tmp_path) -> Path:
    folder = plugin_folder(tmp_path / "bad_methods", bad=BAD_METHODS)
    return folder


def toy_config(toy_dirs, out, **overrides) -> RunConfig:
    settings_ = dict(
        datasets=("toy",),
        methods=("chance",),
        tasks=("punch-binary",),
        profile="quick",
        folds=2,
        out=out,
        dataset_dirs=(toy_dirs["datasets"],),
        progress=False,
        latency_rounds=50,
    )
    return RunConfig(**(settings_ | overrides))


def harness(*args, env=None, preexec=None) -> subprocess.CompletedProcess:
    """``python -m harness ARGS`` in a fresh process (what a user runs)."""
    return subprocess.run(
        [sys.executable, "-m", "harness", *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "MPLBACKEND": "Agg", **(env or {})},
        preexec_fn=preexec,
        timeout=600,
    )


def rows_of(run_dir: Path) -> dict:
    rows = json.loads((run_dir / "results.json").read_text())["rows"]
    return {(r["method"], r["fold"]): r for r in rows}


# -- one method never stops the others ------------------------------------------------------


@pytest.mark.slow
def test_a_crash_an_exit_and_a_hang_become_failed_rows_and_the_others_finish(
    toy_dirs, bad_methods, tmp_path
):
    names = "crasher,quitter,sleeper,stray,nothing,short,honest,chance"
    result = harness(
        "run", "--dataset", "toy", "--datasets-dir", toy_dirs["datasets"],
        "--methods-dir", bad_methods, "--methods", names, "--tasks", "punch-binary",
        "--folds", "2", "--profile", "quick", "--jobs", "2", "--timeout", "20",
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = rows_of(tmp_path / "run")
    reasons = {method: rows[(method, 0)]["reason"] for method in names.split(",")}
    assert "SIGSEGV" in reasons["crasher"]
    assert reasons["quitter"] == "the method called sys.exit(3)"
    assert reasons["sleeper"] == "timed out after 20 s (--timeout)"
    assert "outside the task's classes: 'banana'" in reasons["stray"]
    assert "outside the task's classes: None" in reasons["nothing"]
    assert "shape" in reasons["short"]
    for method in ("honest", "chance"):
        assert rows[(method, 0)]["status"] == rows[(method, 1)]["status"] == "ok"
    for line in result.stderr.splitlines():  # one line each, no traceback on the terminal
        assert not line.startswith(("Traceback", "Fatal Python error", "  File"))
    assert "Fatal Python error" in (tmp_path / "run" / "errors.log").read_text()


def test_a_plugin_that_exits_at_import_is_unavailable_not_fatal(toy_dirs, tmp_path):
    # A script's parser meeting arguments it does not know (the run's own argv, say) exits.
    script = "import argparse\nargparse.ArgumentParser().parse_args(['--profile', 'quick'])\n"
    folder = plugin_folder(tmp_path / "m", cli_tool=script)
    config = toy_config(toy_dirs, tmp_path / "run", method_dirs=(str(folder),))
    assert (run(config) / "results.json").is_file()  # the argparse call did not end the run
    with pytest.raises(UsageError, match=r"cli_tool.py \(SystemExit"):
        run(toy_config(toy_dirs, tmp_path / "b", methods=("x",), method_dirs=(str(folder),)))


# -- lost results ------------------------------------------------------------------------


def test_a_second_run_into_a_folder_in_use_stops_with_one_line(tmp_path):
    (tmp_path / "run").mkdir()
    with FileLock(tmp_path / "run" / LOCK), pytest.raises(UsageError, match="in use by another"):
        RunFolder(tmp_path / "run").open()


def test_a_folder_with_results_is_never_emptied_without_resume(toy_dirs, tmp_path):
    first = run(toy_config(toy_dirs, tmp_path / "run"))
    before = (first / "results.csv").read_text()
    with pytest.raises(UsageError, match="--resume"):
        run(toy_config(toy_dirs, tmp_path / "run"))
    assert (first / "results.csv").read_text() == before


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_resume_keeps_finished_rows_and_runs_only_the_rest(toy_dirs, tmp_path):
    first = run(toy_config(toy_dirs, tmp_path / "run"))
    kept = rows_of(first)[("chance", 0)]
    more = toy_config(toy_dirs, tmp_path / "run", methods=("chance", "classic-tuned"), resume=True)
    rows = rows_of(run(more))
    assert rows[("chance", 0)]["latency_median_ms"] == kept["latency_median_ms"]  # not re-timed
    assert rows[("classic-tuned", 1)]["status"] == "ok"


@pytest.mark.slow  # a whole run or worker pool: seconds; CI's slow step
def test_resume_reruns_a_job_whose_data_changed(toy_dirs, tmp_path):
    first = run(toy_config(toy_dirs, tmp_path / "run"))
    old = rows_of(first)[("chance", 0)]
    rows = rows_of(run(toy_config(toy_dirs, tmp_path / "run", seed=1, resume=True)))
    assert rows[("chance", 0)]["job_key"] != old["job_key"]


def test_a_write_that_fails_is_one_line_and_leaves_no_torn_or_temporary_file(toy_dirs, tmp_path):
    out = tmp_path / "run"

    def small_files():  # like a full disk: every write past 12 KiB fails
        resource.setrlimit(resource.RLIMIT_FSIZE, (12 * 1024, 12 * 1024))

    result = harness(
        "run", "--dataset", "toy", "--datasets-dir", toy_dirs["datasets"], "--methods",
        "chance", "--tasks", "punch-binary,posture", "--folds", "2", "--profile", "quick",
        "--out", out, "--quiet", preexec=small_files,
    )  # fmt: skip
    assert result.returncode != 0
    assert f"could not write results to {out}" in result.stderr and "MB free" in result.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".results")]  # no temporaries
    if (out / "results.json").is_file():  # what was written is whole, and both agree
        rows = json.loads((out / "results.json").read_text())["rows"]
        assert len((out / "results.csv").read_text().splitlines()) == len(rows) + 1


# -- bad data ------------------------------------------------------------------------------


def test_a_dataset_that_fails_to_load_exits_2_before_any_fit(tmp_path):
    folder = plugin_folder(
        tmp_path / "d",
        broken="from harness.api import Dataset\n"
        "class Broken(Dataset):\n    name = 'broken'\n"
        "    def load(self):\n        raise OSError('disk unplugged')\n",
    )
    result = harness("run", "--dataset", "broken", "--datasets-dir", folder, "--out",
                     tmp_path / "run", "--methods", "chance")  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: dataset broken failed to load: OSError: disk unplugged"
    ]
    assert not (tmp_path / "run" / "results.json").exists()


def test_a_task_with_one_class_is_refused_not_scored(tmp_path, toy_dirs):
    folder = plugin_folder(
        tmp_path / "d",
        still="import numpy as np\nfrom harness.api import Dataset, Recording\n"
        "class Still(Dataset):\n    name = 'still'\n"
        "    def load(self):\n"
        "        frames = np.zeros((6, 8, 8, 3), np.uint8)\n"
        "        return [Recording(f's{i}', frames, ['stand'] * 6, f's{i}') for i in range(3)]\n",
    )
    config = toy_config(toy_dirs, tmp_path / "run", datasets=("still",), tasks=("posture",),
                        dataset_dirs=(str(folder),))  # fmt: skip
    results = json.loads((run(config) / "results.json").read_text())
    assert not results["rows"]
    assert any("every sample is 'stand'" in w for w in results["warnings"])


def test_a_truncated_weights_file_is_named_with_its_expected_checksum(tmp_path, monkeypatch):
    from harness import weights

    name = "movenet_single_pose_lightning_ptq.tflite"
    (tmp_path / name).write_bytes(b"half a download")
    monkeypatch.setenv(weights.ENV_VAR, str(tmp_path))
    reason = weights.missing_reason(name)
    assert str(tmp_path / name) in reason and weights.SHA256[name][:12] in reason
    with pytest.raises(FileNotFoundError, match="damaged"):
        weights.resolve_weights(name)


# -- bad usage: one line, exit 2 --------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--folds", "1"], "--folds: must be at least 2"),
        (["run", "--seed", "-1"], "--seed: must be from 0 to 4294967295"),
        (["run", "--seed", str(2**32)], "--seed: must be from 0 to 4294967295"),
        (["run", "--jobs", "0"], "--jobs: must be at least 1"),
        (["run", "--window", "0"], "--window: must be at least 1"),
        (["run", "--methods", ","], "--methods: expected comma-separated names"),
        (["run", "--timeout", "abc"], "--timeout: expected a number"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(args)
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_an_out_that_is_a_file_is_one_line(tmp_path, toy_dirs, capsys):
    (tmp_path / "file").write_text("x")
    code = cli.main(["run", "--dataset", "toy", "--datasets-dir", toy_dirs["datasets"],
                     "--out", str(tmp_path / "file"), "--methods", "chance"])  # fmt: skip
    assert code == 2 and "is a file" in capsys.readouterr().err


def test_a_cache_dir_that_is_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "cache").write_text("x")
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    assert cli.main(["run", "--methods", "chance"]) == 2
    assert "is a file; point it at a folder" in capsys.readouterr().err


def test_a_task_no_selected_dataset_serves_is_one_line(toy_dirs, tmp_path):
    folder = plugin_folder(
        tmp_path / "d",
        coarse="import numpy as np\nfrom harness.api import Dataset, Recording\n"
        "class Coarse(Dataset):\n    name = 'coarse'\n    tasks = ('punch-binary',)\n"
        "    def load(self):\n        frames = np.zeros((4, 8, 8, 3), np.uint8)\n"
        "        return [Recording(f's{i}', frames, ['punch'] * 4, f's{i}') for i in range(2)]\n",
    )
    config = toy_config(toy_dirs, tmp_path / "run", datasets=("coarse",), tasks=("action",),
                        dataset_dirs=(str(folder),))  # fmt: skip
    with pytest.raises(UsageError, match="no selected dataset serves the task"):
        run(config)


@pytest.mark.parametrize("damage", ['{"rows": [', "[1, 2, 3]", ""])
def test_report_on_a_damaged_results_json_is_one_line(tmp_path, damage, capsys):
    (tmp_path / "results.json").write_text(damage)
    assert cli.main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "results.json" in err[0]


def test_a_dollar_in_a_name_and_a_multi_line_reason_do_not_break_the_report(toy_dirs, tmp_path):
    folder = plugin_folder(
        tmp_path / "m",
        money="from harness.api import Method\n"
        "class Money(Method):\n    name = 'cost-$5$'\n    tasks = ('punch-binary',)\n"
        "    def fit(self, train):\n        raise ValueError('first line\\nsecond | line')\n"
        "    def predict(self, samples):\n        return []\n",
    )
    config = toy_config(toy_dirs, tmp_path / "run", methods=("chance", "cost-$5$"),
                        method_dirs=(str(folder),))  # fmt: skip
    out = run(config)
    assert (out / "report.html").is_file()
    lines = (out / "summary.md").read_text().splitlines()
    table = [line for line in lines if line.startswith("|  | cost-$5$")]  # its score-table row
    assert table and all(line.count("|") == 12 for line in table)  # one row, 11 cells


def test_warnings_are_one_line_without_the_harness_source_line(capsys):
    import warnings

    cli.warnings.showwarning = cli._one_line_warning
    warnings.warn("data/a.avi: damaged video\n  decoding stops early", stacklevel=1)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["warning: data/a.avi: damaged video decoding stops early"]


@settings(max_examples=25, deadline=None)
@given(text=st.text(min_size=1, max_size=40))
def test_any_reason_makes_one_table_cell(text):
    from harness.report import one_line

    cell = one_line(text)
    assert "\n" not in cell and "|" not in cell


def test_explain_on_class_folders_with_the_defaults_picks_a_task_they_serve(tmp_path, capsys):
    from _byod_data import synthetic_recordings, write_folders

    root = write_folders(tmp_path / "blog", synthetic_recordings())
    out = tmp_path / "explain.png"
    code = cli.main(["explain", "classic-tuned", "--dataset", f"folders:{root}", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.is_file()


def test_a_dataset_path_with_a_comma_is_one_dataset(tmp_path):
    from harness.cli import _dataset_specs

    (tmp_path / "a,b").mkdir()
    assert _dataset_specs(f"folders:{tmp_path / 'a,b'}") == (f"folders:{tmp_path / 'a,b'}",)
    assert _dataset_specs("mk-synth:clean,mk-synth:noise") == ("mk-synth:clean", "mk-synth:noise")
