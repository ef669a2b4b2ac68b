"""Saved models: a fitted method in a folder, with what it is and where it came from.

A model folder holds::

    model.json   what the model is (below)
    method/      the method's own files (:meth:`harness.method.Method.save`)

``model.json`` records the harness version, the method (its plugin name, as ``list``
shows it, presets included, its class and parameters, and the sha256 of its plugin file),
the task and its classes, the window, the training data (dataset, profile, seed,
subjects, frames, samples), the held-out scores of the run that chose it (or null), and
the sha256 of every pretrained weights file it runs on, and the versions of the packages
its state was pickled with (a difference is a warning). Weights are named, never copied:
:func:`load_model` finds them where the harness finds weights, and refuses in one line
when one is missing or is not the file the model was built on, or when another harness
version made the model.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from harness import discovery
from harness import weights as weights_resolver
from harness.errors import UsageError
from harness.files import atomic_write_json, replacing
from harness.machine import commit_info, machine_info
from harness.tasks import Task, get_task

MODEL_FILE = "model.json"
METHOD_FOLDER = "method"
FORMAT = 1


def fold_model_dir(run_dir: Path, dataset: str, method: str, task: str, fold: int) -> Path:
    """Where ``run --save-models`` keeps one fold's model."""
    safe = re.sub(r"[^\w.@+-]", "_", dataset)  # mk-synth:noise@0.5 -> mk-synth_noise@0.5
    return Path(run_dir) / "models" / safe / method / task / f"fold{fold}"


def harness_version() -> str:
    """This harness's version: its source tree's ``pyproject.toml``, else the installed one."""
    pyproject = discovery.PROJECT_ROOT / "pyproject.toml"
    if sys.version_info >= (3, 11) and pyproject.is_file():
        import tomllib

        return tomllib.loads(pyproject.read_text())["project"]["version"]
    return metadata.version("posture-harness")


def training_summary(dataset: str, samples, profile: str | None = None, seed=None) -> dict:
    """What a model was fitted on: ``dataset`` label, profile and seed, and of ``samples``
    the subjects, the frames of their recordings and the samples themselves."""
    used = sorted({int(r) for r in samples.rec})
    return {
        "dataset": dataset,
        "profile": profile,
        "seed": seed,
        "subjects": sorted({str(s) for s in samples.groups}),
        "frames": int(sum(len(samples.recordings[r]) for r in used)),
        "samples": len(samples),
    }


def save_model(
    method,
    folder,
    *,
    plugin_name: str,
    task: Task,
    window: int,
    training: dict,
    scores: dict | None = None,
) -> Path:
    """Write the fitted ``method`` and its ``model.json`` into ``folder`` (new or empty).

    The folder appears complete or not at all (written beside it, then renamed).

    Raises
    ------
    ValueError : ``folder`` exists and is not empty (one line).
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder}: exists and is not empty; give a new folder for the model")
    plugin = _plugin(plugin_name, ())
    info = {
        "format": FORMAT,
        "harness_version": harness_version(),
        "method": {
            "name": plugin_name,
            "class": type(method).__name__,
            "file": plugin.path.name,
            "plugin_sha256": discovery.file_hash(plugin.path),
            "params": method.get_params(),
        },
        "task": {"name": task.name, "level": task.level, "classes": list(task.classes)},
        "fitted_classes": [str(c) for c in getattr(method, "classes_", task.classes)],
        "window": int(window),
        "input": method.input,
        "uses_background": bool(method.uses_background()),
        "training": training,
        "scores": scores,
        "weights": {name: _sha256(name) for name in method.weight_files()},
        "packages": machine_info()["packages"],  # what the saved state was pickled with
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": commit_info(discovery.PROJECT_ROOT),
    }
    if folder.exists():
        folder.rmdir()  # empty: replaced by the finished one below
    with replacing(folder, directory=True) as temp:
        method.save(temp / METHOD_FOLDER)
        atomic_write_json(temp / MODEL_FILE, info)
    return folder


@dataclass
class SavedModel:
    """A loaded model: the fitted method, its task, and ``model.json`` as ``info``."""

    folder: Path
    info: dict
    method: object
    task: Task
    warnings: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.info["method"]["name"]

    @property
    def window(self) -> int:
        return int(self.info["window"])

    @property
    def classes(self) -> tuple[str, ...]:
        """The task's classes: the order of a stream's probabilities."""
        return tuple(self.task.classes)


def load_model(folder, method_dirs=()) -> SavedModel:
    """The model saved in ``folder``, checked against this harness and its weights.

    Raises
    ------
    FileNotFoundError : no model there, or a weights file it needs is nowhere (one line).
    UsageError : another harness version made it, a weights file changed, or its method is
        not among the plugins (one line, naming the folder and what to do).
    """
    folder = Path(folder)
    path = folder / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder}: no {MODEL_FILE}; give a folder `harness train` wrote")
    try:
        info = json.loads(path.read_text())
        name, made_by = info["method"]["name"], info["harness_version"]
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{path}: not a model description ({error}); retrain the model") from None
    if made_by != harness_version():
        raise UsageError(
            f"{folder}: made by harness {made_by}, this is harness {harness_version()}; "
            "retrain it with `python -m harness train`"
        )
    for filename, saved in info.get("weights", {}).items():
        _check_weights(folder, filename, saved)
    plugin = _plugin(name, method_dirs)
    warnings = []
    if discovery.file_hash(plugin.path) != info["method"].get("plugin_sha256"):
        warnings.append(f"{plugin.path.name} changed since {folder} was saved; retrain if unsure")
    for package, saved in info.get("packages", {}).items():
        here = machine_info()["packages"].get(package)
        if saved and here and saved != here:  # pickled state may not survive a new release
            warnings.append(f"{folder} was saved with {package} {saved}, this is {here}")
    task = get_task(info["task"]["name"])
    if task.level != info["task"]["level"]:  # a frame method trained on a clip task's frames
        task = dataclasses.replace(task, level=info["task"]["level"])
    method = plugin.cls.load(folder / METHOD_FOLDER)
    return SavedModel(folder, info, method, task, warnings)


def _plugin(name: str, method_dirs):
    plugins = discovery.discover("methods", method_dirs)
    found = [p for p in plugins if p.name == name and p.cls is not None]
    if not found:
        known = ", ".join(p.name for p in plugins if p.cls is not None)
        raise UsageError(f"no method named {name!r} among the plugins; known: {known}")
    return found[0]


def _sha256(filename: str) -> str:
    path = weights_resolver.find_weights(filename)
    if path is None:
        raise FileNotFoundError(weights_resolver.missing_reason(filename))
    return weights_resolver.sha256_of(path)


def _check_weights(folder: Path, filename: str, saved: str) -> None:
    path = weights_resolver.find_weights(filename)
    if path is None:
        raise FileNotFoundError(
            f"{folder}: needs weights file {filename} (sha256 {saved[:12]}), not found; "
            f"pass --weights-dir DIR or set {weights_resolver.ENV_VAR}"
        )
    found = weights_resolver.sha256_of(path)
    if found != saved:
        raise UsageError(
            f"{folder}: weights file {path} is not the one the model was built on "
            f"(sha256 {found[:12]}, expected {saved[:12]}); restore that file or retrain"
        )
