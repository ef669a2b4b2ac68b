"""The frame store: decoded user media cached as memory maps, verified, never half-written."""

from __future__ import annotations

import numpy as np
import pytest
from _byod_data import write_video

from harness.tools import frame_store


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _frames(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frames = np.zeros((n, 60, 80, 3), np.uint8)
    for t in range(n):
        frames[t, 10:50, 4 * t % 70 : 4 * t % 70 + 10] = rng.integers(150, 250)
    return frames


def test_a_video_longer_than_its_container_claims_is_decoded_whole(tmp_path, private_cache):
    frames = _frames(12)
    path = write_video(tmp_path / "a.avi", np.concatenate([frames, frames, frames]))
    decoded = frame_store.cached_video("k", path, (80, 60), frame_count=1)  # room for 9: grows
    assert len(decoded) == 36 and isinstance(decoded, np.memmap)
    assert np.abs(decoded[30].astype(np.int16) - frames[6]).mean() < 8
    assert sorted(p.name for p in (private_cache / "byod-clips").iterdir()) == ["k.json", "k.npy"]


def test_a_second_call_reads_the_cache_without_decoding(tmp_path, private_cache):
    path = write_video(tmp_path / "a.avi", _frames(8))
    first = np.array(frame_store.cached_video("k", path, (80, 60), frame_count=8))
    path.write_bytes(b"not a video any more")  # the key says the file is unchanged
    np.testing.assert_array_equal(frame_store.cached_video("k", path, (80, 60), 8), first)


def test_a_damaged_entry_is_decoded_again(tmp_path, private_cache):
    path = write_video(tmp_path / "a.avi", _frames(8))
    first = np.array(frame_store.cached_video("k", path, (80, 60), frame_count=8))
    entry = private_cache / "byod-clips" / "k.npy"
    entry.write_bytes(entry.read_bytes()[:200])  # truncated, as by a full disk
    np.testing.assert_array_equal(frame_store.cached_video("k", path, (80, 60), 8), first)


def test_an_interrupted_decode_leaves_no_file_behind(private_cache):
    def produce():
        yield 0, _frames(1)[0]
        raise KeyboardInterrupt  # Ctrl-C in the middle of a long video

    with pytest.raises(KeyboardInterrupt):
        frame_store.cached_stack("byod-clips", "k", produce(), 4, (80, 60))
    assert list((private_cache / "byod-clips").iterdir()) == []


def test_skipped_items_are_reported_and_the_others_kept(tmp_path):
    good = tmp_path / "good.png"
    import cv2

    cv2.imwrite(str(good), _frames(1)[0])
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"broken")
    skipped = []
    frames, kept = frame_store.cached_images(
        "k", [bad, good], (80, 60), "test", on_skip=lambda p, why: skipped.append(p)
    )
    assert kept == [1] and len(frames) == 1 and skipped == [bad]
