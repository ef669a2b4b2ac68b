"""The runner: every dataset x task x method x fold, fitted and scored on held-out subjects.

Flow (one way): dataset plugin -> recordings -> task samples -> leave-subjects-out folds
(:mod:`harness.plan`) -> method.fit(train) -> method.predict(test) -> metrics + latency
probe (:mod:`harness.job`) -> result rows -> results.csv / results.json (rewritten
atomically after every finished job, so an interrupted run keeps what it finished) -> report.

The runner knows plugins only through discovery and never names a concrete method.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from harness import discovery, gallery, latency, timing_history
from harness.errors import UsageError, last_line
from harness.execute import DEFAULT_TIMEOUT
from harness.executors import open_executor, warm_features
from harness.machine import commit_info, machine_info
from harness.plan import plan, select_tasks
from harness.run_folder import RunFolder, new_run_name
from harness.samples import DEFAULT_WINDOW
from harness.splits import subject_folds
from harness.stages import merge, stage, take

DEFAULT_DATASET = "mk-synth"


@dataclass
class RunConfig:
    """Everything that determines a run (recorded in results.json)."""

    datasets: tuple[str, ...] = (DEFAULT_DATASET,)
    methods: tuple[str, ...] | None = None
    tasks: tuple[str, ...] | None = None
    profile: str = "full"
    seed: int = 0
    folds: int = 5
    jobs: int = 1
    backend: str = "local"  # where jobs run: local, dask or ray (harness.executors)
    address: str | None = None  # the cluster to join; None: start one with `jobs` workers
    window: int = DEFAULT_WINDOW
    out: Path | None = None
    resume: bool = False
    timeout: float = DEFAULT_TIMEOUT
    protocols: tuple[str, ...] = ("subjects",)
    settings: dict = field(default_factory=dict)  # {method: {param: [values]}} (--set)
    sweep: tuple[str, ...] = ()
    augment: tuple[str, ...] = ()  # recipes for every method with an `augment` parameter
    method_dirs: tuple[str, ...] = ()
    dataset_dirs: tuple[str, ...] = ()
    allow_leaky_split: bool = False
    latency_rounds: int = latency.DEFAULT_ROUNDS
    progress: bool = True
    save_models: bool = False  # keep each fold's fitted model under <run>/models/


def run_dir_of(config: RunConfig) -> Path:
    if config.out is not None:
        return Path(config.out)
    return discovery.PROJECT_ROOT / "reports" / new_run_name(config.seed)


def run_header(config: RunConfig, methods) -> dict:
    """What results.json says about the run before any result exists."""
    return {
        "config": {
            k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(config).items()
        },
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "machine_info": machine_info(),
        "commit_info": commit_info(discovery.PROJECT_ROOT),
        "datasets": [],
        "figures": {},
        "warnings": [],
        "unavailable": [
            {"method": p.name, "path": str(p.path), "reason": p.reason}
            for p in methods
            if not p.available
        ],
        "uses_background": sorted(
            p.name for p in methods if p.available and p.create().uses_background()
        ),
    }


def dataset_facts(config: RunConfig, dataset, recordings) -> dict:
    return dataset.describe() | {
        "label": dataset.label,
        "recordings": len(recordings),
        "frames": int(sum(len(r) for r in recordings)),
        "with_background": sum(r.background is not None for r in recordings),
        "subjects": sorted({r.subject for r in recordings}),
        "leaky_split": not dataset.subjects_known,
        "folds": len(subject_folds([r.subject for r in recordings], config.folds, config.seed)),
    }


def load_datasets(config: RunConfig, datasets, tasks) -> list[tuple]:
    """Every dataset's recordings, before any fit: bad data stops the run at once (exit 2)."""
    loaded = []
    for dataset in datasets:
        try:
            recordings = dataset.load()
        except (KeyboardInterrupt, MemoryError):
            raise
        except BaseException as error:  # a plugin's sys.exit() included
            raise UsageError(
                f"dataset {dataset.label} failed to load: {last_line(error)}"
            ) from None
        if not recordings:
            raise UsageError(f"dataset {dataset.label} holds no recording")
        if not dataset.subjects_known and not config.allow_leaky_split:
            raise UsageError(dataset.leaky_split_message())
        loaded.append((dataset, recordings))
    if not any(set(tasks) & set(dataset.tasks) for dataset, _ in loaded):
        served = sorted({t for dataset, _ in loaded for t in dataset.tasks})
        raise UsageError(
            f"no selected dataset serves the task(s) {', '.join(tasks)}; they serve "
            f"{', '.join(served)}"
        )
    return loaded


