"""The MobileNet family's head: its training set, the Keras dense head and its training loop,
and the optional fine-tuning of the backbone's top blocks.

Not a plugin (the name starts with ``_``); ``methods/mobilenet.py`` imports it.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.model_selection import GroupShuffleSplit
from sklearn.utils.class_weight import compute_sample_weight

from harness.api import (
    augmentation_refusal,
    augmented_features,
    import_tensorflow,
    load_backbone,
    resize,
)

MIN_SUBJECTS_FOR_VALIDATION = 4


def training_set(method, train) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels to fit a head on: original frames (and their mirror images when
    ``method.mirror``), then augmented copies, by the method's parameters:

    ``frame_every``: keep every n-th original frame (0: no originals, as the blog trained
    on its augmented images). ``augment_every``: augment every n-th frame, ``copies`` each
    (consecutive frames at 15 fps are near-duplicates). Both are cached per recording.
    ``augment`` names the recipe; ``random_state`` seeds it.
    """
    augment, copies, frame_every = method.augment, method.copies, method.frame_every
    augment_every, seed = method.augment_every, method.random_state
    refusal = augmentation_refusal(method.extractor)
    if augment != "none" and copies and refusal:  # said before any frame is embedded
        raise ValueError(
            f"augment={augment!r} with features={method.features!r}: {refusal}; use "
            "augment='none' (mirror=True mirrors the crop) or features='frame'"
        )
    parts_x, parts_y = [], []
    if frame_every:
        kept = train.subset(train.end % frame_every == 0)
        x, y, _ = method.training_data(kept, method.mirror)
        parts_x.append(x)
        parts_y.append(y)
    if augment != "none" and copies:
        x, y = augmented_features(train, method.extractor, augment, copies, augment_every, seed)
        parts_x.append(x)
        parts_y.append(y)
    if not parts_x or not sum(len(x) for x in parts_x):
        raise ValueError(
            f"no training data left: frame_every={frame_every}, augment={augment!r}, "
            f"copies={copies}; keep original frames (frame_every >= 1) or augment"
        )
    return np.concatenate(parts_x).astype(np.float32), np.concatenate(parts_y)


def split_subjects(train, fraction: float, seed: int):
    """(fit, validation) Samples with disjoint subjects; validation None with fewer than
    ``MIN_SUBJECTS_FOR_VALIDATION`` training subjects (holding one of two or three out
    starves the fit)."""
    if fraction <= 0 or len(set(train.groups)) < MIN_SUBJECTS_FOR_VALIDATION:
        return train, None
    splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    fit_index, val_index = next(splitter.split(np.zeros(len(train)), groups=train.groups))
    return train.subset(fit_index), train.subset(val_index)


def validation_set(method, part):
    """(features, targets) of the validation subjects ``part`` for ``method``, or None."""
    if part is None:
        return None
    return method.features_of(part), targets(part.y, method.classes_, method.positive_)


def targets(y, classes: tuple[str, ...], positive: str | None) -> np.ndarray:
    """(N, 1) 0/1 targets for a sigmoid head (``positive`` given), else one-hot (N, k)."""
    y = np.asarray(y, object)
    if positive is not None:
        return (y == positive).astype(np.float32)[:, None]
    index = {c: i for i, c in enumerate(classes)}
    return np.eye(len(classes), dtype=np.float32)[[index[label] for label in y]]


def make_head(dim: int, outputs: int, hidden: int = 1024):
    """Dense(hidden, relu) -> Dense(outputs, sigmoid if outputs == 1 else softmax)."""
    import_tensorflow()
    import keras

    last = "sigmoid" if outputs == 1 else "softmax"
    return keras.Sequential(
        [
            keras.Input((dim,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(outputs, activation=last),
        ]
    )


def loss_function(name: str, outputs: int):
    """Per-sample loss ``f(targets, outputs) -> (N,)``: ``crossentropy`` or ``blog-sigmoid``.

    ``blog-sigmoid`` is the published code's ``tf.losses.sigmoidCrossEntropy``: sigmoid
    cross-entropy, which expects logits, given the head's sigmoid or softmax outputs
    (probabilities) as they come.
    """
    tf = import_tensorflow()
    import keras

    if name == "blog-sigmoid":
        return lambda t, p: tf.reduce_mean(
            tf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=p), axis=-1
        )
    if name == "crossentropy":
        return (
            keras.losses.binary_crossentropy
            if outputs == 1
            else keras.losses.categorical_crossentropy
        )
    raise ValueError(f"unknown loss {name!r}; valid: crossentropy, blog-sigmoid")


def train_head(
    model,
    x,
    t,
    *,
    loss: str,
    learning_rate: float,
    epochs: int,
    batch_size,
    seed: int,
    weights=None,
    validation=None,
    patience: int = 5,
) -> tuple[int, int]:
    """Train ``model`` on features ``x`` and targets ``t``; returns (epochs run, batch size).

    ``batch_size``: an int, or a float in (0, 1] for a fraction of the training set (the
    blog used 10 %). With ``validation`` = (x_val, t_val), stops when the validation loss
    has not improved for ``patience`` epochs and keeps the best weights.
    """
    tf = import_tensorflow()
    import keras

    n = len(x)
    batch = max(1, int(round(batch_size * n))) if isinstance(batch_size, float) else int(batch_size)
    weights = np.ones(n, np.float32) if weights is None else np.asarray(weights, np.float32)
    loss_fn = loss_function(loss, t.shape[1])
    optimizer = keras.optimizers.Adam(learning_rate)
    x, t, w = (tf.constant(a) for a in (x, t, weights))

    # One traced step (Keras' fit costs ~2x more per epoch on small heads like this one).
    @tf.function
    def step(index):
        with tf.GradientTape() as tape:
            predicted = model(tf.gather(x, index), training=True)
            weight = tf.gather(w, index)
            per_sample = loss_fn(tf.gather(t, index), predicted)
            value = tf.reduce_sum(per_sample * weight) / tf.reduce_sum(weight)
        grads = tape.gradient(value, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))

    rng = np.random.default_rng(seed)
    best, best_weights, waited, ran = np.inf, None, 0, 0
    for ran in range(1, epochs + 1):  # noqa: B007 - `ran` is the count returned
        order = rng.permutation(n)
        for start in range(0, n, batch):
            step(tf.constant(order[start : start + batch]))
        if validation is None:
            continue
        val_loss = float(
            tf.reduce_mean(loss_fn(validation[1], model(validation[0], training=False)))
        )
        if val_loss < best - 1e-4:
            best, best_weights, waited = val_loss, model.get_weights(), 0
        else:
            waited += 1
            if waited >= patience:
                break
    if best_weights is not None:
        model.set_weights(best_weights)
    return ran, batch


