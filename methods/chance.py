"""The floor every method must beat: guess labels at the training class frequencies."""

import numpy as np
from sklearn.dummy import DummyClassifier

from harness.api import Method


class Chance(Method):
    """scikit-learn's stratified DummyClassifier: ignores the pixels entirely."""

    name = "chance"
    tasks = ("punch-binary", "punch-kick-other", "posture", "action")
    input = "frame"
    description = "stratified random guess (the floor)"

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, train):
        self.model_ = DummyClassifier(strategy="stratified", random_state=self.random_state)
        self.model_.fit(np.zeros((len(train), 1)), train.y)
        return self

    def predict(self, samples):
        return self.model_.predict(np.zeros((len(samples), 1)))
