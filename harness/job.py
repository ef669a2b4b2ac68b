"""Executing one job: fit on the training subjects, predict the held-out ones, score, time.

Runs inside worker processes; never raises (a failure becomes a ``failed`` row).
"""

from __future__ import annotations

import time
import traceback

import numpy as np

from harness import discovery, gallery, latency, metrics, streaming_eval
from harness.errors import last_line
from harness.plan import Job, frame_view
from harness.samples import Samples
from harness.train import keep_fold_model


def instantiate(job: Job):
    """A fresh method of the job's plugin (preset parameters applied), seeded by the run."""
    method = discovery.load_plugin("methods", job.method_path, job.method).create()
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


def scored_row(job: Job, name: str, scoring: str, labels, measured: dict) -> dict:
    """The result row of one scoring of a fitted method: metrics, timings, detail."""
    scores = metrics.score(job.test.y, labels, job.test.classes, job.test.groups, job.seed)
    timing, stream = measured["timing"], measured["stream"]
    row = base_row(job, name, scoring)
    row.update({k: v for k, v in scores.items() if not isinstance(v, dict)})
    row.update(
        # A game voting over a window keeps its last n per-frame answers, so each
        # tick costs one single-frame call: the same latency as last-frame scoring.
        latency_median_ms=timing["median"] * 1e3,
        latency_p95_ms=timing["p95"] * 1e3,
        throughput_fps=measured["fps"],
        fit_seconds=measured["fit_seconds"],
        predict_seconds=measured["predict_seconds"],
        status="ok",
        reason="",
    )
    if stream and scoring != "vote":
        row.update(stream["summary"])
    row["_detail"] = {
        "per_class_f1": scores["per_class_f1"],
        "confusion": scores["confusion"],
        # per subject: what a paired comparison of two runs resamples (harness compare)
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
    return row


def run_job(job: Job) -> list[dict]:
    """Fit, predict, score and time one method on one fold. Never raises."""
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
        measured = {
            "timing": latency.probe(lambda: method.predict(one), rounds=job.latency_rounds),
            "fps": latency.throughput(lambda: method.predict(batch), len(batch)),
            "stream": (
                streaming_eval.evaluate(method, job.test, job.stream_task)
                if job.stream_task
                else None
            ),
            "fit_seconds": fit_seconds,
            "predict_seconds": predict_seconds,
        }
        rows = [scored_row(job, *variant, measured) for variant in variants]
        if job.explain_dir is not None:
            gallery.write_explanations(method, test, job.explain_dir / job.method)
        if job.save_dir is not None:  # run --save-models
            keep_fold_model(method, job, rows)
        return rows
    except Exception as error:  # one failing method never stops the others
        row = base_row(job, job.method, job.scoring)
        row.update(status="failed", reason=last_line(error), _trace=traceback.format_exc())
        return [row]
