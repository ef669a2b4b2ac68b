"""Reading the user's images and videos with OpenCV (read-only: nothing is ever written back).

Every reader returns RGB uint8 frames; grayscale, 16-bit and alpha images are converted.
:func:`load_image` raises :class:`UnreadableFile` (a ValueError: one line, the file first,
then what to do); :func:`read_image` and :func:`image_size` give None instead and a
:class:`VideoInfo` has ``ok=False``, so callers can report unreadable files by name and go
on. A video that stops decoding long before the frame count its container states is
reported by :func:`video_damage` (and warned about by :func:`iter_video`).

File names that are not UTF-8 (Linux bytes such as Latin-1 ``Jos`` + 0xE9, held by Python as
surrogate escapes) are fine here: OpenCV's video reader, which would crash on them, is given
a plain-named link to the file instead (:func:`_opencv_name`).

Our one-line messages replace what the decoders print about damaged files: FFmpeg's log is
off (``OPENCV_FFMPEG_LOGLEVEL=-8`` unless already set; set it to 24 to see FFmpeg's
warnings) and OpenCV's own log is silenced while an image is decoded.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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

# FFmpeg (inside OpenCV) would print "[mjpeg @ 0x...] No JPEG data found" and the like
# for every damaged frame; it reads this when it first opens a video.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

#: Frame rate assumed when a video does not say.
DEFAULT_FPS = 15.0

#: Why a video cannot be used when OpenCV cannot open it, and what to do.
UNREADABLE_VIDEO = (
    "unreadable or corrupt video (OpenCV cannot decode it: damaged, truncated or an unknown "
    "codec); re-encode it (e.g. ffmpeg -i IN OUT.mp4) or remove it"
)


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")


def is_video(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES and not path.name.startswith(".")


class UnreadableFile(ValueError):
    """A file of the user's that cannot be read: ``str()`` is ``"<path>: <reason>"``, one
    line saying what to do; ``reason`` alone is the part after the path."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


def max_image_pixels() -> int:
    """The largest image (width x height) the harness decodes: Pillow's decompression-bomb
    limit (``PIL.Image.MAX_IMAGE_PIXELS``, 89.5 megapixels unless changed). Frames are
    scaled to :data:`MAX_SIDE` anyway, and a 14000 x 14000 image would take 588 MB to
    decode."""
    from PIL import Image

    return int(Image.MAX_IMAGE_PIXELS or 2**63)


def _too_large(size: tuple[int, int] | None, pillow_error: Exception | None = None) -> str:
    if size:
        what = f"{size[0]}x{size[1]} pixels"
    else:  # Pillow refused to open it; its message holds the pixel count
        count = re.search(r"\((\d+) pixels\)", str(pillow_error))
        what = f"{int(count.group(1)) / 1e6:.0f} megapixels" if count else "its size"
    return (
        f"image too large to load ({what} is over the {max_image_pixels() / 1e6:.0f}-megapixel "
        "limit that guards against decompression bombs); scale it down or delete it"
    )


def _cannot_open(error: OSError) -> str:
    return f"cannot be read ({error.strerror or error}); check that it is a file you may read"


