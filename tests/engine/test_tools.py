"""The data tools: frame extraction and ``dataset check``."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from _byod_data import synthetic_recordings, tree_state, write_clips, write_folders, write_video

from harness.tools.check import check_dataset, leaky_split_message
from harness.tools.extract import extract_frames, parse_size
from harness.tools.media import read_image


@pytest.fixture
def video(tmp_path) -> tuple[Path, np.ndarray]:
    frames = np.asarray(synthetic_recordings(subjects=("x",), frames_per_move=2)[0].frames)
    return write_video(tmp_path / "take one.avi", frames), frames


def test_extract_writes_every_nth_frame_named_by_its_index(tmp_path, video):
    path, frames = video
    written = extract_frames(path, tmp_path / "out", every=3)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == len(names) == len(range(0, len(frames), 3))
    assert names[:2] == ["take one_000000.png", "take one_000003.png"]
    first = read_image(tmp_path / "out" / names[1])
    assert np.abs(first.astype(int) - frames[3]).mean() < 8


def test_extract_resizes_and_writes_jpeg(tmp_path, video):
    path, frames = video
    assert extract_frames(path, tmp_path / "out", size=(100, 56), ext=".jpg") == len(frames)
    image = read_image(next((tmp_path / "out").glob("*.jpg")))
    assert image.shape == (56, 100, 3)


def test_extract_never_overwrites_earlier_frames(tmp_path, video):
    path, _ = video
    extract_frames(path, tmp_path / "out", every=5)
    before = tree_state(tmp_path / "out")
    with pytest.raises(ValueError, match="already holds frames of take one.avi"):
        extract_frames(path, tmp_path / "out")
    assert tree_state(tmp_path / "out") == before


def test_extract_rejects_a_corrupt_or_missing_video(tmp_path):
    (tmp_path / "bad.mp4").write_bytes(b"junk")
    with pytest.raises(ValueError, match="bad.mp4: OpenCV cannot read this video"):
        extract_frames(tmp_path / "bad.mp4", tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="no such video"):
        extract_frames(tmp_path / "gone.mp4", tmp_path / "out")


def test_size_argument_parses_width_by_height():
    assert parse_size("100x56") == (100, 56)
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_size("100")


def test_check_of_good_folders_lists_classes_subjects_counts_and_sizes(tmp_path):
    root = write_folders(tmp_path / "blog", synthetic_recordings(frames_per_move=2))
    report = check_dataset(root)
    assert report.ok and report.kind == "folders" and report.subjects_known
    assert report.classes == {"other": 12, "punch": 12, "kick": 6}
    assert report.subjects == {"ann": 10, "bob": 10, "cy": 10}
    assert report.counts[("kick", "bob")] == 2
    assert report.sizes == {(80, 60): 30}
    assert report.tasks == ("punch-binary", "punch-kick-other")
    text = report.format()
    for expected in ("3 classes", "ann 10", "images per class and subject", "80x60 (30)", "OK"):
        assert expected in text


def test_check_lists_every_problem_of_bad_folders(tmp_path):
    root = write_folders(tmp_path / "blog", synthetic_recordings(frames_per_move=2))
    (root / "hits" / "bob" / "broken.jpg").write_bytes(b"junk")
    (root / "kicks" / "cy").rename(root / "kicks_2")
    (root / "kicks_2").rename(root / "mystery")
    (root / "squats").mkdir()
    cv2.imwrite(str(root / "others" / "ann" / "small.png"), np.zeros((30, 40), np.uint8))
    before = tree_state(root)
    report = check_dataset(root)
    assert not report.ok
    text = report.format()
    assert "hits/bob/broken.jpg: unreadable or corrupt image" in text
    assert "mystery: folder name 'mystery' is not a known class" in text
    assert "squats: empty class folder" in text
    assert "40x30 (1); others are letterboxed to 80x60" in text
    assert "aspect kept" in text
    assert text.splitlines()[-1].startswith("NOT OK")
    assert tree_state(root) == before


def test_check_of_folders_without_subjects_explains_the_leak(tmp_path):
    root = write_folders(tmp_path / "blog", synthetic_recordings(frames_per_move=2), subjects=False)
    report = check_dataset(root)
    assert not report.ok and not report.subjects_known
    assert leaky_split_message(root, "folders") in report.format()
    assert "subjects: unknown" in report.format()


def test_check_of_one_subject_or_one_class_says_why_it_cannot_be_scored(tmp_path):
    recordings = synthetic_recordings(subjects=("ann",), frames_per_move=2)
    root = write_folders(tmp_path / "blog", recordings)
    text = check_dataset(root).format()
    assert "only one subject (ann)" in text


def test_check_of_clips_counts_clips_and_labelled_frames(tmp_path):
    manifest = write_clips(tmp_path / "clips", synthetic_recordings(), backgrounds=True)
    report = check_dataset(manifest.parent)
    assert report.ok and report.kind == "clips" and report.unit == "clips"
    assert report.classes["punch_left"] == 3 and report.frames["punch_left"] == 18
    assert report.tasks == ("punch-binary", "punch-kick-other", "posture", "action")
    assert "labelled frames: stand 18" in report.format()


def test_check_of_clips_reports_bad_rows_and_corrupt_videos(tmp_path):
    manifest = write_clips(tmp_path / "clips", synthetic_recordings())
    (manifest.parent / "bad.avi").write_bytes(b"junk")
    with open(manifest, "a") as handle:
        handle.write("bad.avi,squat,dee,,,\ngone.avi,squat,dee,,,\nclips/ann-take.avi,jab,,,,\n")
    report = check_dataset(manifest)
    text = report.format()
    assert "bad.avi: unreadable or corrupt video" in text
    assert "manifest.csv line 18: clip 'gone.avi' does not exist" in text
    assert "manifest.csv line 19: empty subject" in text
    assert not report.ok


def test_check_of_a_missing_root_is_a_report_not_a_crash(tmp_path):
    report = check_dataset(tmp_path / "nowhere")
    assert not report.ok and "no such folder" in report.format()


def test_check_of_ucf_style_clip_folders_finds_subjects_in_file_names(tmp_path):
    frames = np.asarray(synthetic_recordings(subjects=("x",), frames_per_move=2)[0].frames)
    for group in (1, 2):
        write_video(tmp_path / "ucf" / "Punch" / f"v_Punch_g{group:02d}_c01.avi", frames[:4])
        write_video(tmp_path / "ucf" / "Kick" / f"v_Kick_g{group:02d}_c01.avi", frames[4:8])
    report = check_dataset(tmp_path / "ucf")
    assert report.ok, report.format()
    assert report.kind == "clips" and report.subjects == {"01": 2, "02": 2}
    assert report.classes == {"kick": 2, "punch": 2} and report.frames == {"kick": 8, "punch": 8}
