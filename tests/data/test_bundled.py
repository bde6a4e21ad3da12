import numpy as np
import pytest
from sklearn import datasets as sk

from badak.data import BUNDLED, Bunch, load_breast_cancer, load_digits, load_iris, load_wine

LOADERS = {
    "iris": (load_iris, sk.load_iris),
    "digits": (load_digits, sk.load_digits),
    "wine": (load_wine, sk.load_wine),
    "breast_cancer": (load_breast_cancer, sk.load_breast_cancer),
}


@pytest.mark.parametrize("name", list(LOADERS))
def test_bundled_set_equals_scikit_learns(name):
    ours, theirs = LOADERS[name][0](), LOADERS[name][1]()
    assert isinstance(ours, Bunch)
    assert ours.data.dtype == np.float32 and ours.data.shape == theirs.data.shape
    np.testing.assert_array_equal(ours.data, theirs.data.astype(np.float32))
    assert ours.target.dtype == np.int64
    np.testing.assert_array_equal(ours.target, theirs.target)
    assert ours.target_names == [str(t) for t in theirs.target_names]
    assert ours.feature_names == [str(f) for f in theirs.feature_names]
    assert all(type(s) is str for s in ours.target_names + ours.feature_names)


@pytest.mark.parametrize("name", list(LOADERS))
def test_bundled_set_describes_its_source_and_licence(name):
    descr = LOADERS[name][0]().DESCR
    assert "UCI Machine Learning Repository" in descr and "CC BY 4.0" in descr
    assert "scikit-learn" in descr and "\n" not in descr


@pytest.mark.parametrize("name", list(LOADERS))
def test_bundled_return_X_y_gives_data_and_target(name):
    X, y = LOADERS[name][0](return_X_y=True)
    np.testing.assert_array_equal(X, LOADERS[name][0]().data)
    assert X.dtype == np.float32 and y.dtype == np.int64 and len(X) == len(y)


def test_bundled_maps_names_to_loaders():
    assert BUNDLED == {name: pair[0] for name, pair in LOADERS.items()}


def test_bundled_licences_ship_beside_the_data():
    from badak.data import bundled

    text = (bundled._HERE / "LICENSES.md").read_text(encoding="utf-8")
    for doi in ["C56C76", "C50P49", "C5PC7J", "C5DW2B"]:
        assert f"https://doi.org/10.24432/{doi}" in text
    assert "BSD-3-Clause" in text and "CC BY 4.0" in text


def test_bundled_files_are_small():
    from badak.data import bundled

    assert sum(p.stat().st_size for p in bundled._HERE.glob("*.npz")) < 200_000
