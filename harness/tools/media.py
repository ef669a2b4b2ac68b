"""Reading the user's images and videos with OpenCV (read-only: nothing is ever written back).

Every reader returns RGB uint8 frames; grayscale, 16-bit and alpha images are converted.
Unreadable files give None (images) or a :class:`VideoInfo` with ``ok=False`` (videos), so
callers can report them by name and go on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".avi", ".mp4", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"})

#: Frames larger than this (longest side, pixels) are scaled down on loading: every method
#: works at 400 px or less, and full-HD frames would cost gigabytes per minute of video.
MAX_SIDE = 640

_EXIF_ORIENTATION = 0x0112

#: Frame rate assumed when a video does not say.
DEFAULT_FPS = 15.0


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES and not path.name.startswith(".")


def read_image(path: Path) -> np.ndarray | None:
    """The image at ``path`` as RGB uint8 (H, W, 3), or None if it cannot be decoded."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # imread cannot open non-ASCII paths
    except OSError:
        return None
    if data.size == 0:
        return None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR)  # grayscale/alpha/16-bit -> 8-bit BGR
    if image is None or image.size == 0:
        return None
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the image header without decoding it, or None if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            width, height = image.size
            # OpenCV turns photos upright by their EXIF orientation; 5-8 are quarter turns.
            if image.getexif().get(_EXIF_ORIENTATION, 1) in (5, 6, 7, 8):
                width, height = height, width
            return width, height
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def capped_size(size: tuple[int, int], max_side: int = MAX_SIDE) -> tuple[int, int]:
    """``size`` (width, height) scaled down to fit ``max_side``, keeping its aspect."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frame`` resized to ``size`` (width, height); unchanged if it already fits."""
    if (frame.shape[1], frame.shape[0]) == tuple(size):
        return frame
    shrinking = frame.shape[1] > size[0]
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


@dataclass
class VideoInfo:
    """What a video's container says about it; ``ok`` is False if OpenCV cannot read it."""

    path: Path
    ok: bool
    fps: float = DEFAULT_FPS
    frame_count: int = 0  # as the container claims (decoding may find fewer)
    size: tuple[int, int] = (0, 0)  # (width, height)


def probe_video(path: Path) -> VideoInfo:
    """Open ``path``, read its first frame and report its size, rate and frame count."""
    capture = cv2.VideoCapture(str(path))
    try:
        if not capture.isOpened():
            return VideoInfo(Path(path), False)
        ok, frame = capture.read()
        if not ok or frame is None:
            return VideoInfo(Path(path), False)
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        return VideoInfo(
            Path(path),
            True,
            float(fps) if fps and 0 < fps < 1000 else DEFAULT_FPS,
            max(count, 1),
            (frame.shape[1], frame.shape[0]),
        )
    finally:
        capture.release()


def iter_video(
    path: Path, size: tuple[int, int] | None = None, every: int = 1, progress: bool = True
) -> Iterator[tuple[int, np.ndarray]]:
    """Decode ``path`` lazily: (index, RGB frame) for every ``every``-th frame.

    Frames are resized to ``size`` (width, height) when given. A progress bar (stderr, only
    on a terminal) shows long decodes.
    """
    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        capture.release()
        raise ValueError(f"{path}: OpenCV cannot open this video (corrupt or unknown codec)")
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0) or None
    bar = tqdm(
        total=total,
        desc=f"decoding {Path(path).name}",
        unit="frame",
        file=sys.stderr,
        disable=None if progress else True,  # None: only on a terminal
        leave=False,
    )
    try:
        index = 0
        while True:
            if index % every:
                ok = capture.grab()  # skip without converting
            else:
                ok, frame = capture.read()
                if ok and frame is not None:
                    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                    yield index, fit(rgb, size) if size else rgb
            if not ok:
                break
            index += 1
            bar.update(1)
    finally:
        bar.close()
        capture.release()


def read_video(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """Every frame of ``path`` as uint8 (T, H, W, 3) RGB (ValueError if none decode)."""
    frames = [frame for _, frame in iter_video(path, size)]
    if not frames:
        raise ValueError(f"{path}: no frame could be decoded (corrupt or unknown codec)")
    return np.stack(frames)


def median_frame(path: Path, size: tuple[int, int] | None = None, n_frames: int = 30) -> np.ndarray:
    """The per-pixel median of ``n_frames`` frames spread over a clip: its empty scene."""
    info = probe_video(path)
    if not info.ok:
        raise ValueError(f"{path}: OpenCV cannot open this video (corrupt or unknown codec)")
    every = max(1, info.frame_count // n_frames)
    frames = [frame for _, frame in iter_video(path, size, every=every, progress=False)]
    if not frames:
        raise ValueError(f"{path}: no frame could be decoded (corrupt or unknown codec)")
    return np.median(np.stack(frames[:n_frames]), axis=0).astype(np.uint8)


def count_frames(path: Path) -> int:
    """How many frames of ``path`` actually decode (containers may claim otherwise)."""
    capture = cv2.VideoCapture(str(path))
    try:
        count = 0
        while capture.isOpened() and capture.grab():
            count += 1
        return count
    finally:
        capture.release()
