"""``python -m harness record --out DIR --subject NAME``: record your own labelled clips.

A session: the empty scene first (``background.png``, the median of a second of frames),
then for each move a prompt with a countdown drawn on the preview ("punch with your left
hand in 3, 2, 1"), then ``seconds_per_move`` of recording into one MJPG ``.avi`` clip.
After each clip a row is appended to ``DIR/manifest.csv`` in the format the ``clips``
dataset reads (``path,label,subject,start_frame,end_frame,background``), so an interrupted
session keeps every finished clip. Files land in ``DIR/<subject>/session-<k>/``, a new
folder each session: nothing recorded before is ever overwritten.

The preview is mirrored, like a mirror; the clips are not (labels name the performer's own
side either way). Press q or Esc in the preview to stop early.

``source`` reads a video file instead of a camera: time then follows the video's frames
(``seconds * fps`` frames per phase), not the wall clock, so a session is reproducible and
testable without a webcam. ``show=False`` opens no window (tests, headless machines).
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from harness.labels import ACTION_LABELS, KNOWN_LABELS
from harness.tools.label_names import normalise
from harness.tools.layout import MANIFEST_COLUMNS, MANIFEST_FILE, REQUIRED_COLUMNS

#: What the performer is asked to do for each label.
PROMPTS: dict[str, str] = {
    "stand": "stand still",
    "punch_left": "punch with your left hand",
    "punch_right": "punch with your right hand",
    "kick_left": "kick with your left leg",
    "kick_right": "kick with your right leg",
    "front_kick_left": "front kick with your left leg",
    "front_kick_right": "front kick with your right leg",
    "roundhouse_kick_left": "roundhouse kick with your left leg",
    "roundhouse_kick_right": "roundhouse kick with your right leg",
    "walk_left": "step to your left",
    "walk_right": "step to your right",
    "squat": "squat down",
    "empty": "step out of view",
    "punch": "punch",
    "kick": "kick",
    "other": "move, but do not punch or kick",
}

#: The moves of a session when none are given: the action vocabulary without `empty` (the
#: background capture covers it) and without walks (they leave a webcam's view).
DEFAULT_MOVES: tuple[str, ...] = tuple(
    label for label in ACTION_LABELS if label != "empty" and not label.startswith("walk")
)

BACKGROUND_SECONDS = 1.0
WINDOW = "harness record (q or Esc stops)"
FOURCC = "MJPG"
_QUIT_KEYS = (ord("q"), 27)


class _Stopped(Exception):
    """The source ended or the user quit."""


class _Session:
    """Frames from a camera or a file, with a clock, a preview and the prompt overlay."""

    def __init__(self, capture: cv2.VideoCapture, from_file: bool, show: bool):
        self.capture, self.from_file, self.show = capture, from_file, show
        fps = capture.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if fps and 0 < fps < 1000 else 15.0

    def frames(self, seconds: float, text: str = "", recording: bool = False) -> Iterator:
        """BGR frames for ``seconds`` (of video for a file, of wall clock for a camera)."""
        n_frames = max(1, round(seconds * self.fps))
        start, count = time.monotonic(), 0
        while (count < n_frames) if self.from_file else (time.monotonic() - start < seconds):
            ok, frame = self.capture.read()
            if not ok or frame is None:
                raise _Stopped("the source ended")
            count += 1
            self.preview(frame, text, recording)
            yield frame
        if not self.from_file and count and time.monotonic() > start:
            self.measured_fps = count / (time.monotonic() - start)

    def countdown(self, prompt: str, seconds: int) -> None:
        """Show ``prompt in 3, 2, 1`` one number a second (frames are not recorded)."""
        print(f"{prompt} in {', '.join(map(str, range(seconds, 0, -1)))}", file=sys.stderr)
        for k in range(seconds, 0, -1):
            text = f"{prompt} in {', '.join(map(str, range(seconds, k - 1, -1)))}"
            for _ in self.frames(1.0, text):
                pass

    def preview(self, frame: np.ndarray, text: str, recording: bool) -> None:
        if not self.show:
            return
        cv2.imshow(WINDOW, overlay(frame, text, recording))
        if cv2.waitKey(1) & 0xFF in _QUIT_KEYS:
            raise _Stopped("stopped by the user")


def overlay(frame: np.ndarray, text: str, recording: bool = False) -> np.ndarray:
    """The preview of ``frame``: mirrored, ``text`` on top (scaled to fit), a red dot while
    recording. A copy: the recorded frame itself never carries the prompt."""
    view = cv2.flip(frame, 1)  # a mirror is what people expect to see of themselves
    font, width = cv2.FONT_HERSHEY_SIMPLEX, view.shape[1]
    scale = max(0.4, width / 900)
    text_width = cv2.getTextSize(text, font, scale, 2)[0][0]
    scale *= min(1.0, (width - 50) / max(1, text_width))  # leave room for the red dot
    thickness = max(1, round(2 * scale))
    origin = (10, 10 + cv2.getTextSize(text, font, scale, thickness)[0][1])
    cv2.putText(view, text, origin, font, scale, (0, 0, 0), thickness + 2, cv2.LINE_AA)
    cv2.putText(view, text, origin, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)
    if recording:
        cv2.circle(view, (width - 20, 20), 10, (0, 0, 255), -1)
    return view


def _has_display() -> bool:
    """False on a Linux machine without X or Wayland, where OpenCV's window would abort."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _check_moves(moves) -> list[str]:
    labels = [normalise(m) for m in (moves or DEFAULT_MOVES)]
    unknown = [m for m in labels if m not in KNOWN_LABELS]
    if unknown:
        raise ValueError(f"unknown moves {', '.join(unknown)}; valid moves: {', '.join(PROMPTS)}")
    return labels


