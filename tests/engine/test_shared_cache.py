"""A cache folder shared by processes that run at once (runs, a cluster's workers).

Real processes (spawned: they share nothing but the disk) are released together from a
barrier and ask for the same entry while it is being made: it is made once, both get it
whole, no temporary is left, and pruning keeps the renderer versions a live process uses.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import numpy as np

SPAWN = multiprocessing.get_context("spawn")
#: Long enough that the second process asks while the first is still computing.
COMPUTE_SECONDS = 1.5


def _log_once(log: str) -> None:
    with open(log, "a") as handle:  # one line per computation
        handle.write(f"{os.getpid()}\n")


def _compute_entry(cache_dir: str, log: str, barrier) -> None:
    os.environ["HARNESS_CACHE_DIR"] = cache_dir
    from harness import cache

    def compute():
        _log_once(log)
        time.sleep(COMPUTE_SECONDS)
        return np.arange(1000, dtype=np.float32)

    barrier.wait()
    array = cache.cached_array("features/test", "same-key", compute)
    np.save(f"{log}.{os.getpid()}.npy", np.asarray(array))


def _tiny_spec():
    from harness.synth.config import SynthConfig, plan_takes

    config = SynthConfig(n_subjects=1, n_scenes=1, takes_per_subject=1, take_seconds=(2.0, 2.0))
    return plan_takes(config)[0]


def _render_take(cache_dir: str, log: str, barrier) -> None:
    os.environ["HARNESS_CACHE_DIR"] = cache_dir
    from harness.synth import render, store

    original = render.render_take

    def counted(spec):
        _log_once(log)
        return original(spec)

    render.render_take = counted
    spec = _tiny_spec()
    barrier.wait()
    store._write_take(spec, Path(cache_dir) / store.NAMESPACE / f"test-{store.take_key(spec)}")


def _use_version(cache_dir: str, code: str, ready, done) -> None:
    os.environ["HARNESS_CACHE_DIR"] = cache_dir
    from harness.locks import hold_shared
    from harness.synth import store

    assert hold_shared(store.version_lock(code))
    ready.set()
    done.wait(60)


def _together(target, *args) -> None:
    barrier = SPAWN.Barrier(2, timeout=60)
    workers = [SPAWN.Process(target=target, args=(*args, barrier)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0]


def test_two_processes_asking_for_one_cache_entry_compute_it_once(tmp_path):
    log = tmp_path / "computed.log"
    _together(_compute_entry, str(tmp_path / "cache"), str(log))
    assert len(log.read_text().split()) == 1  # the second waited for the first, then loaded
    results = [np.load(p) for p in tmp_path.glob("computed.log.*.npy")]
    assert len(results) == 2
    assert all(np.array_equal(r, np.arange(1000, dtype=np.float32)) for r in results)
    assert os.listdir(tmp_path / "cache" / "features" / "test") == ["same-key.npy"]


def test_two_processes_rendering_one_take_render_it_once(tmp_path):
    from harness.synth import store

    log = tmp_path / "rendered.log"
    _together(_render_take, str(tmp_path / "cache"), str(log))
    assert len(log.read_text().split()) == 1
    (take,) = (tmp_path / "cache" / store.NAMESPACE).iterdir()  # no temporary left
    assert sorted(p.name for p in take.iterdir()) == [
        "background.npy",
        "frames.npy",
        "keypoints.npy",
        "masks.npy",
        "truth.json",
    ]


def test_pruning_keeps_the_takes_of_a_renderer_version_a_live_process_uses(tmp_path, monkeypatch):
    from harness.synth import store

    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path))
    root = tmp_path / store.NAMESPACE
    used, unused = root / "aaaaaaaa-take", root / "bbbbbbbb-take"
    for folder in (used, unused):
        folder.mkdir(parents=True)
        (folder / "frames.npy").write_bytes(b"")
    ready, done = SPAWN.Event(), SPAWN.Event()
    user = SPAWN.Process(target=_use_version, args=(str(tmp_path), "aaaaaaaa", ready, done))
    user.start()
    try:
        assert ready.wait(60)
        store._prune(root, "cccccccc")
        assert used.is_dir() and not unused.exists()
    finally:
        done.set()
        user.join(60)
    store._prune(root, "cccccccc")  # its user is gone: now it goes
    assert not used.exists()
