"""A frozen CNN backbone on a crop around the performer and on its mirror image.

Why: global-average-pooled MobileNet features of the whole frame mostly describe the room
(the performer fills a fraction of a 100x56 thumbnail), and pooling discards where things
are, so a left kick and its mirror image give nearly the same vector. On mk-synth full, a
linear probe on held-out subjects went from frame-level action macro-F1 0.25 (whole frame)
to 0.37 (person crop) to 0.43 (crop + mirror difference): a one-off experiment while this
extractor was designed; no harness command repeats it (the probe is not a method).

Crop size (height x width) and mirrored training, as ``mobilenet-person``'s punch-kick-other
macro-F1 on mk-synth full (5 leave-subjects-out folds): 96x72 0.82, 128x96 0.85, 160x112
0.88 (the default); mirrored training +0.03 at 128x96. Command: ``python -m harness run
--methods mobilenet-person --tasks punch-kick-other --weights-dir ../shared/weights
--set mobilenet-person.mirror=True,False
--set mobilenet-person.backbone=mobilenet-0.25@96x72,mobilenet-0.25@128x96,mobilenet-0.25@160x112``

Recipe per frame:

1. The people in view: the foreground (the difference to the empty scene: the recording's
   background frame, or its temporal median estimate when the source has none, as a game
   would take at start-up), cleaned, split into connected components; components whose
   columns overlap (a body cut in pieces by clothes the colour of the wall) are one
   person; specks are dropped.
2. The player among them by :func:`harness.player.pick_player` (largest and most central
   at the start of a take, then the one overlapping the player's last box), so the crop
   follows the same person all through a take: this extractor is stateful.
3. Their box widened to the backbone input's aspect, centred on them; the crop, resized to
   the backbone's input, and its mirror image are embedded:
   ``[f(crop) + f(mirror), f(crop) - f(mirror)]``, the symmetric part (the posture) and
   the antisymmetric part (which side it is on).

A mirrored take's features are then exact without recomputing: ``[s, -a]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from harness.extractors.backbones import get_spec, load_backbone
from harness.extractors.base import Extractor
from harness.player import pick_player

#: Foreground threshold on the largest per-channel difference to the empty scene.
THRESHOLD = 40
#: The box is the foreground's box enlarged by this factor (limbs, soft edges).
MARGIN = 1.15
#: Pieces of foreground closer than this share of the frame height are joined first.
JOIN = 1 / 24
#: Components joined this way with fewer pixels than this share of the frame are specks.
MIN_SHARE = 0.002
#: Two components whose column ranges overlap by this share of the narrower are one person.
SAME_COLUMNS = 0.5
#: A piece smaller than this share of the player's body, beside it, is one of its limbs
#: (a forearm cut off is a few per cent of the body; a second person, even far back and
#: half the player's height, is a quarter of it)...
LIMB_SHARE = 0.15
#: ...when its gap to the body is under this share of the player's height (cut-off limbs
#: sit at the body's edge).
LIMB_REACH = 0.25
#: Pieces smaller than this share of the frame are noise, even as limbs.
LIMB_MIN_SHARE = 0.0002


def foreground(frame: np.ndarray, background: np.ndarray) -> np.ndarray:
    """uint8 (H, W) mask: 1 where the frame differs from the empty scene, specks removed."""
    diff = cv2.absdiff(frame, background).max(axis=-1)
    mask = (diff > THRESHOLD).astype(np.uint8)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))


def _merge_columns(boxes: list[list[float]]) -> list[list[float]]:
    """Join boxes whose column ranges overlap by :data:`SAME_COLUMNS` of the narrower."""
    merged = True
    while merged:
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                overlap = min(a[2], b[2]) - max(a[0], b[0])
                if overlap >= SAME_COLUMNS * min(a[2] - a[0], b[2] - b[0]):
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return boxes


def pieces(mask: np.ndarray, smallest: float = MIN_SHARE) -> tuple[np.ndarray, np.ndarray]:
    """(boxes (N, 4) ``(x0, y0, x1, y1)``, pixel counts (N,)) of the foreground's pieces:
    pixels closer than :data:`JOIN` of the frame height are one piece; pieces under
    ``smallest`` of the frame dropped."""
    height, width = mask.shape
    reach = max(3, int(round(height * JOIN)) | 1)
    joined = cv2.dilate(mask, np.ones((reach, reach), np.uint8))
    count, labels = cv2.connectedComponents(joined)
    ys, xs = np.nonzero(mask)
    owner = labels[ys, xs]  # which joined piece each foreground pixel is in
    boxes, areas = [], []
    for label in range(1, count):
        mine = owner == label
        if mine.sum() >= smallest * height * width:
            boxes.append([xs[mine].min(), ys[mine].min(), xs[mine].max() + 1, ys[mine].max() + 1])
            areas.append(int(mine.sum()))
    return np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(areas, np.int64)


def people_boxes(mask: np.ndarray) -> np.ndarray:
    """(N, 4) ``(x0, y0, x1, y1)`` boxes of the people in a foreground mask (see module)."""
    boxes, _ = pieces(mask)
    return np.asarray(_merge_columns([list(b) for b in boxes]), np.float64).reshape(-1, 4)


def with_limbs(player: np.ndarray, boxes: np.ndarray, areas: np.ndarray) -> np.ndarray:
    """The player's box grown over the small pieces beside it: a punching arm or a kicking
    leg that the threshold cut off the body (sleeves the colour of the wall), or legs under
    a trunk at the frame's edge. A piece joins when it is small next to the player (under
    :data:`LIMB_SHARE` of the largest piece inside the box: a second person is not) and
    lies within :data:`LIMB_REACH` of the player's height, to the side within its rows or
    above or below within its columns."""
    box = player.copy()
    inside = [a for b, a in zip(boxes, areas, strict=True) if _within(b, player)]
    body = max(inside, default=0)
    height = player[3] - player[1]
    reach = LIMB_REACH * height
    for b, area in zip(boxes, areas, strict=True):
        rows_inside = b[1] >= player[1] - 0.1 * height and b[3] <= player[3] + 0.1 * height
        side_gap = max(player[0] - b[2], b[0] - player[2], 0)
        below_or_above = min(b[2], player[2]) - max(b[0], player[0]) >= 0.5 * (b[2] - b[0])
        vertical_gap = max(player[1] - b[3], b[1] - player[3], 0)
        beside = rows_inside and side_gap <= reach  # an arm or a leg out to the side
        under = below_or_above and vertical_gap <= reach  # legs (or head) cut off the trunk
        if area < LIMB_SHARE * body and (beside or under):
            box = np.array(
                [min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])]
            )
    return box


def mask_size(frame: np.ndarray) -> int:
    return frame.shape[0] * frame.shape[1]


def _within(inner: np.ndarray, outer: np.ndarray) -> bool:
    return (
        inner[0] >= outer[0]
        and inner[1] >= outer[1]
        and inner[2] <= outer[2]
        and inner[3] <= outer[3]
    )


def widened(box: np.ndarray, aspect: float) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of a box of width/height ``aspect`` around ``box``."""
    x, y, w, h = box[0], box[1], box[2] - box[0], box[3] - box[1]
    box_h = max(h * MARGIN + 8, (w * MARGIN + 8) / aspect)
    box_w = box_h * aspect
    cy, cx = y + h / 2, x + w / 2
    return (
        int(cy - box_h / 2),
        int(cy + box_h / 2),
        int(cx - box_w / 2),
        int(cx + box_w / 2),
    )


