"""``harness export``: one TFLite file per deep model, checked against the harness's labels.

The deep cases fit each kind of head briefly on a few frames of mk-synth quick (the labels
need not be good, only the same from both paths): a softmax head on the whole frame, a
sigmoid head on the person crop (two classes from one output), and the LSTM over windows.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from _plugins import plugin

from harness.cli import main
from harness.export import TFJS_MESSAGE, export_tflite
from harness.models import load_model, save_model, training_summary
from harness.samples import task_samples
from harness.tasks import get_task

CASES = [
    ("mobilenet-fullframe", "punch-kick-other", {"epochs": 2}),
    ("mobilenet-person", "punch-binary", {"epochs": 2}),
    ("mobilenet-lstm", "action", {"epochs": 2}),
]


def _model(name, task_name, params, recordings, folder):
    entry = plugin("methods", name)
    if not entry.available:
        pytest.skip(entry.reason)
    task = get_task(task_name)
    samples = task_samples(recordings[:2], task)
    samples = samples.subset(np.arange(0, len(samples), 4))
    method = entry.create(**params).fit(samples)
    training = training_summary("mk-synth:clean", samples, "quick", 0)
    return save_model(method, folder, plugin_name=name, task=task,
                      window=samples.window, training=training)  # fmt: skip


@pytest.mark.slow
@pytest.mark.deep
@pytest.mark.parametrize("name, task_name, params", CASES, ids=[c[0] for c in CASES])
def test_the_tflite_file_gives_the_keras_models_labels(name, task_name, params, tmp_path):
    recordings = plugin("datasets", "mk-synth").create(profile="quick").load()
    folder = _model(name, task_name, params, recordings, tmp_path / "model")
    result = export_tflite(load_model(folder), tmp_path / "model.tflite")
    assert result.ok and result.checked == 64 and result.max_difference < 1e-3
    assert (tmp_path / "model.tflite").stat().st_size > 500_000  # the backbone is inside
    side = json.loads((tmp_path / "model.tflite.json").read_text())
    model = load_model(folder)
    shape = side["input"]["shape"]
    assert len(shape) == (5 if model.window > 1 else 4) and shape[0] == 1 and shape[-1] == 3
    assert side["output"]["classes"] == [str(c) for c in model.method.classes_]


def test_a_method_without_a_keras_head_is_refused_in_one_line(toy_recordings, tmp_path, capsys):
    task = get_task("punch-kick-other")
    samples = task_samples(toy_recordings, task)
    method = plugin("methods", "chance").create().fit(samples)
    folder = save_model(method, tmp_path / "m", plugin_name="chance", task=task, window=1,
                        training=training_summary("toy", samples))  # fmt: skip
    assert main(["export", "--model", str(folder), "--format", "tflite"]) == 2
    error = capsys.readouterr().err.strip()
    assert error == "error: chance: no Keras backbone and head to export (deep methods only)"
    assert main(["export", "--model", str(folder), "--format", "tfjs"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {TFJS_MESSAGE}"
