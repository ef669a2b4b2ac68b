"""Debounced move events: the rules on hand-made streams, the target on synthetic takes.

The synthetic takes are label sequences of the punch-kick-other task at 15 fps (punches and
kicks of 7-16 frames, pauses of 5-20 frames, as mk-synth's), turned into the probabilities
a decent classifier would give (confidences 0.70-0.98): it sees a move at its labelled
start or one frame later, surely for its first four frames, then doubts now and then for a
frame; while the player is idle it flickers to a move for one frame (9 times a minute) or
two (1.3 times a minute). In a *clean* take the doubts are single frames and the flicker
keeps 5 frames away from moves; otherwise both fall anywhere. Seeds are fixed.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness.live.events import EventWriter, MoveDebouncer, active_per_frame, debounce
from harness.streaming import moves, stream_events, summarise_stream

FPS = 15.0
CLASSES = ("punch", "kick", "other")
BUDGET_MS = 200.0


def take_labels(rng: np.random.Generator, n_moves: int) -> list[str]:
    labels = ["other"] * 15
    for _ in range(n_moves):
        labels += [str(rng.choice(["punch", "kick"]))] * int(rng.integers(7, 17))
        labels += ["other"] * int(rng.integers(5, 21))
    return labels


def classifier_probabilities(labels, rng, clean=True, flicker_per_min=(9.0, 1.3)) -> np.ndarray:
    """(T, 3) probabilities of a classifier watching a take with these labels."""
    idle = CLASSES.index("other")
    seen = np.asarray([CLASSES.index(label) for label in labels])
    truth = seen.copy()
    for start, end, _ in moves(labels, idle=("other",)):
        seen[start] = idle if rng.random() < 0.5 else seen[start]  # seen a frame late
        for t in range(start + 4, end):  # a frame of doubt, once the move is under way
            if rng.random() < 0.05 and not (clean and seen[t - 1] == idle):
                seen[t] = idle
    per_frame = np.asarray(flicker_per_min) / (60 * FPS)
    quiet = 5 if clean else 0  # frames kept clear of flicker on either side of a move
    t = quiet
    while t < len(labels) - 2 - quiet:
        length = 1 if rng.random() < per_frame[0] else 2 if rng.random() < per_frame[1] else 0
        if length and (truth[t - quiet : t + length + quiet] == idle).all():
            seen[t : t + length] = rng.integers(0, 2)  # punch or kick
            t += length
        t += 1
    # the seen class gets 0.70-0.98, the others share the rest at random
    probabilities = np.zeros((len(labels), len(CLASSES)))
    others = np.arange(len(CLASSES))[None, :] != seen[:, None]
    sure = rng.uniform(0.70, 0.98, len(labels))
    probabilities[~others] = sure
    probabilities[others] = (rng.dirichlet([1.0, 1.0], len(labels)) * (1 - sure)[:, None]).ravel()
    return probabilities


def start_check(labels, events) -> list[dict]:
    """Per labelled punch or kick: its start events and the delay of the first one."""
    starts = [e for e in events if e["event"] == "start"]
    found = moves(labels, idle=("other",))
    out = []
    for i, (start, end, label) in enumerate(found):
        # a start counts from the move's first frame until the next move's (at most 4
        # frames after its end), as in the streaming table
        stop = min(end + 4, found[i + 1][0] if i + 1 < len(found) else len(labels))
        hits = [e["frame"] for e in starts if start <= e["frame"] < stop and e["move"] == label]
        first = hits[0] if hits else None
        delay = (first - start) * 1000 / FPS if hits else float("inf")
        out.append(
            {"start": start, "stop": stop, "starts": len(hits), "first": first, "delay_ms": delay}
        )
    return out


def false_starts(labels, events) -> int:
    """Starts while the player is idle that belong to no move."""
    checked = start_check(labels, events)
    claimed = [range(c["start"], c["stop"]) for c in checked]
    return sum(
        1
        for e in events
        if e["event"] == "start" and not any(e["frame"] in span for span in claimed)
    )


def takes(seed: int, n_takes: int = 3, n_moves: int = 40, clean: bool = True):
    rng = np.random.default_rng(seed)
    for _ in range(n_takes):
        labels = take_labels(rng, n_moves)
        yield labels, classifier_probabilities(labels, rng, clean)


def idle_minutes(seed: int, minutes: int = 10):
    rng = np.random.default_rng(seed)
    labels = ["other"] * int(minutes * 60 * FPS)
    return labels, classifier_probabilities(labels, rng)


# ------------------------------------------------------------------------- the rules


def _step(debouncer, p_punch, p_kick=0.0):
    return debouncer.update({"punch": p_punch, "kick": p_kick, "other": 1 - p_punch - p_kick})


def test_one_confident_frame_never_starts_a_move_and_two_do():
    debouncer = MoveDebouncer(CLASSES)
    assert _step(debouncer, 0.0) == []
    assert _step(debouncer, 1.0) == []  # a flicker: the average reaches 0.5
    assert _step(debouncer, 0.0) == []
    assert [_step(debouncer, p) for p in (0.0, 0.0, 0.95)] == [[], [], []]
    (event,) = _step(debouncer, 0.95)
    assert event["event"] == "start" and event["move"] == "punch" and event["frame"] == 6
    assert event["t"] == pytest.approx(6 / FPS) and 0.6 < event["confidence"] <= 1


def test_hysteresis_keeps_a_move_through_doubt_and_ends_it_below_exit():
    debouncer = MoveDebouncer(CLASSES, alpha=1.0, enter=0.6, exit=0.3)
    assert [e["event"] for e in _step(debouncer, 0.7)] == ["start"]
    assert _step(debouncer, 0.4) == [] and _step(debouncer, 0.31) == []  # between: stays
    assert debouncer.active == "punch"
    (end,) = _step(debouncer, 0.2)
    assert end["event"] == "end" and end["confidence"] == pytest.approx(0.2)
    assert debouncer.active is None


def test_a_move_must_hold_for_hold_frames_in_a_row():
    debouncer = MoveDebouncer(CLASSES, alpha=1.0, hold_frames=3)
    assert [_step(debouncer, p) for p in (0.9, 0.9, 0.1, 0.9, 0.9)] == [[]] * 5
    assert [e["frame"] for e in _step(debouncer, 0.9)] == [5]


def test_a_new_move_ends_the_active_one_first_at_the_same_frame():
    debouncer = MoveDebouncer(CLASSES, alpha=1.0, exit=0.05)
    _step(debouncer, 0.9)
    events = _step(debouncer, 0.1, p_kick=0.85)
    assert [(e["move"], e["event"], e["frame"]) for e in events] == [
        ("punch", "end", 1),
        ("kick", "start", 1),
    ]
    assert [(e["move"], e["event"]) for e in debouncer.finish()] == [("kick", "end")]
    assert debouncer.finish() == []


def test_idle_classes_never_start_a_move_however_sure():
    classes = ("empty", "stand", "squat")
    events = debounce(["stand"] * 10 + ["empty"] * 10 + ["squat"] * 3, classes)
    assert [(e["move"], e["event"]) for e in events] == [("squat", "start"), ("squat", "end")]


def test_inputs_may_be_arrays_dicts_hard_labels_or_nothing_yet():
    debouncer = MoveDebouncer(CLASSES, alpha=1.0)
    assert debouncer.update(None) == [] and debouncer.smoothed is None  # no report yet
    assert debouncer.update(np.array([0.1, 0.2, 0.7])) == []
    assert debouncer.update({"kick": 0.9}) != []  # missing classes count 0
    assert debouncer.update("punch")[-1]["move"] == "punch"
    assert debouncer.probabilities() == {"punch": 1.0, "kick": 0.0, "other": 0.0}
    with pytest.raises(ValueError, match="'jab'.* not among the classes"):
        debouncer.update("jab")
    with pytest.raises(ValueError, match="2 probabilities for 3 classes"):
        debouncer.update([0.5, 0.5])


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"alpha": 0.0}, "alpha=0.0"),
        ({"enter": 0.4, "exit": 0.5}, "exit=0.5, enter=0.4"),
        ({"hold_frames": 0}, "hold_frames=0"),
    ],
)
def test_bad_settings_fail_with_one_line(settings, message):
    with pytest.raises(ValueError, match=message):
        MoveDebouncer(CLASSES, **settings)


def test_events_are_written_as_json_lines_to_a_file_or_stdout(tmp_path, capsys):
    events = debounce(["other", "kick", "kick", "kick", "other", "other", "other"], CLASSES)
    path = tmp_path / "events.jsonl"
    with EventWriter(path) as writer:
        writer.write(events)
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == events and writer.count == 2
    assert set(events[0]) == {"t", "frame", "move", "event", "confidence"}
    with EventWriter("-") as writer:
        writer.write(events[:1])
    assert json.loads(capsys.readouterr().out) == events[0]
    with pytest.raises(ValueError, match="cannot write events"):
        EventWriter(tmp_path / "no" / "such" / "dir.jsonl")


def test_events_turn_back_into_per_frame_moves_for_the_streaming_metrics():
    events = [
        {"frame": 2, "move": "punch", "event": "start"},
        {"frame": 5, "move": "punch", "event": "end"},
        {"frame": 7, "move": "kick", "event": "start"},
    ]
    assert (
        list(active_per_frame(events, 9))
        == [None, None] + ["punch"] * 3 + [None] * 2 + ["kick"] * 2
    )


# ---------------------------------------------------------------- the target


def test_every_punch_and_kick_starts_once_within_200_ms():
    for labels, probabilities in takes(seed=0):
        checked = start_check(labels, debounce(probabilities, CLASSES, fps=FPS))
        assert [c["starts"] for c in checked] == [1] * len(checked)
        assert max(c["delay_ms"] for c in checked) <= BUDGET_MS + 1e-6


def test_the_streaming_table_scores_the_events_the_same_way():
    labels, probabilities = next(takes(seed=5, n_takes=1))
    events = debounce(probabilities, CLASSES, fps=FPS)
    scored = summarise_stream(
        stream_events(labels, active_per_frame(events, len(labels)), FPS, idle=("other",))
    )
    assert scored["detection_rate"] == 1.0 and scored["ttd_p90_ms"] <= BUDGET_MS + 1e-6
    assert scored["false_triggers"] == false_starts(labels, events)


def test_hard_labels_meet_the_target_too():
    for labels, probabilities in takes(seed=1):
        hard = [CLASSES[i] for i in probabilities.argmax(axis=1)]
        checked = start_check(labels, debounce(hard, CLASSES, fps=FPS))
        assert [c["starts"] for c in checked] == [1] * len(checked)
        assert max(c["delay_ms"] for c in checked) <= BUDGET_MS + 1e-6


def test_flicker_next_to_moves_and_doubt_in_a_row_cost_few_moves():
    checked = [
        c
        for labels, probabilities in takes(seed=4, n_takes=5, clean=False)
        for c in start_check(labels, debounce(probabilities, CLASSES, fps=FPS))
    ]
    on_time = np.mean([c["starts"] == 1 and c["delay_ms"] <= BUDGET_MS + 1e-6 for c in checked])
    print(f"\nnot clean: {on_time:.1%} of {len(checked)} moves start once within 200 ms")
    assert on_time >= 0.97


@pytest.mark.parametrize("hard", [False, True], ids=["probabilities", "hard-labels"])
def test_at_most_two_false_starts_per_idle_minute(hard):
    labels, probabilities = idle_minutes(seed=2)
    observed = [CLASSES[i] for i in probabilities.argmax(axis=1)] if hard else probabilities
    events = debounce(observed, CLASSES, fps=FPS)
    minutes = len(labels) / FPS / 60
    raw = summarise_stream(
        stream_events(labels, [CLASSES[i] for i in probabilities.argmax(axis=1)], FPS)
    )
    print(
        f"\nidle {minutes:.0f} min ({'hard labels' if hard else 'probabilities'}): "
        f"{false_starts(labels, events) / minutes:.2f} false starts/min debounced, "
        f"{raw['false_triggers_per_min']:.2f} raw"
    )
    assert raw["false_triggers_per_min"] > 8  # the flicker is there: the debouncer removes it
    assert false_starts(labels, events) / minutes <= 2.0


def test_latency_the_debouncer_adds_to_raw_labels():
    added = []
    for labels, probabilities in takes(seed=3):
        raw = [CLASSES[i] for i in probabilities.argmax(axis=1)]
        raw_first = [
            next(t for t in range(start, len(raw)) if raw[t] == label)
            for start, _, label in moves(labels, idle=("other",))
        ]
        checked = start_check(labels, debounce(probabilities, CLASSES, fps=FPS))
        added += [c["first"] - r for c, r in zip(checked, raw_first, strict=True)]
    added_ms = np.asarray(added) * 1000 / FPS
    print(
        f"\nlatency added to raw labels over {len(added)} moves at {FPS:.0f} fps: "
        f"median {np.median(added_ms):.0f} ms, p90 {np.percentile(added_ms, 90):.0f} ms, "
        f"max {added_ms.max():.0f} ms"
    )
    assert np.median(added_ms) <= 1000 / FPS + 1e-6  # one frame
    assert added_ms.max() <= 2 * 1000 / FPS + 1e-6


def test_mediapipes_rep_counting_smoothing_would_miss_the_budget():
    # MediaPipe smooths with alpha 0.2 to count squats; for punches that is too slow,
    # which is why the defaults differ (and a check that the target test can fail).
    labels, probabilities = next(takes(seed=0, n_takes=1))
    checked = start_check(labels, debounce(probabilities, CLASSES, fps=FPS, alpha=0.2))
    assert max(c["delay_ms"] for c in checked) > BUDGET_MS
