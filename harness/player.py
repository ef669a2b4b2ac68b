"""Which person is the player: the one rule every person-centred method uses.

Real frames often hold more than one person (a sparring partner, someone walking past).
A method that looks at one person (a crop, MoveNet, BlazePose) must look at the same one
all through a take, and every such method must pick it the same way, so their results
compare. The rule, on candidate boxes ``(x0, y0, x1, y1)`` in frame pixels:

1. **Start** (no previous player box): the candidate with the highest
   ``size * centrality``, where ``size`` is the share of the frame its box covers (inside
   the frame) and ``centrality`` is ``1 - d / D``, ``d`` the distance from the box centre
   to the frame centre and ``D`` half the frame diagonal. A player stands in front of the
   camera, near the middle and close; a passer-by is usually smaller or off to the side.
2. **Afterwards**: the candidate whose box overlaps the previous player box most
   (intersection over union). If none overlaps, the one whose centre is nearest the
   previous centre, if it is within :data:`MAX_JUMP` previous-box diagonals (a player
   who moved fast between two looks). If none is near, the player is lost: the start
   rule picks again.

Ties go to the higher detector score, then the lower index. Pure numpy, no model: the
caller keeps the previous box (for BlazePose, the box of the last frame's landmarks).
"""

from __future__ import annotations

import numpy as np

#: How far (in previous-box diagonals) a non-overlapping candidate may be and still be
#: taken for the player: one diagonal is about a body height, far more than a person
#: moves between two frames, yet a second person standing beside them is usually further.
MAX_JUMP = 1.0


def _as_boxes(boxes) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if not np.all(np.isfinite(boxes)):
        raise ValueError("player: candidate boxes must be finite (x0, y0, x1, y1) pixels")
    return boxes


def box_iou(box, boxes) -> np.ndarray:
    """Intersection over union of one box with each of ``boxes`` (0 where disjoint)."""
    box = np.asarray(box, dtype=np.float64)
    boxes = _as_boxes(boxes)
    width = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    height = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = width * height
    area = max(box[2] - box[0], 0) * max(box[3] - box[1], 0)
    sides = np.clip(boxes[:, 2:] - boxes[:, :2], 0, None)
    areas = sides[:, 0] * sides[:, 1]
    union = area + areas - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _centres(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, :2] + boxes[:, 2:]) / 2


def start_scores(boxes, frame_shape: tuple[int, int]) -> np.ndarray:
    """``size * centrality`` of each candidate (rule 1); ``frame_shape`` is (height, width)."""
    boxes = _as_boxes(boxes)
    height, width = frame_shape[:2]
    inside = boxes.copy()
    inside[:, [0, 2]] = np.clip(inside[:, [0, 2]], 0, width)
    inside[:, [1, 3]] = np.clip(inside[:, [1, 3]], 0, height)
    size = (inside[:, 2] - inside[:, 0]) * (inside[:, 3] - inside[:, 1]) / float(width * height)
    distance = np.linalg.norm(_centres(boxes) - np.array([width / 2, height / 2]), axis=1)
    centrality = np.clip(1.0 - distance / (np.hypot(width, height) / 2), 0.0, 1.0)
    return size * centrality


def _best(values: np.ndarray, scores: np.ndarray) -> int:
    """Index of the highest value; ties to the higher score, then the lower index."""
    order = np.lexsort((np.arange(len(values)), -scores, -values))
    return int(order[0])


def pick_player(
    boxes,
    frame_shape: tuple[int, int],
    previous=None,
    scores=None,
    max_jump: float = MAX_JUMP,
) -> int | None:
    """Index of the player among candidate boxes, by the module's rule.

    Parameters
    ----------
    boxes
        Candidates, (N, 4) ``(x0, y0, x1, y1)`` in frame pixels.
    frame_shape
        The frame's (height, width).
    previous
        The player's box on the previous look, or None at the start of a take.
    scores
        Detector confidences (N,), used only to break ties; None counts all as equal.
    max_jump
        Rule 2's reach for a non-overlapping candidate, in previous-box diagonals.

    Returns
    -------
    int or None
        The index into ``boxes``, or None when there is no candidate.
    """
    boxes = _as_boxes(boxes)
    if len(boxes) == 0:
        return None
    scores = np.zeros(len(boxes)) if scores is None else np.asarray(scores, np.float64)
    if scores.shape != (len(boxes),):
        raise ValueError(f"player: {scores.shape} scores for {len(boxes)} candidate boxes")
    if previous is not None:
        previous = np.asarray(previous, np.float64).reshape(4)
        overlap = box_iou(previous, boxes)
        if overlap.max() > 0:
            return _best(overlap, scores)
        distance = np.linalg.norm(_centres(boxes) - _centres(previous[None])[0], axis=1)
        diagonal = np.hypot(previous[2] - previous[0], previous[3] - previous[1])
        if distance.min() <= max_jump * diagonal:
            return _best(-distance, scores)
    return _best(start_scores(boxes, frame_shape), scores)
