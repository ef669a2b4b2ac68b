"""Render takes once, keep them on disk, hand them out as memory-mapped Recordings.

Each take lives in ``<cache>/mk-synth/<code>-<key>/`` where the key hashes the take's
specification and the renderer's source code: editing the renderer or the configuration
re-renders exactly what changed, and takes of older renderer code are deleted then, unless
a process still uses them. A take's folder is written under a temporary name and renamed
when complete, so a crash never leaves a half take that looks finished.

Processes sharing the cache (runs, the workers of a cluster) render each take once: the
first takes the take's lock (:mod:`harness.locks`), the others wait and load what it wrote.
A process that loads takes holds a shared lock on their renderer version for its life, so
another version's pruning never deletes files it, or its workers, have still to open.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from joblib.parallel import get_active_backend
from tqdm import tqdm

from harness import cache
from harness.files import replacing
from harness.locks import entry_lock, hold_shared, try_exclusive
from harness.recording import Recording
from harness.synth import render
from harness.synth.config import SynthConfig, TakeSpec, plan_takes

NAMESPACE = "mk-synth"


def renderer_hash() -> str:
    """Hash of every module that shapes the pixels or the labels: the renderer and all it
    imports of the project (the label vocabulary included)."""
    return cache.code_hash(*cache.project_modules(render.__name__))


def take_key(spec: TakeSpec, code: str | None = None) -> str:
    return cache.key_of(spec.as_dict(), code or renderer_hash(), spec.id)


def version_lock(code: str) -> Path:
    """The lock file marking the takes of renderer ``code`` as in use."""
    return cache.lock_path(NAMESPACE, f"version-{code[:8]}")


def _write_take(spec: TakeSpec, folder: Path) -> None:
    """Render the take into ``folder`` unless another process did (or does: then wait)."""
    with entry_lock(cache.lock_path(NAMESPACE, folder.name)):
        if not (folder / "truth.json").is_file():
            _render_into(spec, folder)


def _render_into(spec: TakeSpec, folder: Path) -> None:
    take = render.render_take(spec)
    with replacing(folder, directory=True) as tmp:  # another process may finish it first
        np.save(tmp / "frames.npy", take.frames)
        np.save(tmp / "masks.npy", take.masks)
        np.save(tmp / "keypoints.npy", take.keypoints)
        np.save(tmp / "background.npy", take.background)
        truth = {
            "labels": [str(x) for x in take.labels],
            "ambiguous": take.ambiguous.astype(int).tolist(),
            "meta": take.meta,
        }
        (tmp / "truth.json").write_text(json.dumps(truth))


def _load_take(spec: TakeSpec, folder: Path, key: str) -> Recording:
    truth = json.loads((folder / "truth.json").read_text())
    meta = dict(truth["meta"], take=spec.id, seconds=spec.seconds, nuisances=spec.config.strengths)
    return Recording(
        id=spec.id,
        frames=np.load(folder / "frames.npy", mmap_mode="r"),
        labels=np.asarray(truth["labels"], dtype=object),
        subject=f"s{spec.subject + 1:02d}",
        scene=f"room{spec.scene + 1:02d}",
        fps=meta["fps"],  # lower than the configuration's under the frame-rate nuisance
        background=np.load(folder / "background.npy"),
        ambiguous=np.asarray(truth["ambiguous"], dtype=bool),
        keypoints=np.load(folder / "keypoints.npy", mmap_mode="r"),
        masks=np.load(folder / "masks.npy", mmap_mode="r"),
        fingerprint=key,
        meta=meta,
    )


def _prune(root: Path, code: str) -> None:
    """Delete takes rendered by other versions of the renderer, except the versions a live
    process uses (it holds their shared lock): its workers open the files by name, so an open
    memory map in the parent would not be enough.

    Each full variant is ~7 GB on disk (``du -sh`` of the cache's ``mk-synth`` folder after
    ``python -m harness dataset preview mk-synth --out DIR`` renders the full clean set).
    """
    if not root.is_dir():
        return
    versions: dict[str, list[Path]] = {}
    for folder in root.iterdir():
        # names starting with "." are takes being written right now (harness.files)
        if folder.is_dir() and not folder.name.startswith((code[:8], ".")):
            versions.setdefault(folder.name.split("-")[0], []).append(folder)
    for version, folders in versions.items():
        with try_exclusive(version_lock(version)) as unused:
            if unused:
                for folder in folders:
                    shutil.rmtree(folder, ignore_errors=True)


def load_recordings(cfg: SynthConfig, n_jobs: int = 2) -> list[Recording]:
    """Every take of ``cfg`` as a Recording, rendering (in parallel) the ones not cached."""
    specs = plan_takes(cfg)
    code = renderer_hash()
    hold_shared(version_lock(code))  # before looking: a pruner then waits for us, or is done
    root = cache.cache_dir() / NAMESPACE
    keys = [take_key(spec, code) for spec in specs]
    folders = [root / f"{code[:8]}-{key}" for key in keys]
    missing = [
        (s, f) for s, f in zip(specs, folders, strict=True) if not (f / "truth.json").is_file()
    ]
    if missing:
        _prune(root, code)
        show = sys.stderr.isatty() and len(missing) > 2
        jobs = (delayed(_write_take)(s, f) for s, f in missing)
        # Ray's joblib backend cannot stream results back (joblib raises at the call);
        # there the bar moves once, when every take is rendered.
        backend, _ = get_active_backend()
        streams = getattr(backend, "supports_return_generator", False)
        runner = Parallel(
            n_jobs=min(n_jobs, len(missing)), return_as="generator" if streams else "list"
        )
        for _ in tqdm(
            runner(jobs), total=len(missing), desc="rendering mk-synth", disable=not show
        ):
            pass
    return [_load_or_rerender(s, f, k) for s, f, k in zip(specs, folders, keys, strict=True)]


def _load_or_rerender(spec: TakeSpec, folder: Path, key: str) -> Recording:
    """A cached take; one that cannot be read back (truncated by a full disk, edited by
    hand) is rendered again, never trusted."""
    try:
        return _load_take(spec, folder, key)
    except (OSError, ValueError, KeyError, EOFError):
        with entry_lock(cache.lock_path(NAMESPACE, folder.name)):
            try:  # another process may have rendered it again meanwhile
                return _load_take(spec, folder, key)
            except (OSError, ValueError, KeyError, EOFError):
                shutil.rmtree(folder, ignore_errors=True)
                _render_into(spec, folder)
        return _load_take(spec, folder, key)
