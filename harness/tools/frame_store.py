"""Decoded frames of the user's images and videos, cached on disk as memory maps.

A folder of images or a video is decoded once into one ``(N, H, W, 3)`` ``.npy`` file in the
harness cache, keyed by each source file's path, modification time and size, the target
size and the decoding code; recordings hold read-only memory maps of it, so a second run
does not decode again and a large dataset never has to fit in memory. The user's files are
only ever read.

An entry is two files: the frames, then (written last) the JSON index of the source items
they came from; an entry without its index, or whose frames cannot be read back, is
damaged and decoded again. An interrupted decode (Ctrl-C, a full disk) leaves nothing.
Processes sharing the cache decode an entry once: the others wait for it (:mod:`harness.locks`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap
from tqdm import tqdm

from harness import cache
from harness.files import atomic_write_text, replacing
from harness.locks import entry_lock
from harness.tools import media


def source_key(paths: Iterable[Path], *parts) -> str:
    """Cache key and fingerprint: file paths, modification times and sizes, plus ``parts``
    and the decoding code (this module and every project module it imports)."""
    stats = []
    for path in paths:
        stat = Path(path).stat()
        stats.append([str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size])
    code = cache.code_hash(*cache.project_modules(__name__))
    return cache.key_of(stats, list(parts), code)


def _load_entry(array_path: Path, index_path: Path) -> tuple[np.ndarray, list[int]] | None:
    """The cached frames and their source indices, or None if missing or damaged."""
    if not (array_path.is_file() and index_path.is_file()):
        return None
    try:
        kept = json.loads(index_path.read_text())
        frames = np.load(array_path, mmap_mode="r")
        if frames.ndim != 4 or len(frames) < len(kept):
            raise ValueError("fewer frames than its index lists")
    except (ValueError, OSError, EOFError):
        array_path.unlink(missing_ok=True)  # damaged: decoded again, never trusted
        index_path.unlink(missing_ok=True)
        return None
    return frames[: len(kept)], kept


def cached_stack(
    namespace: str,
    key: str,
    produce: Iterable[tuple[int, np.ndarray | None]],
    capacity: int,
    size: tuple[int, int],
) -> tuple[np.ndarray, list[int]]:
    """Store the frames ``produce`` yields as one cached (N, H, W, 3) array.

    ``produce`` yields (source index, frame or None to skip). Frames are written slot by slot
    into a memory-mapped file (doubled when ``capacity`` runs out). Returns the read-only
    frames and their source indices.
    """
    folder = cache.cache_dir() / namespace
    array_path, index_path = folder / f"{key}.npy", folder / f"{key}.json"
    entry = _load_entry(array_path, index_path)
    if entry is not None:
        return entry
    with entry_lock(cache.lock_path(namespace, key)):  # one process decodes, others wait
        entry = _load_entry(array_path, index_path)
        if entry is not None:
            return entry
        return _decode(array_path, index_path, produce, capacity, size)


def _decode(array_path: Path, index_path: Path, produce, capacity: int, size: tuple[int, int]):
    """Decode ``produce`` into a new entry (frames, then the index that marks it whole)."""
    width, height = size
    with replacing(array_path) as temp:
        frames = open_memmap(temp, "w+", np.uint8, (max(1, capacity), height, width, 3))
        kept: list[int] = []
        for index, frame in produce:
            if frame is None:
                continue
            if len(kept) == len(frames):
                frames = _doubled(frames, temp)
            frames[len(kept)] = media.fit(frame, size)
            kept.append(index)
        frames.flush()
        del frames  # released before the rename (Windows cannot rename a mapped file)
    atomic_write_text(index_path, json.dumps(kept))  # last: its presence marks a whole entry
    return np.load(array_path, mmap_mode="r")[: len(kept)], kept


def _doubled(frames: np.memmap, path: Path) -> np.memmap:
    """``frames`` copied into a memory map twice as long that replaces the file at ``path``."""
    with replacing(path) as grown_path:
        grown = open_memmap(grown_path, "w+", np.uint8, (2 * len(frames), *frames.shape[1:]))
        for start in range(0, len(frames), 256):
            stop = min(start + 256, len(frames))
            grown[start:stop] = frames[start:stop]
        grown.flush()
        del grown
    return open_memmap(path, "r+")


def cached_images(
    key: str, paths: list[Path], size: tuple[int, int], desc: str, on_skip=None
) -> tuple[np.ndarray, list[int]]:
    """Decode ``paths`` to one (N, H, W, 3) array at ``size``, cached; unreadable ones are
    skipped and passed to ``on_skip(path, reason)``. Returns the frames (read-only memory
    map) and the indices of their paths."""

    def produce():
        bar = tqdm(paths, desc=desc, unit="image", file=sys.stderr, leave=False, disable=None)
        for i, path in enumerate(bar):
            try:
                yield i, media.load_image(path)
            except (FileNotFoundError, media.UnreadableFile) as error:
                if on_skip is not None:
                    on_skip(path, getattr(error, "reason", str(error)))
                yield i, None

    return cached_stack("byod-images", key, produce(), len(paths), size)


def cached_video(key: str, path: Path, size: tuple[int, int], frame_count: int) -> np.ndarray:
    """Every frame of the video at ``size``, decoded once (lazily, with a progress bar) and
    cached; returns a read-only memory map. ValueError if no frame decodes."""
    # Containers may under-report their length: a little spare room avoids a regrow.
    capacity = frame_count + frame_count // 20 + 8
    # Damage is told by the caller on every run (the decode happens on the first only).
    decoded = media.iter_video(path, size, warn_damage=False)
    frames, _ = cached_stack("byod-clips", key, decoded, capacity, size)
    if not len(frames):
        raise ValueError(f"{path}: no frame could be decoded (corrupt or unknown codec)")
    return frames
