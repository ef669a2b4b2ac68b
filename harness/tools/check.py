"""``python -m harness dataset check ROOT``: what a dataset holds and what is wrong with it.

Reads every image (or decodes every clip) once, so corrupt files show up here rather than
an hour into a run. Nothing is written or changed.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from harness.tasks import TASKS
from harness.tools import media
from harness.tools.layout import (
    Layout,
    Problem,
    leaky_split_message,
    leaky_split_reason,
    safe_name,
    scan,
)

__all__ = ["CheckReport", "check_dataset", "leaky_split_message"]


@dataclass
class CheckReport:
    """The result of :func:`check_dataset`.

    Attributes
    ----------
    root, kind : what was checked (``"folders"`` or ``"clips"``).
    unit : what counts count (``"images"``, or ``"clips"``: manifest rows or clip files).
    videos : number of distinct video files (clips).
    classes : label -> number of images / clips.
    frames : label -> number of labelled frames (clips; equals ``classes`` for images).
    subjects : subject -> number of images / clips (empty when subjects are unknown).
    counts : (label, subject) -> number of images / clips.
    sizes : (width, height) -> number of files of that size.
    tasks : the tasks the labels serve.
    subjects_known : False when the data does not say who performs (every split leaks).
    problems : every problem found; errors make ``ok`` False.
    """

    root: Path
    kind: str
    unit: str = "images"
    videos: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    frames: dict[str, int] = field(default_factory=dict)
    subjects: dict[str, int] = field(default_factory=dict)
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    sizes: dict[tuple[int, int], int] = field(default_factory=dict)
    tasks: tuple[str, ...] = ()
    subjects_known: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when ``python -m harness run`` will accept the data as it is."""
        return not any(p.severity == "error" for p in self.problems)

    def format(self) -> str:
        """The report as text for the terminal."""
        total = sum(self.classes.values())
        n_subjects = len(self.subjects) if self.subjects_known else "unknown"
        videos = f"{self.videos} videos, " if self.unit == "clips" else ""
        lines = [
            f"{self.kind} dataset at {self.root}: {videos}{total} {self.unit}, "
            f"{len(self.classes)} classes, subjects: {n_subjects}"
        ]
        if self.classes:
            lines.append("classes: " + _counts(self.classes))
        if self.unit == "clips" and self.frames:
            lines.append("labelled frames: " + _counts(self.frames))
        if self.subjects_known and self.subjects:
            lines.append("subjects: " + _counts(self.subjects))
            lines.append(f"{self.unit} per class and subject:")
            lines.extend("  " + row for row in _table(self.counts, self.classes, self.subjects))
        if self.sizes:
            common = max(self.sizes, key=lambda s: (self.sizes[s], s))
            sizes = ", ".join(
                f"{w}x{h} ({n})" for (w, h), n in sorted(self.sizes.items(), key=lambda x: -x[1])
            )
            note = (
                f"; others are letterboxed to {common[0]}x{common[1]} on loading "
                "(scaled to fit, aspect kept, padded with black: bodies are not stretched)"
                if len(self.sizes) > 1
                else ""
            )
            lines.append(f"sizes: {sizes}{note}")
        lines.append("tasks: " + (", ".join(self.tasks) or "none"))
        errors = [p for p in self.problems if p.severity == "error"]
        warnings = [p for p in self.problems if p.severity == "warning"]
        if self.problems:
            lines.append(
                f"problems: {_plural(len(errors), 'error')}, {_plural(len(warnings), 'warning')}"
            )
            lines.extend(f"  {p.severity}: {p}" for p in errors + warnings)
        else:
            lines.append("problems: none")
        lines.append(
            "OK: ready for python -m harness run"
            if self.ok
            else "NOT OK: fix the errors above before python -m harness run"
        )
        # Printable whatever the names: a root that is not UTF-8 shows its bytes as %XX.
        return safe_name("\n".join(lines))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _counts(counter: dict) -> str:
    return ", ".join(f"{key} {n}" for key, n in counter.items())


def _table(counts: dict, rows: dict, columns: dict) -> list[str]:
    header = ["class", *map(str, columns)]
    body = [[str(r), *(str(counts.get((r, c), 0)) for c in columns)] for r in rows]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        )
        for line in [header, *body]
    ]


def _bar(items, desc: str, unit: str):
    return tqdm(items, desc=desc, unit=unit, file=sys.stderr, leave=False, disable=None)


def _check_images(layout: Layout, report: CheckReport) -> list:
    readable = []
    for item in _bar(layout.items, "checking images", "image"):
        try:
            image = media.load_image(item.path)
        except media.UnreadableFile as error:
            layout.warn(item.path, f"{error.reason}; it will be skipped")
            continue
        except FileNotFoundError:  # removed since the scan
            layout.warn(item.path, "no such file any more; it will be skipped")
            continue
        size = (image.shape[1], image.shape[0])
        report.sizes[size] = report.sizes.get(size, 0) + 1
        readable.append((item, 1))
    return readable


