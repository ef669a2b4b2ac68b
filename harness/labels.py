"""The label taxonomy: the game's fine labels, the action vocabulary, and mirroring.

"Left" and "right" are always the performer's own sides. A horizontal flip of an image
turns a left punch into a right punch, so every augmentation that flips must call
:func:`mirror` (or :func:`swap_sides`) to keep labels true.
"""

from __future__ import annotations

import numpy as np

EMPTY = "empty"

#: Per-frame labels of the game (MK.js): what the performer's posture shows.
FINE_LABELS: tuple[str, ...] = (
    "empty",
    "stand",
    "punch_left",
    "punch_right",
    "kick_left",
    "kick_right",
    "walk_left",
    "walk_right",
    "squat",
)

#: Kick styles; the action vocabulary splits kicks by style.
KICK_STYLES: tuple[str, ...] = ("front", "roundhouse")

#: Labels of the `action` task: the fine labels with kicks split by style. Front and
#: roundhouse kicks share their peak pose and differ only in the path that leads there.
ACTION_LABELS: tuple[str, ...] = (
    "empty",
    "stand",
    "punch_left",
    "punch_right",
    "front_kick_left",
    "front_kick_right",
    "roundhouse_kick_left",
    "roundhouse_kick_right",
    "walk_left",
    "walk_right",
    "squat",
)

#: Side-free labels, for sources that sort frames only into punches, kicks and others
#: (the 2018 blog's folders). They serve the punch-binary and punch-kick-other tasks.
COARSE_LABELS: tuple[str, ...] = ("punch", "kick", "other")

#: Every label a Recording may carry.
KNOWN_LABELS: frozenset[str] = frozenset(FINE_LABELS + ACTION_LABELS + COARSE_LABELS)

#: Joints of the keypoint skeleton, in the order datasets store them (x, y in pixels).
KEYPOINT_NAMES: tuple[str, ...] = (
    "head",
    "neck",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "pelvis",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)


def swap_side(label: str) -> str:
    """Return the label of the mirrored move: ``punch_left`` <-> ``punch_right``."""
    if label.endswith("_left"):
        return label[: -len("_left")] + "_right"
    if label.endswith("_right"):
        return label[: -len("_right")] + "_left"
    if label.startswith("left_"):
        return "right_" + label[len("left_") :]
    if label.startswith("right_"):
        return "left_" + label[len("right_") :]
    return label


def swap_sides(labels):
    """Vectorised :func:`swap_side` over any sequence of labels (returns a numpy array)."""
    return np.asarray([swap_side(str(label)) for label in labels], dtype=object)


def _keypoint_flip_order() -> np.ndarray:
    index = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
    return np.asarray([index[swap_side(name)] for name in KEYPOINT_NAMES])


KEYPOINT_FLIP_ORDER = _keypoint_flip_order()


def mirror(frame: np.ndarray, labels=None, keypoints: np.ndarray | None = None, mask=None):
    """Flip a frame (or a stack of frames) horizontally, keeping everything consistent.

    Parameters
    ----------
    frame : array (H, W, C) or (T, H, W, C)
    labels : str, sequence of str or None. ``_left``/``_right`` are swapped.
    keypoints : array (..., J, 2) of (x, y) pixels in :data:`KEYPOINT_NAMES` order, or None.
        x becomes ``W - 1 - x`` and the left/right joints trade places.
    mask : array (H, W) or (T, H, W), or None.

    Returns
    -------
    (frame, labels, keypoints, mask), each mirrored (None stays None).
    """
    frame = np.asarray(frame)
    width_axis = -2 if frame.ndim >= 3 else -1
    width = frame.shape[width_axis]
    flipped = np.flip(frame, axis=width_axis).copy()
    if labels is None:
        new_labels = None
    elif isinstance(labels, str):
        new_labels = swap_side(labels)
    else:
        new_labels = swap_sides(labels)
    new_keypoints = None
    if keypoints is not None:
        new_keypoints = np.array(keypoints, dtype=float, copy=True)
        new_keypoints[..., 0] = width - 1 - new_keypoints[..., 0]
        new_keypoints = new_keypoints[..., KEYPOINT_FLIP_ORDER, :]
    new_mask = None if mask is None else np.flip(np.asarray(mask), axis=-1).copy()
    return flipped, new_labels, new_keypoints, new_mask


def action_label(fine: str, kick_style: str | None) -> str:
    """The action-vocabulary label of a frame from its fine label and kick style."""
    if fine.startswith("kick_"):
        if kick_style not in KICK_STYLES:
            raise ValueError(f"kick frame {fine!r} needs a kick style in {KICK_STYLES}")
        return f"{kick_style}_{fine}"
    return fine


def fine_label(action: str) -> str:
    """The fine label of an action-vocabulary label (kick styles merged)."""
    for style in KICK_STYLES:
        if action.startswith(style + "_kick_"):
            return action[len(style) + 1 :]
    return action
