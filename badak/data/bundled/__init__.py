"""The bundled data sets: iris, digits, wine and breast cancer, shipped as .npz files here.

Their sources, licences (CC BY 4.0, UCI Machine Learning Repository) and attribution are in
LICENSES.md beside them; tools/make_bundled_data.py wrote them from scikit-learn's copies.
"""

from pathlib import Path

from badak.data.bunch import Bunch
from badak.device import np

_HERE = Path(__file__).resolve().parent


def _load(name, return_X_y):
    with np.load(_HERE / f"{name}.npz", allow_pickle=False) as stored:
        data = stored["data"].astype(np.float32)
        target = stored["target"].astype(np.int64)
        if return_X_y:
            return data, target
        return Bunch(
            data=data,
            target=target,
            target_names=[str(t) for t in stored["target_names"]],
            feature_names=[str(f) for f in stored["feature_names"]],
            DESCR=str(stored["DESCR"]),
        )


def load_iris(return_X_y=False):
    """Fisher's iris flowers, as sklearn.datasets.load_iris.

    Returns:
        Bunch with data float32 (150, 4), target int64 (150,) in [0, 3), target_names (3 str),
        feature_names (4 str), DESCR (source and licence); or (data, target) with return_X_y.
    """
    return _load("iris", return_X_y)


def load_digits(return_X_y=False):
    """8x8 images of handwritten digits, pixel counts 0..16, as sklearn.datasets.load_digits.

    Returns:
        Bunch with data float32 (1797, 64), target int64 (1797,) in [0, 10), target_names
        ("0" .. "9"), feature_names ("pixel_0_0" ..), DESCR; or (data, target) with return_X_y.
    """
    return _load("digits", return_X_y)


def load_wine(return_X_y=False):
    """Chemical analyses of wines from three cultivars, as sklearn.datasets.load_wine.

    Returns:
        Bunch with data float32 (178, 13), target int64 (178,) in [0, 3), target_names,
        feature_names, DESCR; or (data, target) with return_X_y.
    """
    return _load("wine", return_X_y)


def load_breast_cancer(return_X_y=False):
    """Breast cancer Wisconsin (diagnostic), as sklearn.datasets.load_breast_cancer.

    Returns:
        Bunch with data float32 (569, 30), target int64 (569,): 0 malignant, 1 benign,
        target_names, feature_names, DESCR; or (data, target) with return_X_y.
    """
    return _load("breast_cancer", return_X_y)


BUNDLED = {
    "iris": load_iris,
    "digits": load_digits,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
}
