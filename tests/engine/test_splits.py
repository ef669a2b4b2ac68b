import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.splits import subject_folds


@settings(max_examples=40, deadline=None)
@given(n_subjects=st.integers(2, 12), n_folds=st.integers(2, 10), seed=st.integers(0, 99))
def test_every_subject_is_tested_exactly_once_and_never_trained_on_in_its_fold(
    n_subjects, n_folds, seed
):
    subjects = [f"s{i}" for i in range(n_subjects)] * 3
    folds = subject_folds(subjects, n_folds, seed)
    tested = [s for _, test in folds for s in test]
    assert sorted(tested) == sorted(set(subjects))
    for train, test in folds:
        assert not set(train) & set(test)
        assert set(train) | set(test) == set(subjects)
    assert len(folds) == min(n_folds, n_subjects)


def test_one_subject_cannot_be_split():
    with pytest.raises(ValueError, match="at least 2 subjects"):
        subject_folds(["only"], 5, 0)