def _header(path: Path) -> tuple[int, int, int] | None:
    """(width, height, EXIF orientation) from the image header, None if Pillow cannot parse
    it. Raises FileNotFoundError, or UnreadableFile when it cannot be opened or is too large."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow warns between its limit and twice it (the limit is applied below) and
            # about damaged EXIF blocks (the pixels may be fine): the file is judged here.
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                width, height = image.size
                try:
                    orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
                except Exception:  # a damaged EXIF block: the pixels may still be fine
                    orientation = 1
    except Image.DecompressionBombError as error:  # over twice the limit: no size given
        raise UnreadableFile(path, _too_large(None, error)) from None
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except (PermissionError, IsADirectoryError) as error:
        raise UnreadableFile(path, _cannot_open(error)) from None
    except Exception:  # Pillow raises many kinds on what it cannot parse; OpenCV may still
        return None
    if width * height > max_image_pixels():
        raise UnreadableFile(path, _too_large((width, height)))
    return width, height, orientation


def load_image(path: Path) -> np.ndarray:
    """The image at ``path`` as RGB uint8 (H, W, 3), turned upright by its EXIF orientation.

    Raises
    ------
    FileNotFoundError : no such file.
    UnreadableFile : (a ValueError) it cannot be opened, is empty, is larger than
        :func:`max_image_pixels`, or OpenCV cannot decode it; one line naming the file.
    """
    path = Path(path)
    _header(path)  # refuses decompression bombs before OpenCV allocates them
    try:
        data = np.fromfile(str(path), dtype=np.uint8)  # imread cannot open non-ASCII paths
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except OSError as error:
        raise UnreadableFile(path, _cannot_open(error)) from None
    if data.size == 0:
        raise UnreadableFile(path, "unreadable image: the file is empty (0 bytes); delete it")
    try:
        with _opencv_silenced():
            image = cv2.imdecode(data, cv2.IMREAD_COLOR)  # grayscale/alpha/16-bit -> 8-bit BGR
    except cv2.error:  # some malformed headers fail an assertion inside OpenCV
        image = None
    if image is None or image.size == 0:
        kind = path.suffix.lstrip(".").upper() or "image"
        raise UnreadableFile(
            path,
            f"unreadable or corrupt image (OpenCV cannot decode it as a {kind}: truncated, "
            "damaged or not an image); export it again or delete it",
        )
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@contextmanager
def _opencv_silenced() -> Iterator[None]:
    """OpenCV's log off (its "[ WARN:0@0.04] ... PNG input buffer is incomplete" lines)."""
    level = cv2.getLogLevel()
    cv2.setLogLevel(0)  # LOG_LEVEL_SILENT
    try:
        yield
    finally:
        cv2.setLogLevel(level)


def read_image(path: Path) -> np.ndarray | None:
    """:func:`load_image`, or None if the image cannot be read (for callers that skip)."""
    try:
        return load_image(path)
    except (FileNotFoundError, UnreadableFile):
        return None


def read_image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the image header without decoding it, as OpenCV will return the
    image (turned upright by its EXIF orientation).

    Raises
    ------
    FileNotFoundError : no such file.
    UnreadableFile : no header Pillow can parse, larger than :func:`max_image_pixels`, or it
        cannot be opened; one line naming the file.
    """
    path = Path(path)
    header = _header(path)
    if header is None:
        raise UnreadableFile(
            path, "unreadable or corrupt image (no image header); export it again or delete it"
        )
    width, height, orientation = header
    # OpenCV turns photos upright by their EXIF orientation; 5-8 are quarter turns.
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def image_size(path: Path) -> tuple[int, int] | None:
    """:func:`read_image_size`, or None if the image is unreadable (for callers that skip)."""
    try:
        return read_image_size(path)
    except (FileNotFoundError, UnreadableFile):
        return None


def capped_size(size: tuple[int, int], max_side: int = MAX_SIDE) -> tuple[int, int]:
    """``size`` (width, height) scaled down to fit ``max_side``, keeping its aspect."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frame`` letterboxed to ``size`` (width, height): unchanged if it has that size,
    else scaled to fit inside it with its aspect ratio kept, centred, the rest black.

    Bodies keep their proportions (a 152x244 clip stretched to 428x312 would make every
    performer squat and stout). A frame within a pixel of the aspect is simply resized.
    """
    width, height = (int(v) for v in size)
    if (frame.shape[1], frame.shape[0]) == (width, height):
        return frame
    scale = min(width / frame.shape[1], height / frame.shape[0])
    inner = (max(1, round(frame.shape[1] * scale)), max(1, round(frame.shape[0] * scale)))
    if abs(inner[0] - width) <= 1 and abs(inner[1] - height) <= 1:
        inner = (width, height)
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(frame, inner, interpolation=method)
    if inner == (width, height):
        return resized
    out = np.zeros((height, width, *frame.shape[2:]), frame.dtype)
    top, left = (height - inner[1]) // 2, (width - inner[0]) // 2
    out[top : top + inner[1], left : left + inner[0]] = resized.reshape(
        inner[1], inner[0], *frame.shape[2:]
    )
    return out


@dataclass
class VideoInfo:
    """What a video's container says about it; ``ok`` is False if OpenCV cannot read it."""

    path: Path
    ok: bool
    fps: float = DEFAULT_FPS
    frame_count: int = 0  # as the container claims (decoding may find fewer)
    size: tuple[int, int] = (0, 0)  # (width, height)


