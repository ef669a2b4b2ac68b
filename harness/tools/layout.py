"""Reading the two on-disk layouts of user data, without decoding any pixel.

Class folders (``folders``)::

    ROOT/<class>/*.jpg                 subjects unknown (every split leaks, see below)
    ROOT/<class>/<subject>/*.jpg       one sub-folder per performer
    ROOT/subjects.csv                  or rows ``file,subject`` (file relative to ROOT,
                                       ``*`` patterns allowed: ``hits/alice_*.jpg,alice``)
    ROOT/labels.csv                    optional ``folder,label`` overrides of the name table

Clips (``clips``)::

    ROOT/manifest.csv                  path,label,subject[,start_frame,end_frame][,background]
    ROOT/<label>/<clip>.avi|mp4        UCF-101 style; subject from the file name by a regular
                                       expression (``subject_regex``, or the first line of
                                       ROOT/subject_regex.txt, default ``_g(\\d+)_`` as in
                                       UCF-101's ``v_Punch_g03_c01.avi``)

The scan returns :class:`Layout`: the items found and every :class:`Problem`. The dataset
plugins raise the first error and warn about the rest; ``dataset check`` prints them all.

Names that are not UTF-8. On Linux a folder name is bytes; one written on an old system in
Latin-1 (the bytes ``Jos`` and 0xE9) reaches Python as a string with a surrogate escape,
which no UTF-8 file (results.csv, JSON, the report) can hold. Every name the scan hands on
(subjects, ``rel`` paths, problem texts) goes through :func:`safe_name`: each undecodable
byte becomes ``%`` and its two hex digits, ``Jos%E9``. Chosen over a guessed Latin-1
decoding (``José``) or the replacement character U+FFFD because it is stable from run to
run, keeps two such names apart (0xE9 and 0xE8 would both be U+FFFD) and shows the user
the byte to fix; over Python's ``\\xe9`` because ``subjects.csv`` turns backslashes into
``/`` (Windows paths). The name as shown is the one to write in ``subjects.csv`` or
``labels.csv``; the files themselves are still opened by their real paths.
"""

from __future__ import annotations

import csv
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from harness.tools.label_names import (
    IGNORE,
    csv_rows,
    decode_anyway,
    not_utf8_reason,
    read_overrides,
    read_user_text,
    resolve_label,
    unknown_label_hint,
)
from harness.tools.media import IMAGE_SUFFIXES, VIDEO_SUFFIXES, is_image, is_video

MANIFEST_FILE = "manifest.csv"
SUBJECTS_FILE = "subjects.csv"
SUBJECT_REGEX_FILE = "subject_regex.txt"
DEFAULT_SUBJECT_REGEX = r"_g(\d+)_"
MANIFEST_COLUMNS = ("path", "label", "subject", "start_frame", "end_frame", "background")
REQUIRED_COLUMNS = ("path", "label", "subject")


