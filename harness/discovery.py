"""Find method and dataset plugins: every ``*.py`` in the plugin folders, loaded by path.

The file is the registration (as in benchopt): every class defined in the file that
subclasses :class:`~harness.method.Method` (in ``methods/``) or
:class:`~harness.dataset.Dataset` (in ``datasets/``) and has a ``name`` is a plugin, and
each of a method's ``presets`` is listed as a method of its own. Files starting with ``_``
are helpers, not plugins.

Each plugin folder becomes a private package (``_harness_plugins.methods_<hash>``), so a
plugin imports the helpers beside it relatively (``from . import _movement``) and two folders
that both hold a ``_helper.py`` each get their own; nothing goes on ``sys.path``, and the
folder name ``datasets`` never shadows the Hugging Face ``datasets`` package.

A file whose import raises becomes one unavailable entry carrying the error's last line;
the other plugins are unaffected. A name already taken (a built-in first) is refused.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import sys
import types
from dataclasses import dataclass
from pathlib import Path

from harness import cache
from harness.dataset import Dataset
from harness.errors import UsageError, last_line
from harness.method import Method, Preset

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BASES = {"methods": Method, "datasets": Dataset}
ROOT_PACKAGE = "_harness_plugins"


@dataclass
class Plugin:
    """One discovered plugin (a class, or one preset of it), or a file that failed to import."""

    kind: str  # "methods" or "datasets"
    name: str
    path: Path
    cls: type | None
    available: bool
    reason: str = ""
    preset: Preset | None = None

    @property
    def params(self) -> dict:
        return dict(self.preset.params) if self.preset else {}

    @property
    def tasks(self) -> tuple[str, ...]:
        if self.preset and self.preset.tasks is not None:
            return tuple(self.preset.tasks)
        return tuple(getattr(self.cls, "tasks", ()))

    @property
    def input(self) -> str:
        return getattr(self.cls, "input", "frame")

    @property
    def description(self) -> str:
        text = (self.preset.description if self.preset else "") or getattr(
            self.cls, "description", ""
        )
        return text or (inspect.getdoc(self.cls) or "").split("\n")[0]

    def create(self, **overrides):
        """A new, unfitted instance with this plugin's parameters (and ``overrides``)."""
        return self.cls(**{**self.params, **overrides})


def plugin_code_hash(plugin: Plugin) -> str:
    """Hash of what decides a plugin's results: its file, the ``_helpers`` it imports from
    its folder, its parameters and (for a feature method) its extractor's key."""
    sources, todo, seen = [], [Path(plugin.path)], set()
    while todo:
        path = todo.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        text = path.read_text()
        sources.append(text)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
                todo += [path.parent / f"{name}.py" for name in names]
    extractor = getattr(plugin.create(), "extractor", None) if plugin.kind == "methods" else None
    return cache.key_of(sources, plugin.params, getattr(extractor, "key", ""))


def weights_of(plugin: Plugin) -> tuple[str, ...]:
    """The weights files a method plugin needs (its own and its extractor's)."""
    if plugin.kind != "methods" or plugin.cls is None:
        return ()
    method = plugin.create()
    extractor = getattr(method, "extractor", None)
    return tuple(dict.fromkeys((*method.weights, *(extractor.weights() if extractor else ()))))


def fetch_weights(plugins: list[Plugin]) -> None:
    """Download the weights the available plugins need and do not have yet; a plugin whose
    file cannot be fetched becomes unavailable with the one-line reason."""
    from harness import weights

    for plugin in (p for p in plugins if p.available):
        for filename in weights_of(plugin):
            if weights.find_weights(filename) is None:
                try:
                    weights.resolve_weights(filename)
                except FileNotFoundError as error:
                    plugin.available, plugin.reason = False, str(error)
                    break


def default_folder(kind: str) -> Path:
    """The project's own ``methods/`` or ``datasets/`` folder."""
    for root in (PROJECT_ROOT, Path.cwd()):
        if (root / kind).is_dir():
            return root / kind
    return PROJECT_ROOT / kind


def file_hash(path: Path) -> str:
    """Hash of a plugin file's source: caches of its results are keyed on it."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def folder_package(folder: Path, kind: str) -> str:
    """The private package whose modules are the files of ``folder`` (created once)."""
    folder = Path(folder).resolve()
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:10]
    name = f"{ROOT_PACKAGE}.{kind}_{digest}"
    if ROOT_PACKAGE not in sys.modules:
        root = types.ModuleType(ROOT_PACKAGE)
        root.__path__ = []
        sys.modules[ROOT_PACKAGE] = root
    if name not in sys.modules:
        package = types.ModuleType(name, f"plugins of {folder}")
        package.__path__ = [str(folder)]  # relative imports find the folder's helpers here
        package.__package__ = name
        sys.modules[name] = package
    return name


def load_module(path: Path, kind: str):
    """Import a plugin file by path as a module of its folder's private package."""
    path = Path(path).resolve()
    module_name = f"{folder_package(path.parent, kind)}.{path.stem}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look the module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def plugin_classes(module, kind: str) -> list[type]:
    base = BASES[kind]
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, base)
        and obj.__module__ == module.__name__
        and getattr(obj, "name", "")
        and not inspect.isabstract(obj)
    ]


