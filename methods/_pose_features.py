"""Pose features as MediaPipe's pose classifier builds them, for any named skeleton.

Shared by the pose methods: MoveNet's 17 COCO keypoints (:data:`COCO`) and BlazePose's 33
landmarks (:data:`BLAZEPOSE`). :func:`pose_features` makes a translation- and scale-free
description of a 2-D pose: landmarks centred on the hips and scaled by the torso, vectors
between joint pairs, joint angles, and the keypoint scores (a low score says "nobody
there" or "joint hidden"). :func:`world_features` does the same in 3-D for BlazePose's
world landmarks (metres, hip-centred), which do not depend on where the camera stands.
Left and right are the joints' own names, i.e. the performer's sides, as the labels are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.api import BLAZEPOSE_LANDMARKS, COCO_KEYPOINTS

TORSO_MULTIPLIER = 2.5  # MediaPipe's: the pose size is max(2.5 x torso, farthest joint)

# Joint pairs whose vectors describe the pose (MediaPipe's pose-classification embedding):
# limbs, two-joint spans, and cross-body spans; named without their side.
_SIDED_PAIRS = (
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
_CROSS_PAIRS = (
    ("left_elbow", "right_elbow"),
    ("left_knee", "right_knee"),
    ("left_wrist", "right_wrist"),
    ("left_ankle", "right_ankle"),
    ("nose", "left_hip"),
    ("nose", "right_hip"),
)
# Joint angles at the middle joint of each triple (elbows, shoulders, hips, knees).
_SIDED_TRIPLES = (
    ("shoulder", "elbow", "wrist"),
    ("hip", "shoulder", "elbow"),
    ("shoulder", "hip", "knee"),
    ("hip", "knee", "ankle"),
)
# BlazePose also sees hands and feet: where the foot points tells a front kick (toes up)
# from a roundhouse kick (instep forward), and the index finger closes a fist.
_HAND_FOOT_PAIRS = (
    ("wrist", "index"),
    ("ankle", "foot_index"),
    ("heel", "foot_index"),
    ("knee", "foot_index"),
    ("hip", "foot_index"),
)
_HAND_FOOT_TRIPLES = (("knee", "ankle", "foot_index"), ("elbow", "wrist", "index"))


@dataclass(frozen=True)
class Skeleton:
    """Joint names and the index arrays the features read: pairs (P, 2), triples (A, 3)."""

    names: tuple[str, ...]
    pairs: np.ndarray
    triples: np.ndarray

    def index(self, *names: str) -> list[int]:
        return [self.names.index(name) for name in names]


def skeleton(names, sided_pairs=(), sided_triples=()) -> Skeleton:
    """The :class:`Skeleton` of joint ``names``, with extra per-side pairs and triples."""
    names = tuple(names)
    sides = ("left", "right")
    pairs = [
        (f"{side}_{a}", f"{side}_{b}") for side in sides for a, b in (*_SIDED_PAIRS, *sided_pairs)
    ]
    pairs += _CROSS_PAIRS
    triples = [
        tuple(f"{side}_{joint}" for joint in triple)
        for side in sides
        for triple in (*_SIDED_TRIPLES, *sided_triples)
    ]
    return Skeleton(
        names,
        np.asarray([[names.index(n) for n in pair] for pair in pairs]),
        np.asarray([[names.index(n) for n in triple] for triple in triples]),
    )


COCO = skeleton(COCO_KEYPOINTS)
BLAZEPOSE = skeleton(BLAZEPOSE_LANDMARKS, _HAND_FOOT_PAIRS, _HAND_FOOT_TRIPLES)


def _normalised(points: np.ndarray, bones: Skeleton) -> np.ndarray:
    """Points centred on the hips' midpoint and divided by the pose size: max(2.5 x
    shoulder-to-hip distance, the farthest joint from the centre), as MediaPipe does."""
    hips = points[..., bones.index("left_hip", "right_hip"), :].mean(axis=-2)
    shoulders = points[..., bones.index("left_shoulder", "right_shoulder"), :].mean(axis=-2)
    centred = points - hips[..., None, :]
    torso = np.linalg.norm(shoulders - hips, axis=-1)
    farthest = np.linalg.norm(centred, axis=-1).max(axis=-1)
    size = np.maximum(torso * TORSO_MULTIPLIER, farthest)
    return centred / np.maximum(size, 1e-6)[..., None, None]


def _flat(values: np.ndarray) -> np.ndarray:
    return values.reshape(*values.shape[:-2], -1)


def pose_features(keypoints: np.ndarray, bones: Skeleton = COCO) -> np.ndarray:
    """A translation- and scale-free description of 2-D poses (..., J, 3) -> (..., D) float32.

    ``keypoints`` rows are (x, y, score) in pixels, joints in ``bones.names`` order.
    Features: the J normalised (x, y), the J scores, the normalised vectors of the
    skeleton's pairs and their lengths, and the cosine and sine of its joint angles.
    """
    keypoints = np.asarray(keypoints, np.float32)
    norm = _normalised(keypoints[..., :2], bones)
    vectors = norm[..., bones.pairs[:, 1], :] - norm[..., bones.pairs[:, 0], :]
    a = norm[..., bones.triples[:, 0], :] - norm[..., bones.triples[:, 1], :]
    b = norm[..., bones.triples[:, 2], :] - norm[..., bones.triples[:, 1], :]
    cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    angle = np.arctan2(cross, (a * b).sum(axis=-1))
    parts = [
        _flat(norm),
        keypoints[..., 2],
        _flat(vectors),
        np.linalg.norm(vectors, axis=-1),
        np.cos(angle),
        np.sin(angle),
    ]
    return np.concatenate(parts, axis=-1).astype(np.float32)


def world_features(points: np.ndarray, bones: Skeleton = BLAZEPOSE) -> np.ndarray:
    """The same description of 3-D poses (..., J, 3) in metres -> (..., D) float32.

    Features: the J normalised (x, y, z), the pairs' 3-D vectors and lengths, and the
    cosine and sine of the joint angles (unsigned: a 3-D angle has no side of its own).
    """
    norm = _normalised(np.asarray(points, np.float32), bones)
    vectors = norm[..., bones.pairs[:, 1], :] - norm[..., bones.pairs[:, 0], :]
    a = norm[..., bones.triples[:, 0], :] - norm[..., bones.triples[:, 1], :]
    b = norm[..., bones.triples[:, 2], :] - norm[..., bones.triples[:, 1], :]
    sine = np.linalg.norm(np.cross(a, b), axis=-1)
    angle = np.arctan2(sine, (a * b).sum(axis=-1))
    parts = [
        _flat(norm),
        _flat(vectors),
        np.linalg.norm(vectors, axis=-1),
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
