"""Folder and manifest names -> taxonomy labels.

Users name their class folders freely (the 2018 blog used ``hits/``, ``kicks/`` and
``others/``). :data:`COMMON_NAMES` maps the usual names onto :mod:`harness.labels`; every
label of the taxonomy is also accepted as itself, with ``-`` or spaces for ``_`` and any
case (``Punch-Left`` -> ``punch_left``). A ``labels.csv`` at the dataset root
(``folder,label``) overrides the table; the label ``ignore`` skips a folder.
"""

from __future__ import annotations

import csv
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


def normalise(name: str) -> str:
    """``"Punch-Left "`` -> ``"punch_left"``: the form the table and taxonomy use."""
    return "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())


def read_overrides(root: Path) -> dict[str, str]:
    """The ``folder -> label`` rows of ``root/labels.csv`` (empty when there is none).

    Raises ValueError naming the file and row when a row is malformed or its label is not
    in the taxonomy.
    """
    path = Path(root) / LABELS_FILE
    if not path.is_file():
        return {}
    overrides: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
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
