"""The CNN + LSTM action method: window features, mirroring, fit on held-out subjects, streaming."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.metrics import f1_score

from harness import discovery
from harness.api import Recording, get_task
from harness.samples import task_samples
from harness.splits import in_subjects, subject_folds

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "methods"))  # the plugin's helper module, as discovery allows
import _crops  # noqa: E402
import _sequence  # noqa: E402

MobileNetLSTM = discovery.load_class(
    "methods", REPO / "methods" / "mobilenet_lstm.py", "mobilenet-lstm"
)
ACTION = get_task("action")


def test_prepare_standardises_and_appends_frame_differences():
    features = np.asarray([[[1.0, 2.0], [3.0, 2.0], [6.0, 0.0]]], np.float32)  # (1, 3, 2)
    x = _sequence.prepare(features, np.zeros(2), np.full(2, 2.0), deltas=True)
    assert x.shape == (1, 3, 4)
    np.testing.assert_allclose(x[0, :, :2], features[0] / 2)
    np.testing.assert_allclose(x[0, :, 2:], [[0, 0], [1, 0], [1.5, -1]])
    assert _sequence.prepare(features, 0, 1, deltas=False).shape == (1, 3, 2)


def test_mirrored_take_flips_frames_and_swaps_sides_without_copying():
    frames = np.zeros((2, 4, 6, 3), np.uint8)
    frames[:, :, 0] = 255  # a bright left image column
    take = Recording("t", frames, ["punch_left", "roundhouse_kick_right"], "s1")
    mirror = _sequence.mirrored(take)
    assert list(mirror.labels) == ["punch_right", "roundhouse_kick_left"]
    assert (mirror.frames[:, :, -1] == 255).all() and (mirror.frames[:, :, 0] == 0).all()
    assert np.shares_memory(mirror.frames, take.frames)
    assert mirror.fingerprint != take.fingerprint and mirror.subject == "s1"


def test_parameters_are_stored_unchanged():
    method = MobileNetLSTM(units=16, epochs=3, mirror=False)
    assert method.get_params()["units"] == 16 and method.get_params()["mirror"] is False


# -- fitting (TensorFlow and the MobileNet weights) -----------------------------------------


def _require_deep():
    pytest.importorskip("tensorflow")
    available, reason = MobileNetLSTM.availability()
    if not available:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def fitted(toy_recordings):
    """A small fit on the engine's toy dataset (block figures), first fold's subjects."""
    _require_deep()
    samples = task_samples(toy_recordings, ACTION, window=8)
    train_subjects, test_subjects = subject_folds(samples.groups, 3, seed=0)[0]
    train = samples.subset(in_subjects(samples, train_subjects))
    test = samples.subset(in_subjects(samples, test_subjects))
    method = MobileNetLSTM(epochs=15, units=32, random_state=0).fit(train)
    return method, train, test, toy_recordings


def _chance_f1(train, test) -> float:
    dummy = DummyClassifier(strategy="stratified", random_state=0)
    guessed = dummy.fit(np.zeros((len(train), 1)), train.y).predict(np.zeros((len(test), 1)))
    return f1_score(list(test.y), list(guessed), average="macro")


@pytest.mark.deep
def test_tiny_fit_beats_a_stratified_dummy_on_held_out_subjects(fitted):
    method, train, test, _ = fitted
    predicted = method.predict(test.without_labels())
    assert set(predicted) <= set(ACTION.classes)
    ours = f1_score(list(test.y), list(predicted), average="macro")
    assert ours > _chance_f1(train, test) + 0.1, ours


@pytest.mark.deep
@pytest.mark.slow
def test_leave_one_subject_out_on_mk_synth_quick_beats_a_stratified_dummy():
    # mk-synth quick has one take of each of 4 people: three performers are very little to
    # learn 11 moves from, so this asks only for better than chance, pooled over folds.
    _require_deep()
    path = REPO / "datasets" / "mk_synth.py"
    if not path.exists():
        pytest.skip("datasets/mk_synth.py is not in this checkout")
    recordings = discovery.load_class("datasets", path, "mk-synth")(
        arg="clean", profile="quick", seed=0
    ).load()
    samples = task_samples(recordings, ACTION, window=8)
    truth, ours, chance = [], [], []
    for train_subjects, test_subjects in subject_folds(samples.groups, 4, seed=0):
        train = samples.subset(in_subjects(samples, train_subjects))
        test = samples.subset(in_subjects(samples, test_subjects))
        method = MobileNetLSTM(validation_fraction=0, epochs=12, random_state=0).fit(train)
        truth += list(test.y)
        ours += list(method.predict(test.without_labels()))
        dummy = DummyClassifier(strategy="stratified", random_state=0)
        chance += list(dummy.fit(np.zeros((len(train), 1)), train.y).predict(test.y[:, None]))
    assert f1_score(truth, ours, average="macro") > f1_score(truth, chance, average="macro")


@pytest.mark.deep
def test_predict_proba_columns_follow_the_task_classes(fitted):
    method, _, test, _ = fitted
    some = test.subset(np.arange(5)).without_labels()
    proba = method.predict_proba(some)
    assert proba.shape == (5, len(ACTION.classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-4)
    assert list(np.asarray(ACTION.classes)[proba.argmax(axis=1)]) == list(method.predict(some))


@pytest.mark.deep
def test_streaming_a_take_equals_pushing_its_frames_one_by_one(fitted):
    method, _, _, recordings = fitted
    take = recordings[-1]
    frames = take.frames[:40]
    short = Recording("short", np.ascontiguousarray(frames), take.labels[:40], take.subject)
    batched = method.predict_stream(short)
    stream = method.stream(short)
    live = [stream.push(frame) for frame in short.frames]
    assert batched[: method.window_ - 1].tolist() == [None] * (method.window_ - 1)
    assert list(batched) == live


@pytest.mark.deep
def test_one_window_from_raw_pixels_matches_the_cached_features(fitted):
    from harness import cache

    method, _, test, _ = fitted
    some = test.subset(np.arange(0, len(test), max(1, len(test) // 4))).without_labels()
    cached = method.predict_proba(some)
    with cache.bypassed():  # the latency probe's path: crops and embeddings recomputed
        live = np.concatenate([method.predict_proba(some.subset([i])) for i in range(len(some))])
    np.testing.assert_allclose(live, cached, atol=1e-4)


@pytest.mark.deep
def test_mirror_features_are_the_features_of_the_mirrored_take(fitted):
    _, _, _, recordings = fitted
    take = recordings[0]
    short = Recording(
        "short",
        np.ascontiguousarray(take.frames[:12]),
        take.labels[:12],
        take.subject,
        background=take.background,
    )
    flipped = Recording(
        "flipped",
        np.ascontiguousarray(short.frames[:, :, ::-1]),
        short.labels,
        take.subject,
        background=np.ascontiguousarray(take.background[:, ::-1]),
    )
    direct = _crops.recording_crop_features(short, "mobilenet-0.25")
    mirror = _crops.recording_crop_features(flipped, "mobilenet-0.25")
    # equal up to the crop box's rounding to whole pixels
    error = np.abs(_crops.mirror_features(direct) - mirror).mean() / np.abs(direct).mean()
    assert error < 0.1, error


@pytest.mark.deep
def test_a_fitted_method_copies_and_predicts_the_same(fitted):
    method, _, test, _ = fitted
    some = test.subset(np.arange(20)).without_labels()
    method.predict(some)  # builds the traced forward pass, which must not be copied
    twin = copy.deepcopy(method)
    assert list(twin.predict(some)) == list(method.predict(some))


@pytest.mark.deep
def test_windows_of_another_length_are_refused(fitted):
    method, _, _, recordings = fitted
    other = task_samples(recordings[:1], ACTION, window=4)
    with pytest.raises(ValueError, match="windows of 8 frames"):
        method.predict_proba(other.without_labels())
