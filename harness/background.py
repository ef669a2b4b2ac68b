"""Background estimation: an empty-scene frame for recordings that were taken without one.

The classic detector subtracts an empty-scene frame. Real takes often start with the
performer already in view, so the background is estimated from the frames themselves:

- ``"median"``: the per-pixel temporal median of ``n_frames`` frames. A performer who
  moves uncovers every pixel in more than half of them, so the median is the scene.
- ``"mog2"``: OpenCV's adaptive Gaussian-mixture model (``createBackgroundSubtractorMOG2``)
  fed the same frames; its background image is each pixel's dominant mode.

Both look at the first ``n_frames`` frames, what a live game has seen after its first
seconds. A performer who stands still through all of them stays in the estimate: that is
the limit of the idea, not of the code.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict

import cv2
import numpy as np

METHODS: tuple[str, ...] = ("median", "mog2")


def estimate_background(
    frames: np.ndarray, method: str = "median", n_frames: int = 30
) -> np.ndarray:
    """Estimate the empty scene of a take from its first frames.

    Parameters
    ----------
    frames : uint8 array (T, H, W, 3) or (T, H, W); a memory map is fine.
    method : ``"median"`` (temporal median) or ``"mog2"`` (OpenCV MOG2).
    n_frames : how many of the first frames to use (all of them if the take is shorter).

    Returns
    -------
    uint8 array of one frame's shape, (H, W, 3) or (H, W).
    """
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or len(frames) == 0:
        raise ValueError(
            f"estimate_background: frames must be a non-empty uint8 (T, H, W[, 3]) stack, "
            f"got {frames.dtype} {frames.shape}"
        )
    if method not in METHODS:
        raise ValueError(f"estimate_background: unknown method {method!r}; valid: {METHODS}")
    if n_frames < 1:
        raise ValueError(f"estimate_background: n_frames must be >= 1, got {n_frames}")
    first = frames[:n_frames]
    if method == "median":
        # np.median returns float; the midpoint of two uint8 values rounds half up.
        return np.round(np.median(first, axis=0)).astype(np.uint8)
    subtractor = cv2.createBackgroundSubtractorMOG2(
        history=len(first), varThreshold=16, detectShadows=False
    )
    # getBackgroundImage averages the strongest modes until their weights pass this ratio;
    # at OpenCV's 0.9 a figure that lingers is blended into the scene, at 0.5 the
    # majority mode alone is kept.
    subtractor.setBackgroundRatio(0.5)
    for frame in first:
        subtractor.apply(np.ascontiguousarray(frame))
    background = subtractor.getBackgroundImage()
    return background.reshape(frames.shape[1:])


# Per-take memo of the scene each method sees: a game takes it once at start-up, and the
# person crop, the classic silhouette and the learned-mask methods must all see the same one.
_SCENES: OrderedDict = OrderedDict()
_MAX_SCENES = 256


def scene_background(recording, how: str = "median", n_frames: int = 30) -> np.ndarray:
    """The empty scene of ``recording``: its own background frame, or estimated (memoised).

    Parameters
    ----------
    recording : a :class:`~harness.recording.Recording`.
    how, n_frames : the estimator and frame count of :func:`estimate_background`, used only
        when the recording has no background frame.
    """
    if recording.background is not None:
        return recording.background
    key = (recording.fingerprint, how, n_frames)
    if key not in _SCENES:
        _SCENES[key] = estimate_background(recording.frames, how, n_frames)
        while len(_SCENES) > _MAX_SCENES:
            _SCENES.popitem(last=False)
    return _SCENES[key]


def background_source(recording, how: str = "median", n_frames: int = 30) -> str:
    """What :func:`scene_background` returns for ``recording``, as an id for cache keys.

    A given frame is identified by its content (a dataset may change it, e.g. a manifest's
    ``background`` column), an estimate by how it is made (the frames are in the
    recording's fingerprint already).
    """
    if recording.background is not None:
        digest = hashlib.blake2b(np.ascontiguousarray(recording.background).data, digest_size=10)
        return f"given:{digest.hexdigest()}"
    return f"estimated:{how}:{n_frames}"
