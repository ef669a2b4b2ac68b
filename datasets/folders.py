"""Class-folder images, the 2018 blog's layout: ``--dataset folders:ROOT``.

Layout (see :mod:`harness.tools.layout`)::

    ROOT/<class>/*.jpg|png             e.g. hits/, kicks/, others/
    ROOT/<class>/<subject>/*.jpg       the same with one sub-folder per performer
    ROOT/subjects.csv                  or rows file,subject (patterns allowed)
    ROOT/labels.csv                    folder,label overrides of the folder-name table

Folder names map onto the taxonomy through :mod:`harness.tools.label_names` (hits -> punch,
kicks -> kick, others -> other, punch_left -> punch_left, ...). Side-free folders serve
``punch-binary`` and ``punch-kick-other``; when every folder is a fine posture (stand,
punch_left, ...), ``posture`` too. Images have no order, so the ``action`` task never.

One recording per subject: its images in file-name order, converted to RGB and to the most
common image size (scaled down to 640 px at most); unreadable images are skipped with a
warning naming them.

Subjects unknown: then every split leaks near-identical frames between train and test
(the blog's 92 %). The images are spread over 10 pseudo-subjects ``unknown-00`` ...
``unknown-09`` by a hash of their path, so a split is a random split of frames, and
``subjects_known`` is False: the runner refuses to report unless ``--allow-leaky-split``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from harness.api import (
    Dataset,
    Recording,
    UnreadableFile,
    cached_images,
    leaky_split_message,
    read_image_size,
    safe_name,
    scan_folders,
    source_key,
)

from . import _byod


class Folders(Dataset):
    name = "folders"
    tasks = ("punch-binary", "punch-kick-other")
    needs_path = True
    version = "1"
    description = "your images sorted into class folders (the 2018 blog's layout)"

    def load(self) -> list[Recording]:
        root = Path(self.arg).expanduser()
        layout = scan_folders(root)
        _byod.report(layout)
        sizes = {}
        for item in layout.items:
            try:
                sizes[item.rel] = read_image_size(item.path)
            except (FileNotFoundError, UnreadableFile) as error:
                _byod.skip(item.path, getattr(error, "reason", str(error)))
        items = [item for item in layout.items if item.rel in sizes]
        if not items:
            raise ValueError(f"{root}: no readable image left (all were unreadable or corrupt)")
        size = _byod.common_size(sizes.values())
        _byod.warn_resized(sizes, size, "images")

        groups = defaultdict(list)
        for item in items:
            groups[item.subject or _byod.pseudo_subject(item.rel)].append(item)
        recordings, ids = [], set()
        for subject, members in sorted(groups.items()):
            paths = [item.path for item in members]
            key = source_key(paths, size)
            frames, kept = cached_images(
                key, paths, size, desc=f"images of {subject}", on_skip=_byod.skip
            )
            if not kept:
                continue
            recordings.append(
                Recording(
                    id=_byod.unique_id(_byod.slug(subject), ids),
                    frames=frames,
                    labels=[members[i].label for i in kept],
                    subject=subject,
                    scene=safe_name(root.name),
                    fingerprint=key,
                    meta={"source": safe_name(str(root)), "files": [members[i].rel for i in kept]},
                    # Independent images, not a take: streaming metrics do not apply.
                    continuous=False,
                )
            )
        if not recordings:
            raise ValueError(f"{root}: no readable image left (all were unreadable or corrupt)")

        self.subjects_known = layout.subjects_known
        self.leaky_message = "" if self.subjects_known else leaky_split_message(root, "folders")
        labels = {label for r in recordings for label in r.labels}
        # An instance attribute: posture only when every folder is a fine posture.
        self.tasks = tuple(t for t in _byod.supported_tasks(labels) if t != "action")
        self._facts = {
            "root": safe_name(str(root)),
            "images": sum(len(r) for r in recordings),
            "subjects": sorted(groups) if self.subjects_known else "unknown (leaky split)",
            "classes": sorted(labels),
            "size": f"{size[0]}x{size[1]}",
        }
        return recordings

    def describe(self) -> dict:
        return {**super().describe(), **getattr(self, "_facts", {})}
