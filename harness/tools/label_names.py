"""Folder and manifest names -> taxonomy labels.

Users name their class folders freely (the 2018 blog used ``hits/``, ``kicks/`` and
``others/``). :data:`COMMON_NAMES` maps the usual names onto :mod:`harness.labels`; every
label of the taxonomy is also accepted as itself, with ``-`` or spaces for ``_`` and any
case (``Punch-Left`` -> ``punch_left``). A ``labels.csv`` at the dataset root
(``folder,label``) overrides the table; the label ``ignore`` skips a folder.

The user's text files (this ``labels.csv``, and the manifests and ``subjects.csv`` that
:mod:`harness.tools.layout` reads) must be UTF-8; :func:`read_user_text` says so in one line
naming the file when they are not.
"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from harness.labels import KNOWN_LABELS

LABELS_FILE = "labels.csv"

#: The label that tells the loaders to skip a folder (for ``labels.csv``).
IGNORE = "ignore"

#: Common folder names and what they mean (keys are normalised: lower case, ``_``).
COMMON_NAMES: dict[str, str] = {
    # punches (side-free, as in the blog)
    "punches": "punch",
    "punching": "punch",
    "hit": "punch",
    "hits": "punch",
    "jab": "punch",
    "jabs": "punch",
    # kicks (side-free)
    "kicks": "kick",
    "kicking": "kick",
    # anything else
    "others": "other",
    "no_hit": "other",
    "no_hits": "other",
    "nohit": "other",
    "nohits": "other",
    "none": "other",
    "nothing": "other",
    "neutral": "other",
    "idle": "other",
    "rest": "other",
    "misc": "other",
    # fine postures in plural or -ing form
    "standing": "stand",
    "squats": "squat",
    "squatting": "squat",
    "nobody": "empty",
    "empty_scene": "empty",
}


def not_utf8_reason(data: bytes) -> str | None:
    """None when ``data`` is UTF-8 text (a byte-order mark allowed), else why it is not and
    what to do, for a message after the file's name."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        found = "it is UTF-16"
    elif b"\0" in data:  # no text file has NUL bytes; UTF-16 has one in every ASCII letter
        found = "it has NUL bytes: UTF-16 without a byte-order mark?"
    else:
        try:
            data.decode("utf-8-sig")
            return None
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            found = f"byte 0x{data[error.start]:02x} on line {line}: Latin-1 or Windows-1252?"
    return (
        f"not UTF-8 text ({found}); save it as UTF-8 (a spreadsheet's 'CSV UTF-8', or "
        "iconv -t UTF-8)"
    )


def decode_anyway(data: bytes) -> str:
    """Text from ``data`` that :func:`not_utf8_reason` refused, guessing its encoding (for
    listing the rest of a file's problems, never for loading it)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if b"\0" in data:
        return data.decode("utf-16-le", "replace").replace("\0", "")
    return data.decode("cp1252", "replace")


def read_user_text(path: Path) -> str:
    """The text of a user's file, UTF-8 with or without a byte-order mark.

    Raises
    ------
    FileNotFoundError : no such file.
    ValueError : one line naming the file: it is not UTF-8 (save it as UTF-8), or it cannot
        be read.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except OSError as error:
        raise ValueError(f"{path}: cannot be read ({error.strerror or error})") from None
    reason = not_utf8_reason(data)
    if reason:
        raise ValueError(f"{path}: {reason}")
    return data.decode("utf-8-sig")


def csv_rows(text: str) -> list[list[str]]:
    """The rows of CSV ``text`` (csv.Error on a malformed file, e.g. a huge field)."""
    return list(csv.reader(io.StringIO(text, newline="")))


def normalise(name: str) -> str:
    """``"Punch-Left "`` -> ``"punch_left"``: the form the table and taxonomy use."""
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def read_overrides(root: Path) -> dict[str, str]:
    """The ``folder -> label`` rows of ``root/labels.csv`` (empty when there is none).

    Raises ValueError naming the file (and row) when it is not UTF-8 or not CSV, or a row
    is malformed or its label is not in the taxonomy.
    """
    path = Path(root) / LABELS_FILE
    if not path.is_file():
        return {}
    overrides: dict[str, str] = {}
    try:
        rows = csv_rows(read_user_text(path))
    except csv.Error as error:
        message = f"{path}: not a readable CSV file ({error}); expected rows 'folder,label'"
        raise ValueError(message) from None
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if number == 1 and len(cells) > 1 and cells[1].lower() == "label":  # a header
            continue
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise ValueError(f"{path} row {number}: expected 'folder,label', got {row!r}")
        label = normalise(cells[1])
        if label != IGNORE and label not in KNOWN_LABELS:
            raise ValueError(
                f"{path} row {number}: label {cells[1]!r} is not in the taxonomy; "
                f"use one of {', '.join(sorted(KNOWN_LABELS))} or {IGNORE!r}"
            )
        overrides[normalise(cells[0])] = label
    return overrides


def resolve_label(name: str, overrides: dict[str, str] | None = None) -> str | None:
    """The taxonomy label for a folder or manifest name, ``"ignore"``, or None if unknown."""
    key = normalise(name)
    if overrides and key in overrides:
        return overrides[key]
    if key in KNOWN_LABELS:
        return key
    return COMMON_NAMES.get(key)


def unknown_label_hint(root: Path) -> str:
    """The second half of an unknown-label message: what the user can do about it."""
    return (
        f"rename it to a known label ({', '.join(sorted(KNOWN_LABELS))}) or map it in "
        f"{Path(root) / LABELS_FILE} (rows 'folder,label'; label 'ignore' skips it)"
    )
