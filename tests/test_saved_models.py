"""Save and load, as a contract over every method plugin: the loaded model answers alike.

Each plugin (presets included) is fitted on a few frames of mk-synth quick for its first
task, with its training shortened where a parameter allows (the answers only have to be
the same before and after, not good), saved through :func:`harness.models.save_model`,
loaded through :func:`harness.models.load_model`, and asked again.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_contract import (
    METHODS,
    require_available,
    small_recordings,  # noqa: F401 - the fixture, shared with the contract
    small_split,
)

from harness import cache
from harness.models import load_model, save_model, training_summary
from harness.tasks import get_task

#: Shorter training where a method has the parameter (the answers need not be good).
SHORT = {"epochs": 2, "binary_epochs": 2, "max_iter": 30, "fine_tune_epochs": 1, "copies": 2}


def cases():
    out = []
    for plugin in METHODS:
        marks = [pytest.mark.deep] if "tensorflow" in plugin.cls.requirements else []
        out.append(pytest.param(plugin, {}, id=plugin.name, marks=marks))
    tuned = next(p for p in METHODS if p.name == "mobilenet")  # the fine-tuned backbone too
    out.append(pytest.param(tuned, {"fine_tune_blocks": 1}, id="mobilenet-fine-tuned",
                            marks=[pytest.mark.deep]))  # fmt: skip
    return out


@pytest.mark.parametrize("plugin, extra", cases())
def test_a_loaded_model_predicts_the_same_labels_and_probabilities(
    plugin, extra, request, tmp_path
):
    require_available(plugin)
    recordings = request.getfixturevalue("small_recordings")
    task = get_task(plugin.tasks[0])
    if task.level == "clip" and plugin.input == "frame":
        task = dataclasses.replace(task, level="frame")
    train, test = small_split(recordings, task, per_class=6)
    method = plugin.create(**extra)
    short = {k: v for k, v in SHORT.items() if k in method.get_params()}
    if method.get_params().get("frame_every"):  # original frames suffice; no augmented copies
        short["augment"] = "none"
    method.set_params(**short).fit(train)
    folder = save_model(
        method,
        tmp_path / "model",
        plugin_name=plugin.name,
        task=task,
        window=train.window,
        training=training_summary("mk-synth:clean", train, "quick", 0),
    )
    loaded = load_model(folder)
    assert type(loaded.method) is type(method) and loaded.task == task
    assert loaded.method.get_params() == method.get_params()
    blind = test.subset(np.arange(min(12, len(test)))).without_labels()
    with cache.bypassed():  # from raw frames both times
        before, after = method.predict(blind), loaded.method.predict(blind)
        p_before, p_after = method.predict_proba(blind), loaded.method.predict_proba(blind)
    assert list(after) == list(before)
    np.testing.assert_allclose(p_after, p_before, atol=1e-6)
