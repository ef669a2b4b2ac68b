"""Person-centred CNN features that keep left and right apart.

Why: global-average-pooled MobileNet features of the whole frame mostly describe the room
(the performer fills a fraction of a 100x56 thumbnail), and pooling discards where things
are, so a left kick and its mirror image give nearly the same vector. Measured on mk-synth
full with a linear probe on held-out subjects, frame-level action macro-F1 went from 0.25
(whole frame) to 0.37 (person crop) to 0.43 (crop + mirror difference).

Recipe per frame:
1. The performer's box from the difference to the empty scene (the recording's background
   frame, or its temporal median estimate when the source has none, as a game would take
   at start-up), widened to the backbone's 100:56 aspect, centred on the performer.
2. The crop, resized to the backbone's input, and its mirror image are embedded:
   ``[f(crop) + f(mirror), f(crop) - f(mirror)]``, the symmetric part (the posture) and the
   antisymmetric part (which side it is on).

A mirrored take's features are then exact without recomputing: ``[s, -a]``.
"""

from __future__ import annotations

import cv2
import numpy as np
from tqdm.auto import tqdm

from harness import cache
from harness.background import estimate_background

#: Foreground threshold on the largest per-channel difference to the empty scene.
THRESHOLD = 40
#: The box is the foreground's box enlarged by this factor (limbs, soft edges).
MARGIN = 1.15


_estimated: dict[str, np.ndarray] = {}


def background_of(recording) -> np.ndarray:
    """The empty scene: the recording's own, or estimated once from its first frames.

    The estimate is kept per take, like a game that takes it once at start-up.
    """
    if recording.background is not None:
        return recording.background
    if recording.fingerprint not in _estimated:
        _estimated[recording.fingerprint] = estimate_background(recording.frames, "median")
    return _estimated[recording.fingerprint]


def person_box(frame: np.ndarray, background: np.ndarray, aspect: float) -> tuple[int, ...]:
    """(top, bottom, left, right) of a box of width/height ``aspect`` around the performer."""
    diff = cv2.absdiff(frame, background).max(axis=-1)
    mask = cv2.morphologyEx(
        (diff > THRESHOLD).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
    )
    points = cv2.findNonZero(mask)
    height, width = frame.shape[:2]
    if points is None or len(points) < 30:  # nobody in view: the whole frame
        return 0, height, 0, width
    x, y, w, h = cv2.boundingRect(points)
    box_h = max(h * MARGIN + 8, (w * MARGIN + 8) / aspect)
    box_w = box_h * aspect
    cy, cx = y + h / 2, x + w / 2
    return (
        int(cy - box_h / 2),
        int(cy + box_h / 2),
        int(cx - box_w / 2),
        int(cx + box_w / 2),
    )


def person_crop(frame: np.ndarray, background: np.ndarray, size: tuple[int, int]):
    """The performer's crop resized to ``size`` = (height, width); edges replicated."""
    top, bottom, left, right = person_box(frame, background, size[1] / size[0])
    height, width = frame.shape[:2]
    pad = max(0, -top, -left, bottom - height, right - width)
    if pad:
        frame = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    crop = frame[top + pad : bottom + pad, left + pad : right + pad]
    return cv2.resize(crop, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def embed_frames(frames: np.ndarray, background: np.ndarray, net) -> np.ndarray:
    """Crop + mirror features (N, 2 * dim) of raw frames (N, H, W, 3)."""
    crops = np.stack([person_crop(f, background, net.input_size) for f in frames])
    both = net.embed(np.concatenate([crops, crops[:, :, ::-1]]))
    direct, mirror = both[: len(crops)], both[len(crops) :]
    return np.concatenate([direct + mirror, direct - mirror], axis=1)


_CODE = cache.code_hash(person_box, person_crop, embed_frames)


def recording_crop_features(recording, backbone: str) -> np.ndarray:
    """Crop + mirror features of every frame of a take: float32 (T, 2 * dim), cached."""
    from harness.features import load_backbone

    def compute() -> np.ndarray:
        net = load_backbone(backbone)
        background = background_of(recording)
        parts = [
            embed_frames(np.asarray(recording.frames[i : i + 128]), background, net)
            for i in range(0, len(recording), 128)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, 2 * net.dim), np.float32)

    key = cache.key_of(backbone, recording.fingerprint, _CODE)
    return cache.cached_array(f"person-crops/{backbone}", key, compute)


def mirror_features(features: np.ndarray) -> np.ndarray:
    """The features of the mirrored frames: the antisymmetric half changes sign."""
    half = features.shape[-1] // 2
    return np.concatenate([features[..., :half], -features[..., half:]], axis=-1)


def window_crop_features(samples, backbone: str) -> np.ndarray:
    """(N, window, 2 * dim) for window samples; from raw pixels when caches are bypassed."""
    window = samples.window
    if cache.is_bypassed():  # the latency probe: the real work from the raw frames
        from harness.features import load_backbone

        net = load_backbone(backbone)
        clips = [
            embed_frames(np.asarray(samples.clip(i)), background_of(samples.recording(i)), net)
            for i in range(len(samples))
        ]
        return np.stack(clips)
    offsets = np.arange(-window + 1, 1)
    out = None
    used = np.unique(samples.rec)
    for r in tqdm(used, "person crops", disable=None if len(used) > 1 else True, leave=False):
        feats = recording_crop_features(samples.recordings[r], backbone)
        if out is None:
            out = np.empty((len(samples), window, feats.shape[1]), np.float32)
        mask = samples.rec == r
        out[mask] = feats[samples.end[mask][:, None] + offsets[None, :]]
    return out if out is not None else np.zeros((0, window, 0), np.float32)
