"""``python -m harness export``: a saved deep model as one TFLite file, checked.

What goes in the file: the frozen Keras backbone (uint8 pixels in, MobileNet's scaling
inside) and the method's Keras head (:meth:`harness.method.Method.keras_head`), so one
``invoke`` maps an input image to the class probabilities. For the person crop the file
embeds the crop and its mirror image and forms ``[f + f_mirror, f - f_mirror]`` as the
extractor does; for window methods it takes the window's images (window, H, W, 3).
What stays outside is the OpenCV step before it, written into the sidecar JSON: the
frame resized to the backbone's input (area filter), or the crop around the performer
found against the empty scene (:func:`harness.extractors.person_crop.person_crop`).

The check: on frames of performers the model never saw (mk-synth rendered with another
seed, by default), the TFLite file's labels are compared with the harness's own
``predict`` (the Keras path, from raw frames, caches off). A disagreement exits 1.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness import cache, discovery
from harness.errors import UsageError
from harness.extractors import PersonCrop, WholeFrame
from harness.extractors.backbones import get_spec, load_backbone, resize
from harness.extractors.person_crop import PlayerFinder, person_crop
from harness.extractors.runtime import import_tensorflow, quiet_stderr
from harness.files import atomic_write_bytes, atomic_write_json
from harness.samples import task_samples

#: Why ``--format tfjs`` is refused. Tried in throw-away venvs (Python 3.11, numpy 1.26): with
#: tensorflow 2.21 pip settles on tensorflowjs 3.18, whose import fails (``np.object``);
#: tensorflowjs 4.22 pulls in tensorflow 2.19 and its import fails too (its ydf dependency
#: needs protobuf >= 6.31, tensorflow 2.19 pins protobuf < 6).
TFJS_MESSAGE = (
    "--format tfjs: the TensorFlow.js converter does not work beside this harness's pins "
    "(tensorflowjs 3.18, the one pip installs beside tensorflow 2.21, fails on import; 4.22 "
    "needs tensorflow 2.19 and fails on import too); use --format tflite"
)
CHECK_FRAMES = 64


@dataclass
class Exported:
    """The written file and its check against the harness's own predictions."""

    path: Path
    checked: int
    agreeing: int
    max_difference: float

    @property
    def ok(self) -> bool:
        return self.agreeing == self.checked

    def line(self) -> str:
        return (
            f"{self.path}: {self.agreeing}/{self.checked} held-out labels as the Keras model's "
            f"(largest probability difference {self.max_difference:.2g})"
        )


def combined_model(method):
    """Backbone and head as one Keras model on uint8 images (see the module docstring)."""
    extractor = getattr(method, "extractor", None)
    head = method.keras_head()
    if head is None or not isinstance(extractor, (WholeFrame, PersonCrop)):
        raise UsageError(f"{method.name}: no Keras backbone and head to export (deep methods only)")
    spec = get_spec(extractor.backbone)
    if spec.kind != "keras":
        raise UsageError(f"{method.name}: backbone {spec.name} is a TFLite file already")
    import_tensorflow()
    import keras

    net = load_backbone(extractor.backbone).model
    # A batch of one, as a game calls it: static shapes let the LSTM become TFLite's own op.
    image = keras.Input((*spec.input_size, 3), batch_size=1, dtype="uint8")
    x = keras.ops.cast(image, "float32") / 127.5 - 1.0  # mobilenet.preprocess_input
    features = net(x)
    if isinstance(extractor, PersonCrop):  # the crop and its mirror image, as embedded
        mirror = net(keras.ops.flip(x, axis=2))
        features = keras.ops.concatenate([features + mirror, features - mirror], axis=-1)
    window = int(getattr(method, "window_", 1))
    if window == 1:
        return keras.Model(image, head(features))
    per_image = keras.Model(image, features)
    images = keras.Input((window, *spec.input_size, 3), batch_size=1, dtype="uint8")
    return keras.Model(images, head(keras.layers.TimeDistributed(per_image)(images)))


