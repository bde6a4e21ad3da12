"""badak/scores.py: per-class precision, recall, F1 and support agree with scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_recall_fscore_support

from badak.scores import macro_f1, per_class_scores


def confusion_of(targets, predicted, classes):
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (targets, predicted), 1)
    return matrix


@pytest.mark.parametrize("seed", range(4))
def test_scores_match_sklearn_with_a_class_never_predicted_and_one_never_present(seed):
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, 4, 80)  # class 4 never present
    predicted = rng.integers(1, 5, 80)  # class 0 never predicted
    scores = per_class_scores(confusion_of(targets, predicted, 5), list("abcde"))
    expected = precision_recall_fscore_support(targets, predicted, labels=range(5), zero_division=0)
    for key, column in zip(("precision", "recall", "f1", "support"), expected):
        assert [row[key] for row in scores] == pytest.approx(column, abs=1e-12)
    assert [row["class"] for row in scores] == list("abcde")
    assert macro_f1(confusion_of(targets, predicted, 5)) == pytest.approx(
        f1_score(targets, predicted, labels=range(5), average="macro", zero_division=0)
    )


def test_scores_of_a_class_absent_and_never_predicted_are_0():
    scores = per_class_scores(np.array([[3, 0], [0, 0]]), ["yes", "no"])
    assert scores[1] == {"class": "no", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert scores[0]["f1"] == 1.0 and isinstance(scores[0]["support"], int)


def test_per_class_scores_rejects_a_non_square_matrix_and_wrong_names():
    with pytest.raises(ValueError, match=r"per_class_scores: confusion must have shape \(C, C\)"):
        per_class_scores(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="per_class_scores: 2 classes in confusion, 3 names"):
        per_class_scores(np.zeros((2, 2)), ["a", "b", "c"])