def _utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@contextmanager
def _opencv_name(path: Path) -> Iterator[str]:
    """A name under which OpenCV can open ``path``: its own, or a plain-named link to it.

    OpenCV's Python binding encodes file names as UTF-8, and on a name that does not encode
    (a Linux file name whose bytes are not UTF-8, held by Python as surrogate escapes) its
    ``VideoCapture`` crashes the interpreter (SIGSEGV, OpenCV 4.11).
    """
    name = str(path)
    if _utf8(name):
        yield name
        return
    with tempfile.TemporaryDirectory(prefix="harness-video-") as folder:
        suffix = path.suffix if _utf8(path.suffix) else ""
        alias = Path(folder) / f"video{suffix}"
        os.symlink(os.path.abspath(path), alias)
        yield str(alias)


def video_damage(decoded: int, claimed: int) -> str | None:
    """Why a video is damaged when its decoding stopped well before the frame count its
    container states (more than 2 frames and 1 % short), else None; for after its name.

    Containers that estimate their length may be off by a frame or two; a video whose
    decoding stops at damaged bytes ends far earlier (12 of 200 frames).
    """
    missing = claimed - decoded
    if claimed <= 0 or missing <= max(2, claimed // 100):
        return None
    return (
        f"damaged video: decoding stops after {decoded} of the {claimed} frames its container "
        "lists (the rest is lost); copy it again from its source or re-record it"
    )


def probe_video(path: Path) -> VideoInfo:
    """Open ``path``, read its first frame and report its size, rate and frame count."""
    with _opencv_name(Path(path)) as name:
        return _probe(Path(path), name)


def _probe(path: Path, name: str) -> VideoInfo:
    capture = cv2.VideoCapture(name)
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
    path: Path,
    size: tuple[int, int] | None = None,
    every: int = 1,
    progress: bool = True,
    warn_damage: bool = True,
) -> Iterator[tuple[int, np.ndarray]]:
    """Decode ``path`` lazily: (index, RGB frame) for every ``every``-th frame.

    Frames are resized to ``size`` (width, height) when given. A progress bar (stderr, only
    on a terminal) shows long decodes. When decoding stops well before the container's
    frame count, a warning says the video is damaged (:func:`video_damage`), unless
    ``warn_damage`` is False (for a caller that says so itself).

    Raises
    ------
    FileNotFoundError : no such file.
    UnreadableFile : OpenCV cannot open it.
    """
    with _opencv_name(Path(path)) as name:
        yield from _iter_capture(Path(path), name, size, every, progress, warn_damage)


def _iter_capture(
    path: Path,
    name: str,
    size: tuple[int, int] | None,
    every: int,
    progress: bool,
    warn_damage: bool,
) -> Iterator[tuple[int, np.ndarray]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video")
    capture = cv2.VideoCapture(name)
    if not capture.isOpened():
        capture.release()
        raise UnreadableFile(path, UNREADABLE_VIDEO)
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
    # Only reached when every frame was asked for (a caller that stops early is not told).
    damage = video_damage(index, total or 0)
    if damage and warn_damage:
        warnings.warn(f"{path}: {damage}", stacklevel=2)


def read_video(path: Path, size: tuple[int, int] | None = None) -> np.ndarray:
    """Every frame of ``path`` as uint8 (T, H, W, 3) RGB (UnreadableFile if none decode)."""
    frames = [frame for _, frame in iter_video(path, size)]
    if not frames:
        raise UnreadableFile(path, UNREADABLE_VIDEO)
    return np.stack(frames)


def median_frame(path: Path, size: tuple[int, int] | None = None, n_frames: int = 30) -> np.ndarray:
    """The per-pixel median of ``n_frames`` frames spread over a clip: its empty scene."""
    info = probe_video(path)
    if not info.ok:
        raise UnreadableFile(path, UNREADABLE_VIDEO)
    every = max(1, info.frame_count // n_frames)
    frames = [frame for _, frame in iter_video(path, size, every=every, progress=False)]
    if not frames:
        raise UnreadableFile(path, UNREADABLE_VIDEO)
    return np.median(np.stack(frames[:n_frames]), axis=0).astype(np.uint8)


def count_frames(path: Path) -> int:
    """How many frames of ``path`` actually decode (containers may claim otherwise)."""
    with _opencv_name(Path(path)) as name:
        capture = cv2.VideoCapture(name)
        try:
            count = 0
            while capture.isOpened() and capture.grab():
                count += 1
            return count
        finally:
            capture.release()
