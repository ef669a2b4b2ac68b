"""Where the time goes: seconds spent in each stage of a run (render, features, fits, ...).

Code marks its stages with ``with stage("features: person-crop"):``. Stages nest, and a
stage's time excludes the stages inside it (a fit that extracts features on a cache miss
counts the extraction under ``features: ...``, the rest under ``fit: ...``), so the totals
add up to the time spent. Each process keeps its own totals; :func:`take` hands them over
(a worker returns them with its job's rows) and starts afresh.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict

_totals: dict[str, float] = defaultdict(float)
_open: list[list] = []  # [name, start, seconds spent in nested stages]


@contextlib.contextmanager
def stage(name: str):
    """Count the time of the block under ``name`` (minus the stages nested in it)."""
    _open.append([name, time.perf_counter(), 0.0])
    try:
        yield
    finally:
        _, start, nested = _open.pop()
        elapsed = time.perf_counter() - start
        _totals[name] += elapsed - nested
        if _open:
            _open[-1][2] += elapsed


def take() -> dict[str, float]:
    """The totals so far (seconds by stage), and reset them."""
    totals = dict(_totals)
    _totals.clear()
    return totals


def merge(into: dict[str, float], more: dict[str, float]) -> dict[str, float]:
    """Add the stage totals ``more`` to ``into`` (in place) and return it."""
    for name, seconds in (more or {}).items():
        into[name] = into.get(name, 0.0) + float(seconds)
    return into


def family(name: str) -> str:
    """The kind of a stage (``fit: mobilenet`` -> ``fit``), for the coarse table."""
    return name.split(":", 1)[0]
