"""results.aggregate: pooled held-out metrics from per-subject confusions, fold statistics,
failed and skipped entries, against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness import metrics
from harness.results import aggregate

CLASSES = ("stand", "punch_left", "squat")  # the posture task's order, as a, b, c below
A, B, C = "stand", "punch_left", "squat"


def fold_row(fold: int, truth, guess, groups, latency: float, status: str = "ok") -> dict:
    """A result row as the runner writes it (see harness.job.scored_row)."""
    row = {"dataset": "d", "task": "posture", "method": "m", "protocol": "subjects",
           "scoring": "last-frame", "fold": fold, "seed": 0, "status": status}  # fmt: skip
    if status != "ok":
        return row | {"reason": "ValueError: it broke"}
    row["reason"] = ""
    scores = metrics.score(truth, guess, CLASSES, groups, 0)
    row.update({k: v for k, v in scores.items() if not isinstance(v, dict)})
    row.update(latency_median_ms=latency, throughput_fps=100.0 / latency, fit_seconds=1.0)
    labels = scores["confusion"]["labels"]
    row["detail"] = {"per_subject": metrics.per_subject_confusions(truth, guess, groups, labels)}
    return row


# Pooled over both folds: truth a a a b b c, predicted a a b b c c (see test_metrics.py):
# accuracy 4/6, balanced accuracy 13/18, macro-F1 59/90.
# Fold 0 alone (a a a b -> a a b b): F1 a 4/5, b 2/3 -> 11/15; fold 1 (b c -> c c): b 0,
# c 2/3 -> 1/3; the mean of the folds, 8/15, is not the pooled figure.
FOLD_0 = ([A, A, A, B], [A, A, B, B], ["s1", "s1", "s2", "s2"])
FOLD_1 = ([B, C], [C, C], ["s3", "s3"])


def test_pooled_metrics_are_those_of_all_held_out_predictions_together():
    rows = [fold_row(0, *FOLD_0, latency=2.0), fold_row(1, *FOLD_1, latency=4.0)]
    (entry,) = aggregate(rows)
    assert entry["status"] == "ok" and entry["folds_ok"] == 2 and entry["folds_failed"] == 0
    assert entry["accuracy"] == pytest.approx(4 / 6)
    assert entry["balanced_accuracy"] == pytest.approx(13 / 18)
    assert entry["macro_f1"] == pytest.approx(59 / 90)
    assert entry["fold_macro_f1"] == pytest.approx(8 / 15)
    assert entry["fold_macro_f1_std"] == pytest.approx(np.std([11 / 15, 1 / 3]))
    assert entry["latency_median_ms"] == pytest.approx(3.0)  # median over folds
    assert entry["throughput_fps"] == pytest.approx((50 + 25) / 2)  # mean over folds
    assert entry["pooled"]["confusion"]["matrix"] == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    truth, guess, groups = (sum(parts, []) for parts in zip(FOLD_0, FOLD_1, strict=True))
    direct = metrics.score(truth, guess, CLASSES, groups, 0)  # the same interval too
    assert entry["macro_f1_ci_low"] == pytest.approx(direct["macro_f1_ci_low"])
    assert entry["macro_f1_ci_high"] == pytest.approx(direct["macro_f1_ci_high"])


def test_a_failed_fold_makes_the_entry_partial_with_its_reason_and_leaves_the_rest_pooled():
    rows = [fold_row(0, *FOLD_0, latency=2.0), fold_row(1, *FOLD_1, 0, status="failed")]
    (entry,) = aggregate(rows)
    assert entry["status"] == "partial" and entry["reason"] == "ValueError: it broke"
    assert (entry["folds_ok"], entry["folds_failed"]) == (1, 1)
    assert entry["macro_f1"] == pytest.approx(11 / 15)  # fold 0 alone
    assert entry["accuracy"] == pytest.approx(3 / 4)


def test_methods_that_never_ran_keep_their_status_and_no_score():
    failed = [fold_row(f, *FOLD_0, 0, status="failed") for f in (0, 1)]
    skipped = {"dataset": "d", "task": "posture", "method": "n", "fold": "", "seed": 0,
               "status": "skipped", "reason": "needs weights"}  # fmt: skip
    entries = {e["method"]: e for e in aggregate([*failed, skipped])}
    assert entries["m"]["status"] == "failed" and entries["m"]["folds_failed"] == 2
    assert entries["n"]["status"] == "skipped" and entries["n"]["reason"] == "needs weights"
    assert "macro_f1" not in entries["m"] and "macro_f1" not in entries["n"]


def test_folds_without_a_latency_probe_are_left_out_of_the_latency_median():
    rows = [fold_row(0, *FOLD_0, latency=2.0), fold_row(1, *FOLD_1, latency=math.nan)]
    (entry,) = aggregate(rows)
    assert entry["latency_median_ms"] == pytest.approx(2.0)


def test_every_task_of_a_method_shows_the_latency_probed_on_one_of_them():
    probed = fold_row(0, *FOLD_0, latency=2.0)
    other_task = fold_row(0, *FOLD_0, latency=float("nan")) | {"task": "action"}
    vote = other_task | {"method": "m+vote", "scoring": "vote"}
    other_method = fold_row(0, *FOLD_0, latency=float("nan")) | {"method": "n"}
    entries = {
        (e["task"], e["method"]): e for e in aggregate([probed, other_task, vote, other_method])
    }
    for key in (("action", "m"), ("action", "m+vote")):
        assert entries[key]["latency_median_ms"] == pytest.approx(2.0)
        assert entries[key]["throughput_fps"] == pytest.approx(50.0)
        assert entries[key]["latency_task"] == "posture"
    assert "latency_task" not in entries[("posture", "m")]
    assert "latency_median_ms" not in entries[("posture", "n")]  # never probed: no figure
