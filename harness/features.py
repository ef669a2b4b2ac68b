"""Frozen CNN backbones and the on-disk cache of their features.

A backbone turns raw RGB frames of any size into one feature vector per frame; it does
its own resizing and preprocessing, so :meth:`Backbone.embed` is the exact call a game
makes on a webcam frame. Features of whole recordings are cached on disk, keyed by the
backbone, its input size, the recording's content fingerprint and this module's code, so
every fold, task, head and method reuses them. Augmented copies are cached the same way
(see :func:`augmented_features`): the augmentation of a frame depends only on the seed,
the recording's fingerprint and the frame's index, never on the fold.

Inside :func:`harness.cache.bypassed` (the latency probe) nothing is looked up: features
are computed from the raw pixels of exactly the frames asked for.

TensorFlow is imported lazily, so this module imports without it; methods check
:func:`backbone_missing_reason` first.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
import os
import sys
from dataclasses import dataclass

import cv2
import numpy as np
from tqdm.auto import tqdm

from harness import augment as augmentation
from harness import cache
from harness import weights as weights_resolver
from harness.labels import swap_sides
from harness.recording import as_frame_batch

# Silence TensorFlow's C++ start-up chatter (set before TensorFlow is first imported).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Frames per forward pass when extracting features of a whole recording.
BATCH = 256
#: Threads for TensorFlow and LiteRT: the machine's cores (2 here); one op at a time.
THREADS = int(os.environ.get("HARNESS_THREADS", os.cpu_count() or 1))


@dataclass(frozen=True)
class BackboneSpec:
    """What a backbone is: its family, weights file, input size (height, width) and output."""

    name: str
    kind: str  # "keras" (MobileNet v1 via keras.applications) or "tflite"
    weights: str
    input_size: tuple[int, int]
    dim: int
    alpha: float = 1.0
    description: str = ""

    @property
    def requirements(self) -> tuple[str, ...]:
        return ("tensorflow",) if self.kind == "keras" else ("ai_edge_litert",)


def _keras_mobilenet(alpha: float, code: str, dim: int) -> BackboneSpec:
    return BackboneSpec(
        f"mobilenet-{alpha:g}" if alpha != 1.0 else "mobilenet-1.0",
        "keras",
        f"mobilenet_{code}_224_tf_no_top.h5",
        (56, 100),  # the blog resized frames to 100 wide x 56 high
        dim,
        alpha,
        f"Keras MobileNet v1 width {alpha:g}, ImageNet, global average pooling, 56x100 input",
    )


#: Every backbone by name.
BACKBONES: dict[str, BackboneSpec] = {
    spec.name: spec
    for spec in (
        _keras_mobilenet(0.25, "2_5", 256),
        _keras_mobilenet(0.5, "5_0", 512),
        _keras_mobilenet(0.75, "7_5", 768),
        _keras_mobilenet(1.0, "1_0", 1024),
        BackboneSpec(
            "mobilenet-1.0-tflite",
            "tflite",
            "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
            (224, 224),
            1024,
            1.0,
            "MobileNet v1 width 1.0 uint8 TFLite cut after pooling: the blog's 1024-d features",
        ),
    )
}


def get_spec(name: str) -> BackboneSpec:
    """The spec of ``name``; a Keras backbone takes another input size as ``name@HxW``
    (``mobilenet-0.25@120x160``)."""
    base, _, size = name.partition("@")
    spec = BACKBONES.get(base)
    if spec is None or (size and spec.kind != "keras"):
        valid = ", ".join(BACKBONES)
        raise ValueError(f"unknown backbone {name!r}; valid: {valid} (Keras ones also @HxW)")
    if not size:
        return spec
    try:
        height, width = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise ValueError(f"backbone {name!r}: write the input size as @HEIGHTxWIDTH") from None
    if min(height, width) < 32:
        raise ValueError(f"backbone {name!r}: MobileNet needs an input of at least 32x32")
    return dataclasses.replace(spec, name=name, input_size=(height, width))


def backbone_missing_reason(name: str) -> str:
    """'' if backbone ``name`` can be loaded here, else one line saying what is missing."""
    spec = get_spec(name)
    for module in spec.requirements:
        if importlib.util.find_spec(module) is None:
            return f"backbone {name} needs the Python package {module!r} (pip install it)"
    return weights_resolver.missing_reason(spec.weights)


def resize(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize uint8 frames (N, H, W, 3) to ``size`` = (height, width); area filter to shrink."""
    height, width = size
    if frames.shape[1:3] == (height, width):
        return np.ascontiguousarray(frames)
    shrink = frames.shape[1] >= height and frames.shape[2] >= width
    interpolation = cv2.INTER_AREA if shrink else cv2.INTER_LINEAR
    return np.stack([cv2.resize(f, (width, height), interpolation=interpolation) for f in frames])