class PlayerFinder:
    """The player's box frame after frame in one take (the player rule, then followed)."""

    def __init__(self, background: np.ndarray):
        self.background = background
        self.previous: np.ndarray | None = None

    def __call__(self, frame: np.ndarray) -> np.ndarray | None:
        """The player's foreground box in ``frame``, or None when nobody is in view."""
        parts, areas = pieces(foreground(frame, self.background), smallest=LIMB_MIN_SHARE)
        people = [
            list(b) for b, a in zip(parts, areas, strict=True) if a >= MIN_SHARE * mask_size(frame)
        ]
        boxes = np.asarray(_merge_columns(people), np.float64).reshape(-1, 4)
        chosen = pick_player(boxes, frame.shape[:2], previous=self.previous)
        if chosen is None:  # nobody in view; the last box stays for when they come back
            return None
        self.previous = boxes[chosen]  # followed by its body, not its reach
        return with_limbs(boxes[chosen], parts, areas)


def person_crop(frame: np.ndarray, box: np.ndarray | None, size: tuple[int, int]):
    """The crop around ``box`` (None: the whole frame) resized to ``size`` = (height, width),
    widened to its aspect; edges replicated."""
    height, width = frame.shape[:2]
    if box is None:
        top, bottom, left, right = 0, height, 0, width
    else:
        top, bottom, left, right = widened(box, size[1] / size[0])
    pad = max(0, -top, -left, bottom - height, right - width)
    if pad:
        frame = cv2.copyMakeBorder(frame, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    crop = frame[top + pad : bottom + pad, left + pad : right + pad]
    return cv2.resize(crop, (size[1], size[0]), interpolation=cv2.INTER_AREA)


@dataclass(frozen=True)
class PersonCrop(Extractor):
    """``[f(crop) + f(mirror), f(crop) - f(mirror)]`` of the performer's crop (2 x dim)."""

    kind = "person-crop"
    needs_background = True
    stateful = True
    backbone: str = "mobilenet-0.25@160x112"

    @property
    def shape(self) -> tuple[int, ...]:
        return (2 * get_spec(self.backbone).dim,)

    def requirements(self) -> tuple[str, ...]:
        return get_spec(self.backbone).requirements

    def weights(self) -> tuple[str, ...]:
        return (get_spec(self.backbone).weights,)

    def _embed_crops(self, crops: np.ndarray) -> np.ndarray:
        if len(crops) == 0:
            return np.zeros((0, *self.shape), np.float32)
        both = load_backbone(self.backbone).embed(np.concatenate([crops, crops[:, :, ::-1]]))
        direct, mirror = both[: len(crops)], both[len(crops) :]
        return np.concatenate([direct + mirror, direct - mirror], axis=1)

    def embed_take(self, frames, background, fps) -> np.ndarray:
        """The player followed through the take, then every crop embedded in batches."""
        size = load_backbone(self.backbone).input_size
        find = PlayerFinder(background)
        crops = [person_crop(f, find(np.asarray(f)), size) for f in frames]
        parts = [
            self._embed_crops(np.stack(crops[i : i + self.chunk]))
            for i in range(0, len(crops), self.chunk)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, *self.shape), np.float32)

    def track(self, background, fps):
        size = load_backbone(self.backbone).input_size
        find = PlayerFinder(background)
        return lambda frame: self._embed_crops(person_crop(frame, find(frame), size)[None])[0]

    def mirror(self, features: np.ndarray, width: int) -> np.ndarray:
        """The antisymmetric half changes sign; the posture half stays."""
        half = features.shape[-1] // 2
        return np.concatenate([features[..., :half], -features[..., half:]], axis=-1)
