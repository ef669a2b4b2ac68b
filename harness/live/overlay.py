"""Pure drawing functions for the live view: each takes an RGB uint8 frame, returns a new one.

What is drawn, and where: the current move in large type (top left), FPS and per-frame
latency (top right), class probabilities as horizontal bars (bottom left), an optional
skeleton, and an optional side panel (the classic method's silhouette and histograms,
supplied by the method as an RGB image) beside or below the frame. Sizes follow the frame,
so a 320x240 webcam frame stays legible. Colours are RGB tuples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from harness.labels import KEYPOINT_NAMES

FONT = cv2.FONT_HERSHEY_SIMPLEX
TEXT = (255, 255, 255)
SHADE = (0, 0, 0)
BAR = (60, 170, 255)
BAR_TOP = (255, 200, 0)
BONE = (0, 255, 120)


def _edges(names: Sequence[str], pairs: Sequence[tuple[str, str]]) -> tuple[tuple[int, int], ...]:
    index = {name: i for i, name in enumerate(names)}
    return tuple((index[a], index[b]) for a, b in pairs)


#: MoveNet / COCO's 17 keypoints, in their order.
COCO_17 = (
    "nose left_eye right_eye left_ear right_ear left_shoulder right_shoulder left_elbow "
    "right_elbow left_wrist right_wrist left_hip right_hip left_knee right_knee left_ankle "
    "right_ankle"
).split()
_ARMS_LEGS = [
    ("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"),
    ("right_shoulder", "right_elbow"), ("right_elbow", "right_wrist"),
    ("left_hip", "left_knee"), ("left_knee", "left_ankle"),
    ("right_hip", "right_knee"), ("right_knee", "right_ankle"),
]  # fmt: skip
_LIMBS = _ARMS_LEGS + [
    ("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"),
    ("left_shoulder", "left_hip"), ("right_shoulder", "right_hip"),
]  # fmt: skip
COCO_17_EDGES = _edges(
    COCO_17,
    _LIMBS
    + [("nose", "left_eye"), ("nose", "right_eye"), ("left_eye", "left_ear")]
    + [("right_eye", "right_ear"), ("left_ear", "left_shoulder"), ("right_ear", "right_shoulder")],
)

#: MediaPipe BlazePose's 33 landmarks, in their order.
BLAZEPOSE_33 = (
    "nose left_eye_inner left_eye left_eye_outer right_eye_inner right_eye right_eye_outer "
    "left_ear right_ear mouth_left mouth_right left_shoulder right_shoulder left_elbow "
    "right_elbow left_wrist right_wrist left_pinky right_pinky left_index right_index "
    "left_thumb right_thumb left_hip right_hip left_knee right_knee left_ankle right_ankle "
    "left_heel right_heel left_foot_index right_foot_index"
).split()
_FACE = [
    ("nose", "left_eye_inner"), ("left_eye_inner", "left_eye"), ("left_eye", "left_eye_outer"),
    ("left_eye_outer", "left_ear"), ("nose", "right_eye_inner"),
    ("right_eye_inner", "right_eye"), ("right_eye", "right_eye_outer"),
    ("right_eye_outer", "right_ear"), ("mouth_left", "mouth_right"),
]  # fmt: skip
_HANDS_FEET = [
    (f"{s}_{a}", f"{s}_{b}")
    for s in ("left", "right")
    for a, b in [
        ("wrist", "pinky"), ("wrist", "index"), ("wrist", "thumb"), ("pinky", "index"),
        ("ankle", "heel"), ("heel", "foot_index"), ("ankle", "foot_index"),
    ]
]  # fmt: skip
BLAZEPOSE_33_EDGES = _edges(BLAZEPOSE_33, _FACE + _LIMBS + _HANDS_FEET)

#: The harness's own 15-joint skeleton (mk-synth's keypoints, :data:`KEYPOINT_NAMES`).
HARNESS_15_EDGES = _edges(
    KEYPOINT_NAMES,
    _ARMS_LEGS
    + [("head", "neck"), ("neck", "left_shoulder"), ("neck", "right_shoulder")]
    + [("neck", "pelvis"), ("pelvis", "left_hip"), ("pelvis", "right_hip")],
)


def _unit(frame: np.ndarray) -> float:
    """A length unit that scales with the frame: 1.0 at 480 pixels high."""
    return max(min(frame.shape[0], frame.shape[1] * 0.75) / 480.0, 0.2)


def _put_text(frame, text: str, x: float, y: float, max_w: float, max_h: float, right=False):
    """Draw text on a dark box scaled to fit max_w x max_h, its top-left corner at (x, y)
    (top-right when ``right``); returns the box's height."""
    (w, h), base = cv2.getTextSize(text, FONT, 1.0, 2)
    scale = max(min(max_w / max(w, 1), max_h / (h + base)), 0.1)
    thickness = max(1, int(round(scale * 2)))
    (w, h), base = cv2.getTextSize(text, FONT, scale, thickness)
    x = int(x - w - 4) if right else int(x)
    y = int(y)
    cv2.rectangle(frame, (x, y), (x + w + 4, y + h + base + 4), SHADE, cv2.FILLED)
    cv2.putText(frame, text, (x + 2, y + h + 2), FONT, scale, TEXT, thickness, cv2.LINE_AA)
    return h + base + 4


def draw_move(frame: np.ndarray, move: str | None, confidence: float | None = None) -> np.ndarray:
    """The current move in large type at the top left (``-`` when none is active)."""
    out = frame.copy()
    text = (move or "-") + ("" if confidence is None else f" {confidence:.0%}")
    _put_text(out, text, 2, 2, out.shape[1] * 0.6, 60 * _unit(out))
    return out