def _new_session_dir(out_dir: Path, subject: str) -> Path:
    folder = out_dir / _safe(subject)
    k = 1
    while (folder / f"session-{k}").exists():
        k += 1
    path = folder / f"session-{k}"
    path.mkdir(parents=True)
    return path


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip(".") or "subject"


def _manifest_columns(manifest: Path) -> list[str]:
    """The existing manifest's header (rows are appended in its column order), or ours."""
    if not manifest.is_file() or manifest.stat().st_size == 0:
        return list(MANIFEST_COLUMNS)
    with open(manifest, newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    columns = [c.strip().lower() for c in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ValueError(
            f"{manifest} line 1: header lacks {', '.join(missing)}; record into another "
            "--out folder or fix the header (this file is never rewritten)"
        )
    return columns


def _append_row(manifest: Path, columns: list[str], row: dict[str, str]) -> None:
    new = not manifest.is_file() or manifest.stat().st_size == 0
    if not new:
        with open(manifest, "rb") as handle:
            handle.seek(-1, 2)
            needs_newline = handle.read(1) not in (b"\n", b"\r")
    with open(manifest, "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if new:
            writer.writerow(columns)
        elif needs_newline:
            handle.write("\n")
        writer.writerow([row.get(c, "") for c in columns])


def _write_png(path: Path, frame: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", frame)
    if not ok:
        raise ValueError(f"{path}: could not encode the background as PNG")
    data.tofile(str(path))


def record(
    out_dir: Path,
    subject: str,
    camera: int | None = 0,
    source: Path | None = None,
    moves: list[str] | None = None,
    seconds_per_move: float = 3.0,
    countdown: int = 3,
    show: bool = True,
) -> Path:
    """Record one session of labelled clips of ``subject``; returns the manifest's path.

    Parameters
    ----------
    out_dir : the dataset folder; ``manifest.csv`` there is created or appended to.
    subject : who performs (the manifest's subject column).
    camera : OpenCV camera index, used when ``source`` is None.
    source : a video file to read instead of a camera (timing follows its frames).
    moves : taxonomy labels to prompt for, in order (default :data:`DEFAULT_MOVES`).
    seconds_per_move : length of each recorded clip.
    countdown : seconds of countdown before the empty scene and before each move.
    show : open a preview window with the prompts (False: prompts go to stderr only).
    """
    out_dir = Path(out_dir)
    if not str(subject).strip():
        raise ValueError("--subject must name who performs (e.g. --subject alice)")
    labels = _check_moves(moves)
    if seconds_per_move <= 0 or countdown < 0:
        raise ValueError("seconds per move must be positive and the countdown not negative")
    if source is not None:
        if not Path(source).is_file():
            raise FileNotFoundError(f"{source}: no such video (--source)")
        capture = cv2.VideoCapture(str(source))
        if not capture.isOpened():
            raise ValueError(f"{source}: OpenCV cannot read this video (corrupt or unknown codec)")
    else:
        capture = cv2.VideoCapture(int(camera or 0))
        if not capture.isOpened():
            raise ValueError(
                f"cannot open camera {camera or 0}: is a webcam connected and free? "
                "(--camera N picks another, --source FILE reads a video)"
            )
    if show and not _has_display():
        print("no display found: the prompts go to the terminal only", file=sys.stderr)
        show = False
    manifest = out_dir / MANIFEST_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    columns = _manifest_columns(manifest)
    session = _Session(capture, source is not None, show)
    folder = _new_session_dir(out_dir, str(subject))
    try:
        background = _capture_background(session, countdown)
        background_path = folder / "background.png"
        _write_png(background_path, background)
        fps = getattr(session, "measured_fps", session.fps)
        size = (background.shape[1], background.shape[0])
        for number, label in enumerate(labels, start=1):
            clip = folder / f"{number:02d}-{label}.avi"
            complete = _record_clip(session, clip, label, fps, size, seconds_per_move, countdown)
            if not complete:
                print(f"{clip}: interrupted; not added to the manifest", file=sys.stderr)
                break
            _append_row(
                manifest,
                columns,
                {
                    "path": clip.relative_to(out_dir).as_posix(),
                    "label": label,
                    "subject": str(subject),
                    "background": background_path.relative_to(out_dir).as_posix(),
                },
            )
    except _Stopped as stop:
        if not (folder / "background.png").is_file():
            folder.rmdir()  # the empty folder this call made; nothing else is ever removed
            if not any(folder.parent.iterdir()):
                folder.parent.rmdir()
            raise ValueError(
                f"{stop} before the empty scene was captured; nothing recorded"
            ) from None
        print(f"session stopped early: {stop}", file=sys.stderr)
    finally:
        capture.release()
        if show:
            cv2.destroyWindow(WINDOW)
    return manifest


def _capture_background(session: _Session, countdown: int) -> np.ndarray:
    """The empty scene: the per-pixel median of a second of frames nobody is in."""
    if countdown:
        session.countdown("step out of view: capturing the empty scene", countdown)
    frames = list(session.frames(BACKGROUND_SECONDS, "capturing the empty scene", True))
    return np.median(np.stack(frames), axis=0).astype(np.uint8)


def _record_clip(
    session: _Session,
    path: Path,
    label: str,
    fps: float,
    size: tuple[int, int],
    seconds: float,
    countdown: int,
) -> bool:
    """Prompt, count down and record one clip; False if the source ended or the user quit."""
    prompt = PROMPTS.get(label, label.replace("_", " "))
    if countdown:
        session.countdown(prompt, countdown)
    print(f"recording {label} -> {path}", file=sys.stderr)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*FOURCC), fps, size)
    if not writer.isOpened():
        raise ValueError(f"{path}: OpenCV cannot write an MJPG .avi here")
    try:
        for frame in session.frames(seconds, f"{prompt}: GO", recording=True):
            writer.write(frame if frame.shape[1::-1] == size else cv2.resize(frame, size))
    except _Stopped:
        return False
    finally:
        writer.release()
    return True