def with_augment_grid(config: RunConfig, methods) -> RunConfig:
    """``--augment R1,R2`` as ``--set M.augment=R1,R2`` for every method that augments."""
    if not config.augment:
        return config
    from harness.augment import RECIPES
    from harness.extractors.augmented import augmentation_refusal

    unknown = [r for r in config.augment if r not in RECIPES]
    if unknown:
        raise UsageError(f"unknown augmentation recipe {unknown[0]!r}; valid: {', '.join(RECIPES)}")
    settings = {name: dict(params) for name, params in config.settings.items()}
    takers = []
    for plugin in (p for p in methods if p.available):
        method = plugin.create()
        if "augment" not in method.get_params():
            continue
        extractor = getattr(method, "extractor", None)  # a Method reading pixels has none
        refusal = extractor is not None and augmentation_refusal(extractor)
        if refusal:
            print(f"warning: --augment leaves {plugin.name} as it is: {refusal}", file=sys.stderr)
        else:
            takers.append(plugin.name)
    if not takers:
        raise UsageError("--augment: none of the selected methods can take an augmentation")
    for name in takers:
        settings.setdefault(name, {}).setdefault("augment", list(config.augment))
    print(f"--augment applies to {', '.join(takers)}", file=sys.stderr)
    return dataclasses.replace(config, settings=settings)


def load_sweeps(config: RunConfig, dataset) -> list[tuple]:
    """(nuisance, strength, dataset, recordings) of every non-zero sweep level."""
    levels = []
    for nuisance in config.sweep:
        try:
            steps = dataset.sweep(nuisance)
        except ValueError as error:
            raise UsageError(str(error)) from None
        for strength, variant in steps:
            if strength:
                levels.append((nuisance, strength, variant, variant.load()))
    return levels


def run(config: RunConfig) -> Path:
    """Run the whole grid and write results and report; returns the run folder."""
    started = time.perf_counter()
    methods, tasks, datasets, config = prepare(config)
    with (
        RunFolder(run_dir_of(config), resume=config.resume) as folder,
        open_executor(config.backend, config.jobs, config.timeout, folder.path / "errors.log",
                      config.address) as executor,
        executor.joblib_backend(),  # rendering in dataset loads runs on the cluster too
    ):  # fmt: skip
        with stage("load datasets (render, decode)"):
            loaded = load_datasets(config, datasets, tasks)
        session = Session(config, folder, run_header(config, methods), executor)
        for dataset, recordings in loaded:
            session.run_dataset(dataset, recordings, methods, tasks)
        session.finish(started)
    return folder.path


def prepare(config: RunConfig):
    """The methods, tasks and datasets a run asks for (usage errors before any work)."""
    dataset_plugins = discovery.discover("datasets", config.dataset_dirs)
    method_plugins = discovery.discover("methods", config.method_dirs)
    methods = discovery.select_methods(config.methods, method_plugins)
    for plugin in (p for p in methods if p.cls is None):
        print(
            f"warning: method file {plugin.path} failed to import: {plugin.reason}", file=sys.stderr
        )
    tasks = select_tasks(config.tasks)
    discovery.fetch_weights(methods)  # once, here, with a progress bar: not in every worker
    config = with_augment_grid(config, methods)
    datasets = discovery.resolve_datasets(
        config.datasets, dataset_plugins, config.profile, config.seed
    )
    return methods, tasks, datasets, config