def safe_name(text: str) -> str:
    """``text`` with each byte of a non-UTF-8 file name as ``%XX`` (``Jos%E9``, see the
    module docstring); unchanged when it is valid Unicode."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    return "".join(_safe_char(char) for char in text)


def _printable(text) -> str:
    """``text`` as one line of valid Unicode: safe names, line breaks shown as ``\\n`` (a
    quoted CSV cell or a file name may hold one)."""
    return safe_name(str(text)).replace("\r", "\\r").replace("\n", "\\n")


def _safe_char(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # a byte that did not decode (surrogateescape)
        return f"%{ord(char) - 0xDC00:02X}"
    if "\ud800" <= char <= "\udfff":  # a lone surrogate of another origin
        return "\ufffd"
    return char


@dataclass
class Problem:
    """One thing wrong with the data, as one line naming the file (and row)."""

    severity: str  # "error" (loading stops) or "warning" (the item is skipped or converted)
    where: str
    message: str
    missing: bool = False  # a missing file: raised as FileNotFoundError

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class Item:
    """One image (folders) or one manifest row / clip file (clips)."""

    path: Path
    rel: str  # path relative to the root, with '/' separators
    label: str
    subject: str | None  # None: the data does not say who performs
    line: int | None = None  # manifest line
    start: int | None = None  # first labelled frame (inclusive); None: from the start
    end: int | None = None  # last labelled frame (inclusive); None: to the end
    background: Path | None = None


@dataclass
class Layout:
    """What a scan found: items, problems, and whether subjects are known."""

    kind: str  # "folders" or "clips"
    root: Path
    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    manifest: Path | None = None
    ignored: list[str] = field(default_factory=list)  # folders mapped to 'ignore'

    @property
    def subjects_known(self) -> bool:
        return bool(self.items) and all(item.subject for item in self.items)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def error(self, where, message: str, missing: bool = False) -> None:
        self.problems.append(Problem("error", _printable(where), _printable(message), missing))

    def warn(self, where, message: str) -> None:
        self.problems.append(Problem("warning", _printable(where), _printable(message)))

    def raise_first_error(self) -> None:
        """Raise the first error as one line (FileNotFoundError for missing files)."""
        errors = self.errors
        if not errors:
            return
        first = errors[0]
        more = (
            f" (and {len(errors) - 1} more problems: run `python -m harness dataset check "
            f"{safe_name(str(self.root))}` to list them)"
            if len(errors) > 1
            else ""
        )
        raise (FileNotFoundError if first.missing else ValueError)(f"{first}{more}")


def leaky_split_message(root: Path, kind: str = "folders") -> str:
    """Why a dataset without subjects cannot give an honest score, and how to fix it: one
    paragraph starting with ``root``, for the runner's refusal (``kind``: folders or clips)."""
    return f"{safe_name(str(root))}: {leaky_split_reason(root, kind)}"


def leaky_split_reason(root: Path, kind: str = "folders") -> str:
    """:func:`leaky_split_message` without the leading ``root:``."""
    if kind == "clips":
        how = (
            "give every manifest row a subject (who performs), or for <label>/<clip> folders a "
            f"regular expression that finds the subject in the file name ({SUBJECT_REGEX_FILE})"
        )
    else:
        how = (
            "put each person's images in <class>/<subject>/ folders, or write "
            f"{safe_name(str(Path(root) / SUBJECTS_FILE))} with rows 'file,subject' (file "
            "relative to the root, * patterns allowed, e.g. 'hits/alice_*.jpg,alice')"
        )
    return (
        "the data does not say who performs each "
        f"{'clip' if kind == 'clips' else 'frame'}, so every train/test split puts "
        "near-identical frames of the same person and take on both sides: the score measures "
        "memory, not recognition of new people (this is how the 2018 blog's 92 % arose). "
        f"To fix it, {how}. To get the leaky number anyway, pass --allow-leaky-split; the "
        "report then says so at its top."
    )


def _rel(path: Path, root: Path) -> str:
    return safe_name(path.relative_to(root).as_posix())


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _files(folder: Path, keep) -> list[Path]:
    """Files under ``folder`` (recursively) that ``keep`` accepts, skipping hidden ones."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and keep(p)
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _read_csv(path: Path, layout: Layout) -> list[list[str]]:
    """The stripped cells of the CSV file ``path``.

    A file that is not UTF-8 is an error of ``layout`` (loading stops there); its rows are
    still read, decoded as UTF-16 or Windows-1252, so that ``dataset check`` can list their
    problems too. A file that is not CSV at all is an error and gives no rows.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        layout.error(path, f"cannot be read ({error.strerror or error})")
        return []
    reason = not_utf8_reason(data)
    if reason:
        layout.error(path, reason)
        text = decode_anyway(data)
    else:
        text = data.decode("utf-8-sig")
    try:
        rows = csv_rows(text)
    except csv.Error as error:
        layout.error(path, f"not a readable CSV file ({error})")
        return []
    return [[cell.strip() for cell in row] for row in rows]


# -- class folders -----------------------------------------------------------------------