def draw_stats(frame: np.ndarray, fps: float | None, latency_ms: float | None) -> np.ndarray:
    """Frames per second and the last frame's latency at the top right."""
    out = frame.copy()
    parts = []
    if fps is not None:
        parts.append(f"{fps:.1f} fps")
    if latency_ms is not None:
        parts.append(f"{latency_ms:.0f} ms")
    if parts:
        _put_text(
            out,
            "  ".join(parts),
            out.shape[1] - 2,
            2,
            out.shape[1] * 0.35,
            24 * _unit(out),
            right=True,
        )
    return out


def draw_probabilities(
    frame: np.ndarray, probabilities: Mapping[str, float], highlight: str | None = None
) -> np.ndarray:
    """One horizontal bar per class at the bottom left, the highlighted (or top) one in gold."""
    out = frame.copy()
    if not probabilities:
        return out
    names = list(probabilities)
    top = highlight if highlight in probabilities else max(names, key=lambda n: probabilities[n])
    # Rows of 20 pixels at 480 high, at least 8 (a legible label), all within 45 % of the height.
    row = max(min(max(20 * _unit(out), 8.0), out.shape[0] * 0.45 / len(names)), 1.0)
    label_w, bar_w = out.shape[1] * 0.22, out.shape[1] * 0.25
    y = out.shape[0] - row * len(names) - 2
    for name in names:
        p = float(np.clip(probabilities[name], 0.0, 1.0))
        y0, y1 = int(y), int(y + row) - 1
        x0 = int(label_w) + 4
        cv2.rectangle(out, (0, y0), (int(x0 + bar_w), y1), SHADE, cv2.FILLED)
        if row >= 6:  # below ~6 pixels no label is legible; the bars still are
            _put_text(out, name, 0, y0, label_w, row - 1)
        length = int(round(p * bar_w))
        if length > 0:  # OpenCV draws a zero-width rectangle one pixel wide
            colour = BAR_TOP if name == top else BAR
            cv2.rectangle(out, (x0, y0 + 1), (x0 + length - 1, y1 - 1), colour, cv2.FILLED)
        y += row
    return out


def draw_skeleton(
    frame: np.ndarray,
    keypoints: np.ndarray,
    edges: Sequence[tuple[int, int]],
    threshold: float = 0.3,
) -> np.ndarray:
    """Bones and joints of keypoints (J, 2) or (J, 3) in pixels; the third column is a
    score, and joints scoring below ``threshold`` (or not finite) are left out."""
    out = frame.copy()
    points = np.asarray(keypoints, dtype=float)
    if points.ndim != 2 or points.shape[1] not in (2, 3):
        raise ValueError(f"draw_skeleton: keypoints must be (J, 2) or (J, 3), got {points.shape}")
    shown = np.isfinite(points[:, :2]).all(axis=1)
    if points.shape[1] == 3:
        shown &= points[:, 2] >= threshold
    xy = np.round(np.nan_to_num(points[:, :2])).astype(int)
    width = max(1, int(round(3 * _unit(out))))
    for a, b in edges:
        if a < len(points) and b < len(points) and shown[a] and shown[b]:
            cv2.line(out, tuple(xy[a]), tuple(xy[b]), BONE, width, cv2.LINE_AA)
    for j in np.flatnonzero(shown):
        cv2.circle(out, tuple(xy[j]), width + 1, TEXT, cv2.FILLED, cv2.LINE_AA)
    return out


def attach_panel(frame: np.ndarray, panel: np.ndarray, side: str = "right") -> np.ndarray:
    """The frame with ``panel`` (RGB or grey) beside it (``right``) or ``below``, the panel
    resized to the frame's height (or width) with its aspect ratio kept."""
    if side not in ("right", "below"):
        raise ValueError(f"attach_panel: side must be 'right' or 'below', got {side!r}")
    panel = np.asarray(panel)
    if panel.ndim == 2:
        panel = np.repeat(panel[:, :, None], 3, axis=2)
    panel = panel.astype(np.uint8, copy=False)
    h, w = frame.shape[:2]
    ph, pw = panel.shape[:2]
    if side == "right":
        size = (max(1, round(pw * h / ph)), h)
    else:
        size = (w, max(1, round(ph * w / pw)))
    panel = cv2.resize(panel, size, interpolation=cv2.INTER_AREA)
    return np.hstack([frame, panel]) if side == "right" else np.vstack([frame, panel])


def annotate(
    frame: np.ndarray,
    *,
    move: str | None = None,
    confidence: float | None = None,
    probabilities: Mapping[str, float] | None = None,
    fps: float | None = None,
    latency_ms: float | None = None,
    keypoints: np.ndarray | None = None,
    edges: Sequence[tuple[int, int]] = COCO_17_EDGES,
    threshold: float = 0.3,
    panel: np.ndarray | None = None,
    panel_side: str = "right",
) -> np.ndarray:
    """Everything at once, in drawing order: skeleton, bars, move, stats, then the panel."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"annotate: frame must be RGB uint8 (H, W, 3), got {frame.shape}")
    out = frame
    if keypoints is not None:
        out = draw_skeleton(out, keypoints, edges, threshold)
    if probabilities:
        out = draw_probabilities(out, probabilities, highlight=move)
    out = draw_move(out, move, confidence)
    out = draw_stats(out, fps, latency_ms)
    return out if panel is None else attach_panel(out, panel, panel_side)
