"""Per-class precision, recall and F1 from a confusion matrix (rows: true class, columns:
predicted), as scikit-learn's precision_recall_fscore_support with zero_division=0."""

from badak.device import np

__all__ = ["macro_f1", "per_class_scores"]


def _checked(name, confusion):
    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f"{name}: confusion must have shape (C, C), got shape {confusion.shape}")
    if (confusion < 0).any():
        raise ValueError(f"{name}: confusion must hold counts >= 0; found a negative entry")
    return confusion


def _ratio(numerator, denominator):
    """numerator / denominator, 0.0 where the denominator is 0 (zero_division=0)."""
    out = np.zeros(len(numerator), np.float64)
    return np.divide(numerator, denominator, out=out, where=denominator > 0)


def _f1(confusion):
    """(precision, recall, f1, support), each shape (C,), from a checked (C, C) matrix."""
    hits = np.diag(confusion).astype(np.float64)
    support = confusion.sum(axis=1)
    predicted = confusion.sum(axis=0)
    # 2 tp / (2 tp + fp + fn) equals 2 p r / (p + r) where both exist, and stays defined (0) for a
    # class never predicted, as scikit-learn computes it
    return (
        _ratio(hits, predicted),
        _ratio(hits, support),
        _ratio(2 * hits, support + predicted),
        support,
    )


def per_class_scores(confusion, classes):
    """Precision, recall, F1 and support of each class.

        precision_k = M[k, k] / sum_i M[i, k]    recall_k = M[k, k] / sum_j M[k, j]
        f1_k = 2 M[k, k] / (sum_i M[i, k] + sum_j M[k, j])

    Args:
        confusion: counts, shape (C, C); row = true class, column = predicted class.
        classes: the C class names.
    Returns:
        C dicts {"class", "precision", "recall", "f1", "support"} of plain Python values; a zero
        denominator gives 0.0.
    """
    confusion = _checked("per_class_scores", confusion)
    if len(classes) != len(confusion):
        raise ValueError(
            f"per_class_scores: {len(confusion)} classes in confusion, {len(classes)} names given"
        )
    precision, recall, f1, support = _f1(confusion)
    return [
        {
            "class": name,
            "precision": float(p),
            "recall": float(r),
            "f1": float(f),
            "support": int(s),
        }
        for name, p, r, f, s in zip(classes, precision, recall, f1, support)
    ]


def macro_f1(confusion):
    """The unweighted mean of the per-class F1 over all C classes of a (C, C) confusion matrix
    (scikit-learn's f1_score(average="macro", labels=range(C), zero_division=0)); 0.0 if C = 0."""
    f1 = _f1(_checked("macro_f1", confusion))[2]
    return float(f1.mean()) if len(f1) else 0.0