class Session:
    """A run in progress: its rows, its header, its folder, and the time each stage took."""

    def __init__(self, config: RunConfig, folder: RunFolder, header: dict, executor):
        self.config, self.folder, self.header = config, folder, header
        self.executor = executor
        self.rows: list[dict] = []
        self.header["stages"] = {}

    def finished(self, job_rows: list[dict]) -> None:
        report_failures(job_rows, self.folder.path)
        merge(self.header["stages"], job_rows[0].get("detail", {}).get("stages", {}))
        timing_history.remember(job_rows, self.config.profile)
        self.rows.extend(job_rows)
        self.folder.write(self.header, self.rows)

    def run_dataset(self, dataset, recordings, methods, tasks) -> None:
        config = self.config
        self.header["datasets"].append(dataset_facts(config, dataset, recordings))
        gallery.write_augmentation_figure(
            recordings, dataset.tasks, self.folder.path, config.seed, self.header
        )
        with stage("load datasets (render, decode)"):
            sweeps = load_sweeps(config, dataset)
        with stage("plan"):
            jobs, skipped, notes = plan(
                config, dataset, recordings, methods, tasks, self.folder.path, sweeps
            )
        self.rows.extend(skipped)
        for note in notes:
            print(f"warning: {note}", file=sys.stderr)
            self.header["warnings"].append(note)
        todo = []
        for job in jobs:  # a resumed run keeps what it finished with the same code and data
            kept = self.folder.kept_rows(job.key)
            self.rows.extend(kept) if kept else todo.append(job)
        with stage("features (pre-pass)"):
            warm_features(todo, self.executor, config.progress)  # each recording's features once
        if config.progress:
            print(timing_history.estimate(todo, config.profile, config.jobs), file=sys.stderr)
        bar = tqdm(
            total=len(jobs),
            initial=len(jobs) - len(todo),
            desc=dataset.label,
            unit="fit",
            disable=None if config.progress else True,
        )

        def progress(job_rows: list[dict]) -> None:
            self.finished(job_rows)
            bar.set_postfix_str(f"{job_rows[0]['method']} {job_rows[0]['task']}")
            bar.update()

        self.executor.run(todo, progress)
        bar.close()

    def finish(self, started: float) -> None:
        """Write the final results and the report; say where the time went."""
        header, folder = self.header, self.folder
        header["finished"] = dt.datetime.now().isoformat(timespec="seconds")
        merge(header["stages"], take())
        header["wall_seconds"] = time.perf_counter() - started
        if not folder.write(header, self.rows):
            raise UsageError(
                f"the results could not be written to {folder.path} (see above); free some "
                f"space and finish the run with --resume {folder.path}"
            )
        with stage("report"):
            render_report(folder.path)
        merge(header["stages"], take())
        header["wall_seconds"] = time.perf_counter() - started
        folder.write(header, self.rows)
        if self.config.progress:
            print(time_table(header), file=sys.stderr)


def time_table(header: dict, top: int = 8) -> str:
    """The stages that took longest, for the end of a run."""
    spent = sorted(header.get("stages", {}).items(), key=lambda kv: -kv[1])
    total = sum(seconds for _, seconds in spent) or 1.0
    lines = [f"where the time went ({header.get('wall_seconds', 0):.0f} s wall):"]
    lines += [
        f"  {name:<44} {seconds:8.1f} s {100 * seconds / total:5.1f} %"
        for name, seconds in spent[:top]
    ]
    return "\n".join(lines)


def render_report(run_dir: Path) -> None:
    from harness import report  # the report reads results.json only

    try:
        report.render(run_dir)
    except Exception as error:  # the results are safe on disk; say how to retry
        print(
            f"error: the report could not be rendered ({last_line(error)}); "
            f"results are in {run_dir}; retry with: python -m harness report {run_dir}",
            file=sys.stderr,
        )


def report_failures(rows: list[dict], run_dir: Path) -> None:
    """One line per failure on stderr; the traceback in errors.log for whoever debugs it."""
    for row in rows:
        if row["status"] != "failed":
            continue
        where = f"{row['task']} fold {row['fold']}"
        print(f"error: {row['method']} failed on {where}: {row['reason']}", file=sys.stderr)
        try:
            with open(run_dir / "errors.log", "a", encoding="utf-8", errors="replace") as log:
                log.write(f"\n== {row['dataset']} {row['method']} {where}\n{row.get('_trace', '')}")
        except OSError:
            pass  # the one line above is what matters; a full disk is reported by the writes
