"""MobileNet transfer learning, as in the 2018 blog: a frozen ImageNet MobileNet v1 turns
each frame into a feature vector, and a small dense head learns the moves from those.

Recipe
------
1. Features of every training frame from the frozen backbone (the engine's extractor:
   the whole frame, or a crop around the performer and its mirror image; cached).
2. With ``mirror``, every training frame is also learned mirrored (label sides swapped);
   with ``augment``, augmented copies (the blog's imgaug recipe, label-aware flips) of
   every n-th training frame, cached per recording, so every fold and task reuses them.
3. Head: Dense(1024, relu) -> Dense(1, sigmoid) for ``punch-binary`` (fires at
   ``threshold``, 0.4 in the blog) or Dense(k, softmax) for the other tasks.
4. Predict: the backbone on the raw frame (crop, resize and preprocessing), then the head.

Presets: ``mobilenet`` (sound: Adam 1e-3, cross-entropy, balanced classes, early stopping
on held-out *training* subjects, the blog's 100 x 56 input); ``mobilenet-blog`` (as
published: Adam 1e-6, sigmoid loss, batch = 10 %, 50/500 epochs, augmented copies only);
``mobilenet-fullframe`` (the whole 320 x 240 frame: at 100 x 56 a performer is a few
pixels wide); ``mobilenet-person`` (a 160 x 112 crop around the performer, mirrored).

Measured (mk-synth full, 5 leave-subjects-out folds, punch-kick-other macro-F1;
``python -m harness run --methods mobilenet,mobilenet-blog,mobilenet-fullframe,mobilenet-person
--tasks punch-kick-other --weights-dir ../shared/weights``): mobilenet 0.53, mobilenet-blog
0.29 (always "other"), mobilenet-fullframe 0.80, mobilenet-person 0.88 (its crop sizes and
mirroring, measured with their command: :mod:`harness.extractors.person_crop`).
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_sample_weight

from harness.api import FeatureMethod, PersonCrop, Preset, WholeFrame, import_tensorflow

from . import _mobilenet_head as head


class MobileNetClassifier(FeatureMethod):
    """Frozen MobileNet features + a dense head (the sound default preset)."""

    name = "mobilenet"
    tasks = ("punch-binary", "punch-kick-other", "posture")
    requirements = ("tensorflow",)
    description = "frozen MobileNet v1 0.25 features + dense head, Adam 1e-3, early stopping"
    presets = {
        "mobilenet-blog": Preset(
            dict(
                augment_every=32,
                frame_every=0,
                learning_rate=1e-6,
                loss="blog-sigmoid",
                batch_size=0.1,
                epochs=500,
                binary_epochs=50,
                balanced=False,
                validation_fraction=0.0,
            ),
            tasks=("punch-binary", "punch-kick-other"),  # the two models the blog built
            description="as published: Adam 1e-6, sigmoid cross-entropy, batch 10 %, 50/500 epochs",
            optional="the blog's published settings train 500 epochs (~100 s per fold) to "
            "always answer 'other'; run it with --methods mobilenet-blog",
        ),
        "mobilenet-fullframe": Preset(
            # the blog recipe makes 100 x 56 copies, not full frames
            dict(backbone="mobilenet-0.25@240x320", augment="none"),
            description="frozen MobileNet v1 0.25 at 240x320 (full webcam frame) + dense head",
        ),
        "mobilenet-person": Preset(
            dict(features="person", backbone="mobilenet-0.25@160x112", mirror=True, augment="none"),
            description="frozen MobileNet v1 0.25 on a 160x112 crop around the performer + mirror",
        ),
    }

    def __init__(
        self,
        *,
        features="frame",
        backbone="mobilenet-0.25",
        mirror=False,
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

    @property
    def extractor(self):
        if self.features not in ("frame", "person"):
            raise ValueError(
                f"mobilenet: features must be 'frame' or 'person', not {self.features!r}"
            )
        return (PersonCrop if self.features == "person" else WholeFrame)(self.backbone)

    def fit(self, train):
        import_tensorflow()
        import keras

        keras.utils.set_random_seed(self.random_state)
        self.classes_ = tuple(train.classes)
        self.positive_ = train.task.positive  # set: a sigmoid head for punch-vs-rest
        self.window_ = 1
        fit_part, val_part = head.split_subjects(train, self.validation_fraction, self.random_state)
        x, y = head.training_set(self, fit_part)
        t = head.targets(y, self.classes_, self.positive_)
        validation = head.validation_set(self, val_part)
        binary = self.positive_ is not None
        epochs = self.binary_epochs if binary and self.binary_epochs else self.epochs
        if validation is None and self.validation_fraction > 0:  # too few subjects to hold out
            epochs = min(epochs, self.epochs_without_validation)
        self.model_ = head.make_head(x.shape[1], t.shape[1])
        self.epochs_, self.batch_size_ = head.train_head(
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
        # with fine_tune_blocks, a copy of the backbone and the head tuned together on frames
        self.tuned_model_ = head.fine_tune(self, fit_part) if self.fine_tune_blocks else None
        return self._traced()

    def _traced(self):
        """Build the traced forward passes (after fit and after loading: they do not pickle)."""
        self.forward_ = head.traced_forward(self.model_)
        tuned = self.tuned_model_
        self.tuned_forward_ = tuned if tuned is None else head.frames_forward(tuned)
        return self

    def __getstate__(self):
        state = super().__getstate__()
        return {k: v for k, v in state.items() if k not in ("forward_", "tuned_forward_")}

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in state:
            self._traced()

    def keras_head(self):
        """The dense head (None when fine-tuned: no frozen backbone feeds it any more)."""
        if self.tuned_model_ is None:
            return head.probability_head(self.model_, self.classes_, self.positive_)

    def _expand(self, out: np.ndarray) -> np.ndarray:
        """A sigmoid head's output as the probabilities of both classes."""
        if self.positive_ is None:
            return out
        p = out[:, 0]
        return np.stack([p if c == self.positive_ else 1 - p for c in self.classes_], axis=1)

    def proba_of_features(self, features: np.ndarray) -> np.ndarray:
        return self._expand(self.forward_(features))

    def predict_proba(self, samples) -> np.ndarray:
        if self.tuned_forward_ is not None:  # the tuned backbone: no frozen-feature cache
            return self._expand(self.tuned_forward_(samples))
        return super().predict_proba(samples)

    def predict(self, samples) -> np.ndarray:
        if self.tuned_forward_ is not None:
            return self.decide(self.predict_proba(samples))
        return super().predict(samples)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """The most probable class; a binary head fires at ``threshold`` (the blog's 0.4)."""
        classes = np.asarray(self.classes_, object)
        if self.positive_ is None:
            return classes[proba.argmax(axis=1)]
        other = next(c for c in self.classes_ if c != self.positive_)
        fires = proba[:, self.classes_.index(self.positive_)] >= self.threshold
        return np.where(fires, self.positive_, other).astype(object)
