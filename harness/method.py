"""The Method contract: what a file in ``methods/`` defines.

A method is a scikit-learn style estimator over :class:`~harness.samples.Samples`. Most
methods are a feature extractor plus a head: subclass :class:`FeatureMethod`, name the
extractor, and write only the head (see its docstring). Methods that read pixels their own
way subclass :class:`Method`.

Must define
-----------
name : ClassVar[str]
    Id used on the command line and in reports (``classic-faithful``).
tasks : ClassVar[tuple[str, ...]]
    The tasks it can be scored on (see :mod:`harness.tasks`).
fit(train) -> self
    Learn from training samples (``train.y`` holds the task labels). Runs on training
    subjects only; anything learned is stored in attributes ending in ``_``.
predict(samples) -> array (N,) of task labels
    ``samples.y`` is None here. Called with one sample for the latency probe: that call is
    the one a game would make, so it must include all per-frame preprocessing.

May define (each has a default here)
------------------------------------
``__init__(self, *, param=default, ...)``
    Keyword hyper-parameters, stored unchanged (``get_params`` reads the signature). A
    ``random_state`` parameter receives the run's seed.
input : ``"frame"`` (default) or ``"clip"`` (windows of the last n frames).
stateful : True if, played live, its labels depend on more than the current window (a
    warm-up guard, a tracker): :meth:`predict_stream` then differs from :meth:`predict`.
presets : named parameter sets, each listed and run as a method of its own (benchopt's
    parameters): ``{"mobilenet-blog": Preset({"learning_rate": 1e-6}, tasks=...)}``.
requirements : importable modules it needs (``("tensorflow",)``).
weights : file names it needs from the weights directory (see :mod:`harness.weights`).
description : one line for ``list`` and the report (default: the class docstring's first).
predict_proba(samples) -> array (N, n_classes), columns in ``samples.classes`` order.
predict_stream(samples) -> labels of consecutive samples of one take, as a game sees them.
stream(background) -> a live :class:`Stream` (``push(frame)`` per camera frame).
explain(samples, i) -> RGB uint8 image of how it decided on sample ``i``, or None.
save(folder) / load(folder) : persistence of the fitted method (see :mod:`harness.persistence`).
weight_files() -> the pretrained weights files the fitted method runs on (named in model.json).
live_view(frame, features, background) -> dict : what ``harness live`` draws beside the move:
    ``keypoints`` (J, 3) in frame pixels and/or a ``panel`` (RGB image).
keras_head() -> a Keras model from one sample's features to class probabilities, for
    ``harness export`` (None: the head is not Keras).
uses_background() -> True if it reads the empty-scene frame.
skip(dataset, task) -> (bool, reason): decline a dataset or task it cannot handle.
warm_up() : untimed call before latency is measured (JIT, graph tracing).
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from harness import persistence
from harness import weights as weights_resolver
from harness.stream import FeatureStream, Stream, align_proba, one_hot


@dataclasses.dataclass(frozen=True)
class Preset:
    """A named parameter set of a method class, run and reported as a method of its own.

    Attributes
    ----------
    params : keyword arguments that differ from the class defaults.
    tasks : the tasks of this preset if they differ from the class's.
    description : one line for ``list`` and the report.
    optional : why it is left out of a run that names no methods ("" : it is run), e.g. it
        reproduces a slow published setting; ``--methods NAME`` still runs it.
    """

    params: dict
    tasks: tuple[str, ...] | None = None
    description: str = ""
    optional: str = ""


class Method(BaseEstimator):
    """Base class of every method plugin; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    tasks: ClassVar[tuple[str, ...]] = ()
    input: ClassVar[str] = "frame"
    stateful: ClassVar[bool] = False
    presets: ClassVar[dict[str, Preset]] = {}
    requirements: ClassVar[tuple[str, ...]] = ()
    weights: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    def fit(self, train):  # pragma: no cover - the contract, overridden by every method
        raise NotImplementedError

    def predict(self, samples) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def predict_proba(self, samples) -> np.ndarray:
        """Class probabilities (N, len(samples.classes)); by default the hard decisions."""
        return one_hot(self.predict(samples), samples.classes)

    def predict_stream(self, samples) -> np.ndarray:
        """Labels of every sample of one take, in order, as a game running live sees them.

        ``samples`` are consecutive frames (or windows ending at consecutive frames) of one
        recording. The default is :meth:`predict`; a method with state across frames (a
        warm-up guard, a tracker) overrides it.
        """
        return self.predict(samples)

    def stream(self, task, window: int = 1, background: np.ndarray | None = None) -> Stream:
        """A live stream for ``task``: ``push(frame)`` per camera frame (see :class:`Stream`).

        ``background`` is the scene taken at start-up, for methods that use one.
        """
        return Stream(self, task, getattr(self, "window_", window), background)

    def explain(self, samples, i: int) -> np.ndarray | None:
        """An RGB uint8 image of how the method decided on sample ``i`` (None: none)."""
        return None

    def uses_background(self) -> bool:
        """True if the method reads the empty-scene frame (estimated when a take has none)."""
        return False

    @classmethod
    def skip(cls, dataset, task) -> tuple[bool, str]:
        """Return (True, reason) to decline ``task`` on ``dataset``."""
        return False, ""

    def warm_up(self) -> None:
        """Untimed preparation before latency is measured."""

    def save(self, folder) -> None:
        """Write the fitted method into the empty folder ``folder``: by default its pickled
        state with joblib, each Keras model among its attributes apart as ``NAME.keras``."""
        persistence.save_state(self, Path(folder))

    @classmethod
    def load(cls, folder) -> Method:
        """The fitted method :meth:`save` wrote; ``__setstate__`` rebuilds what was left out
        of the state (traced functions)."""
        return persistence.load_state(cls, Path(folder))

    def weight_files(self) -> tuple[str, ...]:
        """The pretrained weights files the fitted method runs on."""
        return tuple(self.weights)

    def live_view(self, frame: np.ndarray, features, background) -> dict:
        """Extras to draw live on ``frame``: ``keypoints`` (J, 3) and/or a ``panel`` image.

        ``features`` are the frame's extractor features (None for a plain Method)."""
        return {}

    def keras_head(self):
        """Features -> class probabilities (``classes_`` order) as one Keras model, or None."""
        return None

    def missing_reason(self) -> str:
        """'' if its modules import and its weights are found here, else one line why."""
        for module in self.requirements:
            if importlib.util.find_spec(module) is None:
                return f"needs the Python package {module!r} (pip install it)"
        for filename in self.weights:
            problem = weights_resolver.missing_reason(filename)
            if problem:
                return problem
        return ""


