"""MobileNet transfer learning: presets, availability, and fits scored on held-out subjects."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from _plugins import REPO, helper, plugin
from _tamper import zeroed_feature_cache
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.metrics import f1_score

from harness import cache
from harness.api import get_task, load_backbone
from harness.runner import RunConfig, run
from harness.samples import task_samples
from harness.splits import in_subjects, subject_folds

MobileNet = plugin("methods", "mobilenet").create
MobileNetBlog = plugin("methods", "mobilenet-blog").create
# The blog's 100 x 56 input leaves a performer a few pixels wide; on mk-synth quick (two or
# three training subjects) it barely beats chance, so the fit tests use the full frame.
BACKBONE = "mobilenet-0.25@240x320"


@pytest.fixture(scope="module", autouse=True)
def private_cache(tmp_path_factory):
    """Features and augmented copies go to a throw-away cache, shared by this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.ENV_VAR, str(tmp_path_factory.mktemp("cache")))
        yield


def test_presets_store_the_published_and_the_sound_settings():
    blog = MobileNetBlog().get_params()
    assert (blog["learning_rate"], blog["loss"], blog["batch_size"]) == (1e-6, "blog-sigmoid", 0.1)
    assert (blog["epochs"], blog["binary_epochs"], blog["threshold"]) == (500, 50, 0.4)
    sound = MobileNet().get_params()
    assert (sound["learning_rate"], sound["loss"], sound["backbone"]) == (
        1e-3,
        "crossentropy",
        "mobilenet-0.25",
    )
    assert sound["validation_fraction"] > 0 and sound["augment"] == "blog"
    assert clone(MobileNet(threshold=0.7)).get_params()["threshold"] == 0.7


def test_without_weights_every_preset_is_unavailable_with_one_line(no_weights):
    for name in ("mobilenet", "mobilenet-blog", "mobilenet-fullframe", "mobilenet-person"):
        reason = plugin("methods", name).create().missing_reason()
        assert "mobilenet_2_5_224_tf_no_top.h5" in reason and "\n" not in reason


def test_without_weights_the_run_completes_with_the_other_methods(no_weights, toy_dirs, tmp_path):
    config = RunConfig(
        datasets=("toy",),
        methods=("chance", "mobilenet", "mobilenet-blog"),
        tasks=("punch-kick-other",),
        profile="quick",
        folds=2,
        out=tmp_path / "run",
        dataset_dirs=(toy_dirs["datasets"],),
        progress=False,
        latency_rounds=5,
    )
    with open(run(config) / "results.csv") as handle:
        rows = list(csv.DictReader(handle))
    status = {(r["method"], r["status"]) for r in rows}
    assert ("chance", "ok") in status
    assert ("mobilenet", "skipped") in status and ("mobilenet-blog", "skipped") in status
    skipped = next(r for r in rows if r["method"] == "mobilenet")
    assert "mobilenet_2_5_224_tf_no_top.h5" in skipped["reason"]


# -- fitting (TensorFlow and the MobileNet weights) ----------------------------------------


def _recordings(toy_recordings):
    """mk-synth quick (clean) when it is there, the engine's toy dataset otherwise."""
    path = REPO / "datasets" / "mk_synth.py"
    if not path.exists():
        return toy_recordings
    return plugin("datasets", "mk-synth").create(arg="clean", profile="quick", seed=0).load()


