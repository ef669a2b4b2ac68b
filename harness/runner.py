"""The runner: every dataset x task x method x fold, fitted and scored on held-out subjects.

Flow (one way): dataset plugin -> recordings -> task samples -> leave-subjects-out folds
-> method.fit(train) -> method.predict(test) -> metrics + latency probe -> result rows
-> results.csv / results.json (rewritten atomically after every finished job, so an
interrupted run keeps what it finished) -> report.

The runner knows plugins only through discovery and never names a concrete method.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from harness import discovery, latency, metrics, streaming_eval
from harness.machine import commit_info, machine_info
from harness.results import RESULT_COLUMNS, aggregate, write_results
from harness.samples import DEFAULT_WINDOW, Samples, task_samples
from harness.splits import in_subjects, subject_folds
from harness.tasks import TASKS, get_task

DEFAULT_DATASET = "mk-synth"


class UsageError(ValueError):
    """Bad usage or bad input: the CLI prints this one line and exits with status 2."""


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


@dataclass
class Job:
    """One fit-and-score unit: a method on one fold of one task of one dataset."""

    dataset: str
    dataset_version: str
    task: str
    method: str
    method_path: Path
    fold: int
    seed: int
    train: Samples
    test: Samples
    scoring: str  # "frame", "window" or "last-frame" (+ a "vote" row) for frames on clips
    latency_rounds: int
    explain_dir: Path | None = None
    stream_task: str | None = None
    extra: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- planning


def parse_dataset_spec(spec: str) -> tuple[str, str | None]:
    """``name`` or ``name:arg`` (a variant, or a path for datasets that need one)."""
    name, _, arg = spec.partition(":")
    return name, (arg or None)


def resolve_datasets(config: RunConfig, plugins: dict) -> list:
    """Instantiate every requested dataset; ``name:*`` expands to all its variants."""
    instances = []
    for spec in config.datasets:
        name, arg = parse_dataset_spec(spec)
        if name not in plugins:
            raise UsageError(f"unknown dataset {name!r}; known datasets: {', '.join(plugins)}")
        plugin = plugins[name]
        if not plugin.available:
            raise UsageError(f"dataset {name} is unavailable: {plugin.reason}")
        args = list(plugin.cls.variants) if arg == "*" else [arg]
        for one in args:
            if plugin.cls.needs_path and one and not Path(one).exists():
                raise UsageError(f"dataset {name}: path {one} does not exist")
            try:
                instances.append(plugin.cls(arg=one, profile=config.profile, seed=config.seed))
            except (ValueError, FileNotFoundError) as error:
                raise UsageError(str(error)) from None
    return instances


def select_methods(config: RunConfig, plugins: list) -> list:
    by_name = {p.name: p for p in plugins}
    if config.methods is None:
        return [p for p in plugins if p.cls is not None or not p.available]
    unknown = [m for m in config.methods if m not in by_name]
    if unknown:
        raise UsageError(
            f"unknown method(s) {', '.join(unknown)}; known methods: {', '.join(by_name)}"
        )
    return [by_name[m] for m in config.methods]


def select_tasks(config: RunConfig) -> list[str]:
    if config.tasks is None:
        return list(TASKS)
    for name in config.tasks:
        try:
            get_task(name)
        except ValueError as error:
            raise UsageError(str(error)) from None
    return list(config.tasks)


def scorings(method_cls, task) -> list[str]:
    """How ``method_cls`` is scored on ``task`` (empty: it is not).

    Single-frame methods that can tell postures apart join the clip-level ``action`` task:
    fitted on frames with action labels, scored on each window's last frame (and, as a
    second row, by a majority vote over the window's frames).
    """
    if method_cls is None:
        return []
    if task.level == "frame":
        return ["frame"] if method_cls.input == "frame" and task.name in method_cls.tasks else []
    if method_cls.input == "clip":
        return ["window"] if task.name in method_cls.tasks else []
    if {"posture", task.name} & set(method_cls.tasks):
        return ["last-frame"]
    return []


def frame_view(samples: Samples) -> Samples:
    """Clip samples seen as their last frames (a frame-level task of the same labels)."""
    task = dataclasses.replace(samples.task, level="frame")
    return Samples(task, samples.recordings, samples.rec, samples.end, 1, samples.y)


# ------------------------------------------------------------------------------ one job


def instantiate(job: Job):
    cls = discovery.load_class("methods", job.method_path, job.method)
    method = cls()
    if "random_state" in method.get_params():
        method.set_params(random_state=job.seed)
    return method


def predict_in_order(method, samples: Samples) -> np.ndarray:
    predicted = method.predict(samples.without_labels())
    predicted = np.asarray(["unknown" if p is None else str(p) for p in predicted], dtype=object)
    if len(predicted) != len(samples):
        raise RuntimeError(f"predict returned {len(predicted)} labels for {len(samples)} inputs")
    return predicted


def vote(method, test: Samples) -> np.ndarray:
    """Majority vote of single-frame predictions over each window (ties: the latest)."""
    frames = test.as_frames(frame_view(test).task)
    keys = np.stack([frames.rec, frames.end], axis=1)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    distinct = Samples(frames.task, frames.recordings, unique[:, 0], unique[:, 1], 1, None)
    per_frame = predict_in_order(method, distinct)[inverse.ravel()].reshape(-1, test.window)
    winners = []
    for row in per_frame:
        labels, counts = np.unique(row[::-1], return_counts=True)
        best = counts.max()
        winners.append(next(label for label in row[::-1] if counts[labels == label][0] == best))
    return np.asarray(winners, dtype=object)


def base_row(job: Job, method_name: str, scoring: str) -> dict:
    return {
        "dataset": job.dataset,
        "dataset_version": job.dataset_version,
        "task": job.task,
        "method": method_name,
        "scoring": scoring,
        "fold": job.fold,
        "seed": job.seed,
        "n_train": len(job.train),
        "n_test": len(job.test),
        "test_subjects": " ".join(sorted(set(job.test.groups))),
    }


def run_job(job: Job) -> list[dict]:
    """Fit, predict, score and time one method on one fold. Never raises."""
    rows: list[dict] = []
    try:
        method = instantiate(job)
        start = time.perf_counter()
        method.fit(job.train)
        fit_seconds = time.perf_counter() - start
        test = frame_view(job.test) if job.scoring == "last-frame" else job.test
        start = time.perf_counter()
        predicted = predict_in_order(method, test)
        predict_seconds = time.perf_counter() - start
        variants = [(job.method, job.scoring, predicted)]
        if job.scoring == "last-frame":
            variants.append((f"{job.method}+vote", "vote", vote(method, job.test)))
        method.warm_up()
        one = test.subset(np.arange(1)).without_labels()
        batch = test.subset(np.arange(min(latency.THROUGHPUT_BATCH, len(test)))).without_labels()
        timing = latency.probe(lambda: method.predict(one), rounds=job.latency_rounds)
        fps = latency.throughput(lambda: method.predict(batch), len(batch))
        stream = None
        if job.stream_task:
            stream = streaming_eval.evaluate(method, job.test, job.stream_task)
        for name, scoring, labels in variants:
            scores = metrics.score(job.test.y, labels, job.test.classes, job.test.groups, job.seed)
            row = base_row(job, name, scoring)
            row.update({k: v for k, v in scores.items() if not isinstance(v, dict)})
            row.update(
                # A game voting over a window keeps its last n per-frame answers, so each
                # tick costs one single-frame call: the same latency as last-frame scoring.
                latency_median_ms=timing["median"] * 1e3,
                latency_p95_ms=timing["p95"] * 1e3,
                throughput_fps=fps,
                fit_seconds=fit_seconds,
                predict_seconds=predict_seconds,
                status="ok",
                reason="",
            )
            if stream and scoring != "vote":
                row.update(stream["summary"])
            row["_detail"] = {
                "per_class_f1": scores["per_class_f1"],
                "confusion": scores["confusion"],
                "per_subject": metrics.per_subject_confusions(
                    job.test.y, labels, job.test.groups, scores["confusion"]["labels"]
                ),
                "latency": timing,
                "streaming": stream,
                "predictions": {
                    "y_true": [str(y) for y in job.test.y],
                    "y_pred": [str(y) for y in labels],
                    "groups": [str(g) for g in job.test.groups],
                },
            }
            rows.append(row)
        if job.explain_dir is not None and hasattr(method, "explain"):
            write_explanations(method, test, job.explain_dir / job.method)
    except Exception as error:  # one failing method never stops the others
        trace = traceback.format_exc()
        row = base_row(job, job.method, job.scoring)
        row.update(status="failed", reason=discovery.last_line(error), _trace=trace)
        rows.append(row)
    return rows


def write_explanations(method, samples: Samples, folder: Path) -> None:
    """One explanation image per class: the first test sample of each class."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    for label in samples.classes:
        where = np.flatnonzero(samples.y == label)
        if len(where):
            image = method.explain(samples, int(where[len(where) // 2]))
            cv2.imwrite(str(folder / f"{label}.png"), cv2.cvtColor(image, cv2.COLOR_RGB2BGR))


# ------------------------------------------------------------------------------- a run


def skipped_row(dataset, task: str, method: str, reason: str, seed: int) -> dict:
    return {
        "dataset": dataset.label,
        "dataset_version": dataset.version,
        "task": task,
        "method": method,
        "fold": "",
        "seed": seed,
        "status": "skipped",
        "reason": reason,
    }


def plan(config: RunConfig, dataset, recordings, methods, tasks, run_dir: Path):
    """The jobs of one dataset, and the rows of methods that are skipped on it."""
    jobs, skipped = [], []
    folds = subject_folds([r.subject for r in recordings], config.folds, config.seed)
    explain_done = set()
    for task_name in tasks:
        task = get_task(task_name)
        if task_name not in dataset.tasks:
            continue
        samples = task_samples(recordings, task, window=config.window)
        frame_task = dataclasses.replace(task, level="frame")
        frame_samples = task_samples(recordings, frame_task) if task.level == "clip" else samples
        if len(samples) == 0:
            continue
        for plugin in methods:
            how = scorings(plugin.cls, task)
            if not how:  # includes files that failed to import: listed once in the header
                continue
            if not plugin.available:
                skipped.append(
                    skipped_row(dataset, task_name, plugin.name, plugin.reason, config.seed)
                )
                continue
            skip, reason = plugin.cls.skip(dataset, task)
            if skip:
                skipped.append(skipped_row(dataset, task_name, plugin.name, reason, config.seed))
                continue
            train_source = frame_samples if how[0] == "last-frame" else samples
            stream_task = streaming_eval.stream_task_for(task_name, plugin.cls)
            for fold, (train_subjects, test_subjects) in enumerate(folds):
                train = train_source.subset(in_subjects(train_source, train_subjects))
                test = samples.subset(in_subjects(samples, test_subjects))
                if len(test) == 0 or len(train) == 0:
                    continue
                explain_dir = None
                if task_name == "posture" and plugin.name not in explain_done:
                    explain_dir = run_dir / "explain"
                    explain_done.add(plugin.name)
                jobs.append(
                    Job(
                        dataset.label,
                        dataset.version,
                        task_name,
                        plugin.name,
                        plugin.path,
                        fold,
                        config.seed,
                        train,
                        test,
                        how[0],
                        config.latency_rounds,
                        explain_dir,
                        stream_task,
                    )
                )
    return jobs, skipped


def new_run_dir(config: RunConfig) -> Path:
    if config.out is not None:
        return Path(config.out)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return discovery.PROJECT_ROOT / "reports" / f"{stamp}-seed{config.seed}"


def run(config: RunConfig) -> Path:
    """Run the whole grid and write results and report; returns the run folder."""
    dataset_plugins = {
        p.name: p for p in discovery.discover("datasets", config.dataset_dirs) if p.cls is not None
    }
    method_plugins = discovery.discover("methods", config.method_dirs)
    methods = select_methods(config, method_plugins)
    broken = [p for p in methods if p.cls is None]
    for plugin in broken:
        print(
            f"warning: method file {plugin.path} failed to import: {plugin.reason}", file=sys.stderr
        )
    tasks = select_tasks(config)
    datasets = resolve_datasets(config, dataset_plugins)
    run_dir = new_run_dir(config)
    run_dir.mkdir(parents=True, exist_ok=True)
    header = {
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
    rows: list[dict] = []
    for dataset in datasets:
        try:
            recordings = dataset.load()
        except Exception as error:
            message = f"dataset {dataset.label} failed to load: {discovery.last_line(error)}"
            print(f"error: {message}", file=sys.stderr)
            header["warnings"].append(message)
            continue
        leaky = not getattr(dataset, "subjects_known", True)
        if leaky and not config.allow_leaky_split:
            raise UsageError(getattr(dataset, "leaky_message", "") or leaky_message(dataset))
        info = dataset.describe() | {
            "label": dataset.label,
            "recordings": len(recordings),
            "frames": int(sum(len(r) for r in recordings)),
            "subjects": sorted({r.subject for r in recordings}),
            "leaky_split": leaky,
            "folds": len(subject_folds([r.subject for r in recordings], config.folds, config.seed)),
        }
        header["datasets"].append(info)
        write_augmentation_figure(recordings, dataset.tasks, run_dir, config.seed, header)
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
            f"error: the report could not be rendered ({discovery.last_line(error)}); "
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


def leaky_message(dataset) -> str:
    return (
        f"dataset {dataset.label} has no subject information, so any split leaks near-duplicate "
        "frames of the same person into training and testing (how the 2018 blog's 92 % arose). "
        "Put each person's frames in a subject folder (<class>/<subject>/*.jpg) or add "
        "subjects.csv (file,subject); or pass --allow-leaky-split to report anyway, marked as "
        "leaky."
    )


def write_augmentation_figure(recordings, tasks, run_dir: Path, seed: int, header: dict) -> None:
    """A grid of augmented training samples for the report (only if augmentation is installed)."""
    if "augmentation" in header["figures"]:
        return
    try:
        from harness import augment
    except ImportError:
        return
    try:
        frame_tasks = [get_task(t) for t in tasks if get_task(t).level == "frame"]
        samples = next(s for s in (task_samples(recordings, t) for t in frame_tasks) if len(s))
        picks = np.linspace(0, len(samples) - 1, 4).astype(int)
        frames = np.stack([samples.frame(i) for i in picks])
        path = augment.write_augmentation_grid(
            frames, samples.y[picks], run_dir / "augmentation.png", seed=seed
        )
        header["figures"]["augmentation"] = Path(path).name
    except Exception as error:  # a figure is never worth losing a run
        header["warnings"].append(f"augmentation figure skipped: {discovery.last_line(error)}")


__all__ = ["RESULT_COLUMNS", "RunConfig", "UsageError", "run", "run_job", "plan"]
