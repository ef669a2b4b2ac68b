"""Features of augmented copies of training frames, cached per recording for every fold.

The augmentation of a frame depends only on the seed, the recording's fingerprint and the
frame's index (see :mod:`harness.augment`), never on the fold or the task, so the copies of
a recording are made and embedded once and every fold, task and head reuses them. Only
every ``stride``-th frame is augmented: consecutive frames at 15 fps are near-duplicates.
"""

from __future__ import annotations

import sys

import numpy as np
from tqdm.auto import tqdm

from harness import augment as augmentation
from harness import cache
from harness.extractors.base import Extractor
from harness.stages import stage

#: Frames augmented per embedding call (times the copies of each).
FRAMES_PER_CALL = 16


def augmentation_refusal(extractor: Extractor) -> str | None:
    """Why frames for ``extractor`` cannot be augmented, or None when they can.

    The recipes shift and crop the whole frame; an extractor that finds the person against
    the take's empty scene would compare moved frames with an unmoved scene."""
    if extractor.needs_background:
        return (
            f"the {extractor.kind} is found against the empty scene, which the recipe's "
            "shifts and crops break"
        )
    return None


def augmented_recording_features(
    recording, extractor: Extractor, recipe: str, copies: int, stride: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Features of augmented copies of every ``stride``-th frame of ``recording``.

    Copies are made at the extractor's ``augment_size`` when it has one, else at the
    recipe's size.

    Returns
    -------
    features : (ceil(T / stride), copies, *shape), cached on disk.
    flipped : bool (ceil(T / stride), copies): which copies were mirrored.
    """
    index = np.arange(0, len(recording), stride)
    keys = augmentation.frame_keys(recording.fingerprint, index)
    size = getattr(extractor, "augment_size", None)
    background = extractor.background_of(recording)

    def compute() -> np.ndarray:
        with stage(f"augment: {recipe} + {extractor.kind}"):
            return _augment_and_embed()

    def _augment_and_embed() -> np.ndarray:
        out = np.empty((len(index), copies, *extractor.shape), extractor.dtype)
        for start in range(0, len(index), FRAMES_PER_CALL):
            chunk = slice(start, start + FRAMES_PER_CALL)
            images, _ = augmentation.augment(
                np.asarray(recording.frames[index[chunk]]),
                None,
                recipe,
                copies=copies,
                seed=seed,
                keys=keys[chunk],
                size=size,
            )
            features = np.asarray(extractor.embed(images, background))
            out[chunk] = features.reshape(-1, copies, *extractor.shape)
        return out

    # The code: this module, the recipes and all they import (the extractor's own code is
    # in its recording key), read now, so an edit made since import is seen.
    code = cache.code_hash(*cache.project_modules(__name__))
    key = cache.key_of(extractor.recording_key(recording), recipe, copies, stride, seed, code)
    features = cache.cached_array(f"augmented/{extractor.kind}", key, compute)
    return features, augmentation.flip_flags(recipe, copies, seed, keys)


def augmented_features(
    samples,
    extractor: Extractor,
    recipe: str = "blog",
    copies: int | None = None,
    stride: int = 4,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Features and task labels of augmented copies of the training ``samples``.

    Only samples whose frame index is a multiple of ``stride`` are augmented; each gives
    ``copies`` copies. Mirrored copies get their ``_left``/``_right`` label swapped before
    it is mapped onto the task.

    Returns
    -------
    X : (M, *shape); y : object (M,) task labels. Empty for the recipe ``none``.
    """
    copies = augmentation.RECIPES[recipe].copies if copies is None else copies
    empty = np.zeros((0, *extractor.shape), extractor.dtype), np.zeros(0, object)
    if augmentation.RECIPES[recipe].is_identity or copies == 0:
        return empty
    refusal = augmentation_refusal(extractor)
    if refusal:
        raise ValueError(f"augment={recipe!r}: {refusal}")
    if samples.window != 1:
        raise ValueError("augmented_features serves frame samples only")
    chosen = samples.end % stride == 0
    used = np.unique(samples.rec[chosen])
    xs, ys = [], []
    todo = [samples.recordings[r] for r in used]
    bar = tqdm(
        todo,
        desc=f"augment {recipe} + {extractor.kind}",
        unit="recording",
        file=sys.stderr,
        disable=None,
        leave=False,
    )
    for r, recording in zip(used, bar, strict=True):
        frames = samples.end[chosen & (samples.rec == r)]
        features, flipped = augmented_recording_features(
            recording, extractor, recipe, copies, stride, seed
        )
        rows = frames // stride
        fine = np.repeat(recording.labels[frames][:, None], copies, axis=1)
        task = samples.task
        swapped = flipped[rows] & augmentation.RECIPES[recipe].swap
        labels = np.where(
            swapped,
            task.mirrored_labels(fine.ravel()).reshape(fine.shape),
            task.map_labels(fine.ravel()).reshape(fine.shape),
        )
        xs.append(np.asarray(features[rows]).reshape(-1, *extractor.shape))
        ys.append(labels.ravel())
    if not xs:
        return empty
    return np.concatenate(xs), np.concatenate(ys)
