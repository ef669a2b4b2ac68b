"""Where pretrained weights come from: the user's directory, the Keras cache, the web.

Order: ``--weights-dir`` (which sets ``HARNESS_WEIGHTS_DIR``), then the Keras cache
(``$KERAS_HOME/models``, default ``~/.keras/models``), then the official download. Nothing
ever falls back to random weights: when a file is nowhere, the methods needing it are
listed as unavailable with :func:`missing_reason`.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "HARNESS_WEIGHTS_DIR"


def set_weights_dir(path: str | os.PathLike | None) -> None:
    """Make ``path`` the first place to look (also for worker processes)."""
    if path is not None:
        os.environ[ENV_VAR] = str(Path(path).expanduser().resolve())


def search_dirs() -> list[Path]:
    """The local folders searched, in order."""
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(Path(os.environ[ENV_VAR]).expanduser())
    keras_home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    dirs.append(keras_home / "models")
    return dirs


def find_weights(filename: str) -> Path | None:
    """The first local copy of ``filename``, or None."""
    for folder in search_dirs():
        candidate = folder / filename
        if candidate.is_file():
            return candidate
    return None


def missing_reason(filename: str) -> str:
    """'' if ``filename`` is found locally, else one line saying what to do."""
    if find_weights(filename) is not None:
        return ""
    looked = ", ".join(str(d) for d in search_dirs())
    return (
        f"weights file {filename} not found (looked in {looked}); put it in a folder and pass "
        f"--weights-dir DIR or set {ENV_VAR}"
    )
