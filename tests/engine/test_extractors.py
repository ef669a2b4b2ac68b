"""Extractors: backbones embed raw frames; features are cached per recording (keys complete
by construction), gathered into windows, mirrored, and computed from pixels when timing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness import cache
from harness.api import (
    PersonCrop,
    Recording,
    Silhouette,
    WholeFrame,
    augmentation_refusal,
    augmented_features,
    get_task,
    mirrored_view,
)
from harness.extractors import backbones as features
from harness.files import atomic_save_npy
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
    monkeypatch.setenv("HARNESS_OFFLINE", "1")
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
    first = WholeFrame("mobilenet-0.25").of_recording(recording)
    assert first.shape == (18, 256)
    assert list((cache_dir / "features" / "frame").glob("*.npy"))
    np.testing.assert_allclose(first, keras_backbone.embed(recording.frames), atol=1e-5)


@pytest.mark.deep
def test_sample_features_give_frames_and_windows(keras_backbone, cache_dir):
    recordings = [_recording("a", 0), _recording("b", 1)]
    frames = task_samples(recordings, get_task("posture"))
    extractor = WholeFrame("mobilenet-0.25")
    x = extractor.of_samples(frames)
    assert x.shape == (36, 256)
    np.testing.assert_allclose(x[20], extractor.of_recording(recordings[1])[2])
    windows = Samples(get_task("action"), recordings, np.array([0, 1]), np.array([5, 17]), 4)
    w = extractor.of_samples(windows)
    assert w.shape == (2, 4, 256)
    np.testing.assert_allclose(w[1], extractor.of_recording(recordings[1])[14:18])


@pytest.mark.deep
def test_bypassed_cache_computes_from_pixels_not_from_the_stored_features(
    keras_backbone, cache_dir
):
    recording = _recording("a", 0)
    samples = task_samples([recording], get_task("posture"))
    extractor = WholeFrame("mobilenet-0.25")
    honest = np.array(extractor.of_samples(samples))
    for stored in (cache_dir / "features").rglob("*.npy"):  # tamper with the cache
        atomic_save_npy(stored, np.zeros_like(np.load(stored)))
    assert not extractor.of_samples(samples).any()  # served from the (tampered) cache
    with cache.bypassed():
        live = extractor.of_samples(samples.subset(np.arange(3)))
    np.testing.assert_allclose(live, honest[:3], atol=1e-5)


@pytest.mark.deep
def test_augmented_features_do_not_depend_on_the_fold_and_swap_flipped_labels(
    keras_backbone, cache_dir
):
    recordings = [_recording("a", 0), _recording("b", 1)]
    samples = task_samples(recordings, get_task("posture"))
    extractor = WholeFrame("mobilenet-0.25")
    x, y = augmented_features(samples, extractor, "blog", copies=4, stride=3, seed=5)
    assert x.shape == (2 * 6 * 4, 256) and len(y) == len(x)
    assert {"punch_right", "kick_left"} <= set(y)  # some copies were mirrored
    assert set(y) <= {"stand", "punch_left", "punch_right", "kick_left", "kick_right"}
    only_b = samples.subset(samples.rec == 1)  # another "fold": the same frames, same copies
    xb, yb = augmented_features(only_b, extractor, "blog", copies=4, stride=3, seed=5)
    np.testing.assert_allclose(xb, x[24:], atol=1e-6)
    assert list(yb) == list(y[24:])
    x2, _ = augmented_features(samples, extractor, "blog", copies=4, stride=3, seed=6)
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


#: The TFLite backbone's features of shared/images/grace_hopper.bmp (600x512, RGB),
#: measured once on this tree (ai-edge-litert, OpenCV 4.11): the first 8 of 1024 and the L2
#: norm. The model is uint8, so values are multiples of one output step (0.0235); the test
#: allows two steps. Channels swapped (BGR) moves the first 8 by 1.5, a centre crop instead
#: of the whole frame by 1.2, nearest-neighbour resizing by 0.7.
GRACE_HOPPER_FIRST_8 = [0.0, 0.258813, 0.0, 0.023528, 1.270538, 0.188228, 0.188228, 2.023449]
GRACE_HOPPER_NORM = 33.7666


@pytest.mark.deep
def test_tflite_backbone_matches_its_reference_on_a_real_photo():
    from _plugins import SHARED, require_weights

    require_weights("mobilenet_v1_1.0_224_quant_embedding_extractor.tflite")
    photo = SHARED / "images" / "grace_hopper.bmp"
    if not photo.is_file():
        pytest.skip(f"needs the photo {photo}")
    import cv2

    image = cv2.cvtColor(cv2.imread(str(photo)), cv2.COLOR_BGR2RGB)
    out = features.load_backbone("mobilenet-1.0-tflite").embed(image[None])[0]
    np.testing.assert_allclose(out[:8], GRACE_HOPPER_FIRST_8, atol=0.05)
    assert np.linalg.norm(out) == pytest.approx(GRACE_HOPPER_NORM, abs=0.1)


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


# -- the extractor contract, on the silhouette extractor (no TensorFlow needed) ---------------


def _take(name: str, seed: int, n: int = 12, background: bool = True) -> Recording:
    """A textured scene with a bright block that moves right frame by frame."""
    rng = np.random.default_rng(seed)
    scene = rng.integers(0, 100, (60, 80, 3), np.uint8)
    frames = np.repeat(scene[None], n, axis=0)
    for t in range(n):
        frames[t, 10:50, 5 + 4 * t : 15 + 4 * t] = 240
    labels = ["stand"] * (n // 2) + ["punch_left"] * (n - n // 2)
    return Recording(name, frames, labels, name, background=scene if background else None)


def test_windows_gather_consecutive_frames_of_their_own_take(cache_dir):
    takes = [_take("a", 0), _take("b", 1)]
    extractor = Silhouette()
    windows = Samples(get_task("action"), takes, np.array([0, 1]), np.array([5, 11]), 3)
    w = extractor.of_samples(windows)
    assert w.shape == (2, 3, 700) and w.dtype == np.uint16
    np.testing.assert_array_equal(w[1], extractor.of_recording(takes[1])[9:12])


def test_every_input_of_the_features_is_in_the_cache_key(cache_dir):
    take = _take("a", 0)
    extractor = Silhouette()
    key = extractor.recording_key(take)
    other_scene = Recording("a", take.frames, take.labels, "a", background=take.frames[-1])
    assert extractor.recording_key(other_scene) != key  # the given empty scene
    estimated = Recording("a", take.frames, take.labels, "a")
    assert extractor.recording_key(estimated) != key
    assert Silhouette(background="mog2").recording_key(estimated) != extractor.recording_key(
        estimated
    )  # how the empty scene is estimated
    assert Silhouette(background_frames=10).key != extractor.key  # a parameter
    names = {m.__name__ for m in extractor.code()}
    # the code of everything it calls in the project: its module, the scene estimator, ...
    assert {
        "harness.extractors.silhouette",
        "harness.background",
        "harness.extractors.base",
    } <= names


def test_editing_a_module_the_extractor_calls_changes_its_key(monkeypatch):
    from harness import background

    modules = Silhouette().code()
    before = cache.code_hash(*modules)
    real_read = Path.read_bytes

    def edited(path):  # the scene estimator's file as if someone had edited it
        data = real_read(path)
        return data + b"# edited" if Path(path) == Path(background.__file__) else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert cache.code_hash(*modules) != before


def test_weights_enter_the_key_by_content_not_by_name(tmp_path, monkeypatch):
    name = "mobilenet_2_5_224_tf_no_top.h5"
    for folder, content in (("one", b"weights A"), ("two", b"weights B")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_bytes(content)
    monkeypatch.setenv("HARNESS_WEIGHTS_DIR", str(tmp_path / "one"))
    first = WholeFrame("mobilenet-0.25").key
    monkeypatch.setenv("HARNESS_WEIGHTS_DIR", str(tmp_path / "two"))
    assert WholeFrame("mobilenet-0.25").key != first


def test_a_damaged_cache_entry_is_recomputed(cache_dir):
    take = _take("a", 0)
    extractor = Silhouette()
    good = np.array(extractor.of_recording(take))
    (entry,) = (cache_dir / "features" / "silhouette").glob("*.npy")
    entry.write_bytes(entry.read_bytes()[:100])  # truncated, as by a full disk
    np.testing.assert_array_equal(extractor.of_recording(take), good)


def test_bypassed_features_come_from_pixels_and_equal_the_cached_ones(cache_dir):
    take = _take("a", 0, background=False)  # the estimated scene on both paths
    extractor = Silhouette()
    samples = task_samples([take], get_task("posture"))
    cached = np.array(extractor.of_samples(samples))
    (entry,) = (cache_dir / "features" / "silhouette").glob("*.npy")
    atomic_save_npy(entry, np.zeros_like(np.load(entry)))  # tamper: only the cache is wrong
    with cache.bypassed():
        np.testing.assert_array_equal(extractor.of_samples(samples), cached)
    assert not extractor.of_samples(samples).any()  # and the cached path does read the cache


def test_live_embeds_one_frame_at_a_time_like_the_recording(cache_dir):
    take = _take("a", 0)
    extractor = Silhouette()
    live = extractor.live(take.background)
    one_by_one = np.stack([live(frame) for frame in take.frames])
    np.testing.assert_array_equal(one_by_one, extractor.of_recording(take))
    with pytest.raises(ValueError, match="empty scene"):
        extractor.live(None)


def test_mirrored_view_flips_frames_and_scene_and_swaps_sides_without_copying():
    take = _take("a", 0)
    mirror = mirrored_view(take)
    assert list(mirror.labels[-2:]) == ["punch_right"] * 2
    np.testing.assert_array_equal(mirror.frames[3], take.frames[3][:, ::-1])
    np.testing.assert_array_equal(mirror.background, take.background[:, ::-1])
    assert np.shares_memory(mirror.frames, take.frames)
    assert mirror.fingerprint != take.fingerprint and mirror.subject == take.subject


def test_mirrored_features_without_an_exact_rule_embed_the_mirrored_frames(cache_dir):
    take = _take("a", 0)
    samples = task_samples([take], get_task("posture"))
    mirrored = Silhouette().of_samples(samples, mirrored=True)
    columns = mirrored[:, :400].astype(int)
    direct = Silhouette().of_samples(samples)[:, :400].astype(int)
    np.testing.assert_array_equal(columns, direct[:, ::-1])  # the block seen from the other side


@pytest.mark.deep
def test_person_crop_mirror_rule_matches_embedding_the_mirrored_take(
    keras_backbone, cache_dir, toy_recordings
):
    take = toy_recordings[0]
    extractor = PersonCrop("mobilenet-0.25")
    direct = np.array(extractor.of_recording(take))
    flipped = np.array(extractor.of_recording(mirrored_view(take)))
    # equal up to the crop box's rounding to whole pixels
    width = take.size[1]
    error = np.abs(extractor.mirror(direct, width) - flipped).mean() / np.abs(direct).mean()
    assert error < 0.1, error


def test_frames_for_a_crop_found_against_the_empty_scene_are_not_augmented(toy_recordings):
    # the recipes shift and crop whole frames; the scene the crop is found against does not move
    samples = task_samples(toy_recordings[:1], get_task("punch-binary"))
    assert augmentation_refusal(WholeFrame("mobilenet-0.25")) is None
    with pytest.raises(ValueError, match="found against the empty scene"):
        augmented_features(samples, PersonCrop("mobilenet-0.25@160x112"), "blog", copies=1)
