import numpy as np
from sklearn.metrics import f1_score

from harness.metrics import bootstrap_macro_f1, score


def test_perfect_predictions_score_one_with_a_degenerate_interval():
    y = ["a", "b", "a", "b"]
    result = score(y, y, ("a", "b"), ["s1", "s1", "s2", "s2"], seed=0)
    assert result["macro_f1"] == 1.0 and result["accuracy"] == 1.0
    assert result["macro_f1_ci_low"] == result["macro_f1_ci_high"] == 1.0
    assert result["confusion"]["matrix"] == [[2, 0], [0, 2]]


def test_bootstrap_interval_matches_a_plain_resampling_of_subjects():
    rng = np.random.default_rng(1)
    groups = np.repeat([f"s{i}" for i in range(6)], 20)
    y_true = rng.choice(["a", "b", "c"], len(groups))
    y_pred = np.where(
        rng.random(len(groups)) < 0.7, y_true, rng.choice(["a", "b", "c"], len(groups))
    )
    labels = ["a", "b", "c"]
    low, high = bootstrap_macro_f1(y_true, y_pred, groups, labels, seed=3, n_boot=300)
    # The same resampling done slowly with scikit-learn's f1_score.
    subjects = np.unique(groups)
    draw = np.random.default_rng(3).integers(0, len(subjects), (300, len(subjects)))
    slow = []
    for picks in draw:
        index = np.concatenate([np.flatnonzero(groups == subjects[p]) for p in picks])
        slow.append(
            f1_score(y_true[index], y_pred[index], labels=labels, average="macro", zero_division=0)
        )
    np.testing.assert_allclose([low, high], np.percentile(slow, [2.5, 97.5]))
    assert low < f1_score(y_true, y_pred, average="macro") < high


def test_one_test_subject_gives_no_interval():
    low, high = bootstrap_macro_f1(["a", "b"], ["a", "a"], ["s", "s"], ["a", "b"], seed=0)
    assert np.isnan(low) and np.isnan(high)