def expand(kind: str, cls: type, path: Path) -> list[Plugin]:
    """The plugin entries of one class: itself, then each of its presets."""
    entries = [Plugin(kind, cls.name, path, cls, True)]
    for name, preset in getattr(cls, "presets", {}).items():
        entries.append(Plugin(kind, name, path, cls, True, preset=preset))
    for entry in entries:
        entry.available, entry.reason = availability(entry)
    return entries


def availability(plugin: Plugin) -> tuple[bool, str]:
    try:
        reason = (
            plugin.create().missing_reason()
            if plugin.kind == "methods"
            else plugin.cls.missing_reason()
        )
    except (Exception, SystemExit) as error:  # an __init__ that raises: broken, not fatal
        reason = f"cannot be created: {last_line(error)}"
    return not reason, reason


def discover(kind: str, extra_folders=()) -> list[Plugin]:
    """Every plugin of ``kind`` ("methods" or "datasets") in the default and extra folders."""
    if kind not in BASES:
        raise ValueError(f"kind must be one of {list(BASES)}")
    plugins: list[Plugin] = []
    seen: dict[str, Path] = {}
    folders = [default_folder(kind), *(Path(f) for f in extra_folders)]
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(f"plugin folder {folder} does not exist")
        for path in sorted(folder.glob("*.py")):
            if path.name.startswith("_"):
                continue
            try:
                classes = plugin_classes(load_module(path, kind), kind)
            except (Exception, SystemExit) as error:  # a broken plugin never stops discovery
                plugins.append(Plugin(kind, path.stem, path, None, False, last_line(error)))
                continue
            for entry in (e for cls in classes for e in expand(kind, cls, path)):
                if entry.name in seen:
                    entry.available = False
                    entry.reason = f"the name {entry.name!r} is taken by {seen[entry.name]}"
                else:
                    seen[entry.name] = path
                plugins.append(entry)
    return plugins


def load_plugin(kind: str, path: Path, name: str) -> Plugin:
    """Re-load one plugin entry by file and name (used inside worker processes)."""
    for cls in plugin_classes(load_module(path, kind), kind):
        for entry in expand(kind, cls, path):
            if entry.name == name:
                return entry
    raise LookupError(f"{path} defines no {kind[:-1]} named {name!r}")


# ------------------------------------------------------------------ choosing what to run


def select_methods(names, plugins: list[Plugin]) -> list[Plugin]:
    """The plugins called ``names`` (all when None); unknown names are one UsageError."""
    by_name = {p.name: p for p in plugins if p.cls is not None}
    if names is None:  # the default run: all but the optional presets
        return [p for p in plugins if not (p.preset and p.preset.optional)]
    unknown = [m for m in names if m not in by_name]
    if unknown:
        broken = [f"{p.path.name} ({p.reason})" for p in plugins if p.cls is None]
        hint = f"; files that failed to import: {', '.join(broken)}" if broken else ""
        raise UsageError(
            f"unknown method(s) {', '.join(unknown)}; known methods: {', '.join(by_name)}{hint}"
        )
    return [by_name[m] for m in names]


def parse_dataset_spec(spec: str) -> tuple[str, str | None]:
    """``name`` or ``name:arg`` (a variant, or a path for datasets that need one)."""
    name, _, arg = spec.partition(":")
    return name, (arg or None)


def resolve_datasets(specs, plugins: list[Plugin], profile: str, seed: int) -> list:
    """Instantiate every requested dataset; ``name:*`` expands to all its variants."""
    by_name = {p.name: p for p in plugins if p.cls is not None}
    instances = []
    for spec in specs:
        name, arg = parse_dataset_spec(spec)
        if name not in by_name:
            raise UsageError(f"unknown dataset {name!r}; known datasets: {', '.join(by_name)}")
        plugin = by_name[name]
        if not plugin.available:
            raise UsageError(f"dataset {name} is unavailable: {plugin.reason}")
        args = list(plugin.cls.variants) if arg == "*" else [arg]
        for one in args:
            if plugin.cls.needs_path and one and not Path(one).exists():
                raise UsageError(f"dataset {name}: path {one} does not exist")
            try:
                instances.append(plugin.cls(arg=one, profile=profile, seed=seed))
            except (ValueError, FileNotFoundError) as error:
                raise UsageError(str(error)) from None
    return instances
