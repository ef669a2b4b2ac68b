"""Streaming metrics on hand-made label sequences whose answers are known."""

import math

import numpy as np
import pytest

from harness.streaming import moves, stream_events, summarise_stream, task_labels
from harness.tasks import get_task

S, P, K, R = "stand", "punch_left", "front_kick_right", "roundhouse_kick_right"


def _take():
    # frames:  0-4 stand, 5-9 punch, 10-19 stand, 20-24 front kick, 25-39 stand
    truth = [S] * 5 + [P] * 5 + [S] * 10 + [K] * 5 + [S] * 15
    pred = list(truth)
    return truth, pred


def _moves_of(events):
    return [e for e in events if e["kind"] == "move"]


def test_moves_are_runs_of_non_idle_labels():
    truth, _ = _take()
    assert moves(truth) == [(5, 10, P), (20, 25, K)]


def test_perfect_predictions_detect_every_move_at_once_without_false_triggers():
    truth, pred = _take()
    summary = summarise_stream(stream_events(truth, pred, fps=10))
    assert summary["moves"] == 2 and summary["detection_rate"] == 1.0
    assert summary["ttd_median_ms"] == 0.0
    assert summary["false_triggers"] == 0
    assert summary["idle_seconds"] == pytest.approx(3.0)


def test_delay_is_measured_from_the_first_labelled_frame():
    truth, pred = _take()
    pred[5:8] = [S] * 3  # the punch is reported 3 frames late: 300 ms at 10 fps
    events = _moves_of(stream_events(truth, pred, fps=10))
    assert events[0]["detect_frame"] == 8
    assert events[0]["ttd_ms"] == pytest.approx(300.0)


def test_late_detection_within_tolerance_counts_and_is_no_false_trigger():
    truth, pred = _take()
    pred[5:10] = [S] * 5
    pred[11:13] = [P, P]  # one frame after the punch ended
    events = stream_events(truth, pred, fps=10, tolerance_frames=3)
    punch = _moves_of(events)[0]
    assert punch["detected"] and punch["ttd_ms"] == pytest.approx(600.0)
    assert not [e for e in events if e["kind"] == "false_trigger"]


def test_detection_after_the_tolerance_is_a_miss_and_a_false_trigger():
    truth, pred = _take()
    pred[5:10] = [S] * 5
    pred[15] = P
    events = stream_events(truth, pred, fps=10, tolerance_frames=3)
    punch = _moves_of(events)[0]
    assert not punch["detected"] and math.isnan(punch["ttd_ms"])
    triggers = [e for e in events if e["kind"] == "false_trigger"]
    assert [(e["frame"], e["label"]) for e in triggers] == [(15, P)]


def test_a_run_of_the_same_false_prediction_counts_once():
    truth, pred = _take()
    pred[30:36] = [P] * 6  # one long false punch
    pred[37] = K  # and a separate false kick
    summary = summarise_stream(stream_events(truth, pred, fps=10))
    assert summary["false_triggers"] == 2
    # 30 idle frames at 10 fps = 0.05 min
    assert summary["false_triggers_per_min"] == pytest.approx(2 / 0.05)


def test_a_prediction_carried_over_from_a_move_into_idle_is_not_a_false_trigger():
    truth, pred = _take()
    pred[10:13] = [P] * 3  # a window method keeps reporting the punch for a while
    summary = summarise_stream(stream_events(truth, pred, fps=10))
    assert summary["false_triggers"] == 0


def test_the_wrong_kick_style_is_a_miss_recorded_as_a_confusion():
    truth, pred = _take()
    pred[20:25] = [R] * 5
    summary = summarise_stream(stream_events(truth, pred, fps=10))
    assert summary["per_class"][K]["detection_rate"] == 0.0
    assert summary["per_class"][P]["detection_rate"] == 1.0
    assert summary["confusions"] == {K: {R: 1}}
    assert summary["per_family"]["kick"]["moves"] == 1


def test_no_report_frames_neither_detect_nor_trigger():
    truth, pred = _take()
    pred = [None] * 7 + pred[7:]  # a window method's first frames have no history
    events = stream_events(truth, pred, fps=10)
    assert _moves_of(events)[0]["detect_frame"] == 7
    assert not [e for e in events if e["kind"] == "false_trigger"]


def test_detection_search_never_runs_into_the_next_move():
    truth = [S] * 2 + [P] * 3 + [S] + [P] * 3 + [S] * 4
    pred = [S] * 6 + [P] * 3 + [S] * 4  # only the second punch is seen
    first, second = _moves_of(stream_events(truth, pred, fps=10, tolerance_frames=5))
    assert not first["detected"]
    assert second["detected"] and second["ttd_ms"] == 0.0


def test_summary_pools_takes_and_gives_percentiles_over_detected_moves():
    events = []
    for delay in range(5):  # five takes, the punch detected 0..4 frames late
        truth = [S] * 3 + [P] * 6 + [S] * 3
        pred = [S] * (3 + delay) + [P] * (6 - delay) + [S] * 3
        events += stream_events(truth, pred, fps=10, take=f"take{delay}")
    summary = summarise_stream(events)
    assert summary["moves"] == 5 and summary["detected"] == 5
    assert summary["ttd_median_ms"] == pytest.approx(200.0)
    assert summary["ttd_p90_ms"] == pytest.approx(np.percentile([0, 100, 200, 300, 400], 90))
    assert summary["idle_seconds"] == pytest.approx(3.0)


def test_task_level_comparison_maps_truth_through_the_task():
    task = get_task("punch-kick-other")
    truth = task_labels([S, P, P, K, "walk_left", S], task)
    assert list(truth) == ["other", "punch", "punch", "kick", "other", "other"]
    pred = ["other", "other", "punch", "kick", "other", "other"]
    summary = summarise_stream(stream_events(truth, pred, fps=10, idle=("other",)))
    assert summary["detection_rate"] == 1.0 and summary["false_triggers"] == 0
    assert summary["per_class"]["punch"]["ttd_median_ms"] == pytest.approx(100.0)


def test_mismatched_lengths_are_refused_with_the_take_named():
    with pytest.raises(ValueError, match="take7"):
        stream_events([S, P], [S], fps=10, take="take7")


def test_no_idle_time_gives_nan_rate_not_a_crash():
    summary = summarise_stream(stream_events([P, P], [P, P], fps=10))
    assert math.isnan(summary["false_triggers_per_min"])
