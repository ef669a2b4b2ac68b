"""No stretching: media of another size is letterboxed to the dataset's size (aspect kept)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from _byod_data import synthetic_recordings, write_video
from _plugins import plugin

from harness.tools.media import fit


def _disc(height: int, width: int) -> np.ndarray:
    """A white disc as large as fits, on grey: stretched, it would become an ellipse."""
    frame = np.full((height, width, 3), 90, np.uint8)
    cv2.circle(frame, (width // 2, height // 2), min(height, width) // 2 - 2, (255,) * 3, -1)
    return frame


def _disc_box(frame: np.ndarray) -> tuple[int, int]:
    ys, xs = np.nonzero(frame[:, :, 0] > 200)
    return xs.max() - xs.min() + 1, ys.max() - ys.min() + 1


@pytest.mark.parametrize(
    "source, target",
    [((244, 152), (428, 312)), ((120, 400), (320, 240)), ((480, 640), (100, 56))],
)
def test_a_body_keeps_its_proportions_and_the_rest_is_black(source, target):
    frame = _disc(*source)
    out = fit(frame, target)
    assert out.shape == (target[1], target[0], 3) and out.dtype == np.uint8
    width, height = _disc_box(out)
    assert abs(width - height) <= 2  # still round
    scale = min(target[0] / source[1], target[1] / source[0])
    assert abs(height - (min(source) - 3) * scale) <= 3  # as large as the frame allows
    # The padding is black, on the two sides that did not fill.
    if target[0] / source[1] > target[1] / source[0]:
        assert not out[:, 0].any() and not out[:, -1].any() and out[:, target[0] // 2].any()
    else:
        assert not out[0].any() and not out[-1].any() and out[target[1] // 2].any()


def test_the_same_size_is_returned_untouched():
    frame = _disc(60, 80)
    assert fit(frame, (80, 60)) is frame


def test_the_same_aspect_is_a_plain_resize_without_a_black_line():
    frame = np.full((563, 1000, 3), 77, np.uint8)  # 640 x 360.3: within a pixel of 640x360
    out = fit(frame, (640, 360))
    assert out.shape == (360, 640, 3) and (out == 77).all()


def test_grey_images_are_letterboxed_too():
    out = fit(np.full((50, 20), 200, np.uint8), (40, 50))
    assert out.shape == (50, 40) and (out[:, :10] == 0).all() and (out[:, 10:30] == 200).all()


def test_a_clip_of_another_size_is_letterboxed_in_the_dataset(tmp_path, monkeypatch):
    """Loaded through the ``clips`` plugin: the odd clip's people are not stretched."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "clips"
    frames = np.asarray(synthetic_recordings(subjects=("x",), frames_per_move=4)[0].frames)
    for name in ("a", "b"):
        write_video(root / "stand" / f"{name}.avi", frames[:8])
    narrow = np.stack([_disc(120, 60)] * 8)  # half as wide as tall
    write_video(root / "stand" / "narrow.avi", narrow)
    (root / "manifest.csv").write_text(
        "path,label,subject\nstand/a.avi,stand,ann\nstand/b.avi,stand,bob\n"
        "stand/narrow.avi,stand,cy\n"
    )
    with pytest.warns(UserWarning, match="narrow"):
        recordings = plugin("datasets", "clips").cls(arg=str(root)).load()
    odd = next(r for r in recordings if r.subject == "cy")
    height, width = odd.frames.shape[1:3]
    assert (width, height) == (frames.shape[2], frames.shape[1])
    disc_width, disc_height = _disc_box(np.asarray(odd.frames[0]))
    assert abs(disc_width - disc_height) <= 3  # a video codec blurs edges a little