@contextlib.contextmanager
def _quiet_stderr():
    """Hide C-level stderr: TensorFlow logs some lines before its log level applies."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow():
    """Import TensorFlow quietly, with threads set for a small CPU machine."""
    fresh = "tensorflow" not in sys.modules
    with _quiet_stderr() if fresh else contextlib.nullcontext():
        import tensorflow as tf
    tf.get_logger().setLevel("ERROR")  # e.g. retracing notes: each fitted head traces anew
    if not fresh:
        return tf
    with contextlib.suppress(RuntimeError):  # already initialised by someone else
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    return tf


class Backbone:
    """A loaded backbone. ``embed(frames)`` maps uint8 RGB (N, H, W, 3) to float32 (N, dim)."""

    def __init__(self, spec: BackboneSpec):
        self.spec = spec
        self.name = spec.name
        self.dim = spec.dim
        self.input_size = spec.input_size

    def embed(self, frames: np.ndarray) -> np.ndarray:
        """Features of raw frames of any size (resizing and preprocessing included)."""
        frames = as_frame_batch(frames, f"backbone {self.name}")
        if len(frames) == 0:
            return np.zeros((0, self.dim), np.float32)
        parts = [
            self._forward(resize(frames[i : i + BATCH], self.input_size))
            for i in range(0, len(frames), BATCH)
        ]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _forward(self, batch: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class KerasBackbone(Backbone):
    """Keras MobileNet v1 without its top, global average pooling, called via tf.function."""

    def __init__(self, spec: BackboneSpec):
        super().__init__(spec)
        tf = import_tensorflow()
        import keras

        path = weights_resolver.resolve_weights(spec.weights)
        with _quiet_stderr():  # the first model build logs a CUDA probe failure
            self.model = keras.applications.MobileNet(
                input_shape=(*spec.input_size, 3),
                alpha=spec.alpha,
                include_top=False,
                pooling="avg",
                weights=str(path),
            )
        model = self.model

        # model.predict costs ~20-30 ms per call; a traced function costs ~2 ms at batch 1.
        @tf.function(input_signature=[tf.TensorSpec([None, *spec.input_size, 3], tf.uint8)])
        def forward(images):
            x = tf.cast(images, tf.float32) / 127.5 - 1.0  # mobilenet.preprocess_input
            return model(x, training=False)

        self._traced = forward

    def _forward(self, batch: np.ndarray) -> np.ndarray:
        return self._traced(batch).numpy()


class TFLiteBackbone(Backbone):
    """A uint8 TFLite feature extractor run with ai_edge_litert, one frame per invoke."""

    def __init__(self, spec: BackboneSpec):
        super().__init__(spec)
        from ai_edge_litert.interpreter import Interpreter

        path = weights_resolver.resolve_weights(spec.weights)
        with _quiet_stderr():  # LiteRT announces its XNNPACK delegate on stderr
            self.interpreter = Interpreter(model_path=str(path), num_threads=THREADS)
            self.interpreter.allocate_tensors()
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        scale, zero_point = self._output["quantization"]
        self._scale, self._zero_point = (scale or 1.0), zero_point

    def _forward(self, batch: np.ndarray) -> np.ndarray:
        out = np.empty((len(batch), self.dim), np.float32)
        for i, image in enumerate(batch):
            self.interpreter.set_tensor(self._input["index"], image[None])
            self.interpreter.invoke()
            raw = self.interpreter.get_tensor(self._output["index"]).reshape(-1)
            out[i] = (raw.astype(np.float32) - self._zero_point) * self._scale
        return out


@functools.cache
def load_backbone(name: str) -> Backbone:
    """The backbone ``name``, loaded once per process.

    Raises
    ------
    ValueError for an unknown name; FileNotFoundError or ImportError (one line) when its
    weights or packages are missing.
    """
    spec = get_spec(name)
    problem = backbone_missing_reason(name)
    if problem:
        raise FileNotFoundError(problem)
    return KerasBackbone(spec) if spec.kind == "keras" else TFLiteBackbone(spec)


# Cache keys include this: editing how features are computed invalidates them.
_CODE = cache.code_hash(resize, Backbone, KerasBackbone, TFLiteBackbone)


def _feature_key(recording, backbone: str) -> str:
    spec = get_spec(backbone)
    return cache.key_of(backbone, spec.input_size, recording.fingerprint, _CODE)


def _is_cached(namespace: str, key: str) -> bool:
    return (cache.cache_dir() / namespace / f"{key}.npy").is_file()


def recording_features(recording, backbone: str) -> np.ndarray:
    """Features of every frame of ``recording``: float32 (T, dim), cached on disk."""
    return cache.cached_array(
        f"features/{backbone}",
        _feature_key(recording, backbone),
        lambda: load_backbone(backbone).embed(recording.frames),
    )


def _progress(items, what: str):
    return tqdm(items, desc=what, unit="recording", file=sys.stderr, disable=None, leave=False)


def _warm_recordings(recordings, backbone: str) -> None:
    """Compute (and cache) features of the given recordings, with a progress bar."""
    todo = [
        r for r in recordings if not _is_cached(f"features/{backbone}", _feature_key(r, backbone))
    ]
    for recording in _progress(todo, f"features {backbone}") if len(todo) > 1 else todo:
        recording_features(recording, backbone)


def sample_features(samples, backbone: str) -> np.ndarray:
    """Features of ``samples``: (N, dim) for frame samples, (N, window, dim) for windows.

    Read from the per-recording cache; inside :func:`harness.cache.bypassed` computed from
    the raw pixels of exactly these samples instead (the latency probe's path).
    """
    window = samples.window
    if cache.is_bypassed():
        net = load_backbone(backbone)
        if window == 1:
            return net.embed(samples.frames())
        clips = np.stack([samples.clip(i) for i in range(len(samples))])
        flat = net.embed(clips.reshape(-1, *clips.shape[2:]))
        return flat.reshape(len(samples), window, -1)
    used = np.unique(samples.rec)
    _warm_recordings([samples.recordings[r] for r in used], backbone)
    dim = get_spec(backbone).dim
    out = np.empty((len(samples), window, dim), np.float32)
    offsets = np.arange(-window + 1, 1)
    for r in used:
        mask = samples.rec == r
        feats = recording_features(samples.recordings[r], backbone)
        out[mask] = feats[samples.end[mask][:, None] + offsets[None, :]]
    return out[:, 0] if window == 1 else out


def augmented_recording_features(
    recording, backbone: str, recipe: str, copies: int, stride: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Features of augmented copies of every ``stride``-th frame of ``recording``.

    Returns
    -------
    features : float32 (ceil(T / stride), copies, dim), cached on disk.
    flipped : bool (ceil(T / stride), copies): which copies were mirrored.
    """
    index = np.arange(0, len(recording), stride)
    keys = augmentation.frame_keys(recording.fingerprint, index)
    spec = get_spec(backbone)
    # Copies are made at a Keras backbone's own input size (56x100 is the blog's anyway).
    size = spec.input_size if spec.kind == "keras" else None

    def compute() -> np.ndarray:
        net = load_backbone(backbone)
        out = np.empty((len(index), copies, net.dim), np.float32)
        for start in range(0, len(index), 16):  # 16 frames x copies per forward pass
            chunk = slice(start, start + 16)
            images, _ = augmentation.augment(
                np.asarray(recording.frames[index[chunk]]),
                None,
                recipe,
                copies=copies,
                seed=seed,
                keys=keys[chunk],
                size=size,
            )
            out[chunk] = net.embed(images).reshape(-1, copies, net.dim)
        return out

    key = cache.key_of(
        _feature_key(recording, backbone), recipe, copies, stride, seed, augmentation.CODE
    )
    features = cache.cached_array(f"augmented/{backbone}", key, compute)
    return features, augmentation.flip_flags(recipe, copies, seed, keys)


def augmented_features(
    samples,
    backbone: str,
    recipe: str = "blog",
    copies: int | None = None,
    stride: int = 4,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Features and task labels of augmented copies of the training ``samples``.

    Only samples whose frame index is a multiple of ``stride`` are augmented (consecutive
    frames at 15 fps are near-duplicates); each gives ``copies`` copies. Mirrored copies get
    their ``_left``/``_right`` label swapped before it is mapped onto the task.

    Returns
    -------
    X : float32 (M, dim); y : object (M,) task labels. Empty for the recipe ``none``.
    """
    copies = augmentation.RECIPES[recipe].copies if copies is None else copies
    dim = get_spec(backbone).dim
    if augmentation.RECIPES[recipe].is_identity or copies == 0:
        return np.zeros((0, dim), np.float32), np.zeros(0, object)
    if samples.window != 1:
        raise ValueError("augmented_features serves frame samples only")
    chosen = samples.end % stride == 0
    used = np.unique(samples.rec[chosen])
    xs, ys = [], []
    todo = [samples.recordings[r] for r in used]
    for r, recording in zip(used, _progress(todo, f"augment {recipe} + {backbone}"), strict=True):
        frames = samples.end[chosen & (samples.rec == r)]
        features, flipped = augmented_recording_features(
            recording, backbone, recipe, copies, stride, seed
        )
        rows = frames // stride
        fine = np.repeat(recording.labels[frames][:, None], copies, axis=1)
        fine = np.where(flipped[rows], swap_sides(fine.ravel()).reshape(fine.shape), fine)
        xs.append(np.asarray(features[rows]).reshape(-1, dim))
        ys.append(np.asarray([samples.task.map_label(label) for label in fine.ravel()], object))
    if not xs:
        return np.zeros((0, dim), np.float32), np.zeros(0, object)
    return np.concatenate(xs), np.concatenate(ys)