def _read_subjects(root: Path, layout: Layout) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """``subjects.csv``: exact ``file -> subject`` rows and ``(pattern, subject)`` rows."""
    path = root / SUBJECTS_FILE
    exact: dict[str, str] = {}
    patterns: list[tuple[str, str]] = []
    if not path.is_file():
        return exact, patterns
    for line, cells in enumerate(_read_csv(path, layout), start=1):
        if not any(cells) or cells[0].startswith("#"):
            continue
        if line == 1 and len(cells) > 1 and cells[1].lower() == "subject":  # a header
            continue
        if len(cells) < 2 or not cells[1]:
            layout.error(
                f"{path} line {line}",
                f"empty subject for {cells[0]!r}; every row needs 'file,subject'",
            )
            continue
        file = cells[0].replace("\\", "/").removeprefix("./")
        if any(ch in file for ch in "*?["):
            patterns.append((file, cells[1]))
        else:
            exact[file] = cells[1]
    return exact, patterns


def _subject_from_table(
    rel: str, exact: dict[str, str], patterns: list[tuple[str, str]], used: set[str]
) -> str | None:
    if rel in exact:
        used.add(rel)
        return exact[rel]
    name = rel.rsplit("/", 1)[-1]
    if name in exact:
        used.add(name)
        return exact[name]
    for pattern, subject in patterns:
        if fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(name, pattern):
            used.add(pattern)
            return subject
    return None


def scan_folders(root: Path) -> Layout:
    """Find the images of a class-folder dataset, their labels and subjects."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (expected <root>/<class>/*.jpg)")
    layout = Layout("folders", root)
    overrides = read_overrides(root)
    exact, patterns = _read_subjects(root, layout)
    used: set[str] = set()
    loose = [p for p in root.iterdir() if p.is_file() and is_image(p)]
    if loose:
        layout.warn(
            root,
            f"{len(loose)} images lie directly in the root (first: {sorted(loose)[0].name}); "
            "they are ignored: move them into a class folder",
        )
    class_dirs = _visible_dirs(root)
    if not class_dirs:
        layout.error(root, "no class folders; expected <root>/<class>/*.jpg (e.g. hits/, kicks/)")
    for folder in class_dirs:
        name = safe_name(folder.name)
        label = resolve_label(name, overrides)
        if label is None:
            layout.error(
                folder, f"folder name '{name}' is not a known class; {unknown_label_hint(root)}"
            )
            continue
        if label == IGNORE:
            layout.ignored.append(name)
            continue
        images = _files(folder, is_image)
        videos = _files(folder, is_video)
        if videos:
            layout.warn(
                folder,
                f"{len(videos)} videos ignored (first: {videos[0].name}); extract their "
                "frames (python -m harness dataset extract) or use the clips dataset",
            )
        if not images:
            layout.warn(
                folder,
                f"empty class folder: no images ({', '.join(sorted(IMAGE_SUFFIXES))}); "
                "it is skipped",
            )
            continue
        for path in images:
            rel = _rel(path, root)
            inner = path.relative_to(folder).parts
            subject = _subject_from_table(rel, exact, patterns, used)
            if subject is None and len(inner) > 1:
                subject = safe_name(inner[0])  # <class>/<subject>/.../image
            layout.items.append(Item(path, rel, label, subject))
    for key in [*exact, *(p for p, _ in patterns)]:
        if key not in used:
            layout.warn(root / SUBJECTS_FILE, f"{key!r} matches no image of any class folder")
    without = [item.rel for item in layout.items if not item.subject]
    if without and len(without) < len(layout.items):
        layout.warn(
            root,
            f"{len(without)} of {len(layout.items)} images have no subject (first: {without[0]}); "
            "give them one (subject folder or subjects.csv), or every split leaks",
        )
    if not layout.items and class_dirs and not layout.errors:
        layout.error(root, "no images found in any class folder")
    return layout


# -- clips ---------------------------------------------------------------------------------


def _is_file(path: Path) -> bool:
    """Whether a manifest's path names a file; False also for names no file can have (a
    NUL character, too long), which Path.is_file raises on."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _frame_number(text: str, column: str, where: str, layout: Layout) -> int | None:
    if not text:
        return None
    try:
        value = int(float(text))
        if value < 0 or value != float(text):
            raise ValueError
    except ValueError:
        layout.error(where, f"{column} {text!r} is not a frame number (0, 1, 2, ...)")
        return None
    return value


