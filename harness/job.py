"""Executing one job: fit on the training subjects, predict the held-out ones, score, time.

Runs inside worker processes; never raises (a failure becomes a ``failed`` row).
"""

from __future__ import annotations

import time
import traceback

import numpy as np

from harness import discovery, gallery, latency, metrics, stages, streaming_eval
from harness.errors import last_line
from harness.plan import Job, frame_view
from harness.samples import Samples
from harness.train import keep_fold_model


def instantiate(job: Job):
    """A fresh method of the job's plugin (preset and --set parameters applied), seeded by
    the run."""
    plugin = discovery.load_plugin("methods", job.method_path, job.plugin or job.method)
    method = plugin.create(**job.params)
    if "random_state" in method.get_params():
        method.set_params(random_state=job.seed)
    return method


def predict_in_order(method, samples: Samples) -> np.ndarray:
    """The method's labels for ``samples``, checked: one per sample, each a task class."""
    predicted = np.asarray(method.predict(samples.without_labels()), dtype=object)
    if predicted.shape != (len(samples),):
        raise RuntimeError(
            f"predict returned an array of shape {predicted.shape} for {len(samples)} inputs; "
            "it must return one label per sample"
        )
    classes = set(samples.classes)
    strays = sorted({repr(p) for p in predicted if not (isinstance(p, str) and p in classes)})
    if strays:
        raise RuntimeError(
            f"predict returned labels outside the task's classes: {', '.join(strays[:5])} "
            f"(the classes are {', '.join(samples.classes)})"
        )
    return predicted.astype(str).astype(object)


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


def base_row(job: Job, method_name: str, scoring: str, test: Samples | None = None) -> dict:
    test = job.test if test is None else test
    row = {
        "dataset": job.dataset,
        "dataset_version": job.dataset_version,
        "task": job.task,
        "method": method_name,
        "scoring": scoring,
        "protocol": job.protocol,
        "fold": job.fold,
        "seed": job.seed,
        "job_key": job.key,
        "n_train": len(job.train),
        "n_test": len(test),
        "test_subjects": " ".join(sorted(set(test.groups))),
    }
    row.update({f"param.{name}": value for name, value in job.params.items()})
    return row


def scored_row(job: Job, name: str, scoring: str, labels, measured: dict, test=None) -> dict:
    """The result row of one scoring of a fitted method: metrics, timings, detail."""
    test = job.test if test is None else test
    scores = metrics.score(test.y, labels, test.classes, test.groups, job.seed)
    timing, stream = measured["timing"] or {}, measured["stream"]
    row = base_row(job, name, scoring, test)
    row.update({k: v for k, v in scores.items() if not isinstance(v, dict)})
    row.update(
        # A game voting over a window keeps its last n per-frame answers, so each
        # tick costs one single-frame call: the same latency as last-frame scoring.
        latency_median_ms=timing.get("median", float("nan")) * 1e3,
        latency_p95_ms=timing.get("p95", float("nan")) * 1e3,
        cold_latency_ms=(measured.get("cold_timing") or {}).get("median", float("nan")) * 1e3,
        throughput_fps=measured["fps"],
        fit_seconds=measured["fit_seconds"],
        predict_seconds=measured["predict_seconds"],
        status="ok",
        reason="",
    )
    if stream and scoring != "vote":
        row.update(stream["summary"])
    row["detail"] = {
        "per_class_f1": scores["per_class_f1"],
        "confusion": scores["confusion"],
        # per subject: what a paired comparison of two runs resamples (harness compare)
        "per_subject": metrics.per_subject_confusions(
            test.y, labels, test.groups, scores["confusion"]["labels"]
        ),
        "latency": timing or None,
        "streaming": stream,
    }
    return row


def stream_tick(method, test: Samples, rounds: int) -> dict | None:
    """Latency of one live tick of ``method`` over the frames of a held-out take."""
    recording = test.recordings[int(test.rec[0])]
    extractor = getattr(method, "extractor", None)
    background = extractor.background_of(recording) if extractor is not None else None
    stream = method.stream(test.task, test.window, background)
    frames = recording.frames[: test.window + latency.DEFAULT_WARMUP + rounds]
    return latency.probe_stream(stream, frames, test.window, rounds)


