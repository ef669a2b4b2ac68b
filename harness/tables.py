"""What the report shows, as data: ranked tables, display names, robustness sweep curves.

Read from a run's ``results.json`` aggregates only (the report never calls a method).
"""

from __future__ import annotations

import math

import numpy as np

from harness.tasks import TASKS

#: A method "breaks" under a nuisance at the strength where it has lost this much macro-F1.
BREAK_DROP = 0.1
LEAKY = "random-frames"


def fmt(value, digits: int = 3) -> str:
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return "–"
    return f"{value:.{digits}f}"


def interval(entry: dict) -> str:
    low, high = entry.get("macro_f1_ci_low"), entry.get("macro_f1_ci_high")
    if low is None or high is None:
        return ""
    return f"[{fmt(low, 2)}, {fmt(high, 2)}]"


def one_line(text) -> str:
    """Text for a table cell: one line, no column separators."""
    return " ".join(str(text or "").split()).replace("|", "/")


def is_leaky(entry: dict) -> bool:
    return entry.get("protocol") == LEAKY


def display_name(entry: dict) -> str:
    """The method as tables show it: window scoring and the leaky protocol named."""
    name = entry["method"]
    if entry.get("scoring") == "window" and TASKS.get(entry.get("task", "")) is not None:
        name += " [window]" if TASKS[entry["task"]].level == "frame" else ""
    if is_leaky(entry):
        name += " (LEAKY: random frames)"
    return name


def ranked(results: dict) -> dict[tuple[str, str], list[dict]]:
    """Aggregates grouped by (dataset, task), best macro-F1 first, unscored ones last.

    Sweep levels (a dataset under a nuisance) are left out: :func:`sweep_curves` has them.
    """
    tables: dict[tuple[str, str], list[dict]] = {}
    for entry in results.get("aggregates", []):
        if entry.get("nuisance") is None:
            tables.setdefault((entry["dataset"], entry["task"]), []).append(entry)
    for entries in tables.values():
        entries.sort(key=lambda e: -(e.get("macro_f1") if e.get("macro_f1") is not None else -1))
    return dict(
        sorted(
            tables.items(),
            key=lambda kv: (kv[0][0], list(TASKS).index(kv[0][1]) if kv[0][1] in TASKS else 99),
        )
    )


def sweep_curves(results: dict) -> list[dict]:
    """One point per (trained-on dataset, task, method, nuisance, strength), clean included.

    Each point: macro-F1 with its interval over subjects; strength 0 is the clean score.
    """
    entries = results.get("aggregates", [])
    swept = [e for e in entries if e.get("nuisance") is not None and e.get("macro_f1") is not None]
    points = []
    for e in swept:
        points.append(_point(e, e["trained_on"], e["nuisance"], float(e["strength"])))
    for base, nuisance in {(e["trained_on"], e["nuisance"]) for e in swept}:
        for e in entries:
            if e["dataset"] == base and e.get("macro_f1") is not None and not is_leaky(e):
                points.append(_point(e, base, nuisance, 0.0))
    order = ("dataset", "task", "method", "nuisance", "strength")
    return sorted(points, key=lambda p: tuple(p[k] for k in order))


def _point(entry: dict, dataset: str, nuisance: str, strength: float) -> dict:
    return {
        "dataset": dataset,
        "task": entry["task"],
        "method": entry["method"],
        "nuisance": nuisance,
        "strength": strength,
        "macro_f1": entry["macro_f1"],
        "low": entry.get("macro_f1_ci_low"),
        "high": entry.get("macro_f1_ci_high"),
    }


def breaking_points(points: list[dict], drop: float = BREAK_DROP) -> list[dict]:
    """Per (dataset, task, method, nuisance): the clean score and the strength at which
    macro-F1 first falls ``drop`` below it (linear between levels; None: it never does)."""
    groups: dict[tuple, list[dict]] = {}
    for p in points:
        groups.setdefault((p["dataset"], p["task"], p["method"], p["nuisance"]), []).append(p)
    out = []
    for (dataset, task, method, nuisance), curve in groups.items():
        curve = sorted(curve, key=lambda p: p["strength"])
        clean = curve[0]["macro_f1"] if curve[0]["strength"] == 0 else None
        breaks = None
        if clean is not None:
            limit = clean - drop
            strengths = np.array([p["strength"] for p in curve])
            scores = np.array([p["macro_f1"] for p in curve])
            below = np.flatnonzero(scores <= limit)
            if len(below):
                i = below[0]
                s0, s1, f0, f1 = strengths[i - 1], strengths[i], scores[i - 1], scores[i]
                breaks = float(s0 + (f0 - limit) / (f0 - f1) * (s1 - s0)) if f0 != f1 else s1
        out.append(
            {
                "dataset": dataset,
                "task": task,
                "method": method,
                "nuisance": nuisance,
                "clean": clean,
                "breaks_at": breaks,
            }
        )
    return out
