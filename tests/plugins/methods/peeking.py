"""A method that cheats: its predict reads the truth of the takes it is asked about.

The contract suite must catch it (the runner hands ``predict`` blind takes)."""

import numpy as np

from harness.api import Method


class Peeking(Method):
    name = "peeking"
    tasks = ("punch-binary", "punch-kick-other", "posture")

    def fit(self, train):
        self.classes_ = train.classes
        return self

    def predict(self, samples):
        truth = [
            samples.task.map_label(samples.recording(i).labels[samples.end[i]])
            for i in range(len(samples))
        ]
        return np.asarray([label or self.classes_[0] for label in truth], dtype=object)
