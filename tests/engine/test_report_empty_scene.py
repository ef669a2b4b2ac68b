"""The report says, per dataset, how many recordings had a real empty-scene frame."""

from __future__ import annotations

import json

from harness.report import empty_scene_note, render, summary_markdown
from harness.runner import RunConfig, run


def _results(**extra) -> dict:
    dataset = {"label": "clips:/data", "version": "1", "recordings": 5, "frames": 900,
               "subjects": ["a", "b"], "folds": 2, "with_background": 3}  # fmt: skip
    return {"config": {"seed": 0, "profile": "full"}, "datasets": [dataset], **extra}


def test_the_summary_counts_recordings_with_a_real_empty_scene():
    text = summary_markdown(_results())
    assert "3 of 5 recordings had a real empty-scene frame" in text
    assert "methods that use it" not in text  # the run did not say


def test_the_methods_that_use_it_are_named_when_the_run_recorded_them():
    results = _results(uses_background=["classic-tuned", "mobilenet-person"])
    note = empty_scene_note(results["datasets"][0], results)
    assert note.endswith("(methods that use it: classic-tuned, mobilenet-person).")


def test_older_runs_without_the_count_render_as_before():
    results = _results()
    del results["datasets"][0]["with_background"]
    assert empty_scene_note(results["datasets"][0], results) == ""
    assert "empty-scene" not in summary_markdown(results)


def test_the_html_report_shows_it_too(tmp_path):
    machine = {"cpu": "test", "python_version": "3", "platform": "test"}
    results = _results(started="now", machine_info=machine, commit_info={}, rows=[])
    (tmp_path / "results.json").write_text(json.dumps(results))
    _, html = render(tmp_path)
    assert "3 of 5 recordings had a real empty-scene frame" in html.read_text()


def test_a_run_records_the_count(toy_dirs, tmp_path):
    config = RunConfig(
        datasets=("toy",), methods=("chance",), tasks=("posture",), profile="quick",
        out=tmp_path / "run", dataset_dirs=(toy_dirs["datasets"],),
        method_dirs=(toy_dirs["methods"],), progress=False, folds=2,
    )  # fmt: skip
    run_dir = run(config)
    info = json.loads((run_dir / "results.json").read_text())["datasets"][0]
    assert 0 <= info["with_background"] <= info["recordings"]
    assert (
        f"{info['with_background']} of {info['recordings']} recordings"
        in (run_dir / "summary.md").read_text()
    )
