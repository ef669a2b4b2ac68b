"""Helpers shared by the ``folders`` and ``clips`` plugins (bring-your-own-data).

Decoded frames are cached as ``.npy`` files in the harness cache (keyed by each source
file's path, modification time and size, the target size and the decoding code), and
recordings hold read-only memory maps of them: a second run does not decode again, and a
large dataset does not have to fit in memory. The user's files are only ever read.
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
import zlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap
from tqdm import tqdm

from harness import cache
from harness.api import COARSE_LABELS, TASKS
from harness.tools import media
from harness.tools.layout import Layout

#: Images without a subject are spread over this many pseudo-subjects (see folders.py).
PSEUDO_SUBJECTS = 10


def report(layout: Layout) -> None:
    """Raise the layout's first error (one line); warn about each other problem."""
    layout.raise_first_error()
    for problem in layout.warnings:
        warnings.warn(str(problem), stacklevel=3)


def skip(path: Path, what: str) -> None:
    warnings.warn(f"{path}: {what}; skipped", stacklevel=3)


def pseudo_subject(rel: str, buckets: int = PSEUDO_SUBJECTS) -> str:
    """A stable, random-looking pseudo-subject for an item without one."""
    return f"unknown-{zlib.crc32(rel.encode()) % buckets:02d}"


def common_size(sizes: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """The most common (width, height), scaled down to :data:`media.MAX_SIDE`."""
    counts = Counter(tuple(s) for s in sizes)
    size = max(counts, key=lambda s: (counts[s], s))
    return media.capped_size(size)


def warn_resized(sizes: dict[str, tuple[int, int]], size: tuple[int, int], what: str) -> None:
    """One warning for every file whose size differs from ``size`` (they are converted)."""
    odd = {rel: s for rel, s in sizes.items() if tuple(s) != tuple(size)}
    if odd:
        rel, s = next(iter(odd.items()))
        warnings.warn(
            f"{len(odd)} {what} are resized to {size[0]}x{size[1]} (first: {rel}, {s[0]}x{s[1]})",
            stacklevel=3,
        )


def source_key(paths: Iterable[Path], *parts) -> str:
    """Cache key and fingerprint: file paths, modification times and sizes, plus ``parts``."""
    stats = []
    for path in paths:
        stat = Path(path).stat()
        stats.append([str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size])
    return cache.key_of(stats, list(parts), cache.code_hash(media))


def _cached_stack(
    namespace: str,
    key: str,
    produce: Iterable[tuple[int, np.ndarray | None]],
    capacity: int,
    size: tuple[int, int],
) -> tuple[np.ndarray, list[int]]:
    """Store the frames ``produce`` yields as one cached (N, H, W, 3) array.

    ``produce`` yields (source index, frame or None to skip). Frames are written slot by slot
    into a memory-mapped file (doubled when ``capacity`` runs out), so a long video or a big
    folder never has to fit in memory. Returns the read-only frames and their source indices.
    """
    folder = cache.cache_dir() / namespace
    folder.mkdir(parents=True, exist_ok=True)
    array_path, index_path = folder / f"{key}.npy", folder / f"{key}.json"
    if array_path.is_file() and index_path.is_file():
        kept = json.loads(index_path.read_text())
        return np.load(array_path, mmap_mode="r")[: len(kept)], kept
    width, height = size
    temp = folder / f".{key}.{os.getpid()}.npy"
    frames = open_memmap(temp, "w+", np.uint8, (max(1, capacity), height, width, 3))
    kept: list[int] = []
    for index, frame in produce:
        if frame is None:
            continue
        if len(kept) == len(frames):
            grown, grown_path = _doubled(frames, temp)
            del frames  # released before its file is removed (Windows cannot remove it mapped)
            temp.unlink()
            frames, temp = grown, grown_path
        frames[len(kept)] = media.fit(frame, size)
        kept.append(index)
    frames.flush()
    del frames
    os.replace(temp, array_path)
    # The index is written last and atomically: its presence marks a complete entry.
    temp_index = folder / f".{key}.{os.getpid()}.json"
    temp_index.write_text(json.dumps(kept))
    os.replace(temp_index, index_path)
    return np.load(array_path, mmap_mode="r")[: len(kept)], kept


def _doubled(frames: np.memmap, path: Path) -> tuple[np.memmap, Path]:
    """A memory map twice as long holding the same frames (copied on disk, in chunks)."""
    grown_path = path.with_name(f"{path.stem}.x2.npy")
    grown = open_memmap(grown_path, "w+", np.uint8, (2 * len(frames), *frames.shape[1:]))
    for start in range(0, len(frames), 256):
        stop = min(start + 256, len(frames))
        grown[start:stop] = frames[start:stop]
    return grown, grown_path


def cached_images(
    key: str, paths: list[Path], size: tuple[int, int], desc: str
) -> tuple[np.ndarray, list[int]]:
    """Decode ``paths`` to one (N, H, W, 3) array at ``size``, cached; unreadable ones skipped
    with a warning. Returns the frames (read-only memory map) and the indices of their paths."""

    def produce():
        bar = tqdm(paths, desc=desc, unit="image", file=sys.stderr, leave=False, disable=None)
        for i, path in enumerate(bar):
            image = media.read_image(path)
            if image is None:
                skip(path, "unreadable or corrupt image")
            yield i, image

    return _cached_stack("byod-images", key, produce(), len(paths), size)


def cached_video(key: str, path: Path, size: tuple[int, int], frame_count: int) -> np.ndarray:
    """Every frame of the video at ``size``, decoded once (lazily, with a progress bar) and
    cached; returns a read-only memory map. ValueError if no frame decodes."""
    # Containers may under-report their length: a little spare room avoids a regrow.
    capacity = frame_count + frame_count // 20 + 8
    frames, _ = _cached_stack("byod-clips", key, media.iter_video(path, size), capacity, size)
    if not len(frames):
        raise ValueError(f"{path}: no frame could be decoded (corrupt or unknown codec)")
    return frames


def slug(text: str) -> str:
    """A file-name-safe id from a relative path."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "item"


def unique_id(candidate: str, taken: set[str]) -> str:
    """``candidate``, or ``candidate-2``, ``-3``... if taken; the result is added to ``taken``."""
    unique, n = candidate, 1
    while unique in taken:
        n += 1
        unique = f"{candidate}-{n}"
    taken.add(unique)
    return unique


def supported_tasks(labels: Iterable[str]) -> tuple[str, ...]:
    """The tasks every one of ``labels`` maps into (coarse labels serve two, ...)."""
    labels = set(labels)
    return tuple(
        name
        for name, task in TASKS.items()
        if labels and all(task.map_label(label) is not None for label in labels)
    )


def between_label(labels: Iterable[str]) -> str:
    """Label for frames between a clip's moves: ``stand`` (``other`` for coarse labels)."""
    return "other" if set(labels) & set(COARSE_LABELS) else "stand"
