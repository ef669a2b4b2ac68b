"""The ``clips`` dataset: videos with a manifest, or in <label>/<clip> folders."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from _byod_data import (
    sample_recordings,
    synthetic_recordings,
    tree_state,
    write_clips,
    write_image,
    write_video,
)
from _plugins import plugin

from harness.samples import task_samples
from harness.tasks import get_task

REPO = Path(__file__).resolve().parents[2]
Clips = plugin("datasets", "clips").cls
HEADER = "path,label,subject,start_frame,end_frame,background\n"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


def load(root, **kwargs):
    dataset = Clips(arg=str(root), **kwargs)
    return dataset, dataset.load()


def take(frames: int = 12, label: str = "stand", seed: int = 0) -> np.ndarray:
    recording = synthetic_recordings(subjects=("x",), frames_per_move=frames)[0]
    return np.asarray(recording.frames[recording.labels == label])


@pytest.fixture
def two_clips(tmp_path):
    root = tmp_path / "clips"
    write_video(root / "a.avi", take(12, "punch_left"))
    write_video(root / "b.avi", take(12, "squat"))
    return root


def test_manifest_of_rendered_takes_loads_with_every_segment_labelled(tmp_path):
    recordings = sample_recordings()
    manifest = write_clips(tmp_path / "clips", recordings)
    dataset, loaded = load(manifest.parent)
    assert dataset.subjects_known is True
    assert len(loaded) == len(recordings)
    for original, clip in zip(recordings, loaded, strict=True):
        assert clip.subject == original.subject and len(clip) == len(original)
        assert list(clip.labels) == list(original.labels)
        assert not clip.ambiguous.any()
        # MJPG is lossy; the pictures must still be the same pictures.
        some = slice(None, None, 10)
        error = np.abs(clip.frames[some].astype(np.int16) - original.frames[some]).mean()
        assert error < 8
    assert "action" in dataset.tasks and "posture" in dataset.tasks


def test_frames_outside_the_row_range_are_ambiguous_stand(tmp_path, two_clips):
    (two_clips / "manifest.csv").write_text(
        HEADER + "a.avi,punch_left,ann,3,7,\nb.avi,squat,bob,,,\n"
    )
    dataset, (a, b) = load(two_clips)
    assert list(a.labels[3:8]) == ["punch_left"] * 5
    assert set(a.labels[:3]) | set(a.labels[8:]) == {"stand"}
    assert a.ambiguous.tolist() == [True] * 3 + [False] * 5 + [True] * 4
    assert set(b.labels) == {"squat"} and not b.ambiguous.any()
    frame_samples = task_samples([a, b], get_task("posture"))
    assert sorted(frame_samples.y) == ["punch_left"] * 5 + ["squat"] * 12
    windows = task_samples([a, b], get_task("action"), window=4)
    assert set(windows.y[windows.rec == 0]) == {"punch_left"}  # windows end inside the range


def test_several_rows_may_label_ranges_of_one_long_video(tmp_path, two_clips):
    (two_clips / "manifest.csv").write_text(
        HEADER + "a.avi,punch_left,ann,0,3,\na.avi,front_kick_left,ann,6,11,\nb.avi,squat,bob,,,\n"
    )
    _, loaded = load(two_clips)
    assert len(loaded) == 2
    a = loaded[0]
    assert (
        list(a.labels[:4]) == ["punch_left"] * 4 and list(a.labels[6:]) == ["front_kick_left"] * 6
    )
    assert a.ambiguous.tolist() == [False] * 4 + [True] * 2 + [False] * 6


def test_coarse_labels_serve_the_two_blog_tasks_only(tmp_path, two_clips):
    (two_clips / "manifest.csv").write_text(HEADER + "a.avi,punches,ann,2,5,\nb.avi,other,bob,,,\n")
    dataset, (a, _) = load(two_clips)
    assert dataset.tasks == ("punch-binary", "punch-kick-other")
    assert set(a.labels[a.ambiguous]) == {"other"}


def test_kicks_without_style_serve_frame_tasks_but_not_action(tmp_path, two_clips):
    (two_clips / "manifest.csv").write_text(HEADER + "a.avi,kick_left,ann,,,\nb.avi,squat,bob,,,\n")
    dataset, _ = load(two_clips)
    assert dataset.tasks == ("punch-binary", "punch-kick-other", "posture")


def test_background_image_and_empty_scene_clip_are_loaded(tmp_path, two_clips):
    wall = synthetic_recordings(subjects=("x",))[0].background
    write_image(two_clips / "empty.png", wall)
    write_video(two_clips / "empty.avi", np.repeat(wall[None], 8, axis=0))
    (two_clips / "manifest.csv").write_text(
        HEADER + "a.avi,punch_left,ann,,,empty.png\nb.avi,squat,bob,,,empty.avi\n"
    )
    _, (a, b) = load(two_clips)
    assert np.array_equal(a.background, wall)  # PNG is lossless
    assert np.abs(b.background.astype(int) - wall).mean() < 8  # median of MJPG frames


def test_clips_without_background_leave_it_to_the_method(tmp_path, two_clips):
    (two_clips / "manifest.csv").write_text(
        HEADER + "a.avi,punch_left,ann,,,\nb.avi,squat,bob,,,\n"
    )
    _, loaded = load(two_clips)
    assert all(r.background is None for r in loaded)


def test_a_manifest_file_can_be_given_directly(tmp_path, two_clips):
    (two_clips / "my list.csv").write_text(
        "path,label,subject\na.avi,punch_left,ann\nb.avi,squat,bob\n"
    )
    _, loaded = load(two_clips / "my list.csv")
    assert [r.subject for r in loaded] == ["ann", "bob"]


@pytest.mark.parametrize(
    ("rows", "error", "pattern"),
    [
        ("a.avi,punch_left,ann,,,\nnope.avi,squat,bob,,,\n", FileNotFoundError,
         r"manifest.csv line 3: clip 'nope.avi' does not exist"),
        ("a.avi,punch_left,ann,,,\nb.avi,squat,,,,\n", ValueError,
         r"manifest.csv line 3: empty subject for b.avi"),
        ("a.avi,uppercut,ann,,,\n", ValueError,
         r"manifest.csv line 2: label 'uppercut' is not in the taxonomy.*labels.csv"),
        ("a.avi,punch_left,ann,5,2,\n", ValueError,
         r"manifest.csv line 2: start_frame 5 is after end_frame 2"),
        ("a.avi,punch_left,ann,x,2,\n", ValueError,
         r"manifest.csv line 2: start_frame 'x' is not a frame number"),
        ("a.avi,punch_left,ann,,,gone.png\n", FileNotFoundError,
         r"manifest.csv line 2: background 'gone.png' does not exist"),
        ("a.avi,punch_left,ann,0,5,\na.avi,squat,ann,4,9,\n", ValueError,
         r"manifest.csv line 3: frames of a.avi overlap those of line 2"),
        ("a.avi,punch_left,ann,0,3,\na.avi,squat,bob,4,9,\n", ValueError,
         r"line 3: a.avi has subject 'bob' here but 'ann' on line 2"),
    ],
    ids=["missing-clip", "empty-subject", "unknown-label", "start-after-end", "bad-number",
         "missing-background", "overlap", "two-subjects"],
)  # fmt: skip
def test_bad_manifest_rows_raise_one_line_naming_file_and_line(two_clips, rows, error, pattern):
    (two_clips / "manifest.csv").write_text(HEADER + rows)
    with pytest.raises(error, match=pattern) as raised:
        load(two_clips)
    assert "\n" not in str(raised.value)


def test_manifest_without_required_columns_names_them(two_clips):
    (two_clips / "manifest.csv").write_text("file,label\na.avi,punch_left\n")
    with pytest.raises(ValueError, match=r"line 1: header lacks path, subject"):
        load(two_clips)


def test_several_errors_point_to_dataset_check(two_clips):
    (two_clips / "manifest.csv").write_text(HEADER + "a.avi,punch_left,,,,\nb.avi,squat,,,,\n")
    with pytest.raises(ValueError, match=r"and 1 more problems: run `python -m harness dataset"):
        load(two_clips)


def test_corrupt_clip_is_skipped_with_a_warning_naming_it(two_clips):
    (two_clips / "c.avi").write_bytes(b"RIFF not really a video")
    (two_clips / "manifest.csv").write_text(
        HEADER + "a.avi,punch_left,ann,,,\nb.avi,squat,bob,,,\nc.avi,stand,cy,,,\n"
    )
    with pytest.warns(UserWarning, match=r"c.avi: unreadable or corrupt video"):
        _, loaded = load(two_clips)
    assert [r.subject for r in loaded] == ["ann", "bob"]


def test_only_corrupt_clips_is_an_error(tmp_path):
    root = tmp_path / "clips"
    root.mkdir()
    (root / "c.avi").write_bytes(b"junk")
    (root / "manifest.csv").write_text(HEADER + "c.avi,stand,cy,,,\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="no readable clip left"):
            load(root)


def test_range_past_the_end_of_a_clip_is_cut_with_a_warning(two_clips):
    (two_clips / "manifest.csv").write_text(
        HEADER + "a.avi,punch_left,ann,6,40,\nb.avi,squat,bob,,,\n"
    )
    with pytest.warns(
        UserWarning, match=r"line 2: a.avi has 12 frames, fewer than its range 6..40"
    ):
        _, (a, _) = load(two_clips)
    assert list(a.labels[6:]) == ["punch_left"] * 6


def test_ucf_style_folders_take_the_subject_from_the_file_name(tmp_path):
    root = tmp_path / "ucf"
    for group in (1, 2):
        write_video(root / "Punch" / f"v_Punch_g{group:02d}_c01.avi", take(6, "punch_left"))
        write_video(root / "squat" / f"v_Squat_g{group:02d}_c01.avi", take(6, "squat"))
    dataset, loaded = load(root)
    assert dataset.subjects_known is True
    assert sorted(r.subject for r in loaded) == ["01", "01", "02", "02"]
    assert {r.labels[0] for r in loaded} == {"punch", "squat"}


def test_subject_regex_file_and_argument_choose_the_subject(tmp_path):
    root = tmp_path / "ucf"
    write_video(root / "punch_left" / "alice-take1.avi", take(6, "punch_left"))
    write_video(root / "squat" / "bob-take1.avi", take(6, "squat"))
    (root / "subject_regex.txt").write_text(r"^(?P<subject>[a-z]+)-" + "\n")
    _, loaded = load(root)
    assert [r.subject for r in loaded] == ["alice", "bob"]
    _, loaded = load(root, subject_regex=r"-(take\d)")
    assert [r.subject for r in loaded] == ["take1", "take1"]


def test_subject_regex_that_misses_a_file_names_it(tmp_path):
    root = tmp_path / "ucf"
    write_video(root / "squat" / "nobody.avi", take(6, "squat"))
    with pytest.raises(ValueError, match=r"nobody.avi: the subject regex '\^\(\[a-z\]\+\)-'"):
        load(root, subject_regex=r"^([a-z]+)-")


def test_ucf_folders_without_subjects_are_leaky(tmp_path):
    root = tmp_path / "ucf"
    write_video(root / "punch_left" / "one.avi", take(6, "punch_left"))
    write_video(root / "squat" / "two.avi", take(6, "squat"))
    dataset, loaded = load(root)
    assert dataset.subjects_known is False
    assert "--allow-leaky-split" in dataset.leaky_message
    assert len({r.subject for r in loaded}) == 2  # one pseudo-subject per clip


def test_loading_never_changes_the_users_files(tmp_path):
    manifest = write_clips(tmp_path / "clips", synthetic_recordings(), backgrounds=True)
    before = tree_state(manifest.parent)
    load(manifest.parent)
    load(manifest.parent)
    assert tree_state(manifest.parent) == before


def test_decoded_frames_are_cached_memory_maps(tmp_path, two_clips):
    (two_clips / "manifest.csv").write_text(
        HEADER + "a.avi,punch_left,ann,,,\nb.avi,squat,bob,,,\n"
    )
    _, first = load(two_clips)
    assert isinstance(first[0].frames, np.memmap)
    decoded = np.array(first[0].frames)
    entry = Path(first[0].frames.filename)
    stored = np.load(entry, mmap_mode="r+")
    stored[: len(decoded)] = 255 - decoded  # tamper: only the cached frames change
    stored.flush()
    del stored
    _, again = load(two_clips)
    assert first[0].fingerprint == again[0].fingerprint
    assert np.array_equal(again[0].frames, 255 - decoded), "the second load decoded again"


def test_clip_names_the_default_regex_partly_misses_are_reported(tmp_path):
    root = tmp_path / "ucf"
    write_video(root / "punch" / "v_Punch_g01_c01.avi", take(6, "punch_left"))
    write_video(root / "squat" / "my_squat.avi", take(6, "squat"))
    with pytest.warns(UserWarning, match=r"1 of 2 clip names do not match the subject regex"):
        dataset, _ = load(root)
    assert dataset.subjects_known is False


def test_windows_paths_in_a_manifest_are_understood(tmp_path):
    root = tmp_path / "clips"
    write_video(root / "ann" / "a.avi", take(6, "punch_left"))
    write_video(root / "bob" / "b.avi", take(6, "squat"))
    (root / "manifest.csv").write_text(
        HEADER + "ann\\a.avi,punch_left,ann,,,\nbob\\b.avi,squat,bob,,,\n"
    )
    _, loaded = load(root)
    assert [r.id for r in loaded] == ["ann-a.avi", "bob-b.avi"]
