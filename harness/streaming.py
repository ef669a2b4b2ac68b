"""Streaming evaluation: what a player feels when a method runs frame by frame over a take.

A *move* is a run of equal, non-idle true labels. A method *detects* a move when it
predicts the move's label at some frame from the move's first labelled frame up to its
last frame plus a tolerance (a window method reports a move a little after it ends); the
*time-to-detect* is the delay from the move's first frame to that first matching frame.
A *false trigger* is the onset of a non-idle prediction while the truth is idle (a run of
the same prediction counts once), unless that onset is the late detection of the move that
just ended.

Predictions may hold ``None`` (or ``""``) for "no report", e.g. the first ``window - 1``
frames of a take, where a window method has no history yet.

The functions here are pure numpy over label sequences; they know nothing of methods or
of the runner. Typical use, per held-out take::

    events += stream_events(truth, predictions, fps, take=recording.id)
    summary = summarise_stream(events)        # idle time comes from the events

When a method predicts a task's labels (``punch``/``kick``/``other``) and the truth is in
the action vocabulary, compare at the task's level: ``truth = task_labels(labels, task)``
and ``idle=(task's idle classes)``, e.g. ``("other",)``.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from harness.labels import fine_label

#: True labels (and predictions) that mean "no move": nothing to detect, nothing to fire.
IDLE: tuple[str, ...] = ("stand", "empty", "other")

#: Default tolerance after a move's last frame: 4 frames (~270 ms at 15 fps), about half a
#: default 8-frame window, so a window method that needs the move's end is not called blind.
DEFAULT_TOLERANCE_FRAMES = 4


def task_labels(labels, task) -> np.ndarray:
    """Map per-frame labels through ``task.map_label`` (None where the task drops a label)."""
    return np.asarray([task.map_label(str(label)) for label in labels], dtype=object)


def _clean(labels) -> np.ndarray:
    """Labels as an object array of str, with None for "no label / no report"."""
    out = np.empty(len(labels), dtype=object)
    for i, label in enumerate(labels):
        out[i] = None if label is None or label == "" else str(label)
    return out


def moves(true_labels, idle=IDLE) -> list[tuple[int, int, str]]:
    """Runs of equal, non-idle, non-None labels as (start, end_exclusive, label)."""
    truth = _clean(true_labels)
    runs = []
    start = 0
    for t in range(1, len(truth) + 1):
        if t == len(truth) or truth[t] != truth[start]:
            label = truth[start]
            if label is not None and label not in idle:
                runs.append((start, t, label))
            start = t
    return runs


def onsets(predicted_labels) -> np.ndarray:
    """Frames where a (non-None) prediction starts a new run of equal predictions."""
    pred = _clean(predicted_labels)
    changed = np.ones(len(pred), dtype=bool)
    changed[1:] = pred[1:] != pred[:-1]
    present = np.asarray([p is not None for p in pred], dtype=bool)
    return np.flatnonzero(changed & present)


def stream_events(
    true_labels,
    predicted_labels,
    fps: float,
    idle=IDLE,
    tolerance_frames: int = DEFAULT_TOLERANCE_FRAMES,
    take: str | None = None,
) -> list[dict]:
    """Per-move detections, false triggers and idle time of one take.

    Parameters
    ----------
    true_labels, predicted_labels : sequences (T,) of labels (str or None), one per frame.
    fps : frame rate of the take (converts frames to milliseconds and seconds).
    idle : labels that are not moves (in truth and in predictions).
    tolerance_frames : frames after a move's last frame in which a detection still counts;
        the search never runs into the next move.
    take : an id copied into every event (e.g. the recording's id).

    Returns
    -------
    list of dicts, each with ``kind``:

    - ``"move"``: label, start, end (exclusive), detected (bool), detect_frame (int or
      None), ttd_ms (float, nan when missed), confused_with (the most frequent other
      non-idle prediction in the search span, or None).
    - ``"false_trigger"``: frame, label (the prediction that fired).
    - ``"idle"``: frames and seconds of idle truth in the take (one event per take).
    """
    truth, pred = _clean(true_labels), _clean(predicted_labels)
    if len(truth) != len(pred):
        raise ValueError(
            f"streaming take {take or ''}: {len(truth)} true labels but {len(pred)} predictions"
        )
    if fps <= 0:
        raise ValueError(f"streaming take {take or ''}: fps must be positive, got {fps}")
    idle = tuple(idle)
    events: list[dict] = []
    detections = set()
    found = moves(truth, idle)
    for index, (start, end, label) in enumerate(found):
        next_start = found[index + 1][0] if index + 1 < len(found) else len(truth)
        stop = min(end + max(int(tolerance_frames), 0), next_start, len(truth))
        span = pred[start:stop]
        hits = np.flatnonzero(span == label)
        detect = int(start + hits[0]) if len(hits) else None
        if detect is not None:
            detections.add(detect)
        others = Counter(p for p in span if p is not None and p != label and p not in idle)
        events.append(
            {
                "kind": "move",
                "take": take,
                "label": label,
                "start": start,
                "end": end,
                "detected": detect is not None,
                "detect_frame": detect,
                "ttd_ms": (detect - start) * 1000.0 / fps if detect is not None else float("nan"),
                "confused_with": others.most_common(1)[0][0] if others else None,
            }
        )
    is_idle = np.asarray([t in idle for t in truth], dtype=bool)
    for frame in onsets(pred):
        label = pred[frame]
        if is_idle[frame] and label not in idle and frame not in detections:
            events.append(
                {"kind": "false_trigger", "take": take, "frame": int(frame), "label": label}
            )
    n_idle = int(is_idle.sum())
    events.append({"kind": "idle", "take": take, "frames": n_idle, "seconds": n_idle / fps})
    return events


def _ttd_stats(move_events: list[dict]) -> dict:
    detected = [e["ttd_ms"] for e in move_events if e["detected"]]
    n = len(move_events)
    return {
        "moves": n,
        "detected": len(detected),
        "detection_rate": len(detected) / n if n else float("nan"),
        "ttd_median_ms": float(np.median(detected)) if detected else float("nan"),
        "ttd_p90_ms": float(np.percentile(detected, 90)) if detected else float("nan"),
    }


def summarise_stream(events: list[dict], idle_seconds: float | None = None) -> dict:
    """Aggregate events of one or many takes.

    Parameters
    ----------
    events : what :func:`stream_events` returned, concatenated over takes.
    idle_seconds : idle time to divide false triggers by; by default the sum of the
        ``"idle"`` events.

    Returns
    -------
    dict with flat numbers (CSV columns): moves, detected, detection_rate, ttd_median_ms,
    ttd_p90_ms (over detected moves), false_triggers, idle_seconds, false_triggers_per_min
    (nan without idle time); and for results.json: ``per_class`` {label: {moves, detected,
    detection_rate, ttd_median_ms, ttd_p90_ms}}, ``per_family`` the same keyed by the move
    without side or style (``punch``, ``kick``, ``walk``, ``squat``), and ``confusions``
    {label: {confused_with: count}} over moves.
    """
    move_events = [e for e in events if e["kind"] == "move"]
    triggers = [e for e in events if e["kind"] == "false_trigger"]
    if idle_seconds is None:
        idle_seconds = float(sum(e["seconds"] for e in events if e["kind"] == "idle"))
    summary = _ttd_stats(move_events)
    summary["false_triggers"] = len(triggers)
    summary["idle_seconds"] = float(idle_seconds)
    summary["false_triggers_per_min"] = (
        len(triggers) * 60.0 / idle_seconds if idle_seconds > 0 else float("nan")
    )
    by_class: dict[str, list[dict]] = {}
    by_family: dict[str, list[dict]] = {}
    confusions: dict[str, Counter] = {}
    for event in move_events:
        by_class.setdefault(event["label"], []).append(event)
        by_family.setdefault(fine_label(event["label"]).split("_")[0], []).append(event)
        if event["confused_with"] is not None:
            confusions.setdefault(event["label"], Counter())[event["confused_with"]] += 1
    summary["per_class"] = {label: _ttd_stats(group) for label, group in sorted(by_class.items())}
    summary["per_family"] = {name: _ttd_stats(group) for name, group in sorted(by_family.items())}
    summary["confusions"] = {label: dict(count) for label, count in sorted(confusions.items())}
    return summary
