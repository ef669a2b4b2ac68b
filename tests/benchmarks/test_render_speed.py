"""Render speed of mk-synth (target: at least 300 frames per second per core at 320x240).

Run with ``pytest tests/benchmarks --benchmark-only``. The timed call draws every frame of
one staged take (performer over the room, masks) on one core; planning, posing and the
room (once per take) are set up outside the timing. CPU time (``time.process_time``) is
used so that other processes on the machine do not count against the renderer.
"""

import time

import pytest
from _targets import meets_target

from harness.synth.config import plan_takes, profile_config
from harness.synth.render import draw_frames, render_take, stage_take

TARGET_FPS = 300


@pytest.fixture(scope="module")
def staged():
    return stage_take(plan_takes(profile_config("full"))[0])


@pytest.mark.benchmark(group="mk-synth", timer=time.process_time, min_rounds=3)
def test_draw_frames_at_least_300_per_second_per_core(benchmark, staged):
    frames, masks = benchmark.pedantic(draw_frames, args=(staged,), rounds=3, warmup_rounds=1)
    assert frames.shape[1:] == (240, 320, 3)
    fps = len(frames) / benchmark.stats.stats.mean
    benchmark.extra_info["frames_per_second_per_core"] = round(fps, 1)
    meets_target(benchmark, 1 / TARGET_FPS, median=1 / fps)  # seconds per frame


@pytest.mark.benchmark(group="mk-synth", timer=time.process_time, min_rounds=3)
def test_whole_take_including_room_and_plan(benchmark):
    spec = plan_takes(profile_config("full"))[1]
    take = benchmark.pedantic(render_take, args=(spec,), rounds=3, warmup_rounds=0)
    fps = len(take.frames) / benchmark.stats.stats.mean
    benchmark.extra_info["frames_per_second_per_core"] = round(fps, 1)
    meets_target(benchmark, 1 / TARGET_FPS, median=1 / fps)  # seconds per frame