def _read_manifest(manifest: Path, layout: Layout) -> None:
    base = manifest.parent
    overrides = read_overrides(base)
    rows = _read_csv(manifest, layout)
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        layout.error(manifest, f"empty manifest; expected the header {','.join(MANIFEST_COLUMNS)}")
        return
    header = [cell.lower() for cell in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        layout.error(
            f"{manifest} line 1",
            f"header lacks {', '.join(missing)}; expected "
            f"path,label,subject[,start_frame,end_frame][,background], got {','.join(rows[0])}",
        )
        return
    unknown = [c for c in header if c and c not in MANIFEST_COLUMNS]
    if unknown:
        layout.warn(f"{manifest} line 1", f"columns {', '.join(unknown)} are not used")
    column = {name: header.index(name) for name in MANIFEST_COLUMNS if name in header}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cells) or cells[0].startswith("#"):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        get = {name: cells[index] for name, index in column.items()}
        for name in ("path", "background"):  # manifests written on Windows use backslashes
            if name in get:
                get[name] = get[name].replace("\\", "/")
        where = f"{manifest} line {line}"
        if not get["path"]:
            layout.error(where, "empty path")
            continue
        path = base / get["path"]
        label_text = get["label"]
        label = resolve_label(label_text, overrides) if label_text else None
        if label == IGNORE:
            continue
        if label is None:
            layout.error(
                where,
                f"label {label_text!r} is not in the taxonomy; {unknown_label_hint(base)}"
                if label_text
                else "empty label",
            )
            continue
        if not get["subject"]:
            layout.error(
                where, f"empty subject for {get['path']}; every row needs who performs the clip"
            )
            continue
        if not _is_file(path):
            layout.error(where, f"clip {get['path']!r} does not exist ({path})", missing=True)
            continue
        if not is_video(path):
            layout.warn(where, f"{get['path']!r} does not look like a video ({path.suffix})")
        start = _frame_number(get.get("start_frame", ""), "start_frame", where, layout)
        end = _frame_number(get.get("end_frame", ""), "end_frame", where, layout)
        if start is not None and end is not None and start > end:
            layout.error(where, f"start_frame {start} is after end_frame {end}")
            continue
        background = None
        if get.get("background"):
            background = base / get["background"]
            if not _is_file(background):
                layout.error(
                    where,
                    f"background {get['background']!r} does not exist ({background})",
                    missing=True,
                )
                continue
            if background.suffix.lower() not in IMAGE_SUFFIXES | VIDEO_SUFFIXES:
                layout.error(
                    where,
                    f"background {get['background']!r} is neither an image nor a video",
                )
                continue
        rel = Path(get["path"]).as_posix()
        layout.items.append(Item(path, rel, label, get["subject"], line, start, end, background))
    if not layout.items and not layout.errors:
        layout.error(manifest, "the manifest lists no clip")


def _span(item: Item) -> tuple[float, float]:
    return (item.start or 0, float("inf") if item.end is None else item.end)


def _check_shared_files(layout: Layout) -> None:
    """Rows naming the same file must agree on the subject and not overlap."""
    by_path: dict[Path, list[Item]] = {}
    for item in layout.items:
        by_path.setdefault(item.path.resolve(), []).append(item)
    for items in by_path.values():
        if len(items) < 2:
            continue
        first = items[0]
        for other in items[1:]:
            where = f"{layout.manifest} line {other.line}"
            if other.subject != first.subject:
                layout.error(
                    where,
                    f"{other.rel} has subject {other.subject!r} here but {first.subject!r} "
                    f"on line {first.line}; one clip has one performer",
                )
        ranges = sorted(items, key=_span)
        for a, b in zip(ranges, ranges[1:], strict=False):
            if _span(b)[0] <= _span(a)[1]:
                layout.error(
                    f"{layout.manifest} line {b.line}",
                    f"frames of {b.rel} overlap those of line {a.line}; give each row its own "
                    "start_frame,end_frame range",
                )


