"""Helpers shared by the ``folders`` and ``clips`` plugins (bring-your-own-data): naming,
sizes, warnings and the tasks a set of labels serves. Decoding and caching the frames is
the engine's (``harness.api.cached_images`` / ``cached_video``).
"""

from __future__ import annotations

import re
import warnings
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from harness.api import COARSE_LABELS, TASKS, Layout, capped_size

#: Images without a subject are spread over this many pseudo-subjects (see folders.py).
PSEUDO_SUBJECTS = 10


def report(layout: Layout) -> None:
    """Raise the layout's first error (one line); warn about each other problem."""
    layout.raise_first_error()
    for problem in layout.warnings:
        warnings.warn(str(problem), stacklevel=3)


def skip(path: Path, what: str) -> None:
    warnings.warn(f"{path}: {what}; skipped", stacklevel=3)


def pseudo_subject(rel: str, buckets: int = PSEUDO_SUBJECTS) -> str:
    """A stable, random-looking pseudo-subject for an item without one."""
    return f"unknown-{zlib.crc32(rel.encode()) % buckets:02d}"


def common_size(sizes: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The most common (width, height), scaled down to the engine's largest frame side."""
    counts = Counter(tuple(s) for s in sizes)
    size = max(counts, key=lambda s: (counts[s], s))
    return capped_size(size)


def warn_resized(sizes: dict[str, tuple[int, int]], size: tuple[int, int], what: str) -> None:
    """One warning for every file whose size differs from ``size`` (they are converted)."""
    odd = {rel: s for rel, s in sizes.items() if tuple(s) != tuple(size)}
    if odd:
        rel, s = next(iter(odd.items()))
        warnings.warn(
            f"{len(odd)} {what} are resized to {size[0]}x{size[1]} (first: {rel}, {s[0]}x{s[1]})",
            stacklevel=3,
        )


def slug(text: str) -> str:
    """A file-name-safe id from a relative path."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "item"


def unique_id(candidate: str, taken: set[str]) -> str:
    """``candidate``, or ``candidate-2``, ``-3``... if taken; the result is added to ``taken``."""
    unique, n = candidate, 1
    while unique in taken:
        n += 1
        unique = f"{candidate}-{n}"
    taken.add(unique)
    return unique


def supported_tasks(labels: Iterable[str]) -> tuple[str, ...]:
    """The tasks every one of ``labels`` maps into (coarse labels serve two, ...)."""
    labels = set(labels)
    return tuple(
        name
        for name, task in TASKS.items()
        if labels and all(task.map_label(label) is not None for label in labels)
    )


def between_label(labels: Iterable[str]) -> str:
    """Label for frames between a clip's moves: ``stand`` (``other`` for coarse labels)."""
    return "other" if set(labels) & set(COARSE_LABELS) else "stand"
