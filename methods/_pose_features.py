"""Pose features as MediaPipe's pose classifier builds them, from COCO-17 keypoints.

Shared by the pose methods. :func:`pose_features` makes a translation- and scale-free
description of a pose: landmarks centred on the hips and scaled by the torso, vectors
between joint pairs, joint angles, and the keypoint scores (a low score says "nobody
there" or "joint hidden"). Left and right are the joints' own names, i.e. the performer's
sides, as the labels are.
"""

from __future__ import annotations

import numpy as np

from harness.api import COCO_KEYPOINTS

_K = {name: i for i, name in enumerate(COCO_KEYPOINTS)}


# Joint pairs whose vectors describe the pose (MediaPipe's pose-classification embedding,
# mapped onto COCO joints): limbs, two-joint spans, and cross-body spans.
_PAIRS = [
    (a, b)
    for side in ("left", "right")
    for a, b in (
        ("shoulder", "elbow"),
        ("elbow", "wrist"),
        ("hip", "knee"),
        ("knee", "ankle"),
        ("shoulder", "wrist"),
        ("hip", "ankle"),
        ("hip", "wrist"),
        ("shoulder", "ankle"),
        ("hip", "elbow"),
        ("shoulder", "knee"),
    )
    for a, b in [(f"{side}_{a}", f"{side}_{b}")]
] + [
    ("left_elbow", "right_elbow"),
    ("left_knee", "right_knee"),
    ("left_wrist", "right_wrist"),
    ("left_ankle", "right_ankle"),
    ("nose", "left_hip"),
    ("nose", "right_hip"),
]
_PAIR_INDEX = np.asarray([(_K[a], _K[b]) for a, b in _PAIRS])
# Joint angles at the middle joint of each triple (elbows, shoulders, hips, knees).
_TRIPLES = np.asarray(
    [
        (_K[f"{s}_{a}"], _K[f"{s}_{b}"], _K[f"{s}_{c}"])
        for s in ("left", "right")
        for a, b, c in (
            ("shoulder", "elbow", "wrist"),
            ("hip", "shoulder", "elbow"),
            ("shoulder", "hip", "knee"),
            ("hip", "knee", "ankle"),
        )
    ]
)
TORSO_MULTIPLIER = 2.5  # MediaPipe's: the pose size is max(2.5 x torso, farthest joint)


def pose_features(keypoints: np.ndarray) -> np.ndarray:
    """A translation- and scale-free description of poses (..., 17, 3) -> (..., D) float32.

    Centre: the hips' midpoint. Scale: max(2.5 x shoulder-to-hip distance, the farthest
    joint from the centre), as MediaPipe's pose classifier normalises. Features: the 17
    normalised (x, y), the 17 scores, the normalised vectors of :data:`_PAIRS` and their
    lengths, and the cosine and sine of the 8 joint angles.
    """
    keypoints = np.asarray(keypoints, np.float32)
    xy, score = keypoints[..., :2], keypoints[..., 2]
    hips = xy[..., [_K["left_hip"], _K["right_hip"]], :].mean(axis=-2)
    shoulders = xy[..., [_K["left_shoulder"], _K["right_shoulder"]], :].mean(axis=-2)
    centred = xy - hips[..., None, :]
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    farthest = np.linalg.norm(centred, axis=-1).max(axis=-1)
    size = np.maximum(torso * TORSO_MULTIPLIER, farthest)
    norm = centred / np.maximum(size, 1e-6)[..., None, None]
    vectors = norm[..., _PAIR_INDEX[:, 1], :] - norm[..., _PAIR_INDEX[:, 0], :]
    lengths = np.linalg.norm(vectors, axis=-1)
    a = norm[..., _TRIPLES[:, 0], :] - norm[..., _TRIPLES[:, 1], :]
    b = norm[..., _TRIPLES[:, 2], :] - norm[..., _TRIPLES[:, 1], :]
    cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    dot = (a * b).sum(axis=-1)
    angle = np.arctan2(cross, dot)
    parts = [
        norm.reshape(*norm.shape[:-2], -1),
        score,
        vectors.reshape(*vectors.shape[:-2], -1),
        lengths,
        np.cos(angle),
        np.sin(angle),
    ]
    return np.concatenate(parts, axis=-1).astype(np.float32)


def with_deltas(features: np.ndarray) -> np.ndarray:
    """(N, window, D) -> (N, window * 2D): features and frame-to-frame differences.

    The path to the peak pose is what tells a front kick from a roundhouse kick.
    """
    diff = np.zeros_like(features)
    diff[:, 1:] = features[:, 1:] - features[:, :-1]
    return np.concatenate([features, diff], axis=-1).reshape(len(features), -1)
