"""The latency probe: how long the call a game makes takes, after warm-up.

Statistics use pytest-benchmark's field names (min, max, mean, stddev, median, iqr, q1,
q3, ops, rounds) so the numbers mean what readers of benchmarks expect; times are in
seconds there, as in pytest-benchmark, and the run's tables show milliseconds. Caches are
bypassed while timing: a timed call must do the real work from the raw frame.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from harness import cache

DEFAULT_ROUNDS = 50
DEFAULT_WARMUP = 5
THROUGHPUT_BATCH = 32  # frames' worth of input: 32 frames, or 32 // window windows
# pytest-benchmark's budget (``--benchmark-max-time``, ``--benchmark-min-rounds``) for the
# probes that are not the headline: a window method's cold call embeds every frame of the
# window, so 50 rounds of it cost seconds per method (issue 11: 183 s of a 462 s quick run
# went to latency probes).
MAX_TIME = 1.0
MIN_ROUNDS = 5


def stats_of(seconds: list[float]) -> dict:
    data = np.asarray(seconds, dtype=float)
    q1, median, q3 = np.percentile(data, [25, 50, 75])
    mean = float(data.mean())
    return {
        "min": float(data.min()),
        "max": float(data.max()),
        "mean": mean,
        "stddev": float(statistics.stdev(data)) if len(data) > 1 else 0.0,
        "median": float(median),
        "iqr": float(q3 - q1),
        "q1": float(q1),
        "q3": float(q3),
        "p95": float(np.percentile(data, 95)),
        "ops": 1.0 / mean if mean > 0 else float("inf"),
        "rounds": len(data),
        "iterations": 1,
        "data": [float(x) for x in data],
    }


def probe(
    call: Callable[[], object],
    rounds: int = DEFAULT_ROUNDS,
    warmup: int = DEFAULT_WARMUP,
    max_time: float | None = None,
):
    """Time ``call()`` ``rounds`` times after ``warmup`` untimed calls, caches bypassed.

    With ``max_time`` (seconds), warm-up and timing each stop once they have taken that
    long and done at least one warm-up call and :data:`MIN_ROUNDS` timed ones.
    """
    with cache.bypassed():
        _repeat(call, warmup, 1, max_time)
        seconds = _repeat(call, rounds, MIN_ROUNDS, max_time)
    return stats_of(seconds)


def _repeat(call, times: int, at_least: int, max_time: float | None) -> list[float]:
    """Durations of up to ``times`` calls; past ``at_least`` calls, stop after ``max_time``."""
    seconds: list[float] = []
    for _ in range(times):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
        if max_time is not None and len(seconds) >= at_least and sum(seconds) >= max_time:
            break
    return seconds


def throughput(
    call_batch: Callable[[], object],
    batch_size: int,
    rounds: int = 3,
    max_time: float | None = None,
) -> float:
    """Inputs per second when ``call_batch()`` handles ``batch_size`` inputs at once (the
    best of ``rounds`` calls after one warm-up; at least one timed call within ``max_time``)."""
    with cache.bypassed():
        call_batch()  # warm-up
        best = min(_repeat(call_batch, rounds, 1, max_time))
    return batch_size / best if best > 0 else float("inf")


def probe_stream(stream, frames, window: int, rounds: int = DEFAULT_ROUNDS) -> dict | None:
    """Time a live stream's tick: ``stream.push(frame)`` once its window is full.

    ``frames`` are consecutive frames of one take; the first ``window - 1`` (plus a few for
    warm-up) fill the ring buffer untimed, then each timed push is what a game pays per
    camera frame. None when the take is too short.
    """
    frames = list(frames)
    start = window - 1 + DEFAULT_WARMUP
    if len(frames) <= start:
        return None
    for frame in frames[:start]:
        stream.push(frame)
    seconds = []
    for frame in (frames[start:] * (1 + rounds // max(1, len(frames) - start)))[:rounds]:
        begin = time.perf_counter()
        stream.push(frame)
        seconds.append(time.perf_counter() - begin)
    return stats_of(seconds)
