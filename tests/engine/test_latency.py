"""harness.latency: the probes' round counts and their time budget."""

from __future__ import annotations

import time

from harness import latency


def test_a_probe_without_a_budget_times_every_round_asked_for():
    stats = latency.probe(lambda: None, rounds=50, warmup=2)
    assert stats["rounds"] == 50 and len(stats["data"]) == 50


def test_a_budget_stops_a_slow_probe_after_the_minimum_rounds():
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.03)

    stats = latency.probe(slow, rounds=50, warmup=5, max_time=0.02)
    # one warm-up call already exceeds the budget, then the minimum of timed rounds
    assert stats["rounds"] == latency.MIN_ROUNDS
    assert len(calls) == 1 + latency.MIN_ROUNDS
    assert min(stats["data"]) >= 0.03


def test_throughput_within_a_budget_still_times_one_call():
    calls = []

    def batch():
        calls.append(1)
        time.sleep(0.02)

    fps = latency.throughput(batch, 8, rounds=3, max_time=0.01)
    assert len(calls) == 2  # warm-up and one timed call
    assert 0 < fps <= 8 / 0.02
