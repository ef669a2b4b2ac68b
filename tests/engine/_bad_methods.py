"""A method file whose methods fail in every way a plugin can (crash, exit, hang, answer
nonsense), beside an honest one: the fault tests of every executor write it to a folder."""

BAD_METHODS = """
import os, signal, sys, time
from harness.api import Method

class _Answer(Method):
    tasks = ("punch-binary",)
    def fit(self, train):
        self.answer_ = train.y[0]
        return self
    def predict(self, samples):
        return [self.answer_] * len(samples)

class Crasher(_Answer):
    name = "crasher"
    def fit(self, train):
        os.kill(os.getpid(), signal.SIGSEGV)

class Quitter(_Answer):
    name = "quitter"
    def fit(self, train):
        sys.exit(3)

class Sleeper(_Answer):
    name = "sleeper"
    def fit(self, train):
        time.sleep(600)

class Stray(_Answer):
    name = "stray"
    def predict(self, samples):
        return ["banana"] * len(samples)

class Nothing(_Answer):
    name = "nothing"
    def predict(self, samples):
        return [None] * len(samples)

class Short(_Answer):
    name = "short"
    def predict(self, samples):
        return ["other"] * (len(samples) + 1)

class Honest(_Answer):
    name = "honest"
"""
