"""The recorder, driven by a video file instead of a webcam (time follows the file's frames)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from _byod_data import held_out_rows, pooled_macro_f1, synthetic_recordings, tree_state, write_video
from _plugins import plugin

from harness.tools.check import check_dataset
from harness.tools.media import read_image, read_video
from harness.tools.record import record

REPO = Path(__file__).resolve().parents[2]
FPS = 10  # frames per second of the source video: 1 s of countdown = 10 frames
MOVES = ["punch_left", "front_kick_left", "squat"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


def session_video(path: Path, subject: str = "x", moves=MOVES, seconds: int = 1) -> tuple:
    """What a camera would see: 2 s of empty scene (countdown + capture), then for each move
    1 s of standing during its countdown and ``seconds`` of the move itself."""
    take = synthetic_recordings(subjects=(subject,), frames_per_move=FPS * seconds)[0]
    frames, labels = np.asarray(take.frames), take.labels
    stand = frames[labels == "stand"][:FPS]
    parts = [np.repeat(take.background[None], 2 * FPS, axis=0)]
    for move in moves:
        parts += [stand, frames[labels == move][: FPS * seconds]]
    source = np.concatenate(parts)
    return write_video(path, source, FPS), source, take.background


def run(out, source, subject="ann", moves=MOVES, **kwargs):
    kwargs = {"seconds_per_move": 1, "countdown": 1, "show": False, **kwargs}
    return record(out, subject, source=source, moves=moves, **kwargs)


def rows(manifest: Path) -> list[dict]:
    with open(manifest, newline="") as handle:
        return list(csv.DictReader(handle))


def test_recorder_writes_background_one_clip_per_move_and_manifest_rows(tmp_path):
    source, frames, wall = session_video(tmp_path / "camera.avi")
    manifest = run(tmp_path / "data", source)
    assert manifest == tmp_path / "data" / "manifest.csv"
    session = tmp_path / "data" / "ann" / "session-1"
    assert np.abs(read_image(session / "background.png").astype(int) - wall).mean() < 8
    assert rows(manifest) == [
        {
            "path": f"ann/session-1/{i:02d}-{move}.avi",
            "label": move,
            "subject": "ann",
            "start_frame": "",
            "end_frame": "",
            "background": "ann/session-1/background.png",
        }
        for i, move in enumerate(MOVES, start=1)
    ]
    for i, move in enumerate(MOVES):
        clip = read_video(session / f"{i + 1:02d}-{move}.avi")
        assert len(clip) == FPS  # one second of the source, by its frames
        start = 2 * FPS + i * 2 * FPS + FPS  # after the empty scene and this move's countdown
        expected = frames[start : start + FPS]
        # The clip is the raw source: no prompt text drawn on it, not mirrored.
        assert np.abs(clip.astype(int) - expected).mean() < 8


def test_clips_dataset_loads_recorded_sessions_of_two_people(tmp_path):
    out = tmp_path / "data"
    run(out, session_video(tmp_path / "ann.avi", "ann")[0], subject="ann")
    run(out, session_video(tmp_path / "bob.avi", "bob")[0], subject="bob")
    report = check_dataset(out)
    assert report.ok, report.format()
    assert report.subjects == {"ann": 3, "bob": 3}
    dataset = plugin("datasets", "clips").create(arg=str(out))
    loaded = dataset.load()
    assert dataset.subjects_known is True
    assert [(r.subject, r.labels[0]) for r in loaded] == [
        (s, m) for s in ("ann", "bob") for m in MOVES
    ]
    assert all(r.background is not None and r.fps == FPS for r in loaded)
    assert dataset.tasks == ("punch-binary", "punch-kick-other", "posture", "action")


def test_a_second_session_appends_and_never_touches_the_first(tmp_path):
    out = tmp_path / "data"
    source = session_video(tmp_path / "camera.avi")[0]
    run(out, source)
    first_session = tree_state(out / "ann" / "session-1")
    first_manifest = (out / "manifest.csv").read_text()
    run(out, source, moves=["squat"])
    assert tree_state(out / "ann" / "session-1") == first_session
    manifest = (out / "manifest.csv").read_text()
    assert manifest.startswith(first_manifest)
    assert manifest[len(first_manifest) :] == (
        "ann/session-2/01-squat.avi,squat,ann,,,ann/session-2/background.png\n"
    )


def test_rows_follow_the_column_order_of_an_existing_manifest(tmp_path):
    out = tmp_path / "data"
    out.mkdir()
    (out / "manifest.csv").write_text("label,subject,path,notes\nsquat,zoe,old.avi,mine")
    run(out, session_video(tmp_path / "camera.avi")[0], moves=["squat"])
    lines = (out / "manifest.csv").read_text().splitlines()
    assert lines == [
        "label,subject,path,notes",
        "squat,zoe,old.avi,mine",
        "squat,ann,ann/session-1/01-squat.avi,",
    ]


def test_a_source_that_ends_early_keeps_the_finished_clips(tmp_path, capsys):
    source = session_video(tmp_path / "short.avi", moves=MOVES[:2])[0]  # 2 of 3 moves
    manifest = run(tmp_path / "data", source)
    assert [row["label"] for row in rows(manifest)] == MOVES[:2]
    assert "session stopped early: the source ended" in capsys.readouterr().err


def test_a_source_too_short_for_the_empty_scene_records_nothing(tmp_path):
    source = write_video(tmp_path / "tiny.avi", np.zeros((5, 60, 80, 3), np.uint8), FPS)
    with pytest.raises(ValueError, match="before the empty scene was captured"):
        run(tmp_path / "data", source)
    assert not any((tmp_path / "data").iterdir())


def test_unknown_moves_are_rejected_before_anything_is_recorded(tmp_path):
    source = session_video(tmp_path / "camera.avi")[0]
    with pytest.raises(ValueError, match=r"unknown moves uppercut; valid moves: stand"):
        run(tmp_path / "data", source, moves=["punch_left", "uppercut"])
    assert not (tmp_path / "data").exists()


def test_move_names_are_normalised(tmp_path):
    source = session_video(tmp_path / "camera.avi")[0]
    manifest = run(tmp_path / "data", source, moves=["Punch-Left"])
    assert rows(manifest)[0]["label"] == "punch_left"


def test_a_missing_source_or_camera_is_one_clear_line(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.avi: no such video"):
        run(tmp_path / "data", tmp_path / "gone.avi")
    with pytest.raises(ValueError, match="cannot open camera 97"):
        record(tmp_path / "data", "ann", camera=97, show=False)


def test_the_preview_is_a_mirrored_copy_with_the_prompt_and_a_recording_dot():
    from harness.tools.record import overlay

    frame = np.zeros((120, 160, 3), np.uint8)
    frame[:, :80] = 50  # the left half of the camera image
    view = overlay(frame, "punch with your left hand in 3, 2, 1", recording=True)
    assert not frame[:, 80:].any() and (frame[:, :80] == 50).all()  # the frame is untouched
    assert (view[60:, :80] == 0).all() and (view[60:, 80:] == 50).all()  # mirrored
    assert (view[:40].min(axis=-1) > 150).sum() > 30  # white prompt text at the top
    assert tuple(view[20, 140]) == (0, 0, 255)  # red dot (BGR) at the top right


@pytest.mark.slow
def test_recorded_sessions_get_a_held_out_report_in_one_command(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "data"
    for subject in ("ann", "bob", "cy"):
        run(out, session_video(tmp_path / f"{subject}.avi", subject)[0], subject=subject)
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "harness"]
    check = subprocess.run([*command, "dataset", "check", str(out)], capture_output=True,
                           text=True, env=env)  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
    done = subprocess.run(
        [*command, "run", "--dataset", f"clips:{out}", "--methods", "chance,classic-tuned",
         "--tasks", "posture", "--profile", "quick", "--quiet", "--out", str(tmp_path / "run")],
        capture_output=True, text=True, env=env, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = (tmp_path / "run" / "summary.md").read_text()
    assert "posture on clips:" in summary and "3 subjects" in summary
    run_dir = tmp_path / "run"
    rows = held_out_rows(run_dir, "classic-tuned")
    assert rows and all(r["status"] == "ok" for r in rows), [r["reason"] for r in rows]
    ours, chance = (pooled_macro_f1(run_dir, m, "posture") for m in ("classic-tuned", "chance"))
    # Measured 1.0 against chance's 0.45: the drawn figures on a still wall are easy to
    # segment against the recorded empty scene.
    assert ours > 0.9 and chance < 0.6, (ours, chance)


def test_without_a_display_the_prompts_go_to_the_terminal(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    source = session_video(tmp_path / "camera.avi")[0]
    manifest = run(tmp_path / "data", source, moves=["squat"], show=True)
    assert [row["label"] for row in rows(manifest)] == ["squat"]
    err = capsys.readouterr().err
    assert "no display found" in err and "squat down in 1" in err
