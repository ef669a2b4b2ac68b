"""movement.js's silhouette (2013, MIT) and its column and row histograms, per frame.

Everything here works on one frame at a time in well under a millisecond: a resize to
400 x 300, luma grayscale, the absolute difference with the grayscale empty scene, a
threshold at 50, then the column histogram H (foreground pixels per column, 400 values)
and the row histogram V (per row, 300 values). The classic methods read their rules or
their features off these 700 numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from harness.extractors.base import Extractor

WIDTH, HEIGHT = 400, 300
THRESHOLD = 50  # a pixel is foreground when |gray - background| >= 50

# Luma weights in the frames' RGB order.
_LUMA = np.array([[0.2126, 0.7152, 0.0722]], dtype=np.float32)


def check_frame(frame: np.ndarray, what: str = "frame") -> np.ndarray:
    """Return ``frame`` if it is an (H, W, 3) uint8 RGB image, else raise a clear error."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        dtype = getattr(frame, "dtype", type(frame).__name__)
        raise ValueError(f"classic: {what} must be a uint8 RGB image, got dtype {dtype}")
    if frame.ndim != 3 or frame.shape[2] != 3 or min(frame.shape[:2]) < 2:
        raise ValueError(f"classic: {what} must have shape (H, W, 3), got {frame.shape}")
    return frame


def gray(frame: np.ndarray) -> np.ndarray:
    """Resize an RGB frame to 400 x 300 and take its luma, as movement.js draws it."""
    check_frame(frame)
    if frame.shape[:2] != (HEIGHT, WIDTH):
        frame = cv2.resize(np.ascontiguousarray(frame), (WIDTH, HEIGHT), cv2.INTER_LINEAR)
    return cv2.transform(np.ascontiguousarray(frame), _LUMA)


def silhouette(frame: np.ndarray, background_gray: np.ndarray) -> np.ndarray:
    """The 400 x 300 foreground mask of ``frame``: 1 where |gray - background| >= 50."""
    if background_gray.shape != (HEIGHT, WIDTH) or background_gray.dtype != np.uint8:
        raise ValueError(
            f"classic: the background must be a 300 x 400 uint8 gray image (use gray()), "
            f"got {background_gray.dtype} {background_gray.shape}"
        )
    diff = cv2.absdiff(gray(frame), background_gray)
    # THRESH_BINARY keeps values strictly above the threshold, hence 49.
    return cv2.threshold(diff, THRESHOLD - 1, 1, cv2.THRESH_BINARY)[1]


def histograms(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column histogram H (foreground per column) and row histogram V (per row)."""
    mask = mask if mask.max(initial=0) <= 1 else (mask > 0).astype(np.uint8)
    columns = cv2.reduce(mask, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    rows = cv2.reduce(mask, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    return columns, rows


# The last background converted to gray, kept with the array itself so the identity test
# below can never be fooled by a reused id: a live game converts its scene once.
_LAST_GRAY: list = [None, None]


def background_gray(background: np.ndarray) -> np.ndarray:
    """:func:`gray` of the empty scene, converted once per scene."""
    if _LAST_GRAY[0] is not background:
        _LAST_GRAY[:] = [background, gray(check_frame(background, "background"))]
    return _LAST_GRAY[1]


def split(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(columns (..., 400), rows (..., 300)) of :class:`Silhouette` features, as int32."""
    features = np.asarray(features, np.int32)
    return features[..., :WIDTH], features[..., WIDTH:]


@dataclass(frozen=True)
class Silhouette(Extractor):
    """H and V of movement.js's silhouette: uint16 (700,) per frame (400 columns, 300 rows).

    The empty scene is the recording's own, else estimated with ``background``
    (``median`` or ``mog2``) from its first ``background_frames`` frames.
    """

    kind = "silhouette"
    needs_background = True
    dtype = np.uint16
    shape = (WIDTH + HEIGHT,)
    background: str = "median"
    background_frames: int = 30

    def embed(self, frames: np.ndarray, background: np.ndarray | None) -> np.ndarray:
        scene = background_gray(background)
        out = np.empty((len(frames), WIDTH + HEIGHT), np.uint16)
        for i, frame in enumerate(frames):
            columns, rows = histograms(silhouette(check_frame(frame), scene))
            out[i, :WIDTH], out[i, WIDTH:] = columns, rows
        return out

    def mask(self, frame: np.ndarray, background: np.ndarray) -> np.ndarray:
        """The 400 x 300 silhouette of one frame (for explanations)."""
        return silhouette(frame, background_gray(background))
