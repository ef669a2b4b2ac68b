import numpy as np
import pytest
from sklearn.metrics import f1_score

from harness.metrics import (
    bootstrap_macro_f1,
    merge_confusions,
    per_subject_confusions,
    score,
    score_confusions,
)


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


# -- hand-computed values on imperfect predictions ---------------------------------------
#
# truth a a a b b c, predicted a a b b c c. Confusion (truth on the rows, a b c):
#   a: 2 1 0    b: 0 1 1    c: 0 0 1
# accuracy 4/6; recalls 2/3, 1/2, 1 -> balanced accuracy 13/18;
# F1 = 2 TP / (support + predicted): a 4/5, b 2/4, c 2/3 -> macro-F1 59/90.
TRUTH = ["a", "a", "a", "b", "b", "c"]
GUESS = ["a", "a", "b", "b", "c", "c"]
SUBJECTS = ["s1", "s1", "s2", "s2", "s3", "s3"]


def test_score_of_imperfect_predictions_equals_the_hand_computed_values():
    result = score(TRUTH, GUESS, ("a", "b", "c", "d"), SUBJECTS, seed=0)
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["balanced_accuracy"] == pytest.approx(13 / 18)
    assert result["macro_f1"] == pytest.approx(59 / 90)
    assert result["per_class_f1"] == pytest.approx({"a": 4 / 5, "b": 1 / 2, "c": 2 / 3})
    # "d" is a task class nobody showed or predicted: it is not averaged in
    assert result["confusion"] == {
        "labels": ["a", "b", "c"],
        "matrix": [[2, 1, 0], [0, 1, 1], [0, 0, 1]],
    }
    assert result["macro_f1_ci_low"] <= 59 / 90 <= result["macro_f1_ci_high"]


def test_a_predicted_class_absent_from_the_truth_counts_against_macro_f1_not_balanced_accuracy():
    # truth a a b b, predicted a c b b: F1 a 2/3, b 1, c 0 -> macro 5/9; recalls a 1/2, b 1
    result = score(["a", "a", "b", "b"], ["a", "c", "b", "b"], ("a", "b", "c"), ["s"] * 4, 0)
    assert result["macro_f1"] == pytest.approx(5 / 9)
    assert result["balanced_accuracy"] == pytest.approx(3 / 4)
    assert result["accuracy"] == pytest.approx(3 / 4)
    assert result["confusion"]["labels"] == ["a", "b", "c"]


def test_per_subject_confusions_split_the_pooled_matrix_by_subject():
    parts = per_subject_confusions(TRUTH, GUESS, SUBJECTS, ["a", "b", "c"])
    assert parts["subjects"] == {
        "s1": [[2, 0, 0], [0, 0, 0], [0, 0, 0]],
        "s2": [[0, 1, 0], [0, 1, 0], [0, 0, 0]],
        "s3": [[0, 0, 0], [0, 0, 1], [0, 0, 1]],
    }


def _folds(seed: int, same_subjects: bool = False):
    """Imperfect predictions of 3 folds of 2 subjects each; fold 2 never shows class c and
    one fold predicts a class outside the task (a stray)."""
    rng = np.random.default_rng(seed)
    folds = []
    for fold in range(3):
        classes = ["a", "b"] if fold == 2 else ["a", "b", "c"]
        truth = rng.choice(classes, 40)
        guess = np.where(rng.random(40) < 0.6, truth, rng.choice(["a", "b", "c"], 40))
        if fold == 1:
            guess[0] = "stray"
        # subjects apart by fold, or the same people in every fold (random frames)
        first = 0 if same_subjects else 2 * fold
        groups = np.repeat([f"s{first}", f"s{first + 1}"], 20)
        folds.append((truth, guess, groups))
    return folds


@pytest.mark.parametrize("same_subjects", [False, True], ids=["subjects", "random-frames"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_scores_from_per_subject_confusions_equal_scores_of_the_pooled_predictions(
    seed, same_subjects
):
    classes = ("a", "b", "c")
    folds = _folds(seed, same_subjects)
    parts = []
    for truth, guess, groups in folds:
        labels = score(truth, guess, classes, groups, seed)["confusion"]["labels"]
        parts.append(per_subject_confusions(truth, guess, groups, labels))
    merged = merge_confusions(parts, classes)
    from_confusions = score_confusions(merged, seed)
    truth, guess, groups = (np.concatenate(p) for p in zip(*folds, strict=True))
    pooled = score(truth, guess, classes, groups, seed)
    assert from_confusions["confusion"] == pooled["confusion"]
    assert from_confusions["per_class_f1"] == pytest.approx(pooled["per_class_f1"])
    for name in (
        "accuracy",
        "balanced_accuracy",
        "macro_f1",
        "macro_f1_ci_low",
        "macro_f1_ci_high",
    ):
        assert from_confusions[name] == pytest.approx(pooled[name]), name