def traced_forward(model):
    """model(x) as a traced function, far cheaper at batch 1 than Keras' ``predict``.

    About 0.2 ms against 25 ms for the dense head, timed by hand once; no benchmark repeats
    that comparison. The whole one-frame predict it serves is timed by
    ``python -m pytest tests/benchmarks/test_mobilenet_latency.py --benchmark-only``.
    """
    tf = import_tensorflow()
    shape, dtype = model.input_shape[1:], model.inputs[0].dtype

    @tf.function(input_signature=[tf.TensorSpec([None, *shape], dtype)])
    def forward(inputs):
        return model(inputs, training=False)

    return lambda inputs: forward(np.asarray(inputs, dtype)).numpy()


def _block_of(layer_name: str) -> int:
    """MobileNet v1's depthwise-separable block (1-13) a layer belongs to; 0 for the stem."""
    match = re.match(r"conv_(?:dw|pw|pad)_(\d+)", layer_name)
    return (
        int(match.group(1)) if match else (0 if layer_name.startswith(("conv1", "input")) else 99)
    )


def fine_tuned_model(backbone: str, head_model, blocks: int):
    """A copy of the Keras ``backbone`` + ``head_model`` on raw uint8 input, top ``blocks`` of
    its 13 blocks trainable; batch normalisation stays frozen, in inference mode."""
    import_tensorflow()
    import keras

    net = load_backbone(backbone)
    if net.spec.kind != "keras":
        raise ValueError(f"fine-tuning needs a Keras backbone; {backbone} is {net.spec.kind}")
    base = keras.models.clone_model(net.model)
    base.set_weights(net.model.get_weights())
    for layer in base.layers:  # frozen batch norm runs in inference mode (Keras rule)
        tunable = not isinstance(layer, keras.layers.BatchNormalization)
        layer.trainable = tunable and _block_of(layer.name) > 13 - blocks
    inputs = keras.Input((*net.input_size, 3), dtype="uint8")
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0)(inputs)  # mobilenet.preprocess_input
    return keras.Model(inputs, head_model(base(x, training=False)))


def frames_forward(model, chunk: int = 256):
    """samples -> outputs of ``model`` (raw uint8 frames in) from the samples' frames, resized
    to the model's input, ``chunk`` frames at a time."""
    forward = traced_forward(model)
    input_size = tuple(model.input_shape[1:3])

    def run(samples) -> np.ndarray:
        parts = [
            forward(
                resize(
                    samples.subset(np.arange(i, min(i + chunk, len(samples)))).frames(), input_size
                )
            )
            for i in range(0, len(samples), chunk)
        ]
        return np.concatenate(parts)

    return run


def fine_tune(method, train, learning_rate: float = 1e-5):
    """Train the top ``method.fine_tune_blocks`` of a copy of the backbone together with the
    fitted head ``method.model_`` on every ``frame_every``-th training frame (originals,
    resized); returns that Keras model (raw uint8 frames at the backbone's size in)."""
    model = fine_tuned_model(method.backbone, method.model_, method.fine_tune_blocks)
    size = load_backbone(method.backbone).input_size
    kept = train.subset(train.end % max(1, method.frame_every) == 0)
    images = np.concatenate(
        [
            resize(kept.subset(np.arange(i, min(i + 256, len(kept)))).frames(), size)
            for i in range(0, len(kept), 256)
        ]
    )
    t = targets(kept.y, kept.classes, kept.task.positive)
    weights = compute_sample_weight("balanced", kept.y) if method.balanced else None
    train_head(
        model,
        images,
        t,
        loss=method.loss,
        learning_rate=learning_rate,
        epochs=method.fine_tune_epochs,
        batch_size=32,
        seed=method.random_state,
        weights=weights,
    )
    return model


def probability_head(model, classes, positive: str | None):
    """``model`` (features -> softmax, or a sigmoid for ``positive``) as a Keras model whose
    output is every class's probability in ``classes`` order, for export."""
    import_tensorflow()
    import keras

    if positive is None:
        return model
    features = keras.Input(model.input_shape[1:])
    p = model(features)  # symbolic: 1 - p is a layer of the new model
    columns = [p if c == positive else 1.0 - p for c in classes]
    return keras.Model(features, keras.layers.Concatenate()(columns))
