"""mobilenet-person: mirrored training features, and a tiny fit on held-out subjects."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.metrics import f1_score

from harness import cache, discovery
from harness.api import get_task
from harness.samples import task_samples
from harness.splits import in_subjects, subject_folds

REPO = Path(__file__).resolve().parents[1]
PLUGIN = REPO / "methods" / "mobilenet_person.py"
MobileNetPerson = discovery.load_class("methods", PLUGIN, "mobilenet-person")
module = sys.modules[MobileNetPerson.__module__]


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    """Crop features go to a throw-away cache, shared by this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.ENV_VAR, str(tmp_path_factory.mktemp("cache")))
        yield


def test_mirrored_training_set_swaps_sides_and_flips_the_side_half():
    x = np.arange(8, dtype=np.float32).reshape(2, 4)
    y = np.asarray(["punch_left", "stand"], object)
    x2, y2 = module.mirrored_training_set(x, y, get_task("posture"))
    assert list(y2) == ["punch_left", "stand", "punch_right", "stand"]
    np.testing.assert_array_equal(x2[2:, :2], x[:, :2])
    np.testing.assert_array_equal(x2[2:, 2:], -x[:, 2:])


def test_the_preset_needs_the_empty_scene_and_a_portrait_crop():
    params = MobileNetPerson().get_params()
    height, width = (int(v) for v in params["backbone"].split("@")[1].split("x"))
    assert height > width and MobileNetPerson.needs_background
    assert params["learning_rate"] == 1e-3 and params["validation_fraction"] > 0


def _recordings(toy_recordings):
    """mk-synth quick (clean) when it is there, the engine's toy dataset otherwise."""
    path = REPO / "datasets" / "mk_synth.py"
    if not path.exists():
        return toy_recordings
    cls = discovery.load_class("datasets", path, "mk-synth")
    return cls(arg="clean", profile="quick", seed=0).load()


@pytest.mark.deep
def test_tiny_fit_beats_a_stratified_dummy_on_held_out_subjects(toy_recordings):
    pytest.importorskip("tensorflow")
    available, reason = MobileNetPerson.availability()
    if not available:
        pytest.skip(reason)
    samples = task_samples(_recordings(toy_recordings), get_task("punch-kick-other"))
    train_subjects, test_subjects = subject_folds(samples.groups, 3, seed=0)[0]
    train = samples.subset(in_subjects(samples, train_subjects))
    test = samples.subset(in_subjects(samples, test_subjects))
    train = train.subset(np.arange(0, len(train), max(1, len(train) // 3000)))

    method = MobileNetPerson(random_state=0).fit(train)
    predicted = method.predict(test.without_labels())
    assert set(predicted) <= set(test.classes)
    ours = f1_score(list(test.y), list(predicted), average="macro")
    dummy = DummyClassifier(strategy="stratified", random_state=0)
    guessed = dummy.fit(np.zeros((len(train), 1)), train.y).predict(np.zeros((len(test), 1)))
    assert ours > f1_score(list(test.y), list(guessed), average="macro") + 0.1, ours
