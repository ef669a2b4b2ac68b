"""One contract suite over every plugin found in methods/ and datasets/ (one id per check).

Like scikit-learn's ``parametrize_with_checks``: a new plugin file (or preset) is tested by
dropping it in, with no test of its own needed for the contract.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone

from harness import cache, discovery
from harness.job import predict_in_order, vote
from harness.method import FeatureMethod
from harness.recording import LabelsHidden, Recording
from harness.samples import task_samples
from harness.splits import subject_folds
from harness.streaming_eval import take_predictions
from harness.tasks import TASKS, get_task

METHODS = [p for p in discovery.discover("methods") if p.cls is not None]
DATASETS = [p for p in discovery.discover("datasets") if p.cls is not None]
REPO = Path(__file__).resolve().parents[1]
PLUGIN_FILES = sorted((REPO / "methods").glob("*.py")) + sorted((REPO / "datasets").glob("*.py"))


def method_ids(plugins):
    return [p.name for p in plugins]


@pytest.fixture(scope="session")
def small_recordings(toy_recordings):
    """The rendered default dataset at its quick size (the toy dataset if it is absent)."""
    path = REPO / "datasets" / "mk_synth.py"
    if not path.exists():
        return toy_recordings
    entry = discovery.load_plugin("datasets", path, "mk-synth")
    return entry.create(arg="clean", profile="quick", seed=0).load()


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


# -- imports: plugins reach the engine through harness.api only -----------------------------


@pytest.mark.parametrize(
    "path", PLUGIN_FILES, ids=[f"{p.parent.name}/{p.name}" for p in PLUGIN_FILES]
)
def test_plugin_imports_nothing_of_harness_but_the_api_and_no_other_plugin(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.ImportFrom):  # relative: only the folder's _helpers
            modules = [node.module] if node.module else [a.name for a in node.names]
            assert all(m.startswith("_") for m in modules), (
                f"{path.name} line {node.lineno} imports a plugin ({modules}); share code "
                "through a _helper.py instead"
            )
            continue
        else:
            continue
        for name in names:
            if name.split(".")[0] == "harness":
                assert name == "harness.api", (
                    f"{path.name} line {node.lineno} imports {name}; plugins use harness.api"
                )


def test_the_import_check_catches_an_engine_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from harness.cache import cache_dir\n")
    with pytest.raises(AssertionError, match="plugins use harness.api"):
        test_plugin_imports_nothing_of_harness_but_the_api_and_no_other_plugin(bad)


def test_plugin_files_stay_small():
    for path in PLUGIN_FILES:
        limit = 300 if path.name.startswith("_") else 200
        lines = len(path.read_text().splitlines())
        assert lines <= limit, f"{path.name} has {lines} lines (limit {limit}): split it"


# -- methods --------------------------------------------------------------------------------


@pytest.mark.parametrize("plugin", METHODS, ids=method_ids(METHODS))
def test_method_declares_name_tasks_and_input(plugin):
    assert plugin.name and plugin.name == plugin.name.strip()
    assert plugin.tasks and set(plugin.tasks) <= set(TASKS)
    assert plugin.input in ("frame", "clip")
    assert isinstance(plugin.create().uses_background(), bool)
    assert plugin.description, "a method says what it is in one line"


@pytest.mark.parametrize("plugin", METHODS, ids=method_ids(METHODS))
def test_method_init_only_stores_its_keyword_parameters(plugin):
    method = plugin.create()
    params = method.get_params()
    signature = inspect.signature(plugin.cls.__init__).parameters
    assert set(params) == {name for name in signature if name != "self"}
    assert set(plugin.params) <= set(params), "a preset sets only real parameters"
    assert clone(method).get_params() == params  # clone rebuilds from parameters alone
    assert not [k for k in vars(method) if k.endswith("_")], "nothing learned before fit"


@pytest.mark.parametrize("plugin", METHODS, ids=method_ids(METHODS))
def test_method_availability_is_empty_or_one_line(plugin):
    reason = plugin.create().missing_reason()
    assert isinstance(reason, str) and "\n" not in reason
    assert plugin.available == (not reason)


def fit_cases(refit_is_slow=False):
    """(method, task) cases; ``refit_is_slow``: a test that fits again puts the recurrent
    Keras models (seconds per fit) in CI's slow step, to keep the default run short."""
    cases = []
    for plugin in METHODS:
        for task in plugin.tasks:
            deep = "tensorflow" in plugin.cls.requirements
            marks = [pytest.mark.deep] if deep else []
            optional = plugin.preset and plugin.preset.optional  # out of the default run
            if optional or (refit_is_slow and deep and plugin.input == "clip"):
                marks.append(pytest.mark.slow)
            cases.append(pytest.param(plugin, task, id=f"{plugin.name}-{task}", marks=marks))
    return cases


