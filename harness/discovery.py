"""Find method and dataset plugins: every ``*.py`` in the plugin folders, loaded by path.

The file is the registration (as in benchopt): every class defined in the file that
subclasses :class:`~harness.method.Method` (in ``methods/``) or
:class:`~harness.dataset.Dataset` (in ``datasets/``) and has a ``name`` is a plugin. Files
starting with ``_`` are helpers, not plugins; plugins beside them may import them by name
(``import _movement``). Files are imported under a private module
name, so ``datasets/`` never shadows the Hugging Face ``datasets`` package.

A file whose import raises becomes one unavailable entry carrying the error's last line;
the other plugins are unaffected.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from harness.dataset import Dataset
from harness.method import Method

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BASES = {"methods": Method, "datasets": Dataset}


@dataclass
class Plugin:
    """One discovered plugin class, or a file that failed to import."""

    kind: str  # "methods" or "datasets"
    name: str
    path: Path
    cls: type | None
    available: bool
    reason: str = ""

    @property
    def tasks(self) -> tuple[str, ...]:
        return tuple(getattr(self.cls, "tasks", ()))


def default_folder(kind: str) -> Path:
    """The project's own ``methods/`` or ``datasets/`` folder."""
    for root in (PROJECT_ROOT, Path.cwd()):
        if (root / kind).is_dir():
            return root / kind
    return PROJECT_ROOT / kind


def file_hash(path: Path) -> str:
    """Hash of a plugin file's source: caches of its results are keyed on it."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def load_module(path: Path, kind: str):
    """Import a plugin file by path under a private, stable module name."""
    path = Path(path).resolve()
    module_name = f"_harness_plugins.{kind}.{path.stem}_{file_hash(path)[:8]}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up here
    # A plugin may import the `_helper.py` files beside it by their plain name.
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    finally:
        sys.path.remove(str(path.parent))
    return module


def plugin_classes(module, kind: str) -> list[type]:
    base = BASES[kind]
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, base)
        and obj is not base
        and obj.__module__ == module.__name__
        and getattr(obj, "name", "")
    ]


def last_line(error: BaseException) -> str:
    lines = traceback.format_exception_only(type(error), error)
    return lines[-1].strip() if lines else repr(error)


def discover(kind: str, extra_folders=()) -> list[Plugin]:
    """Every plugin of ``kind`` ("methods" or "datasets") in the default and extra folders."""
    if kind not in BASES:
        raise ValueError(f"kind must be one of {list(BASES)}")
    plugins: list[Plugin] = []
    seen: dict[str, Path] = {}
    folders = [default_folder(kind), *(Path(f) for f in extra_folders)]
    for folder in folders:
        if not folder.is_dir():
            raise FileNotFoundError(f"plugin folder {folder} does not exist")
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            try:
                classes = plugin_classes(load_module(path, kind), kind)
            except Exception as error:  # a broken plugin must not stop discovery
                plugins.append(Plugin(kind, path.stem, path, None, False, last_line(error)))
                continue
            for cls in classes:
                if cls.name in seen:
                    reason = f"name {cls.name!r} already defined in {seen[cls.name]}"
                    plugins.append(Plugin(kind, cls.name, path, cls, False, reason))
                    continue
                seen[cls.name] = path
                available, reason = cls.availability()
                plugins.append(Plugin(kind, cls.name, path, cls, available, reason))
    return plugins


def load_class(kind: str, path: Path, name: str) -> type:
    """Re-load one plugin class by file and name (used inside worker processes)."""
    for cls in plugin_classes(load_module(path, kind), kind):
        if cls.name == name:
            return cls
    raise LookupError(f"{path} defines no {kind[:-1]} named {name!r}")
