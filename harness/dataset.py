"""The Dataset contract: what a file in ``datasets/`` defines.

Must define
-----------
name : ClassVar[str]
    Id used with ``--dataset`` (``mk-synth``).
load() -> list[Recording]
    The recordings, with labels already mapped onto the taxonomy of :mod:`harness.labels`.

May define
----------
tasks : the tasks its labels serve (default: all four).
variants : named variants (``clean``, ``shadow``, ...); the first is the default. The
    variant arrives as ``arg`` (``--dataset mk-synth:shadow``).
needs_path : True if ``arg`` is a folder or file the user must give
    (``--dataset folders:/data/blog``).
version : changes whenever the data it yields changes; reports name it.
requirements : importable modules it needs.
describe() -> dict : facts for the report (counts, source, version).
"""

from __future__ import annotations

import importlib.util
from typing import ClassVar

from harness.tasks import TASKS


class Dataset:
    """Base class of every dataset plugin; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    tasks: ClassVar[tuple[str, ...]] = tuple(TASKS)
    variants: ClassVar[tuple[str, ...]] = ()
    needs_path: ClassVar[bool] = False
    version: ClassVar[str] = "1"
    requirements: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""

    def __init__(self, arg: str | None = None, profile: str = "full", seed: int = 0):
        if self.needs_path and not arg:
            raise ValueError(f"dataset {self.name} needs a path: --dataset {self.name}:PATH")
        if self.variants and arg is None:
            arg = self.variants[0]
        if self.variants and arg not in self.variants:
            raise ValueError(
                f"dataset {self.name} has no variant {arg!r}; valid: {', '.join(self.variants)}"
            )
        self.arg = arg
        self.profile = profile
        self.seed = seed

    @property
    def label(self) -> str:
        """How reports name this dataset (``mk-synth:clean``)."""
        return f"{self.name}:{self.arg}" if self.arg else self.name

    def load(self):  # pragma: no cover - the contract
        raise NotImplementedError

    def describe(self) -> dict:
        return {"name": self.name, "arg": self.arg, "version": self.version}

    @classmethod
    def availability(cls) -> tuple[bool, str]:
        for module in cls.requirements:
            if importlib.util.find_spec(module) is None:
                return False, f"needs the Python package {module!r} (pip install it)"
        return True, ""