def _task_for(plugin, task_name):
    task = get_task(task_name)
    if task.level == "clip" and plugin.input == "frame":
        task = dataclasses.replace(task, level="frame")
    return task


@pytest.fixture(scope="module")
def fitted_cache():
    return {}


def _fitted(plugin, task_name, small_recordings, fitted_cache):
    """One fit per (method, task) shared by the checks below."""
    key = (plugin.name, task_name)
    if key not in fitted_cache:
        train, test = small_split(small_recordings, _task_for(plugin, task_name))
        method = plugin.create()
        if "random_state" in method.get_params():
            method.set_params(random_state=0)
        fitted_cache[key] = (method, method.fit(train), train, test)
    return fitted_cache[key]


@pytest.mark.parametrize("plugin, task_name", fit_cases())
def test_method_fit_returns_self_and_predicts_task_labels(
    plugin, task_name, small_recordings, fitted_cache
):
    require_available(plugin)
    method, returned, _, test = _fitted(plugin, task_name, small_recordings, fitted_cache)
    assert returned is method
    predicted = np.asarray(method.predict(test.without_labels()), dtype=object)
    assert predicted.shape == (len(test),)
    assert set(map(str, predicted)) <= set(test.classes), "predictions are task classes"
    one = method.predict(test.subset(np.arange(1)).without_labels())
    assert len(one) == 1, "a single input (the latency probe's call) works"


@pytest.mark.parametrize("plugin, task_name", fit_cases())
def test_method_predict_proba_has_one_column_per_class_in_the_samples_order(
    plugin, task_name, small_recordings, fitted_cache
):
    require_available(plugin)
    method, _, _, test = _fitted(plugin, task_name, small_recordings, fitted_cache)
    some = test.subset(np.arange(min(10, len(test)))).without_labels()
    proba = np.asarray(method.predict_proba(some))
    assert proba.shape == (len(some), len(some.classes))
    assert np.isfinite(proba).all() and (proba >= -1e-6).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-3)
    reversed_task = dataclasses.replace(some.task, classes=some.task.classes[::-1])
    flipped = np.asarray(method.predict_proba(dataclasses.replace(some, task=reversed_task)))
    np.testing.assert_allclose(flipped, proba[:, ::-1], atol=1e-6)


@pytest.mark.parametrize("plugin, task_name", fit_cases(refit_is_slow=True))
def test_method_with_the_same_random_state_predicts_the_same(
    plugin, task_name, small_recordings, fitted_cache
):
    require_available(plugin)
    method, _, train, test = _fitted(plugin, task_name, small_recordings, fitted_cache)
    again = clone(method).fit(train)
    blind = test.without_labels()
    assert list(again.predict(blind)) == list(method.predict(blind))


