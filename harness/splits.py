"""Leave-subjects-out folds: every reported number is on people the model never saw."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import GroupKFold


def subject_folds(subjects, n_folds: int, seed: int) -> list[tuple[list[str], list[str]]]:
    """Split the distinct ``subjects`` into folds; each subject is tested exactly once.

    Returns a list of (train_subjects, test_subjects). The fold count is capped at the
    number of subjects (then it is leave-one-subject-out).
    """
    unique = np.asarray(sorted(set(map(str, subjects))), dtype=object)
    if len(unique) < 2:
        raise ValueError(
            f"leave-subjects-out needs at least 2 subjects, the data has {len(unique)} "
            f"({', '.join(unique) or 'none'}); add recordings of more people"
        )
    n_splits = max(2, min(int(n_folds), len(unique)))
    splitter = GroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    folds = []
    for train_index, test_index in splitter.split(unique, groups=unique):
        folds.append((list(unique[train_index]), list(unique[test_index])))
    return folds


def in_subjects(samples, subjects) -> np.ndarray:
    """Boolean mask of the samples performed by one of ``subjects``."""
    return np.isin(samples.groups, np.asarray(list(subjects), dtype=object))
