"""The blog's augmentation recipe on awkward frames: deterministic, and never failing inside
imgaug (issue 15)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import cv2
import imgaug
import imgaug.augmenters as iaa
import imgaug.random as iarandom
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness import augment as augmentation
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


# -- imgaug's frequency-noise alpha mask (issue 15) ---------------------------------------

#: A (seed, key) whose copies drew a frequency-noise mask with a first pixel of 1.00000012:
#: found by augmenting silhouettes(1) with the blog recipe at seed 0 for keys 0, 1, 2, ...
#: with imgaug's own BlendAlphaFrequencyNoise (keys 7879, 9192 and 9624 fail below 9625).
FAILING_SEED, FAILING_KEY = 0, 7879

#: sha256 of augment(silhouettes(4), None, "blog", 16, seed) for seeds 0 and 1, computed
#: with imgaug's unclipped BlendAlphaFrequencyNoise (commit 2a8ca96) before the recipe used
#: FrequencyNoiseAlpha. They hold for the pinned versions below; other OpenCV or imgaug
#: builds may resize or blend differently, hence the in-process comparison next to it.
DIGESTS_BEFORE_CLIPPING = {
    0: "34a5ae6e81f092d34b9540858648c73a8d43c9a55f03c6e665cbc57f7cb4fa49",
    1: "c27a6a0e1b73648ba66f1c28944429692a5283db6f2c8dcc3b7cf1de0435384e",
}
PINNED = (imgaug.__version__, cv2.__version__, np.__version__) == ("0.4.0", "4.11.0", "1.26.4")


@pytest.fixture
def imgaug_unclipped(monkeypatch):
    """The recipe as it was: imgaug's own BlendAlphaFrequencyNoise."""
    monkeypatch.setattr(augmentation, "FrequencyNoiseAlpha", iaa.BlendAlphaFrequencyNoise)


def test_imgaug_alone_fails_on_a_mostly_black_320x240_frame(imgaug_unclipped):
    with pytest.raises(AssertionError, match="Expected 'parameter' samples to be in the interval"):
        augment(silhouettes(1), None, "blog", 16, FAILING_SEED, keys=[FAILING_KEY])


def test_the_recipe_augments_that_frame():
    images, labels = augment(
        silhouettes(1), ["punch"], "blog", 16, FAILING_SEED, keys=[FAILING_KEY]
    )
    assert images.shape == (16, 56, 100, 3) and images.dtype == np.uint8
    assert set(labels) == {"punch"}


def test_copies_of_normal_frames_are_those_imgaug_made(monkeypatch):
    frames = silhouettes(4)
    ours = [augment(frames, None, "blog", 16, seed)[0] for seed in (0, 1)]
    monkeypatch.setattr(augmentation, "FrequencyNoiseAlpha", iaa.BlendAlphaFrequencyNoise)
    theirs = [augment(frames, None, "blog", 16, seed)[0] for seed in (0, 1)]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(not PINNED, reason="digests were computed with imgaug 0.4.0, OpenCV 4.11.0")
def test_copies_of_normal_frames_match_the_digests_from_before_the_fix():
    frames = silhouettes(4)
    for seed, expected in DIGESTS_BEFORE_CLIPPING.items():
        assert digest(augment(frames, None, "blog", 16, seed)[0]) == expected


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(56, 100), (240, 320), (7, 5)]))
def test_clipped_mask_is_imgaugs_mask_clipped_and_uses_the_same_random_numbers(seed, shape):
    def parameter(cls):
        return cls(exponent=(-2, 0), foreground=iaa.Multiply(1.1)).mask_generator.parameter

    ours, theirs = (
        parameter(augmentation.FrequencyNoiseAlpha),
        parameter(iaa.BlendAlphaFrequencyNoise),
    )
    rng_ours, rng_theirs = iarandom.RNG(seed), iarandom.RNG(seed)
    mask = ours.draw_samples(shape, random_state=rng_ours)
    reference = theirs.draw_samples(shape, random_state=rng_theirs)
    assert mask.dtype == reference.dtype and 0.0 <= mask.min() and mask.max() <= 1.0
    np.testing.assert_array_equal(mask, np.clip(reference, 0.0, 1.0))
    # The next draw of the pipeline sees the same random state as with imgaug's mask.
    assert rng_ours.generate_seed_() == rng_theirs.generate_seed_()