def _check_clips(layout: Layout, report: CheckReport) -> list:
    readable = []
    n_frames: dict[Path, int | None] = {}
    damaged: dict[Path, bool] = {}
    for item in _bar(layout.items, "checking clips", "clip"):
        if item.path not in n_frames:
            info = media.probe_video(item.path)
            n_frames[item.path] = media.count_frames(item.path) if info.ok else None
            if info.ok:
                report.sizes[info.size] = report.sizes.get(info.size, 0) + 1
                damage = media.video_damage(n_frames[item.path], info.frame_count)
                damaged[item.path] = damage is not None
                if damage:
                    layout.warn(item.path, damage)
            else:
                layout.warn(item.path, f"{media.UNREADABLE_VIDEO}; it will be skipped")
        total = n_frames[item.path]
        if total is None:
            continue
        where = f"{layout.manifest} line {item.line}" if item.line else str(item.path)
        start = item.start or 0
        end = total - 1 if item.end is None else item.end
        if start >= total or end >= total:
            why = "decodes only" if damaged[item.path] else "has"
            layout.warn(
                where, f"{item.rel} {why} {total} frames; the range {start}..{end} is cut there"
            )
        labelled = max(0, min(end, total - 1) - start + 1)
        if item.background is not None:
            readable_background = (
                media.probe_video(item.background).ok
                if media.is_video(item.background)
                else media.read_image(item.background) is not None
            )
            if not readable_background:
                layout.warn(where, f"background {item.background} is unreadable; ignored")
        readable.append((item, labelled))
    return readable


def check_dataset(
    root: Path, kind: str | None = None, subject_regex: str | None = None
) -> CheckReport:
    """Validate the dataset at ``root`` and describe it.

    Parameters
    ----------
    root : a class-folder root, a clips root, or a manifest ``.csv``.
    kind : ``"folders"`` or ``"clips"``; detected from the layout when None.
    subject_regex : for ``<label>/<clip>`` folders, the regular expression that finds the
        subject in a file name (else ``ROOT/subject_regex.txt`` or the UCF-101 default).

    Returns
    -------
    CheckReport : print ``report.format()``; ``report.ok`` is False if a run would fail.
    """
    root = Path(root)
    try:
        layout = scan(root, kind, subject_regex)
    except (ValueError, OSError) as error:  # labels.csv, the root itself, a locked folder
        report = CheckReport(root, kind or "unknown")
        report.problems.append(_scan_problem(root, error))
        return report
    report = CheckReport(root, layout.kind, "images" if layout.kind == "folders" else "clips")
    check = _check_images if layout.kind == "folders" else _check_clips
    readable = check(layout, report)
    if layout.items and not readable:
        layout.error(root, f"no readable {report.unit} left (all are unreadable or corrupt)")
    labels = Counter()
    for item, labelled in readable:
        report.classes[item.label] = report.classes.get(item.label, 0) + 1
        report.frames[item.label] = report.frames.get(item.label, 0) + labelled
        labels[item.label] += 1
        if item.subject:
            report.subjects[item.subject] = report.subjects.get(item.subject, 0) + 1
            key = (item.label, item.subject)
            report.counts[key] = report.counts.get(key, 0) + 1
    report.subjects_known = layout.subjects_known
    report.videos = len({item.path for item, _ in readable}) if layout.kind == "clips" else 0
    report.tasks = tuple(
        name
        for name, task in TASKS.items()
        if labels
        and all(task.map_label(label) is not None for label in labels)
        and not (layout.kind == "folders" and task.level == "clip")
    )
    _check_protocol(layout, report)
    report.problems = layout.problems
    return report


def _scan_problem(root: Path, error: Exception) -> Problem:
    """The error that stopped the scan, as one problem naming its file."""
    if isinstance(error, ValueError | FileNotFoundError):  # "<file>: <what to do>"
        where, _, message = str(error).partition(": ")
        if not message:
            where, message = str(root), str(error)
    else:  # e.g. PermissionError on a folder
        where = str(getattr(error, "filename", None) or root)
        message = (
            f"cannot be read ({getattr(error, 'strerror', None) or error}); check its permissions"
        )
    return Problem("error", safe_name(where), safe_name(message))


def _check_protocol(layout: Layout, report: CheckReport) -> None:
    """What the leave-subjects-out protocol needs: subjects, two of them, two classes."""
    if not report.classes:
        return
    if not report.subjects_known:
        layout.error(layout.root, leaky_split_reason(layout.root, layout.kind))
    elif len(report.subjects) < 2:
        layout.error(
            layout.root,
            f"only one subject ({next(iter(report.subjects))}); testing on people the model "
            "never saw needs recordings of at least 2 people",
        )
    if len(report.classes) < 2:
        layout.error(
            layout.root,
            f"only one class ({next(iter(report.classes))}); a classifier needs at least 2",
        )
    if report.subjects_known and len(report.subjects) >= 2:
        for label in report.classes:
            having = [s for s in report.subjects if report.counts.get((label, s))]
            if len(having) == 1:
                layout.warn(
                    layout.root,
                    f"class {label!r} comes from one subject only ({having[0]}); when that "
                    "subject is tested, the class was never seen in training",
                )
