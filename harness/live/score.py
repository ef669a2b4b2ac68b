"""Live events scored against a take's labels: the targets of ``harness live``.

Target (issue 14): every punch and kick produces one start event within 200 ms of its
labelled start, and at most 2 false starts per idle minute. Labels are mapped to the
``punch-kick-other`` task; a move is a run of ``punch`` or ``kick`` frames, and its clock
starts at its first labelled frame, ambiguous onset included (when the player starts
moving), as in the streaming table.

Two readings, side by side:

- the *start events* themselves (:func:`score_events`): per move, the start events of
  its label from its first frame until the next move (at most 4 frames after its end,
  the streaming table's tolerance); a start anywhere else while the truth is idle is a
  false start;
- the *streaming table's* definitions on the events turned back into per-frame moves
  (:func:`harness.live.events.active_per_frame`, :func:`harness.streaming.stream_events`),
  so the live path and the report's table can be compared number for number.
"""

from __future__ import annotations

import numpy as np

from harness.live.events import active_per_frame
from harness.streaming import DEFAULT_TOLERANCE_FRAMES, moves, stream_events, summarise_stream
from harness.tasks import get_task

BUDGET_MS = 200.0
LEVEL = "punch-kick-other"


def score_events(events: list[dict], labels, fps: float, budget_ms: float = BUDGET_MS) -> dict:
    """Start events of one take against its per-frame labels (any vocabulary).

    Returns
    -------
    dict: ``moves``, ``on_time`` (a start within ``budget_ms``), ``once`` (exactly one
    start, on time), ``missed``, ``delays_ms`` (first start per detected move),
    ``per_move`` (the label of its first frame, the first start's delay or None, starts),
    ``false_starts``, ``idle_seconds``, and the streaming table's ``detection_rate``,
    ``ttd_median_ms``, ``false_triggers_per_min`` for the same events (its events in
    ``table_events``, for :func:`harness.streaming.summarise_stream` over several takes).
    """
    task = get_task(LEVEL)
    truth = np.asarray([task.map_label(str(label)) for label in labels], dtype=object)
    starts = [e for e in events if e["event"] == "start"]
    found = moves(truth, idle=("other",))
    claimed: set[int] = set()
    on_time = once = missed = 0
    delays, detail = [], []
    for i, (start, end, label) in enumerate(found):
        following = found[i + 1][0] if i + 1 < len(found) else len(truth)
        stop = min(end + DEFAULT_TOLERANCE_FRAMES, following)
        hits = [e for e in starts if start <= e["frame"] < stop and e["move"] == label]
        claimed.update(id(e) for e in hits)
        delay = (hits[0]["frame"] - start) * 1000.0 / fps if hits else None
        detail.append({"label": str(labels[start]), "delay_ms": delay, "starts": len(hits)})
        if not hits:
            missed += 1
            continue
        delays.append(delay)
        on_time += delay <= budget_ms
        once += delay <= budget_ms and len(hits) == 1
    idle = truth == "other"
    false_starts = sum(
        1 for e in starts if id(e) not in claimed and idle[min(e["frame"], len(idle) - 1)]
    )
    table_events = table(labels, active_per_frame(events, len(truth)), fps)
    table_summary = summarise_stream(table_events)
    return {
        "moves": len(found),
        "on_time": int(on_time),
        "once": int(once),
        "missed": missed,
        "delays_ms": delays,
        "per_move": detail,
        "false_starts": false_starts,
        "idle_seconds": float(idle.sum() / fps),
        "detection_rate": table_summary["detection_rate"],
        "ttd_median_ms": table_summary["ttd_median_ms"],
        "false_triggers_per_min": table_summary["false_triggers_per_min"],
        "table_events": table_events,
    }


def table(labels, predicted, fps: float) -> list[dict]:
    """The streaming table's events (:func:`harness.streaming.stream_events`) of per-frame
    predictions (any vocabulary, None for no report) against labels, at the task's level."""
    task = get_task(LEVEL)
    truth = [task.map_label(str(label)) for label in labels]
    mapped = [None if p is None else task.map_label(str(p)) for p in predicted]
    return stream_events(truth, mapped, fps, idle=("other",))


def pooled(scores: list[dict]) -> dict:
    """Several takes' :func:`score_events` summed, with the rates the target speaks of."""
    total = {k: sum(s[k] for s in scores) for k in ("moves", "on_time", "once", "missed")}
    total["false_starts"] = sum(s["false_starts"] for s in scores)
    total["idle_seconds"] = sum(s["idle_seconds"] for s in scores)
    delays = [d for s in scores for d in s["delays_ms"]]
    total["on_time_rate"] = total["on_time"] / total["moves"] if total["moves"] else float("nan")
    total["once_rate"] = total["once"] / total["moves"] if total["moves"] else float("nan")
    total["delay_median_ms"] = float(np.median(delays)) if delays else float("nan")
    minutes = total["idle_seconds"] / 60
    total["false_starts_per_idle_min"] = (
        total["false_starts"] / minutes if minutes else float("nan")
    )
    return total
