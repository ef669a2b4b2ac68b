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

1. The performer's box from the difference to the empty scene (the recording's background
   frame, or its temporal median estimate when the source has none, as a game would take
   at start-up), widened to the backbone input's aspect, centred on the performer.
2. The crop, resized to the backbone's input, and its mirror image are embedded:
   ``[f(crop) + f(mirror), f(crop) - f(mirror)]``, the symmetric part (the posture) and the
   antisymmetric part (which side it is on).

A mirrored take's features are then exact without recomputing: ``[s, -a]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from harness.extractors.backbones import get_spec, load_backbone
from harness.extractors.base import Extractor

#: Foreground threshold on the largest per-channel difference to the empty scene.
THRESHOLD = 40
#: The box is the foreground's box enlarged by this factor (limbs, soft edges).
MARGIN = 1.15


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


@dataclass(frozen=True)
class PersonCrop(Extractor):
    """``[f(crop) + f(mirror), f(crop) - f(mirror)]`` of the performer's crop (2 x dim)."""

    kind = "person-crop"
    needs_background = True
    backbone: str = "mobilenet-0.25@160x112"

    @property
    def shape(self) -> tuple[int, ...]:
        return (2 * get_spec(self.backbone).dim,)

    def requirements(self) -> tuple[str, ...]:
        return get_spec(self.backbone).requirements

    def weights(self) -> tuple[str, ...]:
        return (get_spec(self.backbone).weights,)

    def embed(self, frames: np.ndarray, background: np.ndarray | None) -> np.ndarray:
        net = load_backbone(self.backbone)
        if len(frames) == 0:
            return np.zeros((0, *self.shape), np.float32)
        crops = np.stack([person_crop(f, background, net.input_size) for f in frames])
        both = net.embed(np.concatenate([crops, crops[:, :, ::-1]]))
        direct, mirror = both[: len(crops)], both[len(crops) :]
        return np.concatenate([direct + mirror, direct - mirror], axis=1)

    def mirror(self, features: np.ndarray, width: int) -> np.ndarray:
        """The antisymmetric half changes sign; the posture half stays."""
        half = features.shape[-1] // 2
        return np.concatenate([features[..., :half], -features[..., half:]], axis=-1)
