"""Scenes with several real people, composed from the squat photo (a real person).

The person is cut out of ``../shared/images/squat.bmp`` with BlazePose's own segmentation
mask (found on the photo once), then pasted at given places and sizes onto a wall, so
every person-centred extractor sees people, not pasted rectangles: background subtraction
finds each person's silhouette, the pose models find bodies.
"""

from __future__ import annotations

import functools
from pathlib import Path

import cv2
import numpy as np
import pytest

from harness import weights

SQUAT = Path(__file__).resolve().parents[2] / "shared" / "images" / "squat.bmp"
WALL = (222, 214, 200)


def require(*files: str) -> None:
    """Skip unless LiteRT and the named weights files (and the photo) are here."""
    pytest.importorskip("ai_edge_litert")
    for name in files:
        if weights.find_weights(name) is None:
            pytest.skip(weights.missing_reason(name))
    if not SQUAT.is_file():
        pytest.skip(f"needs the photo {SQUAT}")


def photo() -> np.ndarray:
    require()
    return cv2.cvtColor(cv2.imread(str(SQUAT)), cv2.COLOR_BGR2RGB)


@functools.cache
def cutout() -> tuple[np.ndarray, np.ndarray]:
    """The squat photo's person: (RGB, alpha in [0, 1]) cropped to the person's box."""
    require("pose_detection.tflite", "pose_landmark_full.tflite")
    from harness.extractors.blazepose import BlazePoseTracker

    image = photo()
    result = BlazePoseTracker("full", with_mask=True).process(image)
    alpha = cv2.GaussianBlur((result.mask > 0.5).astype(np.float32), (5, 5), 0)
    ys, xs = np.nonzero(alpha > 0.05)
    box = slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1)
    return image[box], alpha[box]


def empty_scene(size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A plain wall with a darker floor, (height, width, 3) for ``size`` (width, height)."""
    width, height = size
    scene = np.empty((height, width, 3), np.uint8)
    scene[:] = WALL
    scene[int(height * 0.8) :] = (150, 140, 128)
    return scene


def scene(people, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """The empty scene with the person pasted at each ``(centre_x, feet_y, height)`` in
    pixels, in order (later ones in front); a fourth value True mirrors that person."""
    out = empty_scene(size).astype(np.float32)
    for centre_x, feet_y, height, *flip in people:
        image, alpha = cutout()
        if flip and flip[0]:
            image, alpha = image[:, ::-1], alpha[:, ::-1]
        scale = height / image.shape[0]
        person = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        weight = cv2.resize(alpha, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        h, w = weight.shape
        top, left = int(feet_y - h), int(centre_x - w / 2)
        rows = slice(max(top, 0), min(top + h, out.shape[0]))
        cols = slice(max(left, 0), min(left + w, out.shape[1]))
        inner = (
            slice(rows.start - top, rows.stop - top),
            slice(cols.start - left, cols.stop - left),
        )
        a = weight[inner][:, :, None]
        out[rows, cols] = a * person[inner] + (1 - a) * out[rows, cols]
    return np.round(out).astype(np.uint8)


def walk(start, end, steps: int) -> list[list[tuple]]:
    """People moving from ``start`` to ``end`` (lists of per-person tuples) in ``steps``
    frames, each value interpolated linearly (flags kept)."""
    frames = []
    for t in np.linspace(0.0, 1.0, steps):
        frames.append(
            [
                tuple(a + t * (b - a) for a, b in zip(p[:3], q[:3], strict=True)) + tuple(p[3:])
                for p, q in zip(start, end, strict=True)
            ]
        )
    return frames
