"""Atomic file writes: an interrupted run never leaves a half-written file behind.

Everything the harness writes (results, cache entries, rendered takes, decoded frames) goes
through :func:`replacing`: the content is written under a hidden temporary name beside its
destination and renamed over it only when complete. A crash, a full disk or Ctrl-C leaves
the previous file (or nothing), never a torn one, and the temporary is removed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np


@contextlib.contextmanager
def replacing(path: Path, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` when the block ends.

    Parameters
    ----------
    path : the destination file (or folder, with ``directory=True``).
    directory : create the temporary as an empty folder to fill.

    On an exception (KeyboardInterrupt included) the temporary is deleted and the exception
    propagates. A folder destination that already exists was finished by someone else (two
    workers computing the same entry): ours is dropped and theirs kept.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{path.suffix}")
    if directory:
        temp.mkdir()
    try:
        yield temp
        if not directory:
            _make_public(temp)
        try:
            os.replace(temp, path)
        except OSError:
            if not (directory and path.is_dir()):
                raise
            shutil.rmtree(temp, ignore_errors=True)  # finished by someone else first
    except BaseException:
        if temp.is_dir():
            shutil.rmtree(temp, ignore_errors=True)
        else:
            temp.unlink(missing_ok=True)
        raise


def _make_public(path: Path) -> None:
    """Temporary files are private (0600); results are for everyone the umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with replacing(path) as temp, open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def atomic_write_text(path: Path, text: str) -> None:
    # A name read from a non-UTF-8 file system (surrogate escapes) is written escaped, never
    # a crash that loses the results.
    atomic_write_bytes(path, text.encode("utf-8", errors="backslashreplace"))


def atomic_save_npy(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` (``.npy``) so a reader never sees a half-written file."""
    with replacing(path) as temp, open(temp, "wb") as handle:
        np.save(handle, array)


def _json_safe(value):
    """NaN and infinity are not JSON: store them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    return value


def json_text(payload) -> str:
    """``payload`` as JSON (NaN as null); names read from the file system stay ASCII-escaped."""
    return json.dumps(_json_safe(payload), indent=1, sort_keys=False)


def atomic_write_json(path: Path, payload) -> None:
    atomic_write_text(path, json_text(payload))


def save_png(path: Path, rgb) -> Path:
    """Write an RGB uint8 image as PNG, atomically (a failed write is an OSError)."""
    import cv2

    encoded, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not encoded:
        raise ValueError(f"could not encode the image for {path}")
    atomic_write_bytes(Path(path), png.tobytes())
    return Path(path)
