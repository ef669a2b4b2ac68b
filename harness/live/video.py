"""Frames in (a camera or a video file) and annotated frames out (a video file, a window).

OpenCV does the decoding and encoding. Frames are RGB uint8 everywhere in the harness;
OpenCV's BGR stays inside this module.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

#: Codec per file extension: both ship with every opencv-python wheel.
CODECS = {".avi": "MJPG", ".mp4": "mp4v"}

#: Frame rate assumed when a camera or file does not report one (mk-synth's rate).
FALLBACK_FPS = 15.0


@dataclass(frozen=True)
class Frame:
    """One frame: its number in the stream, its time in seconds, and its RGB pixels."""

    index: int
    t: float
    rgb: np.ndarray


class FrameSource:
    """Frames of a camera or a video file, as :class:`Frame` (RGB uint8).

    A file's timestamps are ``index / fps``, so they are the same on every run; a camera's
    are seconds since the source opened (monotonic clock), which is what a player lives.
    Use :func:`open_source` to make one; iterate it, and close it (or use ``with``).
    """

    def __init__(self, capture: cv2.VideoCapture, name: str, is_camera: bool, first=None):
        self._capture, self.name, self.is_camera = capture, name, is_camera
        self._first = first  # a frame read to check the file decodes, handed out first
        reported = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(reported) if reported and reported > 0 else FALLBACK_FPS
        self.size = (
            int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )

    def __iter__(self) -> Iterator[Frame]:
        start = time.monotonic()
        index = 0
        while True:
            bgr, self._first = self._first, None
            if bgr is None:
                ok, bgr = self._capture.read()
                if not ok or bgr is None:
                    return  # end of file, or the camera went away
            t = time.monotonic() - start if self.is_camera else index / self.fps
            yield Frame(index, t, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1

    def close(self) -> None:
        """Release the camera or file."""
        self._capture.release()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_source(camera: int | None = None, path=None) -> FrameSource:
    """Open a camera (by index) or a video file; exactly one of them.

    Raises
    ------
    FileNotFoundError : the file does not exist.
    ValueError : the camera cannot open, or the file is not a video OpenCV can decode
        (one line naming it).
    """
    if (camera is None) == (path is None):
        raise ValueError("open_source: give a camera index or a video file, not both or neither")
    if camera is not None:
        capture = cv2.VideoCapture(int(camera))
        if not capture.isOpened():
            capture.release()
            raise ValueError(
                f"camera {camera}: cannot open it; check --camera N and that no app uses it"
            )
        return FrameSource(capture, f"camera {camera}", is_camera=True)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such video file")
    capture = cv2.VideoCapture(str(path))
    # A file OpenCV opens but cannot decode (truncated, not a video) fails on the first
    # read. That frame is kept rather than seeking back, as seeking is inexact in some codecs.
    ok, first = capture.read() if capture.isOpened() else (False, None)
    if not ok or first is None:
        capture.release()
        raise ValueError(f"{path}: OpenCV cannot decode it; give an .avi/.mp4 video it can read")
    return FrameSource(capture, str(path), is_camera=False, first=first)


class VideoWriter:
    """Write RGB frames to ``.avi`` (MJPG) or ``.mp4`` (mp4v), every frame it is given.

    The size comes from the first frame. OpenCV's writer silently drops frames of any
    other size, which would break "every input frame is in the video", so a frame of a
    different size raises instead.
    """

    def __init__(self, path, fps: float):
        self.path = Path(path)
        codec = CODECS.get(self.path.suffix.lower())
        if codec is None:
            raise ValueError(f"{self.path}: unknown video type; use one of {', '.join(CODECS)}")
        if fps <= 0:
            raise ValueError(f"{self.path}: fps must be positive, got {fps}")
        self.fps, self.codec = float(fps), codec
        self.size: tuple[int, int] | None = None
        self.count = 0
        self._writer: cv2.VideoWriter | None = None

    def write(self, rgb: np.ndarray) -> None:
        """Append one RGB uint8 frame (H, W, 3)."""
        if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"{self.path}: frames must be RGB uint8 (H, W, 3), got {rgb.shape}")
        size = (rgb.shape[1], rgb.shape[0])
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fourcc = cv2.VideoWriter_fourcc(*self.codec)
            self._writer = cv2.VideoWriter(str(self.path), fourcc, self.fps, size)
            if not self._writer.isOpened():
                raise ValueError(f"{self.path}: OpenCV cannot write {self.codec} video here")
            self.size = size
        elif size != self.size:
            raise ValueError(f"{self.path}: frame {self.count} is {size}, the video {self.size}")
        self._writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self.count += 1

    def close(self) -> None:
        """Finish the file (its index is written on release)."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def count_frames(path) -> int:
    """Frames in a video file, counted by decoding them all (container headers can lie)."""
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


def display_available() -> bool:
    """Whether a window can open: always on macOS and Windows, with DISPLAY on Linux."""
    return not sys.platform.startswith("linux") or bool(os.environ.get("DISPLAY"))


class Window:
    """Show frames in an OpenCV window, or nothing at all when ``headless``.

    Headless never calls OpenCV's GUI functions (which need a display and may abort the
    process without one). :meth:`show` returns False once the user pressed q or Esc.
    """

    def __init__(self, title: str = "harness live", headless: bool = False):
        self.title, self.headless = title, headless
        self._opened = False

    def show(self, rgb: np.ndarray) -> bool:
        """Show one frame; False when the user asked to quit."""
        if self.headless:
            return True
        cv2.imshow(self.title, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self._opened = True
        return (cv2.waitKey(1) & 0xFF) not in (ord("q"), 27)

    def close(self) -> None:
        """Close the window, if one was opened."""
        if self._opened:
            cv2.destroyWindow(self.title)
            self._opened = False

    def __enter__(self) -> Window:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
