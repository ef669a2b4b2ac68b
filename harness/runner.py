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
from dataclasses import dataclass
from pathlib import Path

from joblib import Parallel, delayed
from tqdm.auto import tqdm

from harness import discovery, gallery, latency
from harness.errors import UsageError, last_line
from harness.job import run_job
from harness.machine import commit_info, machine_info
from harness.plan import plan, select_tasks
from harness.results import aggregate, write_results
from harness.samples import DEFAULT_WINDOW
from harness.splits import subject_folds

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
    window: int = DEFAULT_WINDOW
    out: Path | None = None
    method_dirs: tuple[str, ...] = ()
    dataset_dirs: tuple[str, ...] = ()
    allow_leaky_split: bool = False
    latency_rounds: int = latency.DEFAULT_ROUNDS
    progress: bool = True


def new_run_dir(config: RunConfig) -> Path:
    if config.out is not None:
        return Path(config.out)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return discovery.PROJECT_ROOT / "reports" / f"{stamp}-seed{config.seed}"


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


def run(config: RunConfig) -> Path:
    """Run the whole grid and write results and report; returns the run folder."""
    dataset_plugins = discovery.discover("datasets", config.dataset_dirs)
    method_plugins = discovery.discover("methods", config.method_dirs)
    methods = discovery.select_methods(config.methods, method_plugins)
    for plugin in (p for p in methods if p.cls is None):
        print(
            f"warning: method file {plugin.path} failed to import: {plugin.reason}", file=sys.stderr
        )
    tasks = select_tasks(config.tasks)
    datasets = discovery.resolve_datasets(
        config.datasets, dataset_plugins, config.profile, config.seed
    )
    run_dir = new_run_dir(config)
    run_dir.mkdir(parents=True, exist_ok=True)
    header = run_header(config, methods)
    rows: list[dict] = []
    for dataset in datasets:
        try:
            recordings = dataset.load()
        except Exception as error:
            message = f"dataset {dataset.label} failed to load: {last_line(error)}"
            print(f"error: {message}", file=sys.stderr)
            header["warnings"].append(message)
            continue
        if not dataset.subjects_known and not config.allow_leaky_split:
            raise UsageError(dataset.leaky_split_message())
        header["datasets"].append(dataset_facts(config, dataset, recordings))
        gallery.write_augmentation_figure(recordings, dataset.tasks, run_dir, config.seed, header)
        jobs, skipped = plan(config, dataset, recordings, methods, tasks, run_dir)
        rows.extend(skipped)
        write_results(run_dir, header, rows, aggregate(rows))
        parallel = Parallel(n_jobs=config.jobs, return_as="generator_unordered")
        bar = tqdm(total=len(jobs), desc=dataset.label, unit="fit", disable=not config.progress)
        for job_rows in parallel(delayed(run_job)(job) for job in jobs):
            report_failures(job_rows, run_dir)
            rows.extend(job_rows)
            bar.set_postfix_str(f"{job_rows[0]['method']} {job_rows[0]['task']}")
            bar.update()
            write_results(run_dir, header, rows, aggregate(rows))
        bar.close()
    header["finished"] = dt.datetime.now().isoformat(timespec="seconds")
    write_results(run_dir, header, rows, aggregate(rows))
    from harness import report  # the report reads results.json only

    try:
        report.render(run_dir)
    except Exception as error:  # the results are safe on disk; say how to retry
        print(
            f"error: the report could not be rendered ({last_line(error)}); "
            f"results are in {run_dir}; retry with: python -m harness report {run_dir}",
            file=sys.stderr,
        )
    return run_dir


def report_failures(rows: list[dict], run_dir: Path) -> None:
    """One line per failure on stderr; the traceback in errors.log for whoever debugs it."""
    for row in rows:
        if row["status"] != "failed":
            continue
        where = f"{row['task']} fold {row['fold']}"
        print(f"error: {row['method']} failed on {where}: {row['reason']}", file=sys.stderr)
        with open(run_dir / "errors.log", "a") as log:
            log.write(f"== {row['dataset']} {row['method']} {where}\n{row.get('_trace', '')}\n")
