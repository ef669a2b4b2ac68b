"""One contract suite over every plugin found in methods/ and datasets/ (one id per check).

Like scikit-learn's ``parametrize_with_checks``: a new plugin file is tested by dropping it
in, with no test of its own needed for the contract.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from harness import discovery
from harness.recording import Recording
from harness.samples import task_samples
from harness.splits import subject_folds
from harness.tasks import TASKS, get_task

METHODS = [p for p in discovery.discover("methods") if p.cls is not None]
DATASETS = [p for p in discovery.discover("datasets") if p.cls is not None]
REPO = Path(__file__).resolve().parents[1]


def method_ids(plugins):
    return [p.name for p in plugins]


@pytest.fixture(scope="session")
def small_recordings(toy_recordings):
    """The rendered default dataset at its quick size (the toy dataset if it is absent)."""
    path = REPO / "datasets" / "mk_synth.py"
    if not path.exists():
        return toy_recordings
    cls = discovery.load_class("datasets", path, "mk-synth")
    return cls(arg="clean", profile="quick", seed=0).load()


def small_split(recordings, task, per_class: int = 12):
    """Training samples of all subjects but the first fold's, a few per class and subject."""
    samples = task_samples(recordings, task)
    train_subjects, test_subjects = subject_folds([r.subject for r in recordings], 3, 0)[0]
    rng = np.random.default_rng(0)
    keep = []
    for subject in train_subjects:
        for label in task.classes:
            index = np.flatnonzero((samples.groups == subject) & (samples.y == label))
            keep += list(rng.permutation(index)[:per_class])
    test = np.flatnonzero(np.isin(samples.groups, test_subjects))
    test = rng.permutation(test)[:40]
    return samples.subset(np.sort(keep)), samples.subset(np.sort(test))


def require_available(plugin):
    if not plugin.available:
        pytest.skip(f"{plugin.name} unavailable here: {plugin.reason}")


@pytest.mark.parametrize("plugin", METHODS, ids=method_ids(METHODS))
def test_method_declares_name_tasks_and_input(plugin):
    cls = plugin.cls
    assert cls.name and cls.name == cls.name.strip()
    assert cls.tasks and set(cls.tasks) <= set(TASKS)
    assert cls.input in ("frame", "clip")
    assert isinstance(cls.needs_background, bool)
    assert cls.__doc__ or inspect.getmodule(cls).__doc__, "a method says what it is"


@pytest.mark.parametrize("plugin", METHODS, ids=method_ids(METHODS))
def test_method_init_only_stores_its_keyword_parameters(plugin):
    method = plugin.cls()
    params = method.get_params()
    signature = inspect.signature(plugin.cls.__init__).parameters
    assert set(params) == {name for name in signature if name != "self"}
    assert clone(method).get_params() == params  # clone rebuilds from parameters alone
    assert not [k for k in vars(method) if k.endswith("_")], "nothing learned before fit"


@pytest.mark.parametrize("plugin", METHODS, ids=method_ids(METHODS))
def test_method_availability_is_true_or_says_why(plugin):
    available, reason = plugin.cls.availability()
    assert isinstance(available, bool)
    assert available or reason


def fit_cases():
    cases = []
    for plugin in METHODS:
        for task in plugin.cls.tasks:
            marks = [pytest.mark.deep] if "tensorflow" in plugin.cls.requirements else []
            cases.append(pytest.param(plugin, task, id=f"{plugin.name}-{task}", marks=marks))
    return cases


@pytest.mark.parametrize("plugin, task_name", fit_cases())
def test_method_fit_returns_self_and_predicts_task_labels(plugin, task_name, small_recordings):
    require_available(plugin)
    task = get_task(task_name)
    if task.level == "clip" and plugin.cls.input == "frame":
        import dataclasses

        task = dataclasses.replace(task, level="frame")
    train, test = small_split(small_recordings, task)
    method = plugin.cls()
    if "random_state" in method.get_params():
        method.set_params(random_state=0)
    assert method.fit(train) is method
    predicted = np.asarray(method.predict(test.without_labels()), dtype=object)
    assert predicted.shape == (len(test),)
    assert set(map(str, predicted)) <= set(task.classes), "predictions are task classes"
    one = method.predict(test.subset(np.arange(1)).without_labels())
    assert len(one) == 1, "a single input (the latency probe's call) works"


@pytest.mark.parametrize("plugin", DATASETS, ids=method_ids(DATASETS))
def test_dataset_declares_name_tasks_and_version(plugin):
    cls = plugin.cls
    assert cls.name and set(cls.tasks) <= set(TASKS) and cls.version
    assert not cls.variants or all(isinstance(v, str) for v in cls.variants)


@pytest.mark.parametrize("plugin", DATASETS, ids=method_ids(DATASETS))
def test_dataset_loads_valid_recordings_of_several_subjects(plugin):
    require_available(plugin)
    if plugin.cls.needs_path:
        pytest.skip(f"{plugin.name} reads the user's files; its own tests make them")
    recordings = plugin.cls(profile="quick", seed=0).load()
    assert recordings and all(isinstance(r, Recording) for r in recordings)
    assert len({r.subject for r in recordings}) >= 2
    assert len({r.id for r in recordings}) == len(recordings)
    for task_name in plugin.cls.tasks:
        assert len(task_samples(recordings, get_task(task_name))) > 0, task_name
