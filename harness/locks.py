"""Locks between processes that share the harness cache (one machine, or a cluster's disk).

A ``HARNESS_CACHE_DIR`` may be written by several runs at once, and by every worker of a
Dask or Ray cluster. Entries are always written by atomic rename (:mod:`harness.files`), so
a reader never sees a torn one; these locks add the two things renames cannot give:

- :func:`entry_lock`: one process computes a given entry at a time; the others wait, then
  read what it wrote instead of computing it again (a take rendered once, not by every
  worker that wants it). Best effort: where the file system has no locks, or the holder
  takes longer than ``wait`` seconds, the caller computes anyway, which only wastes work.
- :func:`hold_shared` / :func:`try_exclusive`: a process that uses the entries of one
  version (say, takes of one renderer) holds a shared lock for as long as it lives, and
  deleting that version needs the exclusive lock, so no process deletes files another
  one, or its workers, still have to open.

The locks are ``flock`` locks on small files under ``<cache>/.locks``: the operating system
releases them when their process dies, so a crashed or killed worker never leaves a stale
one. On NFS, Linux maps them to the server's locks; on a platform without ``fcntl``
(Windows) the version locks are not taken and pruning behaves as if nothing were in use.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

#: How long to wait for another process computing the same entry before computing it too.
DEFAULT_WAIT = 3600.0

# Shared locks this process holds, by lock file: released when the process exits.
_HELD: dict[str, int] = {}


@contextlib.contextmanager
def entry_lock(lock_path: Path, wait: float = DEFAULT_WAIT) -> Iterator[bool]:
    """Hold the lock of one cache entry while computing it; yields whether it was taken.

    Parameters
    ----------
    lock_path : the entry's lock file (created with its folder if missing).
    wait : seconds to wait for a process computing the same entry; past that, or when the
        file system refuses locks, the block runs unlocked (and yields False).
    """
    lock = None
    try:
        Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path), timeout=wait)
        lock.acquire()
    except (Timeout, OSError, NotImplementedError):
        lock = None  # computing twice is only wasted work: entries are renamed into place
    try:
        yield lock is not None
    finally:
        if lock is not None:
            lock.release()


def hold_shared(lock_path: Path) -> bool:
    """Mark a version as in use by this process until it exits (idempotent).

    Returns False where no lock could be taken (no ``fcntl``, a file system without locks).
    """
    key = str(lock_path)
    if key in _HELD:
        return True
    if fcntl is None:  # pragma: no cover - Windows
        return False
    try:
        Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(key, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_SH)  # waits only while a pruner deletes this version
    except OSError:
        os.close(handle)
        return False
    _HELD[key] = handle  # kept open (and locked) for the life of the process
    return True


@contextlib.contextmanager
def try_exclusive(lock_path: Path) -> Iterator[bool]:
    """Yields True while this process alone holds the lock (no one uses the version),
    False at once if any process holds it (in use: keep the version)."""
    if fcntl is None:  # pragma: no cover - Windows: nothing to ask
        yield True
        return
    try:
        Path(lock_path).parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(str(lock_path), os.O_RDWR | os.O_CREAT, 0o666)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by a user (or locks unsupported: keep, to be safe)
            yield False
            return
        yield True
    finally:
        os.close(handle)  # closing the descriptor releases the lock
