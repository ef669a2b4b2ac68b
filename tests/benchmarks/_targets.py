"""Speed targets, checked by benchmarks rather than timed unit tests (machines are noisy).

Every benchmark states its target with :func:`meets_target`: the target goes into the
benchmark's ``extra_info`` (so it is saved with the timings), the measured median is
printed beside it at the end of the session (``conftest.py``), and the test fails only when
the median misses the target by more than :data:`NOISE_MARGIN` (a loaded CI machine is not
a slow method). Run with ``python -m pytest tests/benchmarks --benchmark-only``.
"""

from __future__ import annotations

#: How far over its target a median may be before the benchmark fails.
NOISE_MARGIN = 2.0

MEASURED: list[tuple[str, float, float | None]] = []


def meets_target(benchmark, target_seconds: float, median: float | None = None) -> None:
    """Record ``target_seconds`` for this benchmark and fail beyond the noise margin.

    ``median`` defaults to the benchmark's median (seconds per call); give it for targets
    in other units converted to seconds per item (e.g. frames per second).
    """
    median = benchmark.stats.stats.median if median is None else median
    benchmark.extra_info["target_seconds"] = target_seconds
    benchmark.extra_info["noise_margin"] = NOISE_MARGIN
    MEASURED.append((benchmark.name, median, target_seconds))
    assert median <= NOISE_MARGIN * target_seconds, (
        f"median {median * 1e3:.2f} ms is over {NOISE_MARGIN:g}x the target "
        f"{target_seconds * 1e3:.2f} ms"
    )


def without_target(benchmark, why: str) -> None:
    """Record a benchmark that times a part of something with a target (printed, never
    failed): ``why`` says which."""
    benchmark.extra_info["no_target"] = why
    MEASURED.append((benchmark.name, benchmark.stats.stats.median, None))
