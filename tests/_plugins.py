"""Finding the project's plugins from tests: by name, as discovery does."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The offline weights and the two real photographs, beside the clone.
SHARED = REPO.parent / "shared"
SQUAT = SHARED / "images" / "squat.bmp"


def plugin_folder(folder: Path, **files: str) -> Path:
    """A folder of plugin files a test writes: ``plugin_folder(tmp_path / "m", bad=SOURCE)``
    makes ``m/bad.py``; returns the folder."""
    folder.mkdir()
    for stem, source in files.items():
        (folder / f"{stem}.py").write_text(source)
    return folder


def require_weights(*files: str, photo: Path | None = None) -> None:
    """Skip the calling test, with the resolver's one-line reason, when LiteRT, a weights
    file or the ``photo`` is missing here."""
    import pytest

    from harness import weights

    pytest.importorskip("ai_edge_litert")
    for name in files:
        if weights.find_weights(name) is None:
            pytest.skip(weights.missing_reason(name))
    if photo is not None and not Path(photo).is_file():
        pytest.skip(f"needs the photo {photo}")


def plugin(kind: str, name: str, folder: Path | None = None):
    """The discovered plugin entry ``name`` (``plugin("methods", "mobilenet-person")``).

    ``entry.create(**params)`` makes an instance with its preset's parameters."""
    from harness import discovery

    folder = folder or REPO / kind
    for path in sorted(Path(folder).glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            return discovery.load_plugin(kind, path, name)
        except LookupError:
            continue
    raise LookupError(f"no {kind[:-1]} {name!r} in {folder}")


def helper(kind: str, filename: str):
    """A plugin folder's helper module (``helper("methods", "_movement.py")``), the same
    module object the plugins beside it import."""
    from harness import discovery

    return discovery.load_module(REPO / kind / filename, kind)
