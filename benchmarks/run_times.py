"""The main job's speed on this machine: quick cold, full cold, full warm, and peak memory.

Usage (from the repository root; minutes to an hour, it runs the real thing)::

    python benchmarks/run_times.py [--weights-dir DIR] [--skip-full] [--jobs N] [--keep DIR]
    python benchmarks/run_times.py --runs full-cold --cache CACHE   # keeps the full cache
    python benchmarks/run_times.py --runs full-warm --cache CACHE --jobs 1 [--tasks action]

Prints one line per run: wall seconds and the peak memory of the whole process tree (the
harness and its workers, sampled every half second from /proc: Linux only): PSS (every
resident page once; the target applies to it), its anonymous part, and the RSS summed
over processes (which counts shared libraries and memory-mapped frames once per worker).
"Cold" runs use a fresh, empty cache folder; "warm" reuses the one the cold run filled.
Targets (issue 11, this 2-core CPU): quick <= 90 s cold; full <= 15 min cold, <= 5 min
warm; peak memory <= 4 GB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"quick, cold": 90, "full, cold": 15 * 60, "full, warm": 5 * 60}
RUNS = ("quick-cold", "full-cold", "full-warm")
MEMORY_TARGET_GB = 4.0


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def tree_memory(pid: int) -> dict[str, int]:
    """Bytes of ``pid``'s process tree, from /proc/PID/smaps_rollup, three ways:

    - ``rss``: resident set sizes summed, so pages shared between processes (TensorFlow's
      libraries, the dataset's memory-mapped frames) count once per process;
    - ``pss``: proportional set size: every resident page once, shared ones split among
      the processes sharing them; what the run occupies in RAM;
    - ``anon``: the anonymous (and shared-memory) part of ``pss``: what the run needs
      beyond the page cache, which the kernel can drop and read back from disk.
    """
    total = {"rss": 0, "pss": 0, "anon": 0}
    for member in tree(pid):
        try:
            text = Path(f"/proc/{member}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = {}
        for line in text.splitlines()[1:]:
            name, _, value = line.partition(":")
            fields[name] = int(value.split()[0]) * 1024 if value.split() else 0
        total["rss"] += fields.get("Rss", 0)
        total["pss"] += fields.get("Pss", 0)
        total["anon"] += fields.get("Pss_Anon", 0) + fields.get("Pss_Shmem", 0)
    return total


def timed_run(args: list[str], cache: Path) -> tuple[float, dict[str, float], int]:
    """(wall seconds, peak GB of each memory measure, exit status) of ``harness run ARGS``."""
    env = {**os.environ, "HARNESS_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"}
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "harness", "run", *args, "--quiet"], env=env)
    peak = {"rss": 0, "pss": 0, "anon": 0}
    while process.poll() is None:
        for name, value in tree_memory(process.pid).items():
            peak[name] = max(peak[name], value)
        time.sleep(0.5)
    return time.monotonic() - start, {k: v / 2**30 for k, v in peak.items()}, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", default=os.environ.get("HARNESS_WEIGHTS_DIR"))
    parser.add_argument(
        "--runs",
        default=",".join(RUNS),
        help=f"which runs, in order (default: {','.join(RUNS)})",
    )
    parser.add_argument("--skip-full", action="store_true", help="only the quick, cold run")
    parser.add_argument("--jobs", default=None, help="--jobs for the runs (default: the CLI's)")
    parser.add_argument("--tasks", default=None, help="--tasks for the runs (default: all)")
    parser.add_argument("--keep", type=Path, help="keep the runs' folders (reports) here")
    parser.add_argument(
        "--cache",
        type=Path,
        help="the full runs' cache folder (kept; empty for a cold run): a later "
        "`--runs full-warm --cache` reuses it, e.g. with --jobs 1 and 2 for docs/scaling.md",
    )
    options = parser.parse_args()
    runs = ["quick-cold"] if options.skip_full else options.runs.split(",")
    unknown = sorted(set(runs) - set(RUNS))
    if unknown:
        parser.error(f"unknown runs {unknown}; valid: {', '.join(RUNS)}")
    common = ["--weights-dir", options.weights_dir] if options.weights_dir else []
    common += ["--jobs", options.jobs] if options.jobs else []
    common += ["--tasks", options.tasks] if options.tasks else []
    with tempfile.TemporaryDirectory() as scratch:
        for run in runs:
            profile, state = run.split("-")
            name = f"{profile}, {state}"
            default_cache = Path(scratch) / f"cache-{profile}"
            cache = options.cache if options.cache and profile == "full" else default_cache
            out = (options.keep or Path(scratch)) / f"run-{run}"
            if state == "cold" and cache.exists() and any(cache.iterdir()):
                raise SystemExit(f"{cache} should be empty for a cold run")
            args = ["--profile", profile, *common, "--out", str(out)]
            seconds, peak, status = timed_run(args, cache)
            ok = seconds <= TARGETS[name] and peak["pss"] <= MEMORY_TARGET_GB
            print(
                f"{name:<12} {seconds:7.0f} s (target {TARGETS[name]} s)   peak PSS "
                f"{peak['pss']:5.2f} GB (target {MEMORY_TARGET_GB:g} GB; anonymous "
                f"{peak['anon']:.2f} GB, RSS summed {peak['rss']:.2f} GB)   exit {status}   "
                f"{'ok' if ok else 'MISSED'}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
