"""Accuracy metrics (scikit-learn) and bootstrap intervals over test subjects."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
)

N_BOOTSTRAP = 1000


def _labels(y_true, y_pred, classes) -> list[str]:
    """The task's classes seen in truth or prediction, in task order, then any strays."""
    seen = set(y_true) | set(y_pred)
    ordered = [c for c in classes if c in seen]
    return ordered + sorted(seen - set(ordered))


def _f1_from_confusion(counts: np.ndarray) -> np.ndarray:
    """Per-class F1 from confusion matrices (..., K, K) with truth on the rows."""
    true_positive = np.diagonal(counts, axis1=-2, axis2=-1).astype(float)
    support = counts.sum(axis=-1)
    predicted = counts.sum(axis=-2)
    denominator = support + predicted
    return np.divide(
        2 * true_positive, denominator, out=np.zeros_like(true_positive), where=denominator > 0
    )


def macro_f1(y_true, y_pred, labels) -> float:
    return float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0))


def per_subject_confusions(y_true, y_pred, groups, labels) -> dict:
    """Each test subject's confusion matrix (truth on the rows), in ``labels`` order.

    What :mod:`harness.compare` needs to bootstrap over subjects after the run: a pooled
    macro-F1 over any multiset of subjects is the F1 of the sum of their matrices.

    Returns
    -------
    dict
        ``{"labels": [...], "subjects": {subject: K x K list of counts}}``.
    """
    truth = np.asarray([str(y) for y in y_true], dtype=object)
    predicted = np.asarray([str(y) for y in y_pred], dtype=object)
    groups = np.asarray(groups, dtype=object)
    labels = [str(label) for label in labels]
    return {
        "labels": labels,
        "subjects": {  # in np.unique's order of the subjects as given (the bootstrap's order)
            str(s): confusion_matrix(truth[groups == s], predicted[groups == s], labels=labels)
            .astype(int)
            .tolist()
            for s in np.unique(groups)
        },
    }


def macro_f1_of_sums(weights: np.ndarray, per_subject: np.ndarray) -> np.ndarray:
    """Macro-F1 of weighted sums of per-subject confusions: (B, S) x (S, K, K) -> (B,)."""
    return _f1_from_confusion(np.einsum("bs,skl->bkl", weights, per_subject)).mean(axis=-1)


def bootstrap_weights(n_subjects: int, seed: int, n_boot: int = N_BOOTSTRAP) -> np.ndarray:
    """How often each subject is drawn in each of ``n_boot`` resamplings: (n_boot, S)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n_subjects, (n_boot, n_subjects))
    return np.stack([np.bincount(p, minlength=n_subjects) for p in picks])


def bootstrap_macro_f1(
    y_true, y_pred, groups, labels, seed: int, n_boot: int = N_BOOTSTRAP
) -> tuple[float, float]:
    """95 % percentile interval of macro-F1 when the test *subjects* are resampled.

    People differ more than frames do, so resampling frames would give intervals that are
    far too narrow. With fewer than two test subjects there is nothing to resample and the
    interval is (nan, nan). Each subject's confusion matrix is computed once; a bootstrap
    replicate is a sum of them, so a thousand replicates take milliseconds.
    """
    confusions = per_subject_confusions(y_true, y_pred, groups, labels)["subjects"]
    if len(confusions) < 2:
        return float("nan"), float("nan")
    per_subject = np.stack([np.asarray(m) for m in confusions.values()])
    weights = bootstrap_weights(len(per_subject), seed, n_boot)
    scores = macro_f1_of_sums(weights, per_subject)
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def score(y_true, y_pred, classes, groups, seed: int) -> dict:
    """Every accuracy metric of one set of predictions.

    Returns flat numbers (accuracy, balanced_accuracy, macro_f1, macro_f1_ci_low/high) and
    the detail for results.json (per_class_f1, confusion matrix with its labels).
    """
    y_true = np.asarray([str(y) for y in y_true], dtype=object)
    y_pred = np.asarray([str(y) for y in y_pred], dtype=object)
    labels = _labels(y_true, y_pred, classes)
    with warnings.catch_warnings():
        # A method may predict a class absent from this fold's truth: that is its error to
        # count, not a problem to warn about.
        warnings.simplefilter("ignore", UserWarning)
        balanced = float(balanced_accuracy_score(y_true, y_pred))
    low, high = bootstrap_macro_f1(y_true, y_pred, groups, labels, seed)
    per_class = f1_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": balanced,
        "macro_f1": macro_f1(y_true, y_pred, labels),
        "macro_f1_ci_low": low,
        "macro_f1_ci_high": high,
        "per_class_f1": {label: float(f) for label, f in zip(labels, per_class, strict=True)},
        "confusion": {
            "labels": labels,
            "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        },
    }


def merge_confusions(parts: list[dict], classes) -> dict:
    """Per-subject confusions of several folds as one, on the union of their labels (task
    order, then strays); subjects in sorted order, as :func:`per_subject_confusions` gives.
    A subject tested in several folds (``--protocol random-frames``) gets their sum."""
    seen = {label for part in parts for label in part["labels"]}
    labels = [c for c in classes if c in seen] + sorted(seen - set(classes))
    index = {label: i for i, label in enumerate(labels)}
    subjects = {}
    for part in parts:
        where = [index[label] for label in part["labels"]]
        for subject, matrix in part["subjects"].items():
            full = np.zeros((len(labels), len(labels)), int)
            full[np.ix_(where, where)] = np.asarray(matrix, int)
            subjects[subject] = subjects.get(subject, 0) + full
    return {"labels": labels, "subjects": dict(sorted(subjects.items()))}


def score_confusions(per_subject: dict, seed: int) -> dict:
    """:func:`score` computed from per-subject confusion matrices instead of predictions.

    The same numbers: accuracy, balanced accuracy (mean recall over the classes in the
    truth), macro-F1 over the labels seen, its bootstrap interval over subjects.
    """
    labels = list(per_subject["labels"])
    stacked = np.stack([np.asarray(m) for m in per_subject["subjects"].values()])
    pooled = stacked.sum(axis=0)
    support = pooled.sum(axis=1)
    per_class = _f1_from_confusion(pooled)
    low = high = float("nan")
    if len(stacked) >= 2:
        scores = macro_f1_of_sums(bootstrap_weights(len(stacked), seed), stacked)
        low, high = (float(v) for v in np.percentile(scores, [2.5, 97.5]))
    recall = np.diag(pooled)[support > 0] / support[support > 0]
    return {
        "accuracy": float(np.trace(pooled) / max(pooled.sum(), 1)),
        "balanced_accuracy": float(recall.mean()) if len(recall) else float("nan"),
        "macro_f1": float(per_class.mean()) if len(per_class) else 0.0,
        "macro_f1_ci_low": low,
        "macro_f1_ci_high": high,
        "per_class_f1": {label: float(f) for label, f in zip(labels, per_class, strict=True)},
        "confusion": {"labels": labels, "matrix": pooled.tolist()},
    }
