"""Video clips with labels: ``--dataset clips:ROOT`` (or ``clips:ROOT/manifest.csv``).

Layouts (see :mod:`harness.tools.layout`)::

    ROOT/manifest.csv     path,label,subject[,start_frame,end_frame][,background]
    ROOT/<label>/<clip>.avi|mp4    UCF-101 style; subject from the file name by the regular
                                   expression in ROOT/subject_regex.txt (default _g(\\d+)_)

Paths in the manifest are relative to its folder. ``python -m harness record`` writes this
manifest. Labels go through the folder-name table (:mod:`harness.tools.label_names`).

Labels per frame. A row without ``start_frame,end_frame`` labels its whole clip. A row with
them labels frames ``start_frame..end_frame`` (inclusive, counted from 0); several rows may
name the same video with disjoint ranges (one long take, several moves). Frames outside
every range show the performer between moves: they are labelled ``stand`` (``other`` when
the labels are the side-free punch/kick/other) and marked *ambiguous*, so frame tasks skip
them and action windows keep them only as history before a move. A clip's label thus serves
the ``action`` task (windows ending inside its range) and the frame tasks (frames inside).

One recording per video file, its frames decoded once with OpenCV (cached, memory-mapped,
with a progress bar), all converted to the most common clip size (640 px at most). The
background is the row's ``background`` image, or the median frame of its empty-scene clip;
without one it stays None and the classic method estimates it from the frames.

Tasks: those every label maps into (``action`` needs kick styles: ``front_kick_left``...).
Subjects unknown (folder layout whose names the regex does not match): each clip is its
own pseudo-subject and ``subjects_known`` is False (the runner then refuses to report
unless ``--allow-leaky-split``).
"""

from __future__ import annotations

import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from harness.api import (
    Dataset,
    Recording,
    cached_video,
    fit_frame,
    is_video,
    leaky_split_message,
    median_frame,
    probe_video,
    read_image,
    safe_name,
    scan_clips,
    source_key,
    video_damage,
)

from . import _byod


class Clips(Dataset):
    name = "clips"
    needs_path = True
    version = "1"
    description = "your video clips, listed in a manifest or sorted into label folders"

    def __init__(self, arg=None, profile="full", seed=0, subject_regex: str | None = None):
        super().__init__(arg, profile, seed)
        self.subject_regex = subject_regex

    def load(self) -> list[Recording]:
        root = Path(self.arg).expanduser()
        layout = scan_clips(root, self.subject_regex)
        _byod.report(layout)
        rows_of = defaultdict(list)
        for item in layout.items:
            rows_of[item.path].append(item)
        infos = {}
        for path in rows_of:
            info = probe_video(path)
            if info.ok:
                infos[path] = info
            else:
                _byod.skip(path, "unreadable or corrupt video (OpenCV cannot decode it)")
        if not infos:
            raise ValueError(f"{root}: no readable clip left (all were unreadable or corrupt)")
        size = _byod.common_size(info.size for info in infos.values())
        _byod.warn_resized({rows_of[p][0].rel: i.size for p, i in infos.items()}, size, "clips")
        between = _byod.between_label(item.label for item in layout.items)

        recordings, ids = [], set()
        bar = tqdm(
            infos.items(), desc="clips", unit="clip", file=sys.stderr, leave=False, disable=None
        )
        for path, info in bar:
            rows = rows_of[path]
            key = source_key([path], size)
            try:
                frames = cached_video(key, path, size, info.frame_count)
            except ValueError as error:
                _byod.skip(path, str(error).split(": ", 1)[-1])
                continue
            damage = video_damage(len(frames), info.frame_count)
            if damage:
                warnings.warn(f"{path}: {damage}", stacklevel=2)
            labels, ambiguous = self._frame_labels(rows, len(frames), between)
            background = self._background(rows, size)
            record_id = _byod.unique_id(_byod.slug(rows[0].rel), ids)
            recordings.append(
                Recording(
                    id=record_id,
                    frames=frames,
                    labels=labels,
                    subject=rows[0].subject or f"clip-{record_id}",
                    scene=safe_name(root.name),
                    fps=info.fps,
                    background=background,
                    ambiguous=ambiguous,
                    fingerprint=key,
                    meta={"source": safe_name(str(path)), "manifest_lines": [r.line for r in rows]},
                )
            )
        if not recordings:
            raise ValueError(f"{root}: no readable clip left (all were unreadable or corrupt)")

        self.subjects_known = layout.subjects_known
        self.leaky_message = "" if self.subjects_known else leaky_split_message(root, "clips")
        used = {label for r in recordings for label in r.labels[~r.ambiguous]}
        self.tasks = _byod.supported_tasks(used)
        self._facts = {
            "root": safe_name(str(root)),
            "clips": len(recordings),
            "frames": sum(len(r) for r in recordings),
            "subjects": sorted({r.subject for r in recordings})
            if self.subjects_known
            else "unknown (leaky split)",
            "classes": sorted(used),
            "size": f"{size[0]}x{size[1]}",
        }
        return recordings

    @staticmethod
    def _frame_labels(rows, n_frames: int, between: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-frame labels and the ambiguous mask from a video's manifest rows."""
        if len(rows) == 1 and rows[0].start is None and rows[0].end is None:
            return np.full(n_frames, rows[0].label, dtype=object), np.zeros(n_frames, bool)
        labels = np.full(n_frames, between, dtype=object)
        ambiguous = np.ones(n_frames, bool)
        for row in rows:
            start = row.start or 0
            end = n_frames - 1 if row.end is None else row.end
            if start >= n_frames or end >= n_frames:
                warnings.warn(
                    f"line {row.line}: {row.rel} has {n_frames} frames, fewer than its range "
                    f"{start}..{end}; the range is cut at frame {n_frames - 1}",
                    stacklevel=2,
                )
            labels[start : end + 1] = row.label
            ambiguous[start : end + 1] = False
        return labels, ambiguous

    @staticmethod
    def _background(rows, size: tuple[int, int]) -> np.ndarray | None:
        """The empty scene: the row's image, or the median frame of its empty-scene clip."""
        path = next((row.background for row in rows if row.background), None)
        if path is None:
            return None
        if is_video(path):
            try:
                return median_frame(path, size)
            except ValueError:
                _byod.skip(path, "unreadable background clip")
                return None
        image = read_image(path)
        if image is None:
            _byod.skip(path, "unreadable background image")
            return None
        return fit_frame(image, size)

    def describe(self) -> dict:
        return {**super().describe(), **getattr(self, "_facts", {})}
