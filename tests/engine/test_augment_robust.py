"""The blog's augmentation recipe on awkward frames: deterministic, and never failing inside
imgaug (issue 15)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from harness.augment import augment

REPO = Path(__file__).resolve().parents[2]


def silhouettes(n: int, height: int = 240, width: int = 320) -> np.ndarray:
    """Depth-camera style frames: black background, one light-grey person silhouette."""
    frames = np.zeros((n, height, width, 3), np.uint8)
    for i in range(n):
        x = 60 + (37 * i) % 200
        cv2.ellipse(frames[i], (x, 60), (14, 18), 0, 0, 360, (220, 220, 220), -1)
        cv2.rectangle(frames[i], (x - 20, 80), (x + 20, 160), (200, 200, 200), -1)
        cv2.line(frames[i], (x - 20, 90), (x - 55 + i % 30, 120), (210, 210, 210), 9)
        cv2.line(frames[i], (x - 10, 160), (x - 25, 235), (190, 190, 190), 11)
        cv2.line(frames[i], (x + 10, 160), (x + 25, 235), (190, 190, 190), 11)
    return frames


def digest(images: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(images).tobytes()).hexdigest()


_DIGEST_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_augment_robust import augment, digest, silhouettes
print(digest(augment(silhouettes(2), None, "blog", 8, seed=3)[0]))
"""


def test_copies_do_not_depend_on_the_python_hash_seed():
    # imgaug turns pad_mode=ALL into list(a set of strings): before the recipe spelled the
    # modes out, each process drew other copies from the same (seed, key).
    script = _DIGEST_SCRIPT.format(tests=str(Path(__file__).parent))
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(REPO)}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1
    assert digests == {digest(augment(silhouettes(2), None, "blog", 8, seed=3)[0])}