@pytest.mark.parametrize("plugin, task_name", fit_cases())
def test_method_streams_a_take_as_it_predicts_its_windows(
    plugin, task_name, small_recordings, fitted_cache
):
    require_available(plugin)
    method, _, _, test = _fitted(plugin, task_name, small_recordings, fitted_cache)
    r = int(test.rec[0])
    recording = test.recordings[r]
    ends = np.arange(test.window - 1, min(len(recording), test.window + 40))
    every = dataclasses.replace(test, rec=np.full(len(ends), r), end=ends, y=None)
    if not method.stateful:  # its labels depend on the window alone
        assert list(method.predict_stream(every)) == list(method.predict(every))
    if not isinstance(method, FeatureMethod):
        return
    live = method.stream(test.task, test.window, method.extractor.background_of(recording))
    pushed = [live.push(frame) for frame in recording.frames[: int(ends.max()) + 1]]
    assert pushed[: test.window - 1] == [None] * (test.window - 1)
    with cache.bypassed():  # the live path embeds raw frames; so does this
        # a stateful method's take played live is its predict_stream (its state carried)
        expected = list(method.predict_stream(every) if method.stateful else method.predict(every))
    assert [pushed[e] for e in ends] == expected


def check_predict_sees_no_truth(method, test) -> None:
    """The runner hands ``predict`` blind takes (no labels, keypoints or masks), and the
    method predicts from them: reading the truth of a test take fails this check."""
    blind = test.without_labels()
    assert blind.y is None
    for recording in blind.recordings:
        truth = [recording.keypoints is not None, recording.masks is not None]
        truth.append(bool(np.asarray(recording.ambiguous).any()))
        assert not any(truth), f"predict would see {recording.id}'s keypoints/masks/ambiguity"
        with pytest.raises(LabelsHidden):
            recording.labels[0]
    try:
        predict_in_order(method, test)  # the runner's call (held-out scoring, sweeps, votes)
    except LabelsHidden as error:
        pytest.fail(f"{type(method).__name__}.predict read the truth of a test take: {error}")


@pytest.mark.parametrize("plugin, task_name", fit_cases())
def test_method_predicts_without_seeing_the_truth_of_the_test_takes(
    plugin, task_name, small_recordings, fitted_cache
):
    require_available(plugin)
    method, _, _, test = _fitted(plugin, task_name, small_recordings, fitted_cache)
    check_predict_sees_no_truth(method, test)


def test_a_method_reading_the_test_labels_is_caught(small_recordings):
    peeking = discovery.load_plugin("methods", REPO / "tests/plugins/methods/peeking.py", "peeking")
    task = get_task("posture")
    train, test = small_split(small_recordings, task)
    method = peeking.create().fit(train)
    with pytest.raises(pytest.fail.Exception, match="read the truth of a test take"):
        check_predict_sees_no_truth(method, test)
    with pytest.raises(LabelsHidden):  # the streaming evaluation hands blind takes too
        take_predictions(method, test, int(test.rec[0]))
    windows = task_samples(small_recordings[:1], dataclasses.replace(get_task("action")))
    with pytest.raises(LabelsHidden):  # and the vote over a window's frames
        vote(method, windows.subset(np.arange(3)))
    assert list(method.predict(test)) == list(test.y)  # it does cheat when it can


@pytest.mark.parametrize("plugin", METHODS, ids=method_ids(METHODS))
def test_method_explain_gives_an_rgb_image_or_nothing(plugin, small_recordings, fitted_cache):
    require_available(plugin)
    task_name = plugin.tasks[0]
    method, _, _, test = _fitted(plugin, task_name, small_recordings, fitted_cache)
    image = method.explain(test, 0)
    if image is None:
        return
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


# -- datasets -------------------------------------------------------------------------------


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
    dataset = plugin.create(profile="quick", seed=0)
    recordings = dataset.load()
    assert recordings and all(isinstance(r, Recording) for r in recordings)
    assert len({r.subject for r in recordings}) >= 2
    assert len({r.id for r in recordings}) == len(recordings)
    assert isinstance(dataset.subjects_known, bool)
    for task_name in dataset.tasks:
        assert len(task_samples(recordings, get_task(task_name))) > 0, task_name