def to_tflite(model) -> bytes:
    """The TFLite flatbuffer of a Keras model, its weights folded in as constants.

    Keras 3 models go through the converter's Keras path (a SavedModel behind the
    scenes); a traced function of the model would keep its weights as resource
    variables, which the converter leaves unset (the file then answers NaN).
    """
    tf = import_tensorflow()
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    # The Keras path prints the SavedModel it writes; the converter logs its passes.
    with contextlib.redirect_stdout(io.StringIO()), quiet_stderr():
        return converter.convert()


def model_inputs(method, samples) -> np.ndarray:
    """What the TFLite file takes for each sample: uint8 (N, [window,] H, W, 3)."""
    extractor, size = method.extractor, get_spec(method.extractor.backbone).input_size
    out = []
    for i in range(len(samples)):
        clip = samples.clip(i)
        if isinstance(extractor, PersonCrop):
            # the player found as the live stream finds them, followed through the window
            find = PlayerFinder(extractor.background_of(samples.recording(i)))
            images = np.stack([person_crop(f, find(np.asarray(f)), size) for f in clip])
        else:
            images = resize(np.asarray(clip), size)
        out.append(images if samples.window > 1 else images[0])
    return np.stack(out)


def run_tflite(content: bytes, inputs: np.ndarray) -> np.ndarray:
    """Outputs of the TFLite model on each input, one ``invoke`` per input."""
    from ai_edge_litert.interpreter import Interpreter

    with quiet_stderr():
        interpreter = Interpreter(model_content=content)
        interpreter.allocate_tensors()
    entry = interpreter.get_input_details()[0]["index"]
    exit_ = interpreter.get_output_details()[0]["index"]
    outputs = []
    for one in inputs:
        interpreter.set_tensor(entry, np.ascontiguousarray(one[None]))
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(exit_)[0].copy())
    return np.stack(outputs)


def held_out_samples(model, n: int = CHECK_FRAMES):
    """``n`` samples of the model's task spread over mk-synth rendered with another seed
    than the model's data: performers it never saw."""
    seed = int(model.info["training"].get("seed") or 0) + 1
    plugins = discovery.discover("datasets")
    (dataset,) = discovery.resolve_datasets(("mk-synth",), plugins, "quick", seed)
    samples = task_samples(dataset.load(), model.task, window=model.window)
    return samples.subset(np.linspace(0, len(samples) - 1, n).round().astype(int))


def export_tflite(model, out) -> Exported:
    """Write ``model`` (a :class:`harness.models.SavedModel`) as TFLite to ``out`` with a
    sidecar ``out.json``, and check it (see the module docstring).

    Raises
    ------
    UsageError : the method has no Keras backbone and head.
    """
    method, out = model.method, Path(out)
    content = to_tflite(combined_model(method))
    samples = held_out_samples(model)
    with cache.bypassed():  # the harness's own path from raw frames
        expected = np.asarray(method.predict(samples.without_labels()), object)
        proba = method.proba_of_features(method.features_of(samples))
    outputs = run_tflite(content, model_inputs(method, samples))
    labels = np.asarray(method.decide(outputs), object)
    atomic_write_bytes(out, content)
    atomic_write_json(out.with_name(out.name + ".json"), sidecar(model, samples.window))
    result = Exported(out, len(samples), int((labels == expected).sum()),
                      float(np.abs(outputs - proba).max()))  # fmt: skip
    return result


def sidecar(model, window: int) -> dict:
    """How a game feeds the file and reads its output."""
    method = model.method
    spec = get_spec(method.extractor.backbone)
    person = isinstance(method.extractor, PersonCrop)
    return {
        "model": str(model.folder),
        "method": model.info["method"],
        "input": {
            "shape": [1, *([window] if window > 1 else []), *spec.input_size, 3],
            "dtype": "uint8",
            "pixels": "RGB",
            "image": "the performer's crop found against the empty scene (see "
            "harness/extractors/person_crop.py)"
            if person
            else "the whole frame resized with area interpolation",
        },
        "output": {"classes": [str(c) for c in method.classes_], "probabilities": True},
        "decision": {
            "positive": getattr(method, "positive_", None),
            "threshold": getattr(method, "threshold", None),
            "rule": "positive when its probability >= threshold"
            if getattr(method, "positive_", None)
            else "the most probable class",
        },
    }
