"""Look at a dataset: a contact sheet of every move per subject and an animation of one take.

Works for any dataset's recordings. The contact sheet has one row per subject and one
column per label (in taxonomy order); each tile is the middle frame of that subject's
longest plainly visible (not ambiguous) run of the label. The animation is one take (the
one showing the most different labels) with each frame's label written on it; ambiguous
frames are marked with ``?``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import cv2
import imageio.v3 as iio
import numpy as np

from harness.labels import ACTION_LABELS, COARSE_LABELS, FINE_LABELS
from harness.recording import Recording

TILE_WIDTH = 160
MAX_ANIMATION_FRAMES = 300
_ORDER: dict[str, int] = {}
for _label in ACTION_LABELS + FINE_LABELS + COARSE_LABELS:
    _ORDER.setdefault(_label, len(_ORDER))


def _text(image: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.4) -> None:
    """White text with a dark outline, readable on any background."""
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(image, text, org, font, scale, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, org, font, scale, (255, 255, 255), 1, cv2.LINE_AA)


def _tile_size(recordings: list[Recording]) -> tuple[int, int]:
    h, w = recordings[0].frames.shape[1:3]
    return TILE_WIDTH, max(int(round(TILE_WIDTH * h / w)), 1)


def pick_frames(recordings: list[Recording]) -> dict[tuple[str, str], tuple[int, int]]:
    """(subject, label) -> (recording index, frame): middle of the longest clear run."""
    best: dict[tuple[str, str], tuple[int, int, int]] = {}
    for r_index, rec in enumerate(recordings):
        ambiguous = np.asarray(rec.ambiguous, dtype=bool)
        for start, end, label in rec.segments():
            clear = np.flatnonzero(~ambiguous[start:end])
            if len(clear) == 0:
                continue
            length = len(clear)
            key = (rec.subject, label)
            if key not in best or length > best[key][0]:
                best[key] = (length, r_index, start + int(clear[len(clear) // 2]))
    return {key: (r, t) for key, (_, r, t) in best.items()}


def contact_sheet(recordings: list[Recording], title: str = "") -> np.ndarray:
    """RGB image: rows = subjects, columns = labels (``empty`` left out)."""
    picks = pick_frames(recordings)
    subjects = sorted({rec.subject for rec in recordings})
    labels = sorted(
        {label for _, label in picks if label != "empty"}, key=lambda x: (_ORDER.get(x, 99), x)
    )
    tw, th = _tile_size(recordings)
    left, top, pad = 44, 40 if title else 24, 2
    sheet = np.full(
        (top + len(subjects) * (th + pad), left + len(labels) * (tw + pad), 3), 30, np.uint8
    )
    if title:
        _text(sheet, title, (6, 14), 0.45)
    for c, label in enumerate(labels):
        _text(
            sheet,
            label.replace("_kick_", "_k_").replace("roundhouse", "round"),
            (left + c * (tw + pad) + 2, top - 6),
            0.36,
        )
    for r, subject in enumerate(subjects):
        y = top + r * (th + pad)
        _text(sheet, subject, (4, y + th // 2), 0.45)
        for c, label in enumerate(labels):
            x = left + c * (tw + pad)
            if (subject, label) not in picks:
                sheet[y : y + th, x : x + tw] = 60
                _text(sheet, "none", (x + tw // 2 - 16, y + th // 2), 0.4)
                continue
            rec_index, t = picks[(subject, label)]
            rec = recordings[rec_index]
            tile = cv2.resize(np.asarray(rec.frames[t]), (tw, th), interpolation=cv2.INTER_AREA)
            _text(tile, f"{rec.id[:18]} #{t}", (2, th - 4), 0.3)
            sheet[y : y + th, x : x + tw] = tile
    return sheet


def annotated_frames(rec: Recording, limit: int = MAX_ANIMATION_FRAMES) -> np.ndarray:
    """The take's frames (up to ``limit``) with the label of each written on it."""
    out = np.array(rec.frames[:limit], dtype=np.uint8, copy=True)
    ambiguous = np.asarray(rec.ambiguous, dtype=bool)
    scale = max(out.shape[2] / 320, 0.5) * 0.45
    for t in range(len(out)):
        mark = " ?" if ambiguous[t] else ""
        _text(out[t], f"{rec.labels[t]}{mark}", (4, int(16 * scale / 0.45)), scale)
        _text(out[t], f"{rec.subject} {t / rec.fps:5.1f}s", (4, out.shape[1] - 6), scale * 0.8)
    return out


def write_preview(recordings: list[Recording], out_dir: Path, title: str = "") -> list[Path]:
    """Write ``contact_sheet.png`` and ``take.gif`` into ``out_dir``; return their paths."""
    if not recordings:
        raise ValueError("preview: the dataset gave no recordings; nothing to show")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sheet_path = out_dir / "contact_sheet.png"
    iio.imwrite(sheet_path, contact_sheet(recordings, title))
    counts = defaultdict(int)
    for i, rec in enumerate(recordings):
        counts[i] = len(set(rec.labels[:MAX_ANIMATION_FRAMES]))
    chosen = recordings[max(counts, key=counts.get)]
    gif_path = out_dir / "take.gif"
    iio.imwrite(gif_path, annotated_frames(chosen), duration=1000 / chosen.fps, loop=0)
    return [sheet_path, gif_path]
