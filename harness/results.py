"""Result rows: the tidy table of a run, its aggregates, and how they are written.

One row per dataset x task x method x fold (``results.csv``). ``results.json`` holds the
same rows plus their detail (per-class F1, confusion matrices, latency samples under
pytest-benchmark's names, streaming events), machine info, and the aggregates: per
dataset x task x method, metrics of the pooled out-of-fold predictions with a bootstrap
interval over *all* test subjects.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import numpy as np

from harness import metrics
from harness.files import json_text
from harness.tasks import TASKS

RESULT_COLUMNS = (
    "dataset",
    "task",
    "method",
    "fold",
    "seed",
    "n_train",
    "n_test",
    "accuracy",
    "balanced_accuracy",
    "macro_f1",
    "macro_f1_ci_low",
    "macro_f1_ci_high",
    "latency_median_ms",
    "latency_p95_ms",
    "throughput_fps",
    "fit_seconds",
    "status",
    "reason",
    "scoring",
    "dataset_version",
    "test_subjects",
    "predict_seconds",
    "detection_rate",
    "ttd_median_ms",
    "false_triggers_per_min",
    "protocol",
)

KEY = ("dataset", "task", "method", "protocol")
LATENCY_FIELDS = ("latency_median_ms", "latency_p95_ms", "throughput_fps")


def public(row: dict) -> dict:
    """A row's CSV fields: without its detail or private fields (traceback)."""
    return {k: v for k, v in row.items() if not k.startswith("_") and k != "detail"}


def aggregate(rows: list[dict]) -> list[dict]:
    """Per dataset x task x method: pooled out-of-fold metrics, fold means, latency."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        row.setdefault("protocol", "subjects")  # skipped rows: skipped under every protocol
        groups[tuple(row.get(k) for k in KEY)].append(row)
    result = []
    for key, members in groups.items():
        ok = [r for r in members if r.get("status") == "ok"]
        entry = dict(zip(KEY, key, strict=True))
        for name in ("dataset_version", "scoring", "trained_on", "nuisance", "strength"):
            if members[0].get(name) is not None:
                entry[name] = members[0][name]
        entry["folds_ok"] = len(ok)
        entry["folds_failed"] = sum(r.get("status") == "failed" for r in members)
        if not ok:
            entry["status"] = members[0].get("status")
            entry["reason"] = members[0].get("reason", "")
            result.append(entry)
            continue
        entry["status"] = "ok" if not entry["folds_failed"] else "partial"
        entry["reason"] = next((r["reason"] for r in members if r.get("status") == "failed"), "")
        confusions = [r["detail"]["per_subject"] for r in ok if "per_subject" in r["detail"]]
        if confusions:
            task = TASKS.get(entry["task"])
            merged = metrics.merge_confusions(confusions, task.classes if task else ())
            pooled = metrics.score_confusions(merged, int(ok[0]["seed"]))
            entry["pooled"] = pooled
            for name in (
                "accuracy",
                "balanced_accuracy",
                "macro_f1",
                "macro_f1_ci_low",
                "macro_f1_ci_high",
            ):
                entry[name] = pooled[name]
        else:
            entry["pooled"] = {}
        for name in (
            "macro_f1",
            "accuracy",
            *LATENCY_FIELDS,
            "fit_seconds",
            "detection_rate",
            "ttd_median_ms",
            "false_triggers_per_min",
        ):
            values = [r[name] for r in ok if r.get(name) is not None and np.isfinite(r[name])]
            if not values:
                continue
            statistic = np.median if name.startswith(("latency", "ttd")) else np.mean
            entry[f"fold_{name}" if name in ("macro_f1", "accuracy") else name] = float(
                statistic(values)
            )
        entry["fold_macro_f1_std"] = float(np.std([r["macro_f1"] for r in ok]))
        result.append(entry)
    share_latency(result)
    return result


def share_latency(entries: list[dict]) -> None:
    """Give every entry of a method the latency probed on one of its tasks.

    The runner probes each method once per dataset (the first fold of its first task): a
    live tick costs the same whatever the task's classes or the fold. Entries that reuse
    the figure name the task it was measured on (``latency_task``). A ``+vote`` entry is
    its last-frame method's tick: the vote over recent labels costs nothing measurable.
    """

    def source_of(entry):
        method = entry["method"].removesuffix("+vote")
        return entry.get("trained_on") or entry["dataset"], method

    measured = {}
    for entry in entries:
        if entry.get("latency_median_ms") is not None and "+vote" not in entry["method"]:
            measured.setdefault(source_of(entry), entry)
    for entry in entries:
        source = measured.get(source_of(entry))
        if entry.get("latency_median_ms") is not None or source is None:
            continue
        entry.update({k: source[k] for k in LATENCY_FIELDS if k in source})
        entry["latency_task"] = source["task"]


def to_csv(rows: list[dict]) -> str:
    rows = sorted(rows, key=sort_key)
    buffer = io.StringIO()
    extra = sorted({k for r in rows for k in public(r)} - set(RESULT_COLUMNS))
    writer = csv.DictWriter(buffer, fieldnames=[*RESULT_COLUMNS, *extra], extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in public(row).items()})
    return buffer.getvalue()


def sort_key(row: dict):
    return tuple(str(row.get(k, "")) for k in KEY) + (str(row.get("fold", "")).zfill(4),)


def results_payload(header: dict, rows: list[dict], aggregates: list[dict]) -> str:
    """The text of results.json: the run's header, every row with its detail, aggregates."""
    rows = sorted(rows, key=sort_key)
    payload = dict(header)
    payload["columns"] = list(RESULT_COLUMNS)
    payload["rows"] = [public(r) | {"detail": r.get("detail", {})} for r in rows]
    payload["aggregates"] = aggregates
    return json_text(payload)
