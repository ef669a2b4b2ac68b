"""Backbones embed raw frames; features are cached per recording and bypassed when timing."""

from __future__ import annotations

import numpy as np
import pytest

from harness import cache, features
from harness.api import Recording, get_task
from harness.samples import Samples, task_samples

LABELS = ["stand"] * 6 + ["punch_left"] * 6 + ["kick_right"] * 6


def _recording(name: str, seed: int, n: int = 18) -> Recording:
    rng = np.random.default_rng(seed)
    frames = rng.integers(0, 255, (n, 60, 80, 3), dtype=np.uint8)
    return Recording(name, frames, LABELS[:n], subject=name)


def test_every_backbone_is_listed_with_its_size_and_weights_file():
    assert set(features.BACKBONES) >= {
        "mobilenet-0.25",
        "mobilenet-0.5",
        "mobilenet-0.75",
        "mobilenet-1.0",
        "mobilenet-1.0-tflite",
    }
    small = features.BACKBONES["mobilenet-0.25"]
    assert (small.input_size, small.dim, small.weights) == (
        (56, 100),
        256,
        "mobilenet_2_5_224_tf_no_top.h5",
    )
    assert features.BACKBONES["mobilenet-1.0-tflite"].input_size == (224, 224)
    assert features.BACKBONES["mobilenet-1.0-tflite"].dim == 1024


def test_a_backbone_without_its_weights_is_unavailable_with_the_file_named(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_WEIGHTS_DIR", str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("HARNESS_ALLOW_DOWNLOAD", raising=False)
    reason = features.backbone_missing_reason("mobilenet-1.0")
    assert "mobilenet_1_0_224_tf_no_top.h5" in reason and "\n" not in reason
    with pytest.raises(FileNotFoundError, match="mobilenet_1_0_224_tf_no_top.h5"):
        features.load_backbone("mobilenet-1.0")


def test_unknown_backbone_is_a_one_line_error():
    with pytest.raises(ValueError, match="unknown backbone 'resnet'; valid: mobilenet-0.25"):
        features.get_spec("resnet")


def test_resize_gives_the_backbone_input_size():
    frames = np.zeros((3, 240, 320, 3), np.uint8)
    assert features.resize(frames, (56, 100)).shape == (3, 56, 100, 3)
    assert features.resize(frames[:, :50, :50], (224, 224)).shape == (3, 224, 224, 3)


# -- with TensorFlow and the weights ------------------------------------------------------


@pytest.fixture(scope="module")
def keras_backbone():
    pytest.importorskip("tensorflow")
    reason = features.backbone_missing_reason("mobilenet-0.25")
    if reason:
        pytest.skip(reason)
    return features.load_backbone("mobilenet-0.25")


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.deep
def test_embed_takes_raw_frames_of_any_size(keras_backbone):
    rng = np.random.default_rng(0)
    for shape in [(1, 240, 320, 3), (4, 56, 100, 3), (2, 30, 40, 3)]:
        out = keras_backbone.embed(rng.integers(0, 255, shape, dtype=np.uint8))
        assert out.shape == (shape[0], 256) and out.dtype == np.float32
    with pytest.raises(ValueError, match="uint8"):
        keras_backbone.embed(np.zeros((1, 56, 100, 3), np.float32))


@pytest.mark.deep
def test_recording_features_are_cached_and_equal_a_fresh_embedding(keras_backbone, cache_dir):
    recording = _recording("a", 0)
    first = features.recording_features(recording, "mobilenet-0.25")
    assert first.shape == (18, 256)
    assert list((cache_dir / "features" / "mobilenet-0.25").glob("*.npy"))
    np.testing.assert_allclose(first, keras_backbone.embed(recording.frames), atol=1e-5)


@pytest.mark.deep
def test_sample_features_give_frames_and_windows(keras_backbone, cache_dir):
    recordings = [_recording("a", 0), _recording("b", 1)]
    frames = task_samples(recordings, get_task("posture"))
    x = features.sample_features(frames, "mobilenet-0.25")
    assert x.shape == (36, 256)
    np.testing.assert_allclose(
        x[20], features.recording_features(recordings[1], "mobilenet-0.25")[2]
    )
    windows = Samples(get_task("action"), recordings, np.array([0, 1]), np.array([5, 17]), 4)
    w = features.sample_features(windows, "mobilenet-0.25")
    assert w.shape == (2, 4, 256)
    np.testing.assert_allclose(
        w[1], features.recording_features(recordings[1], "mobilenet-0.25")[14:18]
    )


@pytest.mark.deep
def test_bypassed_cache_computes_from_pixels_not_from_the_stored_features(
    keras_backbone, cache_dir
):
    recording = _recording("a", 0)
    samples = task_samples([recording], get_task("posture"))
    honest = np.array(features.sample_features(samples, "mobilenet-0.25"))
    for stored in (cache_dir / "features").rglob("*.npy"):  # tamper with the cache
        cache.atomic_save_npy(stored, np.zeros_like(np.load(stored)))
    assert not features.sample_features(samples, "mobilenet-0.25").any()  # served from cache
    with cache.bypassed():
        live = features.sample_features(samples.subset(np.arange(3)), "mobilenet-0.25")
    np.testing.assert_allclose(live, honest[:3], atol=1e-5)


@pytest.mark.deep
def test_augmented_features_do_not_depend_on_the_fold_and_swap_flipped_labels(
    keras_backbone, cache_dir
):
    recordings = [_recording("a", 0), _recording("b", 1)]
    samples = task_samples(recordings, get_task("posture"))
    x, y = features.augmented_features(
        samples, "mobilenet-0.25", "blog", copies=4, stride=3, seed=5
    )
    assert x.shape == (2 * 6 * 4, 256) and len(y) == len(x)
    assert {"punch_right", "kick_left"} <= set(y)  # some copies were mirrored
    assert set(y) <= {"stand", "punch_left", "punch_right", "kick_left", "kick_right"}
    only_b = samples.subset(samples.rec == 1)  # another "fold": the same frames, same copies
    xb, yb = features.augmented_features(
        only_b, "mobilenet-0.25", "blog", copies=4, stride=3, seed=5
    )
    np.testing.assert_allclose(xb, x[24:], atol=1e-6)
    assert list(yb) == list(y[24:])
    x2, _ = features.augmented_features(
        samples, "mobilenet-0.25", "blog", copies=4, stride=3, seed=6
    )
    assert not np.allclose(x2, x)


@pytest.mark.deep
def test_tflite_backbone_gives_the_blogs_1024_features():
    pytest.importorskip("ai_edge_litert")
    reason = features.backbone_missing_reason("mobilenet-1.0-tflite")
    if reason:
        pytest.skip(reason)
    net = features.load_backbone("mobilenet-1.0-tflite")
    out = net.embed(np.random.default_rng(0).integers(0, 255, (2, 240, 320, 3), dtype=np.uint8))
    assert out.shape == (2, 1024) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() > 0  # post-ReLU pooled activations


def test_a_keras_backbone_takes_another_input_size_by_name():
    spec = features.get_spec("mobilenet-0.25@120x160")
    assert (spec.input_size, spec.dim, spec.weights) == (
        (120, 160),
        256,
        "mobilenet_2_5_224_tf_no_top.h5",
    )
    with pytest.raises(ValueError, match="HEIGHTxWIDTH"):
        features.get_spec("mobilenet-0.25@big")
    with pytest.raises(ValueError, match="unknown backbone"):
        features.get_spec("mobilenet-1.0-tflite@100x100")
