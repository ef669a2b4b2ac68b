"""The Method contract: what a file in ``methods/`` defines.

A method is a scikit-learn style estimator over :class:`~harness.samples.Samples`.

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

May define
----------
``__init__(self, *, param=default, ...)``
    Keyword hyper-parameters, stored unchanged (``get_params`` reads the signature). A
    ``random_state`` parameter receives the run's seed.
input : ``"frame"`` (default) or ``"clip"``.
needs_background : True if it uses the empty-scene frame.
requirements : importable modules it needs (``("tensorflow",)``).
weights : file names it needs from the weights directory (see :mod:`harness.weights`).
predict_proba(samples) -> array (N, n_classes) in ``samples.classes`` order.
skip(dataset, task) -> (bool, reason) : decline a dataset or task it cannot handle.
warm_up() : untimed call before latency is measured (JIT, graph tracing).
"""

from __future__ import annotations

import importlib.util
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from harness import weights as weights_resolver


class Method(BaseEstimator):
    """Base class of every method plugin; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    tasks: ClassVar[tuple[str, ...]] = ()
    input: ClassVar[str] = "frame"
    needs_background: ClassVar[bool] = False
    requirements: ClassVar[tuple[str, ...]] = ()
    weights: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    def fit(self, train):  # pragma: no cover - the contract, overridden by every method
        raise NotImplementedError

    def predict(self, samples) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def skip(cls, dataset, task) -> tuple[bool, str]:
        """Return (True, reason) to decline ``task`` on ``dataset``."""
        return False, ""

    def warm_up(self) -> None:
        """Untimed preparation before latency is measured."""

    @classmethod
    def availability(cls) -> tuple[bool, str]:
        """(True, "") if its modules import and its weights are found, else the reason."""
        for module in cls.requirements:
            if importlib.util.find_spec(module) is None:
                return False, f"needs the Python package {module!r} (pip install it)"
        for filename in cls.weights:
            problem = weights_resolver.missing_reason(filename)
            if problem:
                return False, problem
        return True, ""
