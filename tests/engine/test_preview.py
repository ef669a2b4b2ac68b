"""The preview writer: a contact sheet and an animation for any dataset's recordings."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest

from harness.preview import contact_sheet, pick_frames, write_preview
from harness.recording import Recording


def _recording(subject: str, labels: list[str], ambiguous=None) -> Recording:
    n = len(labels)
    frames = np.zeros((n, 48, 64, 3), np.uint8)
    frames[:, :, :, 0] = np.arange(n, dtype=np.uint8)[:, None, None]  # frame index in red
    return Recording(
        id=f"{subject}-take", frames=frames, labels=labels, subject=subject,
        ambiguous=None if ambiguous is None else np.asarray(ambiguous, bool),
    )  # fmt: skip


def test_picks_the_middle_of_the_longest_clear_run():
    labels = ["stand"] * 3 + ["squat"] * 2 + ["stand"] + ["squat"] * 5
    ambiguous = [False] * 6 + [True] + [False] * 4
    picks = pick_frames([_recording("a", labels, ambiguous)])
    assert picks[("a", "squat")] == (0, 9)  # clear frames 7..10 of the longer run
    assert picks[("a", "stand")] == (0, 1)


def test_contact_sheet_has_a_row_per_subject_and_a_column_per_label():
    recs = [
        _recording("a", ["empty"] * 2 + ["stand"] * 4 + ["punch_left"] * 3),
        _recording("b", ["stand"] * 4 + ["squat"] * 3),
    ]
    one = contact_sheet(recs[:1])
    both = contact_sheet(recs)
    assert both.shape[0] > one.shape[0]  # one more subject row
    assert both.shape[1] > one.shape[1]  # squat adds a column
    assert both.dtype == np.uint8 and both.shape[2] == 3


def test_write_preview_writes_a_png_and_an_animated_gif(tmp_path):
    recs = [_recording("a", ["empty"] * 3 + ["stand"] * 5 + ["kick_left"] * 4)]
    paths = write_preview(recs, tmp_path / "out", title="toy")
    assert [p.name for p in paths] == ["contact_sheet.png", "take.gif"]
    assert iio.imread(paths[0]).ndim == 3
    gif = iio.imread(paths[1], index=None)
    assert gif.shape[0] == 12


def test_write_preview_refuses_an_empty_dataset(tmp_path):
    with pytest.raises(ValueError, match="no recordings"):
        write_preview([], tmp_path)
