"""The main job's speed on this machine: quick cold, full cold, full warm, and peak memory.

Usage (from the repository root; minutes to an hour, it runs the real thing)::

    python benchmarks/run_times.py [--weights-dir DIR] [--skip-full] [--jobs N] [--keep DIR]

Prints one line per run: wall seconds and the peak resident memory of the whole process
tree (the harness and its workers, sampled every half second from /proc: Linux only).
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
MEMORY_TARGET_GB = 4.0


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total


def timed_run(args: list[str], cache: Path) -> tuple[float, float, int]:
    """(wall seconds, peak GB, exit status) of ``python -m harness run ARGS``."""
    env = {**os.environ, "HARNESS_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"}
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "harness", "run", *args, "--quiet"], env=env)
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.5)
    return time.monotonic() - start, peak / 2**30, process.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", default=os.environ.get("HARNESS_WEIGHTS_DIR"))
    parser.add_argument("--skip-full", action="store_true", help="only the quick profile")
    parser.add_argument("--jobs", default=None, help="--jobs for the runs (default: the CLI's)")
    parser.add_argument("--keep", type=Path, help="keep the runs' folders (reports) here")
    options = parser.parse_args()
    common = ["--weights-dir", options.weights_dir] if options.weights_dir else []
    common += ["--jobs", options.jobs] if options.jobs else []
    plans = [("quick, cold", ["--profile", "quick"], True)]
    if not options.skip_full:
        plans += [
            ("full, cold", ["--profile", "full"], True),
            ("full, warm", ["--profile", "full"], False),
        ]
    with tempfile.TemporaryDirectory() as scratch:
        for name, args, fresh in plans:
            cache = Path(scratch) / ("cache-" + name.split(",")[0])
            out = (options.keep or Path(scratch)) / f"run-{name.replace(', ', '-')}"
            if fresh and cache.exists():
                raise SystemExit(f"{cache} should be empty for a cold run")
            seconds, peak, status = timed_run([*args, *common, "--out", str(out)], cache)
            verdict = "ok" if seconds <= TARGETS[name] and peak <= MEMORY_TARGET_GB else "MISSED"
            print(
                f"{name:<12} {seconds:7.0f} s (target {TARGETS[name]} s)   peak {peak:5.2f} GB "
                f"(target {MEMORY_TARGET_GB:g} GB)   exit {status}   {verdict}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
