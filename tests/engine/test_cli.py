"""`python -m harness` as a user types it, on the rendered default dataset (quick size)."""

import csv
import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from harness import discovery
from harness.results import RESULT_COLUMNS

REPO = Path(__file__).resolve().parents[2]


def harness(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, cwd=cwd
    )


def check_outputs(run_dir: Path) -> list[dict]:
    for name in ("results.csv", "results.json", "summary.md", "report.html"):
        assert (run_dir / name).stat().st_size > 0, name
    with open(run_dir / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert set(RESULT_COLUMNS) <= set(rows[0])
    results = json.loads((run_dir / "results.json").read_text())
    assert results["config"]["seed"] == 0 and results["aggregates"]
    return rows


def test_list_shows_every_plugin_with_its_availability():
    done = harness("list")
    assert done.returncode == 0, done.stderr
    for name in ("chance", "mk-synth"):
        assert name in done.stdout
    assert "available" in done.stdout


def test_quick_run_of_the_floor_and_classic_methods_writes_a_complete_report(tmp_path):
    done = harness(
        "run",
        "--profile",
        "quick",
        "--methods",
        "chance,classic-faithful",
        "--tasks",
        "punch-kick-other,posture",
        "--out",
        str(tmp_path / "run"),
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    rows = check_outputs(tmp_path / "run")
    assert {r["method"] for r in rows if r["status"] == "ok"} == {"chance", "classic-faithful"}
    assert str(tmp_path / "run" / "report.html") in done.stdout


def methods_a_default_run_must_report() -> dict[str, tuple[str, ...]]:
    """Every method of a default run that can run here, with its tasks: not optional, its
    modules import, and its weights files lie in HARNESS_WEIGHTS_DIR (looked up on disk
    here, not through the harness's own resolver, so a resolver that loses them fails)."""
    folder = Path(os.environ.get("HARNESS_WEIGHTS_DIR", "/nonexistent"))
    expected = {}
    for entry in discovery.discover("methods"):
        assert entry.cls is not None, f"{entry.path.name} does not import: {entry.reason}"
        if entry.preset and entry.preset.optional:
            continue
        method = entry.create()
        extractor = getattr(method, "extractor", None)
        modules = [*method.requirements, *(extractor.requirements() if extractor else ())]
        files = [*method.weights, *(extractor.weights() if extractor else ())]
        if all(find_spec(m) for m in modules) and all((folder / f).is_file() for f in files):
            expected[entry.name] = entry.tasks
    return expected


@pytest.mark.slow
def test_default_quick_run_reports_every_method_on_every_task(tmp_path):
    expected = methods_a_default_run_must_report()
    done = harness("run", "--profile", "quick", "--out", str(tmp_path / "run"), "--quiet")
    assert done.returncode == 0, done.stderr
    rows = check_outputs(tmp_path / "run")
    not_ok = [
        (r["method"], r["task"], r["status"], r["reason"]) for r in rows if r["status"] != "ok"
    ]
    assert not not_ok, "every method that can run here must run (weights are present)"
    ok = {(r["method"], r["task"]) for r in rows}
    assert {task for _, task in ok} == {"punch-binary", "punch-kick-other", "posture", "action"}
    for method, tasks in expected.items():
        missing = [task for task in tasks if (method, task) not in ok]
        assert not missing, f"{method} has no result on {missing}"
    assert {"chance", "classic-faithful", "classic-tuned"} <= set(expected)


def test_sweeping_lighting_sweeps_both_of_its_kinds():
    from harness.cli import _sweeps

    assert _sweeps("lighting,shake") == ("lighting-gradual", "lighting-sudden", "shake")
    assert _sweeps("lighting-sudden,lighting") == ("lighting-sudden", "lighting-gradual")
