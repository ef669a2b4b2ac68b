"""On-disk caches for expensive, deterministic steps (rendering, augmenting, features).

Entries are keyed by a hash of their inputs and of the code that made them, so editing
the code invalidates exactly what it produced. The cache folder is ``$HARNESS_CACHE_DIR``
or ``~/.cache/posture-harness``; deleting it is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np

ENV_VAR = "HARNESS_CACHE_DIR"

# The latency probe turns caches off so a timed call always does the real work.
_bypass = False


@contextlib.contextmanager
def bypassed():
    """Inside this block every cache lookup recomputes and nothing is stored."""
    global _bypass
    previous, _bypass = _bypass, True
    try:
        yield
    finally:
        _bypass = previous


def is_bypassed() -> bool:
    """True inside :func:`bypassed` (feature extractors must then compute, not look up)."""
    return _bypass


def cache_dir() -> Path:
    root = os.environ.get(ENV_VAR) or Path.home() / ".cache" / "posture-harness"
    path = Path(root).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def memory() -> joblib.Memory:
    """A joblib.Memory in the cache folder, for caching whole function calls."""
    return joblib.Memory(cache_dir() / "joblib", verbose=0)


def code_hash(*objects) -> str:
    """Hash of the source code of modules, classes or functions (their behaviour's id)."""
    digest = hashlib.sha256()
    for obj in objects:
        digest.update(inspect.getsource(obj).encode())
    return digest.hexdigest()[:16]


def key_of(*parts) -> str:
    """A stable hash of JSON-able parts and numpy arrays."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(joblib.hash(part).encode())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:20]


def atomic_save_npy(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` so a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as handle:
        np.save(handle, array)
    os.replace(handle.name, path)


def cached_array(
    namespace: str, key: str, compute: Callable[[], np.ndarray], mmap: bool = True
) -> np.ndarray:
    """Load ``namespace/key.npy`` or compute, store and return it (memory-mapped if asked)."""
    if _bypass:
        return np.asarray(compute())
    path = cache_dir() / namespace / f"{key}.npy"
    if path.is_file():
        try:
            return np.load(path, mmap_mode="r" if mmap else None)
        except (ValueError, OSError):
            path.unlink(missing_ok=True)  # a damaged entry is recomputed, never trusted
    array = compute()
    atomic_save_npy(path, np.asarray(array))
    return np.load(path, mmap_mode="r") if mmap else array