def _subject_regex(root: Path, given: str | None) -> tuple[re.Pattern, bool]:
    """The compiled regex and whether the user chose it (else the UCF-101 default)."""
    text, chosen = given, given is not None
    file = root / SUBJECT_REGEX_FILE
    if text is None and file.is_file():
        lines = [ln.strip() for ln in read_user_text(file).splitlines() if ln.strip()]
        text, chosen = (lines[0], True) if lines else (None, False)
    try:
        return re.compile(text or DEFAULT_SUBJECT_REGEX), chosen
    except re.error as error:
        raise ValueError(f"subject regex {text!r} is not a regular expression: {error}") from None


def _match_subject(pattern: re.Pattern, name: str) -> str | None:
    match = pattern.search(name)
    if not match:
        return None
    if "subject" in pattern.groupindex:
        return match.group("subject")
    return match.group(1) if pattern.groups else match.group(0)


def _scan_clip_folders(root: Path, layout: Layout, subject_regex: str | None) -> None:
    overrides = read_overrides(root)
    pattern, chosen = _subject_regex(root, subject_regex)
    class_dirs = _visible_dirs(root)
    if not class_dirs:
        layout.error(
            root,
            f"neither a {MANIFEST_FILE} nor <label>/<clip>.avi folders; see "
            "python -m harness dataset check --help",
        )
        return
    for folder in class_dirs:
        name = safe_name(folder.name)
        label = resolve_label(name, overrides)
        if label is None:
            layout.error(
                folder, f"folder name '{name}' is not a known label; {unknown_label_hint(root)}"
            )
            continue
        if label == IGNORE:
            layout.ignored.append(name)
            continue
        videos = _files(folder, is_video)
        if not videos:
            layout.warn(
                folder,
                f"empty class folder: no videos ({', '.join(sorted(VIDEO_SUFFIXES))}); "
                "it is skipped",
            )
            continue
        for path in videos:
            subject = _match_subject(pattern, safe_name(path.name))
            if subject is None and chosen:
                layout.error(
                    path,
                    f"the subject regex {pattern.pattern!r} does not match this file name",
                )
                continue
            layout.items.append(Item(path, _rel(path, root), label, subject))
    unmatched = [item.rel for item in layout.items if item.subject is None]
    if unmatched and len(unmatched) < len(layout.items):
        layout.warn(
            root,
            f"{len(unmatched)} of {len(layout.items)} clip names do not match the subject "
            f"regex {pattern.pattern!r} (first: {unmatched[0]}); write one that matches all "
            f"in {root / SUBJECT_REGEX_FILE}, or every split leaks",
        )
    if not layout.items and class_dirs and not layout.errors:
        layout.error(root, "no clips found in any class folder")


def scan_clips(root: Path, subject_regex: str | None = None) -> Layout:
    """Find the clips of a manifest (``ROOT/manifest.csv`` or ``ROOT`` itself a .csv) or of
    ``<label>/<clip>`` folders, with their labels, subjects and labelled frame ranges."""
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such folder or manifest")
    if root.is_file():
        layout = Layout("clips", root.parent, manifest=root)
    elif (root / MANIFEST_FILE).is_file():
        layout = Layout("clips", root, manifest=root / MANIFEST_FILE)
    else:
        layout = Layout("clips", root)
    if layout.manifest is not None:
        _read_manifest(layout.manifest, layout)
        _check_shared_files(layout)
    else:
        _scan_clip_folders(root, layout, subject_regex)
    return layout


def detect_kind(root: Path) -> str:
    """``"clips"`` for a manifest or folders of videos, ``"folders"`` otherwise."""
    root = Path(root)
    if root.is_file() or (root / MANIFEST_FILE).is_file():
        return "clips"
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder or manifest")
    images = videos = 0
    for folder in _visible_dirs(root):
        for path in folder.rglob("*"):
            images += is_image(path)
            videos += is_video(path)
    return "clips" if videos > images else "folders"


def scan(root: Path, kind: str | None = None, subject_regex: str | None = None) -> Layout:
    """Scan ``root`` as ``kind`` ("folders" or "clips"; detected when None)."""
    kind = kind or detect_kind(root)
    if kind == "folders":
        return scan_folders(root)
    if kind == "clips":
        return scan_clips(root, subject_regex)
    raise ValueError(f"unknown dataset kind {kind!r}; use 'folders' or 'clips'")