class FeatureMethod(Method):
    """A feature extractor and a head: the engine extracts, caches and windows; you learn.

    Must define: ``extractor`` (a property built from the parameters), ``fit`` (use
    :meth:`training_data`; set ``classes_`` and ``window_``) and either
    :meth:`proba_of_features` or :meth:`predict_features` (both take the extractor's
    features of a batch: (N, *shape) for frames, (N, window, *shape) for windows).
    Everything else (predict, predict_proba, the latency path, streams, warm-up) follows.
    """

    @property
    def extractor(self):  # pragma: no cover - the contract
        raise NotImplementedError

    def features_of(self, samples, mirrored: bool = False) -> np.ndarray:
        return self.extractor.of_samples(samples, mirrored)

    def training_data(self, train, mirror: bool):
        """(x, y, groups) of the training samples, plus their mirror images if ``mirror``
        (labels with ``_left``/``_right`` swapped; mirrors the task cannot label are left
        out)."""
        x, y, groups = self.features_of(train), np.asarray(train.y, object), train.groups
        if mirror:
            y_flip = train.task.mirrored_labels(y)
            keep = np.asarray([label is not None for label in y_flip], bool)
            x = np.concatenate([x, self.features_of(train, mirrored=True)[keep]])
            y = np.concatenate([y, y_flip[keep]])
            groups = np.concatenate([groups, groups[keep]])
        return x, y, groups

    def proba_of_features(self, features: np.ndarray) -> np.ndarray:
        """(N, len(classes_)) probabilities; by default the hard decisions."""
        return one_hot(self.predict_features(features), tuple(self.classes_))

    def predict_features(self, features: np.ndarray) -> np.ndarray:
        """Labels from features; by default :meth:`decide` on :meth:`proba_of_features`."""
        return self.decide(self.proba_of_features(features))

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Labels from probabilities (N, len(classes_)): the most probable class."""
        return np.asarray(self.classes_, object)[np.asarray(proba).argmax(axis=1)]

    def predict(self, samples) -> np.ndarray:
        self._check_window(samples)
        return np.asarray(self.predict_features(self.features_of(samples)), object)

    def predict_proba(self, samples) -> np.ndarray:
        self._check_window(samples)
        proba = self.proba_of_features(self.features_of(samples))
        return align_proba(proba, tuple(self.classes_), samples.classes)

    def _check_window(self, samples) -> None:
        fitted = getattr(self, "window_", samples.window)
        if samples.window != fitted:
            raise ValueError(
                f"{self.name} was fitted on windows of {fitted} frames, got {samples.window}; "
                "use the same --window for fit and predict"
            )

    def uses_background(self) -> bool:
        return self.extractor.needs_background

    def missing_reason(self) -> str:
        return super().missing_reason() or self.extractor.missing_reason()

    def weight_files(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.weights + self.extractor.weights()))

    def live_view(self, frame: np.ndarray, features, background) -> dict:
        """A pose extractor's keypoints are drawn as a skeleton."""
        from harness.extractors.movenet import MoveNetKeypoints  # the extractors load lazily

        return {"keypoints": features} if isinstance(self.extractor, MoveNetKeypoints) else {}

    def stream(self, task, window: int = 1, background: np.ndarray | None = None):
        return FeatureStream(self, task, getattr(self, "window_", window), background)

    def warm_up(self) -> None:
        """Load the extractor's model and trace the head on both batch shapes."""
        blank = np.zeros((240, 320, 3), np.uint8)
        one = self.extractor.live(blank if self.uses_background() else None)(blank)
        window = getattr(self, "window_", 1)
        for n in (1, 32):
            x = np.repeat(one[None], n * window, axis=0)
            x = x.reshape(n, window, *one.shape) if window > 1 else x
            if hasattr(self, "classes_"):
                self.predict_features(x)
