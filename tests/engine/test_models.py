"""Saved models: what model.json records, what loading refuses, train and run --save-models.

Models here are fitted on the toy dataset (block figures, seconds), except the one that
checks a real weights file is named with its sha256 (MoveNet keypoints, cached).
"""

from __future__ import annotations

import json

import pytest
from _plugins import plugin

from harness import weights
from harness.cli import main
from harness.errors import UsageError
from harness.models import MODEL_FILE, harness_version, load_model, save_model, training_summary
from harness.runner import RunConfig, run
from harness.samples import task_samples
from harness.tasks import get_task

TASK = get_task("punch-kick-other")


@pytest.fixture
def toy_model(toy_recordings, tmp_path):
    """classic-tuned fitted on the toy dataset, saved."""
    samples = task_samples(toy_recordings, TASK)
    method = plugin("methods", "classic-tuned").create(cv=2).fit(samples)
    folder = save_model(
        method,
        tmp_path / "model",
        plugin_name="classic-tuned",
        task=TASK,
        window=1,
        training=training_summary("toy", samples, "quick", 0),
        scores={"macro_f1": 0.5},
    )
    return folder, method, samples


def _edit(folder, change) -> None:
    info = json.loads((folder / MODEL_FILE).read_text())
    change(info)
    (folder / MODEL_FILE).write_text(json.dumps(info))


def test_model_json_says_what_the_model_is_and_what_it_learned_from(toy_model, toy_recordings):
    folder, method, samples = toy_model
    info = json.loads((folder / MODEL_FILE).read_text())
    assert info["harness_version"] == harness_version()
    assert info["method"]["name"] == "classic-tuned" and info["method"]["params"]["cv"] == 2
    assert info["task"] == {"name": TASK.name, "level": "frame", "classes": list(TASK.classes)}
    assert info["training"]["subjects"] == sorted({r.subject for r in toy_recordings})
    assert info["training"]["frames"] == sum(len(r) for r in toy_recordings)
    assert info["training"]["samples"] == len(samples)
    assert info["scores"] == {"macro_f1": 0.5} and info["weights"] == {}
    loaded = load_model(folder)
    assert list(loaded.method.predict(samples)) == list(method.predict(samples))


def test_a_model_of_another_harness_version_is_refused_in_one_line(toy_model, capsys):
    folder = toy_model[0]
    _edit(folder, lambda info: info.update(harness_version="0.0.1"))
    with pytest.raises(UsageError, match="made by harness 0.0.1, this is harness"):
        load_model(folder)
    assert main(["export", "--model", str(folder), "--format", "tflite"]) == 2
    message = capsys.readouterr().err.strip()
    assert "\n" not in message and "retrain" in message


def test_missing_or_changed_weights_are_refused_in_one_line(toy_model, tmp_path, monkeypatch):
    folder = toy_model[0]
    weights_dir = tmp_path / "weights"
    weights_dir.mkdir()
    (weights_dir / "net.tflite").write_bytes(b"the weights it was built on")
    monkeypatch.setenv(weights.ENV_VAR, str(weights_dir))
    saved = weights.sha256_of(weights_dir / "net.tflite")
    _edit(folder, lambda info: info.update(weights={"net.tflite": saved}))
    assert load_model(folder).method is not None  # the same file: accepted
    (weights_dir / "net.tflite").write_bytes(b"other weights under the same name")
    with pytest.raises(UsageError, match="net.tflite is not the one the model was built on"):
        load_model(folder)
    (weights_dir / "net.tflite").unlink()
    with pytest.raises(FileNotFoundError, match="needs weights file net.tflite"):
        load_model(folder)


def test_a_pose_model_names_its_weights_by_sha256_and_does_not_copy_them(toy_recordings, tmp_path):
    entry = plugin("methods", "movenet-pose")
    if not entry.available:
        pytest.skip(entry.reason)
    samples = task_samples(toy_recordings[:2], TASK)
    method = entry.create(max_iter=20).fit(samples)
    folder = save_model(method, tmp_path / "pose", plugin_name="movenet-pose", task=TASK,
                        window=1, training=training_summary("toy", samples))  # fmt: skip
    recorded = json.loads((folder / MODEL_FILE).read_text())["weights"]
    # MoveNet, and BlazePose's detector that seeds its tracker (person_crop.py)
    names = ("movenet_single_pose_lightning_ptq.tflite", "pose_detection.tflite")
    assert recorded == {name: weights.sha256_of(weights.find_weights(name)) for name in names}
    assert not list(folder.rglob("*.tflite"))


def test_saving_into_a_folder_with_files_is_refused(toy_model):
    folder, method, samples = toy_model
    with pytest.raises(ValueError, match="not empty"):
        save_model(method, folder, plugin_name="classic-tuned", task=TASK, window=1, training={})


def test_a_folder_without_a_model_is_one_line(tmp_path, capsys):
    assert main(["live", "--model", str(tmp_path), "--source", "x.avi", "--no-window"]) == 2
    assert capsys.readouterr().err.strip().endswith("give a folder `harness train` wrote")


def test_run_save_models_keeps_each_fold_and_train_takes_the_runs_scores(toy_dirs, tmp_path):
    config = RunConfig(
        datasets=("toy",),
        methods=("classic-tuned",),
        tasks=("punch-kick-other",),
        profile="quick",
        folds=2,
        out=tmp_path / "run",
        dataset_dirs=(toy_dirs["datasets"],),
        progress=False,
        latency_rounds=50,
        save_models=True,
    )
    run_dir = run(config)
    results = json.loads((run_dir / "results.json").read_text())
    rows = [r for r in results["rows"] if r["status"] == "ok"]
    assert len(rows) == 2
    for row in rows:
        fold = load_model(row["model_dir"])
        assert fold.info["scores"]["held_out"]["macro_f1"] == pytest.approx(row["macro_f1"])
        tested = set(row["test_subjects"].split())
        assert tested.isdisjoint(fold.info["training"]["subjects"])
    out = tmp_path / "final"
    argv = ["train", "--method", "classic-tuned", "--task", "punch-kick-other", "--dataset",
            "toy", "--datasets-dir", toy_dirs["datasets"], "--profile", "quick", "--out",
            str(out), "--scores-from", str(run_dir)]  # fmt: skip
    assert main(argv) == 0
    final = load_model(out)
    (aggregate,) = results["aggregates"]
    pooled = final.info["scores"]["pooled_out_of_fold"]
    assert pooled["macro_f1"] == pytest.approx(aggregate["macro_f1"])
    assert len(final.info["training"]["subjects"]) == 4  # every subject of toy quick


def test_train_refuses_a_task_the_method_does_not_do_in_one_line(tmp_path, capsys):
    argv = ["train", "--method", "mobilenet-blog", "--task", "posture", "--out", str(tmp_path)]
    assert main(argv) == 2
    assert "mobilenet-blog does not do posture" in capsys.readouterr().err


def test_other_package_versions_or_a_changed_plugin_file_are_warnings(toy_model):
    folder = toy_model[0]
    assert load_model(folder).warnings == []

    def older(info):
        info["packages"]["numpy"] = "1.0.0"
        info["method"]["plugin_sha256"] = "0" * 16

    _edit(folder, older)
    warnings = load_model(folder).warnings
    assert any("saved with numpy 1.0.0" in w for w in warnings)
    assert any("classic.py changed since" in w for w in warnings)
