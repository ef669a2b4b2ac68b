"""MobileNet transfer learning, as in the 2018 blog: a frozen ImageNet MobileNet v1 turns
each frame into a feature vector, and a small dense head learns the moves from those.

Recipe
------
1. Features of every training frame from the frozen backbone (cached on disk per recording).
2. Augmented copies (the blog's imgaug recipe, label-aware flips) of every n-th training
   frame, cached per recording, so every fold and task reuses them.
3. Head: Dense(1024, relu) -> Dense(1, sigmoid) for ``punch-binary`` (fires at
   ``threshold``, 0.4 in the blog) or Dense(k, softmax) for the other tasks.
4. Predict: the backbone on the raw frame (resize + preprocessing), then the head.

Two presets: ``mobilenet`` (a sound default: Adam 1e-3, cross-entropy, balanced classes,
early stopping on held-out *training* subjects) and ``mobilenet-blog`` (as published:
Adam 1e-6, sigmoid cross-entropy, batch = 10 % of the training set, 50 epochs binary and
500 epochs otherwise, trained on augmented copies only). A third, ``mobilenet-fullframe``,
is the sound preset on the whole 320 x 240 frame: at 100 x 56 a performer is a few pixels
wide, and on mk-synth that input, not the head, limits accuracy most.
"""

from __future__ import annotations

import _mobilenet_head as head
import numpy as np
from sklearn.utils.class_weight import compute_sample_weight

from harness.api import Method
from harness.features import import_tensorflow, load_backbone, sample_features


class MobileNetClassifier(Method):
    """Frozen MobileNet features + a dense head (the sound default preset)."""

    name = "mobilenet"
    tasks = ("punch-binary", "punch-kick-other", "posture")
    requirements = ("tensorflow",)
    weights = ("mobilenet_2_5_224_tf_no_top.h5",)
    description = "frozen MobileNet v1 0.25 features + dense head, Adam 1e-3, early stopping"

    def __init__(
        self,
        *,
        backbone="mobilenet-0.25",
        augment="blog",
        copies=16,
        augment_every=16,
        frame_every=2,
        learning_rate=1e-3,
        loss="crossentropy",
        batch_size=256,
        epochs=100,
        binary_epochs=None,
        balanced=True,
        validation_fraction=0.25,
        patience=5,
        epochs_without_validation=30,
        threshold=0.4,
        fine_tune_blocks=0,
        fine_tune_epochs=2,
        random_state=0,
    ):
        # Every keyword stored unchanged (scikit-learn's contract; get_params reads them).
        for key, value in dict(locals()).items():
            if key != "self":
                setattr(self, key, value)

    def fit(self, train):
        import_tensorflow()
        import keras

        keras.utils.set_random_seed(self.random_state)
        self.classes_ = tuple(train.classes)
        self.positive_ = train.task.positive  # set: a sigmoid head for punch-vs-rest
        fit_part, val_part = head.split_subjects(train, self.validation_fraction, self.random_state)
        x, y = head.training_set(
            fit_part,
            self.backbone,
            augment=self.augment,
            copies=self.copies,
            augment_every=self.augment_every,
            frame_every=self.frame_every,
            seed=self.random_state,
        )
        t = head.targets(y, self.classes_, self.positive_)
        validation = None
        if val_part is not None:
            validation = (
                sample_features(val_part, self.backbone),
                head.targets(val_part.y, self.classes_, self.positive_),
            )
        binary = self.positive_ is not None
        epochs = self.binary_epochs if binary and self.binary_epochs else self.epochs
        if validation is None and self.validation_fraction > 0:  # too few subjects to hold out
            epochs = min(epochs, self.epochs_without_validation)
        self.model_ = head.make_head(x.shape[1], t.shape[1])
        self.epochs_ = head.train_head(
            self.model_,
            x,
            t,
            loss=self.loss,
            learning_rate=self.learning_rate,
            epochs=epochs,
            batch_size=self.batch_size,
            seed=self.random_state,
            weights=compute_sample_weight("balanced", y) if self.balanced else None,
            validation=validation,
            patience=self.patience,
        )
        self.n_train_ = len(x)
        self.forward_ = head.traced_forward(self.model_)
        self.tuned_forward_ = None  # set when the top blocks are fine-tuned on frames
        if self.fine_tune_blocks:
            self.tuned_forward_ = head.fine_tune(
                self.backbone,
                self.model_,
                fit_part,
                self.fine_tune_blocks,
                epochs=self.fine_tune_epochs,
                every=max(1, self.frame_every),
                loss=self.loss,
                seed=self.random_state,
                balanced=self.balanced,
            )
        return self

    def predict_proba(self, samples) -> np.ndarray:
        """Class probabilities, columns in ``samples.classes`` order."""
        if self.tuned_forward_ is not None:  # the tuned backbone: no frozen-feature cache
            out = self.tuned_forward_(samples)
        else:
            out = self.forward_(sample_features(samples, self.backbone))
        if self.positive_ is None:
            return out
        p = out[:, 0]
        return np.stack([p if c == self.positive_ else 1 - p for c in self.classes_], axis=1)

    def predict(self, samples) -> np.ndarray:
        proba = self.predict_proba(samples)
        classes = np.asarray(self.classes_, object)
        if self.positive_ is None:
            return classes[proba.argmax(axis=1)]
        other = next(c for c in self.classes_ if c != self.positive_)
        fires = proba[:, self.classes_.index(self.positive_)] >= self.threshold
        return np.where(fires, self.positive_, other).astype(object)

    def warm_up(self) -> None:
        """Load the backbone and trace both graphs before anything is timed."""
        features = load_backbone(self.backbone).embed(np.zeros((1, 240, 320, 3), np.uint8))
        if hasattr(self, "forward_"):
            self.forward_(features)


class MobileNetBlog(MobileNetClassifier):
    """The blog's published training settings, on the same frozen features."""

    name = "mobilenet-blog"
    tasks = ("punch-binary", "punch-kick-other")  # the two models the blog built
    description = "as published: Adam 1e-6, sigmoid cross-entropy, batch 10 %, 50/500 epochs"

    def __init__(
        self,
        *,
        backbone="mobilenet-0.25",
        augment="blog",
        copies=16,
        augment_every=32,
        frame_every=0,
        learning_rate=1e-6,
        loss="blog-sigmoid",
        batch_size=0.1,
        epochs=500,
        binary_epochs=50,
        balanced=False,
        validation_fraction=0.0,
        patience=5,
        epochs_without_validation=30,
        threshold=0.4,
        fine_tune_blocks=0,
        fine_tune_epochs=2,
        random_state=0,
    ):
        params = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(**params)


class MobileNetFullFrame(MobileNetClassifier):
    """The sound preset on the whole 320 x 240 frame instead of the blog's 100 x 56."""

    name = "mobilenet-fullframe"
    description = "frozen MobileNet v1 0.25 at 240x320 (full webcam frame) + dense head"

    def __init__(
        self,
        *,
        backbone="mobilenet-0.25@240x320",
        augment="none",  # the blog recipe makes 100 x 56 copies, not full frames
        copies=16,
        augment_every=16,
        frame_every=2,
        learning_rate=1e-3,
        loss="crossentropy",
        batch_size=256,
        epochs=100,
        binary_epochs=None,
        balanced=True,
        validation_fraction=0.25,
        patience=5,
        epochs_without_validation=30,
        threshold=0.4,
        fine_tune_blocks=0,
        fine_tune_epochs=2,
        random_state=0,
    ):
        params = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__(**params)
