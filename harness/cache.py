"""On-disk caches for expensive, deterministic steps (rendering, augmenting, features).

Entries are keyed by a hash of their inputs and of the code that made them, so editing
the code invalidates exactly what it produced. The cache folder is ``$HARNESS_CACHE_DIR``
or ``~/.cache/posture-harness``; deleting it is always safe. Entries are written
atomically (:mod:`harness.files`) and a damaged one is recomputed, never trusted; processes
sharing the folder compute each entry once (:mod:`harness.locks`).
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib
import importlib.util
import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path

import joblib
import numpy as np

from harness.files import atomic_save_npy
from harness.locks import entry_lock

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
    """The cache folder (created); ValueError in one line if it cannot be one."""
    root = os.environ.get(ENV_VAR) or Path.home() / ".cache" / "posture-harness"
    path = Path(root).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(
            f"the cache folder {path} ({ENV_VAR}) is a file; point it at a folder"
        ) from None
    except PermissionError:
        raise ValueError(
            f"cannot create the cache folder {path} ({ENV_VAR}); choose another"
        ) from None
    return path


def code_hash(*objects) -> str:
    """Hash of the source code of modules, classes or functions (their behaviour's id)."""
    digest = hashlib.sha256()
    for obj in objects:
        if inspect.ismodule(obj):  # the whole file: constants and all (empty files too)
            digest.update(Path(obj.__file__).read_bytes())
        else:
            digest.update(inspect.getsource(obj).encode())
    return digest.hexdigest()[:16]


@functools.cache
def project_modules(name: str) -> tuple:
    """Module ``name`` and every ``harness`` module it imports, directly or not.

    What a cache key must hash so that editing any code a step calls invalidates its
    entries: read from the import statements, so it is complete by construction.
    """
    seen: dict[str, object] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        module = importlib.import_module(current)
        seen[current] = module
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError):  # no source (a namespace package): nothing to follow
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                todo += [a.name for a in node.names if a.name.split(".")[0] == "harness"]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] != "harness":
                    continue
                submodules = [f"{node.module}.{a.name}" for a in node.names]
                submodules = [m for m in submodules if _is_module(m)]
                todo += submodules  # ``from harness import cache`` names a module...
                if len(submodules) < len(node.names):  # ...else a name defined in the package
                    todo.append(node.module)
    return tuple(seen[k] for k in sorted(seen))


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def key_of(*parts) -> str:
    """A stable hash of JSON-able parts and numpy arrays."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(joblib.hash(part).encode())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:20]


def entry_path(namespace: str, key: str) -> Path:
    """Where the array entry ``namespace/key`` lives (it may not exist yet)."""
    return cache_dir() / namespace / f"{key}.npy"


def cached_array(
    namespace: str, key: str, compute: Callable[[], np.ndarray], mmap: bool = True
) -> np.ndarray:
    """Load ``namespace/key.npy`` or compute, store and return it (memory-mapped if asked)."""
    if _bypass:
        return np.asarray(compute())
    path = entry_path(namespace, key)
    stored = _load_entry(path, mmap)
    if stored is not None:
        return stored
    # Processes sharing the cache (runs, cluster workers) compute an entry once: the others
    # wait for it, then load it.
    with entry_lock(lock_path(namespace, key)):
        stored = _load_entry(path, mmap)
        if stored is not None:
            return stored
        array = compute()
        atomic_save_npy(path, np.asarray(array))
    return np.load(path, mmap_mode="r") if mmap else array


def lock_path(namespace: str, name: str) -> Path:
    """The lock file of the entry ``namespace/name`` (see :mod:`harness.locks`)."""
    return cache_dir() / ".locks" / namespace / f"{name}.lock"


def _load_entry(path: Path, mmap: bool) -> np.ndarray | None:
    if not path.is_file():
        return None
    try:
        return np.load(path, mmap_mode="r" if mmap else None)
    except (ValueError, OSError, EOFError):
        path.unlink(missing_ok=True)  # a damaged entry is recomputed, never trusted
        return None
