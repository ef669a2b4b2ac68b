"""Bring-your-own-data test fixtures: write class folders, clips and manifests on the fly.

The frames come from the rendered default dataset (mk-synth, quick profile) when it is in
``datasets/``, else from simple figures drawn here, so the tests run either way.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
from pathlib import Path

import cv2
import numpy as np
from _plugins import plugin

from harness import cache
from harness.recording import Recording
from harness.tasks import get_task

REPO = Path(__file__).resolve().parents[1]
BLOG_FOLDERS = {"punch": "hits", "kick": "kicks"}  # anything else goes to others/
MOVES = ("stand", "punch_left", "punch_right", "front_kick_left", "squat")
_USUAL_CACHE = os.environ.get(cache.ENV_VAR)  # read at import, before tests redirect it


def _wall(size: tuple[int, int]) -> np.ndarray:
    """The empty scene: a smoothly textured wall (BGR; smooth so MJPG keeps it close)."""
    width, height = size
    coarse = np.random.default_rng(7).integers(60, 120, (height // 8, width // 8, 3))
    return cv2.resize(coarse.astype(np.uint8), size, interpolation=cv2.INTER_LINEAR)


def _figure(label: str, size: tuple[int, int], shift: int) -> np.ndarray:
    """A crude performer on a textured wall: body, head, and the limb of the move."""
    width, height = size
    frame = _wall(size)
    cx = width // 2 + shift
    top = height // 3 if label == "squat" else height // 6
    cv2.rectangle(frame, (cx - 6, top + 8), (cx + 6, height - 4), (200, 60, 40), -1)
    cv2.circle(frame, (cx, top + 3), 5, (220, 180, 150), -1)
    if label.startswith("punch"):  # the performer's left is the image's right
        direction = 1 if label.endswith("left") else -1
        cv2.line(frame, (cx, top + 14), (cx + direction * 25, top + 14), (220, 180, 150), 3)
    if "kick" in label:
        direction = 1 if label.endswith("left") else -1
        cv2.line(frame, (cx, height - 16), (cx + direction * 22, height - 30), (40, 40, 200), 4)
    return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def synthetic_recordings(
    subjects=("ann", "bob", "cy"), frames_per_move: int = 6, size=(80, 60)
) -> list[Recording]:
    """One take per subject: each move of :data:`MOVES` for ``frames_per_move`` frames."""
    recordings = []
    for s, subject in enumerate(subjects):
        labels = [m for m in MOVES for _ in range(frames_per_move)]
        frames = np.stack([_figure(m, size, shift=3 * s + t % 3) for t, m in enumerate(labels)])
        background = cv2.cvtColor(_wall(size), cv2.COLOR_BGR2RGB)
        recordings.append(
            Recording(f"{subject}-take", frames, labels, subject, fps=10.0, background=background)
        )
    return recordings


@functools.lru_cache(maxsize=1)
def _mk_synth_quick() -> tuple:
    """mk-synth's quick renders, once per test process, from the usual render cache (tests
    point HARNESS_CACHE_DIR at a temporary folder; rendering anew each time would be slow)."""
    cls = plugin("datasets", "mk-synth").cls
    changed = os.environ.get(cache.ENV_VAR)
    if _USUAL_CACHE is None:
        os.environ.pop(cache.ENV_VAR, None)
    else:
        os.environ[cache.ENV_VAR] = _USUAL_CACHE
    try:
        return tuple(cls(arg="clean", profile="quick", seed=0).load())
    finally:
        if changed is None:
            os.environ.pop(cache.ENV_VAR, None)
        else:
            os.environ[cache.ENV_VAR] = changed


def sample_recordings(start: int = 50, stop: int = 250) -> list[Recording]:
    """Frames ``start:stop`` of each mk-synth quick take (every move appears there), or
    synthetic takes when the renderer is not in ``datasets/``."""
    if not (REPO / "datasets" / "mk_synth.py").exists():
        return synthetic_recordings()
    return [
        Recording(
            r.id,
            np.asarray(r.frames[start:stop]),
            r.labels[start:stop],
            r.subject,
            fps=r.fps,
            background=r.background,
        )
        for r in _mk_synth_quick()
    ]


def write_image(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(path.suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    data.tofile(str(path))


def write_video(path: Path, frames_rgb: np.ndarray, fps: float = 10.0) -> Path:
    """An MJPG .avi of ``frames_rgb`` (what the recorder writes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height, width = frames_rgb.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    assert writer.isOpened()
    for frame in frames_rgb:
        writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
    writer.release()
    return path


def blog_folder(label: str) -> str:
    """The blog's folder for a label: hits/, kicks/ or others/."""
    return BLOG_FOLDERS.get(get_task("punch-kick-other").map_label(label), "others")


def write_folders(root: Path, recordings, subjects: bool = True, every: int = 1) -> Path:
    """The blog's layout: ``root/{hits,kicks,others}/[<subject>/]<take>_<t>.jpg``."""
    for recording in recordings:
        for t in range(0, len(recording), every):
            folder = root / blog_folder(str(recording.labels[t]))
            if subjects:
                folder = folder / recording.subject
            name = f"{recording.subject}_{recording.id}_{t:04d}.jpg"
            write_image(folder / name, np.asarray(recording.frames[t]))
    return root


def write_clips(root: Path, recordings, backgrounds: bool = False) -> Path:
    """One .avi per take and a manifest row per labelled segment (start/end frames)."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / "manifest.csv"
    with open(manifest, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "label", "subject", "start_frame", "end_frame", "background"])
        for recording in recordings:
            clip = f"clips/{recording.id}.avi"
            write_video(root / clip, np.asarray(recording.frames), recording.fps)
            background = ""
            if backgrounds and recording.background is not None:
                background = f"clips/{recording.id}-empty.png"
                write_image(root / background, recording.background)
            for start, end, label in recording.segments():
                writer.writerow([clip, label, recording.subject, start, end - 1, background])
    return manifest


def tree_state(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under ``root`` with its size, modification time and content hash."""
    return {
        p.relative_to(root).as_posix(): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(Path(root).rglob("*"))
        if p.is_file()
    }


def held_out_rows(run_dir: Path, method: str) -> list[dict]:
    """``method``'s rows in a run's results.csv (one per fold and scoring)."""
    with open(Path(run_dir) / "results.csv", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["method"] == method]


def pooled_macro_f1(run_dir: Path, method: str, task: str) -> float:
    """The run's pooled held-out macro-F1 of ``method`` on ``task`` (results.json)."""
    import json

    aggregates = json.loads((Path(run_dir) / "results.json").read_text())["aggregates"]
    (entry,) = [a for a in aggregates if a["method"] == method and a["task"] == task]
    assert entry["status"] == "ok", (method, entry["status"], entry.get("reason"))
    return float(entry["macro_f1"])
