"""Frame sources and the annotated-video writer, on small videos written by the tests."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from harness.live.overlay import annotate
from harness.live.video import VideoWriter, Window, count_frames, open_source

N_FRAMES, FPS, SIZE = 23, 15.0, (160, 120)


def _frame(i: int) -> np.ndarray:
    """A frame whose left half's brightness encodes its number, to check the order."""
    rgb = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    rgb[:, : SIZE[0] // 2] = 10 * i
    rgb[:, SIZE[0] // 2 :, 0] = 200  # red on the right: checks RGB is not BGR
    return rgb


@pytest.fixture(params=[".avi", ".mp4"])
def video(tmp_path, request):
    path = tmp_path / f"take{request.param}"
    with VideoWriter(path, FPS) as writer:
        for i in range(N_FRAMES):
            writer.write(_frame(i))
    return path


def test_a_written_video_reads_back_frame_by_frame_in_rgb_with_timestamps(video):
    with open_source(path=video) as source:
        frames = list(source)
        assert source.fps == pytest.approx(FPS) and source.size == SIZE
    assert [f.index for f in frames] == list(range(N_FRAMES))
    assert [f.t for f in frames] == pytest.approx([i / FPS for i in range(N_FRAMES)])
    assert frames[0].rgb.dtype == np.uint8 and frames[0].rgb.shape == (SIZE[1], SIZE[0], 3)
    levels = [float(f.rgb[:, :40].mean()) for f in frames]
    assert levels == pytest.approx([10 * i for i in range(N_FRAMES)], abs=6)  # lossy codecs
    right = frames[5].rgb[:, -40:].reshape(-1, 3).mean(axis=0)
    assert right[0] > 150 and right[2] < 60


def test_the_annotated_copy_has_every_input_frame(video, tmp_path):
    out = tmp_path / "annotated.avi"
    panel = np.full((50, 30, 3), 128, np.uint8)
    with open_source(path=video) as source, VideoWriter(out, source.fps) as writer:
        for frame in source:
            shown = annotate(frame.rgb, move="punch", fps=15.0, latency_ms=12, panel=panel)
            writer.write(shown)
    assert writer.count == N_FRAMES
    assert count_frames(out) == N_FRAMES
    with open_source(path=out) as source:
        assert source.size == (SIZE[0] + 72, SIZE[1])  # 50x30 panel scaled to 120 high


def test_a_frame_of_another_size_is_refused_not_silently_dropped(tmp_path):
    with VideoWriter(tmp_path / "x.avi", FPS) as writer:
        writer.write(_frame(0))
        with pytest.raises(ValueError, match="frame 1"):
            writer.write(np.zeros((10, 10, 3), np.uint8))


def test_bad_sources_and_targets_fail_with_one_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.avi"):
        open_source(path=tmp_path / "missing.avi")
    corrupt = tmp_path / "corrupt.avi"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00AVI not really a video" * 10)
    with pytest.raises(ValueError, match="corrupt.avi: OpenCV cannot decode") as error:
        open_source(path=corrupt)
    assert "\n" not in str(error.value)
    with pytest.raises(ValueError, match="camera 99"):
        open_source(camera=99)
    with pytest.raises(ValueError, match="unknown video type"):
        VideoWriter(tmp_path / "x.gif", FPS)
    with pytest.raises(ValueError, match="not both"):
        open_source()


def test_a_headless_window_never_touches_the_gui(monkeypatch):
    # Without a display, OpenCV's GUI calls fail (or abort); headless must not make any.
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(cv2, "imshow", None)  # a call would raise TypeError
    with Window(headless=True) as window:
        assert all(window.show(_frame(i)) for i in range(3))
