"""``python -m harness train``: fit one method on every subject of a dataset and save it.

The run (``python -m harness run``) says which method wins on people it never saw; this
fits that method once more, on all the people, for a game to use. The held-out scores
that chose it come from the run: ``--scores-from RUN_DIR`` copies the method's pooled
out-of-fold scores on that task from the run's ``results.json`` into ``model.json``
(a model fitted on every subject has no held-out subject left to score it on).
``run --save-models`` keeps each fold's model instead, with that fold's own scores.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from harness import discovery
from harness.errors import UsageError, last_line
from harness.extractors.runtime import import_tensorflow, quiet_stderr
from harness.models import save_model, training_summary
from harness.plan import scorings, views
from harness.samples import DEFAULT_WINDOW
from harness.tasks import get_task

#: The aggregate fields of a run kept as a model's held-out scores.
SCORE_FIELDS = (
    "macro_f1",
    "macro_f1_ci_low",
    "macro_f1_ci_high",
    "fold_macro_f1",
    "fold_macro_f1_std",
    "accuracy",
    "balanced_accuracy",
    "folds_ok",
    "detection_rate",
    "ttd_median_ms",
    "false_triggers_per_min",
    "latency_median_ms",
)


def train(
    method_name: str,
    task_name: str,
    dataset_spec: str,
    out: Path,
    *,
    profile: str = "full",
    seed: int = 0,
    window: int = DEFAULT_WINDOW,
    scores_from: Path | None = None,
    method_dirs=(),
    dataset_dirs=(),
) -> Path:
    """Fit ``method_name`` on every subject of the dataset for ``task_name``; save to ``out``.

    Raises
    ------
    UsageError, ValueError, FileNotFoundError
        One line on an unknown or unavailable method, a task the method or the dataset
        does not serve, an occupied ``out``, or a run without the method's scores.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out}: exists and is not empty; give a new folder for the model")
    (plugin,) = discovery.select_methods([method_name], discovery.discover("methods", method_dirs))
    if not plugin.available:
        raise UsageError(f"method {method_name} is unavailable: {plugin.reason}")
    task = get_task(task_name)
    how = scorings(plugin, task)
    if not how:
        raise UsageError(
            f"{method_name} does not do {task_name}; its tasks: {', '.join(plugin.tasks)}"
        )
    datasets = discovery.discover("datasets", dataset_dirs)
    (dataset,) = discovery.resolve_datasets((dataset_spec,), datasets, profile, seed)
    if task_name not in dataset.tasks:
        raise UsageError(f"dataset {dataset.label} has no labels for {task_name}")
    skip, reason = plugin.cls.skip(dataset, task)
    if skip:
        raise UsageError(f"{method_name} declines {dataset.label} {task_name}: {reason}")
    scores = (
        scores_of_run(scores_from, method_name, task_name, dataset.label) if scores_from else None
    )
    # Trained as a run scores it: a single-frame method on a window task learns the windows'
    # last frames; a window method on a frame task learns the window ending at each frame.
    samples, _ = views(dataset.load(), task, window, how[0])
    fit_task = samples.task
    if len(samples) == 0:
        raise UsageError(f"dataset {dataset.label} has no {task_name} samples to fit on")
    method = plugin.create()
    if "random_state" in method.get_params():
        method.set_params(random_state=seed)
    if "tensorflow" in method.requirements:  # its devices start quietly (a CUDA probe logs)
        with quiet_stderr():
            import_tensorflow().config.list_logical_devices()
    method.fit(samples)
    return save_model(
        method,
        out,
        plugin_name=plugin.name,
        task=fit_task,
        window=samples.window,
        training=training_summary(dataset.label, samples, profile, seed),
        scores=scores,
    )


def scores_of_run(run_dir: Path, method: str, task: str, dataset: str) -> dict:
    """The pooled held-out scores of ``method`` on ``task`` in a run's ``results.json``.

    The run's aggregate on ``dataset`` is taken when there is one, else the only one
    there is (its dataset is recorded with the scores).
    """
    path = Path(run_dir) / "results.json"
    if not path.is_file():
        raise FileNotFoundError(f"{run_dir}: no results.json; give a folder `harness run` wrote")
    try:
        aggregates = json.loads(path.read_text())["aggregates"]
    except (ValueError, KeyError) as error:
        raise UsageError(f"{path}: not a run's results ({error})") from None
    found = [
        a
        for a in aggregates
        if a.get("method") == method and a.get("task") == task and a.get("status") != "skipped"
    ]
    exact = [a for a in found if a.get("dataset") == dataset]
    if exact:
        found = exact
    if len(found) != 1:
        which = "no" if not found else f"{len(found)} (datasets {[a['dataset'] for a in found]})"
        raise UsageError(f"{path}: {which} results of {method} on {task}; pick another run")
    entry = found[0]
    scores = {name: entry[name] for name in SCORE_FIELDS if entry.get(name) is not None}
    return {"run": str(run_dir), "dataset": entry["dataset"], "scoring": entry.get("scoring")} | {
        "pooled_out_of_fold": scores
    }


def keep_fold_model(method, job, rows: list[dict]) -> None:
    """``run --save-models``: save one fold's fitted ``method`` with that fold's held-out
    scores into ``job.save_dir``. The rows get ``model_dir``; a failure to save is said on
    stderr and in the rows' ``reason``, and the scores are kept."""
    row = rows[0]
    fields = ("macro_f1", "accuracy", "balanced_accuracy", "macro_f1_ci_low", "macro_f1_ci_high")
    held_out = {k: row.get(k) for k in (*fields, "detection_rate", "false_triggers_per_min")}
    scores = {"fold": job.fold, "test_subjects": row.get("test_subjects"), "scoring": job.scoring}
    scores["held_out"] = {k: v for k, v in held_out.items() if v is not None}
    try:
        path = save_model(
            method,
            job.save_dir,
            plugin_name=job.method,
            task=job.train.task,
            window=job.train.window,
            training=training_summary(job.dataset, job.train, seed=job.seed),
            scores=scores,
        )
    except Exception as error:  # the fold's scores matter more than its saved model
        message = f"model not saved: {last_line(error)}"
        print(f"warning: {job.method} {job.task} fold {job.fold}: {message}", file=sys.stderr)
        for row in rows:
            row["reason"] = message
        return
    for row in rows:
        row["model_dir"] = str(path)
