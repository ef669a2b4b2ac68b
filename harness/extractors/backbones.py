"""Frozen CNN backbones: raw RGB frames of any size in, one feature vector per frame out.

A backbone does its own resizing and preprocessing, so :meth:`Backbone.embed` is the exact
call a game makes on a webcam frame. Loaded once per process (:func:`load_backbone`);
the extractors in this package cache what they compute with it.

TensorFlow is imported lazily, so this module imports without it; callers check
:func:`backbone_missing_reason` first.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
from dataclasses import dataclass

import cv2
import numpy as np

from harness import weights as weights_resolver
from harness.extractors.runtime import import_tensorflow, quiet_stderr, tflite_interpreter
from harness.recording import as_frame_batch

#: Frames per forward pass when extracting features of a whole recording.
BATCH = 256


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
        with quiet_stderr():  # the first model build logs a CUDA probe failure
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
        self.interpreter = tflite_interpreter(spec.weights)
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
