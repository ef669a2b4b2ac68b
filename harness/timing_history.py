"""How long jobs took on this machine before, to tell a user what to expect before a run.

After each job the harness remembers its seconds per (method, task, dataset, profile) in
the cache folder (``timings.json``); before a run it sums what it remembers of the jobs to
do. A first run on a machine has nothing to go on and says so; the numbers include feature
extraction, which a warm cache skips, so an estimate after a cold run is on the high side.
"""

from __future__ import annotations

import json

from harness import cache
from harness.files import atomic_write_text

FILE = "timings.json"


def _key(method: str, task: str, dataset: str, profile: str) -> str:
    return f"{method}|{task}|{dataset}|{profile}"


def _read() -> dict:
    try:
        return json.loads((cache.cache_dir() / FILE).read_text())
    except (OSError, ValueError):
        return {}


def remember(rows: list[dict], profile: str) -> None:
    """Record the seconds of one finished job (its first row carries its stages)."""
    row = rows[0]
    spent = sum((row.get("detail") or {}).get("stages", {}).values())
    if row.get("status") != "ok" or not spent:
        return
    history = _read()
    history[_key(row["method"], row["task"], row["dataset"], profile)] = round(spent, 2)
    try:
        atomic_write_text(cache.cache_dir() / FILE, json.dumps(history, indent=0))
    except OSError:
        pass  # an estimate is never worth a failed run


def estimate(jobs, profile: str, workers: int) -> str:
    """One line: the expected time of ``jobs`` from past runs here, or why there is none."""
    if not jobs:
        return "nothing to run: every job is done (resumed)"
    history = _read()
    known = [history.get(_key(j.method, j.task, j.dataset, profile)) for j in jobs]
    seconds = [s for s in known if s is not None]
    if not seconds:
        return f"{len(jobs)} fits to run; first run of these here, so no estimate yet"
    average = sum(seconds) / len(seconds)
    total = (sum(seconds) + average * (len(jobs) - len(seconds))) / max(1, workers)
    based = "" if len(seconds) == len(jobs) else f" ({len(seconds)} of them timed before)"
    return f"{len(jobs)} fits to run{based}: about {total / 60:.0f} min, from past runs here"
