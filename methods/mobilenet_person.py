"""MobileNet transfer learning on a crop around the performer instead of the whole frame.

The whole-frame thumbnail mostly describes the room; the performer is a few pixels wide.
Here each frame is cut down to the performer (found by differencing with the empty scene,
see ``_crops.py``), resized to a portrait input that suits a standing person, and embedded
together with its mirror image as ``[f(crop) + f(mirror), f(crop) - f(mirror)]``: posture
and side kept apart.

Recipe
------
1. Crop + mirror features of every frame from the frozen MobileNet v1 0.25 (cached on
   disk per recording).
2. With ``mirror``, every training frame is also learned mirrored: its features are exact
   and free (the antisymmetric half changes sign), its label has left and right swapped.
3. The ``mobilenet`` preset's head and recipe: Dense(1024, relu) -> sigmoid / softmax,
   Adam 1e-3, balanced classes, early stopping on held-out *training* subjects.
4. Predict: person box, crop, two backbone passes, head -- from the raw frame when caches
   are bypassed (what a game does per frame, and what the latency probe times).

Crop size by held-out measurement (mk-synth full, 5 subject folds, punch-kick-other
macro-F1): 96x72 0.82, 128x96 0.85, 160x112 0.88; mirrored training +0.03 (0.85 vs 0.82
at 128x96). Latency is about the same at these sizes (two small backbone calls dominate).
"""

from __future__ import annotations

import _crops
import _mobilenet_head as head
import numpy as np
from mobilenet import MobileNetClassifier
from sklearn.utils.class_weight import compute_sample_weight

from harness.api import swap_sides
from harness.features import import_tensorflow, load_backbone


def person_features(samples, backbone: str) -> np.ndarray:
    """(N, 2 * dim) crop + mirror features of frame samples (raw pixels when bypassed)."""
    return _crops.window_crop_features(samples, backbone)[:, -1]


def mirrored_training_set(x: np.ndarray, y: np.ndarray, task) -> tuple[np.ndarray, np.ndarray]:
    """``x, y`` plus their mirror images, with ``_left`` and ``_right`` labels swapped."""
    y_flip = np.asarray([task.map_label(label) for label in swap_sides(y)], object)
    return np.concatenate([x, _crops.mirror_features(x)]), np.concatenate([y, y_flip])


class MobileNetPerson(MobileNetClassifier):
    """Frozen MobileNet features of the performer's crop and its mirror + a dense head."""

    name = "mobilenet-person"
    tasks = ("punch-binary", "punch-kick-other", "posture")
    needs_background = True  # estimated from the take when a source has none
    requirements = ("tensorflow",)
    weights = ("mobilenet_2_5_224_tf_no_top.h5",)
    description = "frozen MobileNet v1 0.25 on a 160x112 crop around the performer + mirror"

    def __init__(
        self,
        *,
        backbone="mobilenet-0.25@160x112",
        mirror=True,
        frame_every=2,
        learning_rate=1e-3,
        loss="crossentropy",
        batch_size=256,
        epochs=100,
        balanced=True,
        validation_fraction=0.25,
        patience=5,
        epochs_without_validation=30,
        threshold=0.4,
        random_state=0,
    ):
        for key, value in dict(locals()).items():
            if key not in ("self", "__class__"):
                setattr(self, key, value)

    def fit(self, train):
        import_tensorflow()
        import keras

        keras.utils.set_random_seed(self.random_state)
        self.classes_ = tuple(train.classes)
        self.positive_ = train.task.positive  # set: a sigmoid head for punch-vs-rest
        fit_part, val_part = head.split_subjects(train, self.validation_fraction, self.random_state)
        kept = fit_part.subset(fit_part.end % max(1, self.frame_every) == 0)
        x, y = person_features(kept, self.backbone), np.asarray(kept.y, object)
        if self.mirror:
            x, y = mirrored_training_set(x, y, train.task)
        validation, epochs = None, self.epochs
        if val_part is not None:
            validation = (
                person_features(val_part, self.backbone),
                head.targets(val_part.y, self.classes_, self.positive_),
            )
        elif self.validation_fraction > 0:  # too few subjects to hold out
            epochs = min(epochs, self.epochs_without_validation)
        t = head.targets(y, self.classes_, self.positive_)
        self.model_ = head.make_head(x.shape[1], t.shape[1])
        self.epochs_ = head.train_head(
            self.model_,
            x.astype(np.float32),
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
        self.tuned_forward_ = None  # no fine-tuning here; predict_proba reads it
        return self

    def predict_proba(self, samples) -> np.ndarray:
        """Class probabilities, columns in ``samples.classes`` order."""
        out = self.forward_(person_features(samples, self.backbone))
        if self.positive_ is None:
            return out
        p = out[:, 0]
        return np.stack([p if c == self.positive_ else 1 - p for c in self.classes_], axis=1)

    def warm_up(self) -> None:
        """Load the backbone and trace both graphs before anything is timed."""
        net = load_backbone(self.backbone)
        blank = np.zeros((240, 320, 3), np.uint8)
        features = _crops.embed_frames(blank[None], blank, net)
        if hasattr(self, "forward_"):
            self.forward_(features)
