"""A method whose fit raises: the run must record a failed row and go on."""

from harness.api import Method


class Flaky(Method):
    name = "flaky"
    tasks = ("punch-binary",)

    def fit(self, train):
        raise RuntimeError("flaky fit exploded")

    def predict(self, samples):
        return ["other"] * len(samples)