def _split(recordings, task_name: str, max_train: int = 3000):
    samples = task_samples(recordings, get_task(task_name))
    train_subjects, test_subjects = subject_folds(samples.groups, 3, seed=0)[0]
    train = samples.subset(in_subjects(samples, train_subjects))
    test = samples.subset(in_subjects(samples, test_subjects))
    stride = max(1, len(train) // max_train)  # keep the fit small
    return train.subset(np.arange(0, len(train), stride)), test


@pytest.fixture(scope="module")
def data(toy_recordings):
    pytest.importorskip("tensorflow")
    reason = MobileNet().missing_reason()
    if reason:
        pytest.skip(reason)
    return _recordings(toy_recordings)


def _chance_f1(train, test) -> float:
    dummy = DummyClassifier(strategy="stratified", random_state=0)
    guessed = dummy.fit(np.zeros((len(train), 1)), train.y).predict(np.zeros((len(test), 1)))
    return f1_score(list(test.y), list(guessed), average="macro")


@pytest.fixture(scope="module")
def fitted(data):
    train, test = _split(data, "punch-kick-other")
    method = MobileNet(backbone=BACKBONE, augment="none", random_state=0)
    return method.fit(train), train, test


@pytest.mark.deep
def test_tiny_fit_beats_a_stratified_dummy_on_held_out_subjects(fitted):
    method, train, test = fitted
    predicted = method.predict(test.without_labels())
    assert set(predicted) <= set(test.classes)
    ours = f1_score(list(test.y), list(predicted), average="macro")
    # Measured 0.55 against the stratified guess's 0.35 (seed 0, the same on every run here):
    # whole frames of two training performers. The floor leaves 0.05 for other CPUs' float
    # rounding; the person crop (test_mobilenet_person.py) reaches 0.63 on the same task.
    assert ours > 0.50 and _chance_f1(train, test) < 0.40, ours


@pytest.mark.deep
def test_predict_proba_columns_follow_the_task_classes(fitted):
    method, _, test = fitted
    some = test.subset(np.arange(0, len(test), max(1, len(test) // 7))).without_labels()
    proba = method.predict_proba(some)
    assert proba.shape == (len(some), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-4)
    assert list(np.asarray(test.classes)[proba.argmax(axis=1)]) == list(method.predict(some))


@pytest.mark.deep
def test_one_raw_frame_predicts_the_same_when_caches_are_bypassed(fitted, tmp_path, monkeypatch):
    method, _, test = fitted
    some = test.subset(np.arange(0, len(test), max(1, len(test) // 5))).without_labels()
    cached = method.predict_proba(some)
    method.warm_up()
    used = [some.recordings[r] for r in np.unique(some.rec)]
    zeroed_feature_cache(monkeypatch, tmp_path / "zeroed", method.extractor, used)
    assert not np.allclose(method.predict_proba(some), cached)  # the cached path reads it
    with cache.bypassed():  # the latency probe's path: computed from the pixels
        live = np.concatenate([method.predict_proba(some.subset([i])) for i in range(len(some))])
    np.testing.assert_allclose(live, cached, atol=1e-4)


@pytest.mark.deep
def test_binary_head_fires_at_its_threshold(data):
    train, test = _split(data, "punch-binary", max_train=1500)
    method = MobileNet(augment="none", random_state=0).fit(train)
    proba = method.predict_proba(test.without_labels())
    assert proba.shape[1] == 2
    punch = proba[:, list(test.classes).index("punch")]
    expected = np.where(punch >= 0.4, "punch", "other")
    assert list(method.predict(test.without_labels())) == list(expected)
    method.set_params(threshold=1.01)
    assert set(method.predict(test.without_labels())) == {"other"}


@pytest.mark.deep
def test_blog_preset_trains_with_its_published_loss_and_batch(data):
    train, test = _split(data, "punch-kick-other", max_train=1500)
    method = MobileNetBlog(epochs=3, copies=2, augment_every=8, random_state=0).fit(train)
    assert method.epochs_ == 3
    # a batch is 10 % of the training set (the augmented copies: the blog kept no originals)
    assert method.batch_size_ == round(0.1 * method.n_train_)
    assert set(method.predict(test.without_labels())) <= set(test.classes)
    # the loss is the published one: the preset's own fit is the blog-sigmoid fit, and the
    # same fit with cross-entropy gives another model (a faster rate than the blog's 1e-6,
    # so that three epochs move the weights visibly)
    fits = [
        MobileNetBlog(epochs=3, copies=2, augment_every=8, learning_rate=1e-3, **loss)
        for loss in ({}, {"loss": "blog-sigmoid"}, {"loss": "crossentropy"})
    ]
    some = test.subset(np.arange(20)).without_labels()
    preset, blog, other = (m.fit(train).predict_proba(some) for m in fits)
    np.testing.assert_allclose(preset, blog, atol=1e-6)
    assert np.abs(blog - other).max() > 1e-2


@pytest.mark.deep
def test_same_seed_gives_the_same_model(data):
    train, test = _split(data, "posture", max_train=600)
    some = test.subset(np.arange(10)).without_labels()
    first = MobileNet(augment="none", epochs=3, random_state=3).fit(train).predict_proba(some)
    again = MobileNet(augment="none", epochs=3, random_state=3).fit(train).predict_proba(some)
    np.testing.assert_allclose(first, again, atol=1e-5)


@pytest.mark.deep
@pytest.mark.slow
def test_fine_tuning_trains_a_copy_of_the_top_blocks_and_predicts_from_frames(data):
    shared = load_backbone("mobilenet-0.25").model
    before = [w.copy() for w in shared.get_weights()]
    train, test = _split(data, "punch-kick-other", max_train=300)
    method = MobileNet(augment="none", epochs=3, fine_tune_blocks=2, fine_tune_epochs=1)
    method.fit(train)
    for old, new in zip(before, shared.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)  # the shared frozen backbone is untouched
    some = test.subset(np.arange(4)).without_labels()
    assert set(method.predict(some)) <= set(test.classes)
    with cache.bypassed():
        np.testing.assert_allclose(
            method.predict_proba(some.subset([0])), method.predict_proba(some)[:1], atol=1e-4
        )


@pytest.mark.deep
def test_fine_tuned_model_keeps_batch_norm_in_inference_mode_and_unfreezes_only_the_top(data):
    head = helper("methods", "_mobilenet_head.py")
    model = head.fine_tuned_model("mobilenet-0.25", head.make_head(256, 3), blocks=2)
    x = np.random.default_rng(0).integers(0, 255, (4, 56, 100, 3), dtype=np.uint8)
    np.testing.assert_allclose(model(x, training=True), model(x, training=False), atol=1e-5)
    names = {w.path.split("/")[-2] for w in model.trainable_weights}
    assert {"conv_pw_13", "conv_dw_12"} <= names and "conv_pw_11" not in names


def test_a_person_crop_refuses_the_blog_augmentation_in_one_line(data):
    # the recipe shifts and crops the frame; the crop is found against the unmoved scene
    train, _ = _split(data, "punch-kick-other", max_train=200)
    method = MobileNet(features="person", backbone="mobilenet-0.25@160x112", augment="blog")
    with pytest.raises(ValueError, match="found against the empty scene"):
        method.fit(train)


def test_augment_grids_only_the_methods_that_can_take_it(capsys):
    from harness.runner import with_augment_grid

    methods = [plugin("methods", name) for name in ("mobilenet", "mobilenet-person")]
    config = with_augment_grid(RunConfig(augment=("blog", "none")), methods)
    assert config.settings == {"mobilenet": {"augment": ["blog", "none"]}}
    assert "leaves mobilenet-person as it is" in capsys.readouterr().err
