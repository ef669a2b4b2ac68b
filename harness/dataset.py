"""The Dataset contract: what a file in ``datasets/`` defines.

Must define
-----------
name : ClassVar[str]
    Id used with ``--dataset`` (``mk-synth``).
load() -> list[Recording]
    The recordings, with labels already mapped onto the taxonomy of :mod:`harness.labels`.

May define (each has a default here)
------------------------------------
tasks : the tasks its labels serve (default: all four). May be set on the instance by
    ``load`` when it depends on the data found.
variants : named variants (``clean``, ``shadow``, ...); the first is the default. The
    variant arrives as ``arg`` (``--dataset mk-synth:shadow``).
needs_path : True if ``arg`` is a folder or file the user must give
    (``--dataset folders:/data/blog``).
version : changes whenever the data it yields changes; reports name it.
requirements : importable modules it needs.
description : one line for ``list`` and the report.
subjects_known : False when the data carries no subject ids (set by ``load``): every split
    then leaks near-duplicate frames of the same person, and the runner refuses to report
    unless told ``--allow-leaky-split``.
leaky_message : the one line the runner prints when it refuses (default: a generic one).
describe() -> dict : facts for the report (counts, source, version).
sweep(nuisance) -> [(strength, Dataset)] : the dataset under ``nuisance`` at graded
    strengths (0 first, the dataset itself), same subjects and takes, for ``run --sweep``;
    by default a dataset cannot be swept (a ValueError says so).
"""

from __future__ import annotations

import importlib.util
from typing import ClassVar

from harness.tasks import TASKS


class Dataset:
    """Base class of every dataset plugin; see the module docstring for the contract."""

    name: ClassVar[str] = ""
    tasks: tuple[str, ...] = tuple(TASKS)
    variants: ClassVar[tuple[str, ...]] = ()
    needs_path: ClassVar[bool] = False
    version: ClassVar[str] = "1"
    requirements: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    subjects_known: bool = True
    leaky_message: str = ""

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

    def sweep(self, nuisance: str) -> list[tuple[float, Dataset]]:
        """This dataset under ``nuisance`` at graded strengths (see the module docstring)."""
        raise ValueError(
            f"dataset {self.label} cannot be swept over nuisances; --sweep needs a dataset "
            "that renders them (mk-synth)"
        )

    def leaky_split_message(self) -> str:
        """Why a run on this dataset is refused when ``subjects_known`` is False."""
        return self.leaky_message or (
            f"dataset {self.label} has no subject information, so any split leaks "
            "near-duplicate frames of the same person into training and testing (how the "
            "2018 blog's 92 % arose). Put each person's frames in a subject folder "
            "(<class>/<subject>/*.jpg) or add subjects.csv (file,subject); or pass "
            "--allow-leaky-split to report anyway, marked as leaky."
        )

    @classmethod
    def missing_reason(cls) -> str:
        """'' if its modules import here, else one line saying what to install."""
        for module in cls.requirements:
            if importlib.util.find_spec(module) is None:
                return f"needs the Python package {module!r} (pip install it)"
        return ""
