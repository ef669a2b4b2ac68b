"""Every cache key changes when one of its inputs does (a miss), and a hit is served from
the cache (tampered entries come back). Edits to source files are simulated by patching
``Path.read_bytes`` for that file, as :func:`harness.cache.code_hash` reads sources with it."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest
from _byod_data import synthetic_recordings, write_clips, write_image
from _plugins import plugin

from harness import cache, labels
from harness.extractors import augmented
from harness.extractors.base import Extractor
from harness.files import atomic_save_npy
from harness.recording import Recording
from harness.tools import frame_store, media


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache"


def edited(monkeypatch, module) -> None:
    """From now on ``module``'s source reads as if someone had appended a comment to it."""
    real_read = Path.read_bytes
    target = Path(module.__file__).resolve()

    def read_bytes(path):
        data = real_read(path)
        return data + b"\n# edited\n" if Path(path).resolve() == target else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


# -- mk-synth: the renderer hash -----------------------------------------------------------


def test_editing_the_label_vocabulary_changes_the_renderer_hash(monkeypatch):
    from harness.synth import store

    before = store.renderer_hash()
    assert store.renderer_hash() == before  # stable while nothing changes
    edited(monkeypatch, labels)  # the moves are built from harness/labels.py
    assert store.renderer_hash() != before


# -- the frame store of the user's media ---------------------------------------------------


def test_the_frame_store_key_changes_when_a_file_is_touched_resized_or_the_decoder_edited(
    tmp_path, monkeypatch
):
    image = tmp_path / "a.png"
    write_image(image, np.zeros((6, 8, 3), np.uint8))
    key = frame_store.source_key([image], (8, 6))
    assert frame_store.source_key([image], (8, 6)) == key
    assert frame_store.source_key([image], (16, 12)) != key  # another target size
    stat = image.stat()
    os.utime(image, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # touched
    touched = frame_store.source_key([image], (8, 6))
    assert touched != key
    with open(image, "ab") as handle:  # grown (a new mtime too, as any write gives)
        handle.write(b"\0")
    assert frame_store.source_key([image], (8, 6)) not in (key, touched)
    now = frame_store.source_key([image], (8, 6))
    edited(monkeypatch, media)  # the decoder
    assert frame_store.source_key([image], (8, 6)) != now
    monkeypatch.undo()
    edited(monkeypatch, frame_store)  # the store that writes the frames
    assert frame_store.source_key([image], (8, 6)) != now


# -- clips: a manifest's empty scene --------------------------------------------------------


def test_a_new_background_in_a_clips_manifest_gives_other_features(tmp_path, cache_dir):
    from harness.api import PersonCrop, Silhouette

    take = synthetic_recordings(subjects=("ann",), frames_per_move=2)[0]
    manifest = write_clips(tmp_path / "clips", [take], backgrounds=True)
    clips = plugin("datasets", "clips").cls
    (before,) = {r.id: r for r in clips(arg=str(manifest.parent)).load()}.values()
    other_scene = manifest.parent / "clips" / "other-empty.png"
    write_image(other_scene, np.asarray(take.background)[::-1].copy())
    manifest.write_text(manifest.read_text().replace(f"{take.id}-empty.png", "other-empty.png"))
    (after,) = clips(arg=str(manifest.parent)).load()
    assert after.fingerprint == before.fingerprint  # the same video...
    assert not np.array_equal(after.background, before.background)  # ...before another scene
    for extractor in (Silhouette(), PersonCrop("mobilenet-0.25")):
        assert extractor.recording_key(after) != extractor.recording_key(before), extractor.kind


# -- augmented copies' features ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MeanColour(Extractor):
    """The mean RGB of each frame: a real extractor, cheap enough for a unit test."""

    kind = "mean-colour"

    @property
    def shape(self) -> tuple[int, ...]:
        return (3,)

    def embed(self, frames, background):
        return np.asarray(frames, np.float32).reshape(len(frames), -1, 3).mean(axis=1)


def _take() -> Recording:
    frames = np.random.default_rng(0).integers(0, 255, (12, 60, 80, 3), np.uint8)
    return Recording("a", frames, ["stand"] * 6 + ["punch_left"] * 6, "s1")


def test_augmented_features_miss_on_any_change_of_recipe_copies_stride_seed_or_code(
    cache_dir, monkeypatch
):
    take, extractor = _take(), MeanColour()
    folder = cache_dir / "augmented" / extractor.kind
    usual = {"recipe": "blog", "copies": 2, "stride": 4, "seed": 0}

    def features(**change):
        return np.asarray(
            augmented.augmented_recording_features(take, extractor, **usual | change)[0]
        )

    assert features().any()
    (entry,) = folder.glob("*.npy")
    atomic_save_npy(entry, np.zeros_like(np.load(entry)))  # tamper with the one entry
    assert not features().any()  # the same inputs: served from the cache
    changes = [{"recipe": "flip"}, {"copies": 3}, {"stride": 3}, {"seed": 1}]
    for n, change in enumerate(changes, start=2):
        assert features(**change).any(), change  # computed anew, not the tampered entry
        assert len(list(folder.glob("*.npy"))) == n, change
    from harness import augment

    for module in (augment, augmented):  # the recipes' code, the copies' embedding code
        with monkeypatch.context() as patch:
            edited(patch, module)
            assert features().any(), module.__name__