def sweep_rows(job: Job, method, measured: dict) -> list[dict]:
    """The fitted method on the held-out subjects under each nuisance level (no retraining)."""
    rows = []
    for level in job.sweep:
        test = frame_view(level.test) if job.scoring == "last-frame" else level.test
        labels = predict_in_order(method, test)
        row = scored_row(job, job.method, job.scoring, labels, measured | {"stream": None}, test)
        row.update(
            dataset=level.dataset,
            dataset_version=level.dataset_version,
            trained_on=job.dataset,
            nuisance=level.nuisance,
            strength=level.strength,
        )
        rows.append(row)
    return rows


def run_job(job: Job) -> list[dict]:
    """Fit, predict, score and time one method on one fold. Never raises.

    The first row's detail carries the job's stage timings (:mod:`harness.stages`).
    """
    stages.take()  # what this worker did before this job is not this job's
    try:
        rows = _fit_and_score(job)
    except (Exception, SystemExit) as error:  # one failing method never stops the others
        reason = last_line(error)
        if isinstance(error, SystemExit):  # a plugin that quits the interpreter
            reason = f"the method called sys.exit({error.code!r})"
        row = base_row(job, job.method, job.scoring)
        row.update(status="failed", reason=reason, _trace=traceback.format_exc())
        rows = [row]
    rows[0].setdefault("detail", {})["stages"] = stages.take()
    return rows


def _fit_and_score(job: Job) -> list[dict]:
    method = instantiate(job)
    start = time.perf_counter()
    with stages.stage(f"fit: {job.plugin or job.method}"):
        method.fit(job.train)
    fit_seconds = time.perf_counter() - start
    test = frame_view(job.test) if job.scoring == "last-frame" else job.test
    start = time.perf_counter()
    with stages.stage(f"predict: {job.plugin or job.method}"):
        predicted = predict_in_order(method, test)
        variants = [(job.method, job.scoring, predicted)]
        if job.scoring == "last-frame":
            variants.append((f"{job.method}+vote", "vote", vote(method, job.test)))
    predict_seconds = time.perf_counter() - start
    measured = {"fit_seconds": fit_seconds, "predict_seconds": predict_seconds}
    with stages.stage("latency probes"):
        measured |= timings(job, method, test)
    with stages.stage("streaming evaluation"):
        measured["stream"] = (
            streaming_eval.evaluate(method, job.test, job.stream_task) if job.stream_task else None
        )
    rows = [scored_row(job, *variant, measured) for variant in variants]
    if job.sweep:
        rows[0]["strength"] = 0.0  # the clean end of every sweep curve
        with stages.stage("sweeps"):
            rows += sweep_rows(job, method, measured)
    if job.explain_dir is not None:
        with stages.stage("explanations"):
            gallery.write_explanations(method, test, job.explain_dir / job.method)
    if job.save_dir is not None:  # run --save-models
        keep_fold_model(method, job, rows)
    return rows


def timings(job: Job, method, test: Samples) -> dict:
    """Latency and throughput, measured on one fold of one task per method and dataset (the
    rest reuse it, :func:`harness.results.aggregate`: it depends on neither the fold nor the
    task); NaN where not measured.

    The live tick (the headline) gets every round asked for; the cold call and the batch
    throughput get pytest-benchmark's time budget (:data:`latency.MAX_TIME`), since from
    raw pixels a window method embeds every frame of each window.
    """
    if not job.probe_latency:
        return {"timing": None, "cold_timing": None, "fps": float("nan")}
    method.warm_up()
    one = test.subset(np.arange(1)).without_labels()
    size = min(max(1, latency.THROUGHPUT_BATCH // test.window), len(test))
    batch = test.subset(np.arange(size)).without_labels()
    cold = latency.probe(
        lambda: method.predict(one), rounds=job.latency_rounds, max_time=latency.MAX_TIME
    )
    tick = stream_tick(method, test, job.latency_rounds)
    return {
        # What a game pays per camera frame is one live tick (the new frame in, the label out,
        # a tracker or a window's history kept); one call from raw pixels with no history is
        # the cold start (a window's every frame, a tracker's detector), kept apart.
        "timing": tick or cold,
        "cold_timing": cold,
        "fps": latency.throughput(
            lambda: method.predict(batch), len(batch), max_time=latency.MAX_TIME
        ),
    }
