"""badak.sklearn.MLPClassifier: scikit-learn's own estimator checks, then its contract."""

import warnings

import numpy as np
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from badak.data import load_iris
from badak.sklearn import EXPECTED_FAILED_CHECKS, MLPClassifier

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_STD = StandardScaler().fit_transform(X_IRIS)
CLASSES = np.unique(Y_IRIS)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [MLPClassifier(), MLPClassifier((8, 8), "tanh", solver="sgd", label_smoothing=0.1)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_expected_failed_checks_give_reasons():
    assert all(isinstance(reason, str) and reason for reason in EXPECTED_FAILED_CHECKS.values())


def fit_quietly(model, X=X_STD, y=Y_IRIS):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def test_pipeline_reaches_90_percent_on_iris_in_cross_validation():
    model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(model, X_IRIS, Y_IRIS, cv=5)
    assert scores.mean() >= 0.9


def test_empty_hidden_layer_sizes_is_softmax_regression():
    model = fit_quietly(MLPClassifier((), learning_rate_init=0.05, random_state=0))
    assert [c.shape for c in model.coefs_] == [(4, 3)]
    assert [b.shape for b in model.intercepts_] == [(3,)]
    assert model.n_layers_ == 2
    assert model.score(X_STD, Y_IRIS) >= 0.9


def test_string_labels_round_trip():
    names = np.array(["setosa", "versicolor", "virginica"])[Y_IRIS]
    model = fit_quietly(MLPClassifier(random_state=0), y=names)
    assert list(model.classes_) == ["setosa", "versicolor", "virginica"]
    predicted = model.predict(X_STD)
    assert set(predicted) <= set(model.classes_)
    assert np.mean(predicted == names) >= 0.9
    assert model.score(X_STD, names) == np.mean(predicted == names)


def test_max_iter_reached_warns_convergence_warning():
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        model = MLPClassifier(max_iter=2, random_state=0).fit(X_STD, Y_IRIS)
    assert model.n_iter_ == 2 and len(model.loss_curve_) == 2
    assert model.loss_ == model.loss_curve_[-1]


def test_training_stops_when_the_loss_stops_improving():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = MLPClassifier(tol=10.0, n_iter_no_change=3, random_state=0).fit(X_STD, Y_IRIS)
    # no epoch beats the first by tol=10, so it stops after n_iter_no_change + 1 more
    assert model.n_iter_ == 5
    assert model.best_loss_ == min(model.loss_curve_)


def test_sparse_input_is_a_type_error():
    sparse = scipy.sparse.csr_matrix(X_STD)
    with pytest.raises(TypeError, match="[Ss]parse"):
        MLPClassifier(max_iter=1).fit(sparse, Y_IRIS)
    model = fit_quietly(MLPClassifier(max_iter=1))
    with pytest.raises(TypeError, match="[Ss]parse"):
        model.predict(sparse)


def test_lbfgs_is_refused_by_name():
    with pytest.raises(ValueError, match="lbfgs"):
        MLPClassifier(solver="lbfgs").fit(X_STD, Y_IRIS)


@pytest.mark.parametrize(
    "params",
    [{"hidden_layer_sizes": (0,)}, {"activation": "softplus"}, {"alpha": -1}, {"max_iter": 0}],
)
def test_bad_hyper_parameters_are_value_errors_at_fit(params):
    model = MLPClassifier(**params)  # scikit-learn's rule: __init__ only stores
    with pytest.raises(ValueError, match=next(iter(params))):
        model.fit(X_STD, Y_IRIS)


def test_partial_fit_needs_classes_on_the_first_call():
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier().partial_fit(X_STD, Y_IRIS)
    model = MLPClassifier(random_state=0).partial_fit(
        X_STD[Y_IRIS < 2], Y_IRIS[Y_IRIS < 2], CLASSES
    )
    assert list(model.classes_) == [0, 1, 2] and model.predict_proba(X_STD).shape == (150, 3)
    model.partial_fit(X_STD, Y_IRIS)  # classes may be left out later
    assert model.n_iter_ == 1 and len(model.loss_curve_) == 2
    with pytest.raises(ValueError, match="not in classes"):
        model.partial_fit(X_STD, Y_IRIS + 1)
    with pytest.raises(ValueError, match="classes"):
        model.partial_fit(X_STD, Y_IRIS, classes=[0, 1])


def test_partial_fit_epochs_equal_fit_epochs_bitwise():
    fitted = fit_quietly(MLPClassifier((10,), max_iter=4, random_state=3))
    stepped = MLPClassifier((10,), random_state=3)
    for _ in range(4):
        stepped.partial_fit(X_STD, Y_IRIS, classes=CLASSES)
    assert stepped.loss_curve_ == fitted.loss_curve_
    for a, b in zip(stepped.coefs_ + stepped.intercepts_, fitted.coefs_ + fitted.intercepts_):
        np.testing.assert_array_equal(a, b)


def test_partial_fit_refuses_early_stopping():
    with pytest.raises(ValueError, match="early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X_STD, Y_IRIS, classes=CLASSES)


def test_random_state_makes_fits_bitwise_repeatable():
    first, second, other = (
        fit_quietly(MLPClassifier((16,), max_iter=20, random_state=seed)) for seed in (7, 7, 8)
    )
    assert first.loss_curve_ == second.loss_curve_ != other.loss_curve_
    for a, b in zip(first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(first.predict_proba(X_STD), second.predict_proba(X_STD))


def test_label_smoothing_changes_the_loss_curve():
    plain, smoothed = (
        fit_quietly(MLPClassifier(max_iter=30, label_smoothing=e, random_state=0))
        for e in (0.0, 0.2)
    )
    assert plain.loss_curve_[0] != smoothed.loss_curve_[0]
    # the smoothed targets keep the loss above their own entropy and the predictions less sure
    assert smoothed.loss_curve_[-1] > plain.loss_curve_[-1]
    assert smoothed.predict_proba(X_STD).max() < plain.predict_proba(X_STD).max()


def test_alpha_adds_scikit_learns_l2_penalty_to_the_loss():
    # lr 1e-12 leaves the float32 weights as they started, so coefs_ are the weights scored
    losses, coefs = [], None
    for alpha in (0.0, 3.0):
        model = MLPClassifier((5,), alpha=alpha, learning_rate_init=1e-12, random_state=0)
        model.partial_fit(X_STD, Y_IRIS, classes=CLASSES)
        losses.append(model.loss_curve_[0])
        coefs = model.coefs_
    penalty = 0.5 * 3.0 * sum(float((c.astype(np.float64) ** 2).sum()) for c in coefs) / 150
    assert losses[1] - losses[0] == pytest.approx(penalty, rel=1e-5)


def test_early_stopping_keeps_validation_scores():
    model = fit_quietly(MLPClassifier(early_stopping=True, n_iter_no_change=2, random_state=0))
    assert len(model.validation_scores_) == model.n_iter_ == len(model.loss_curve_)
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert model.best_loss_ is None


def test_predict_proba_rows_sum_to_one_and_agree_with_predict():
    model = fit_quietly(MLPClassifier(max_iter=20, random_state=0))
    proba = model.predict_proba(X_STD)
    assert proba.dtype == np.float64 and proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.log(proba), model.predict_log_proba(X_STD), rtol=1e-12)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X_STD))


def test_a_rows_probabilities_do_not_depend_on_the_rows_beside_it():
    # float64 prediction; in float32, BLAS's per-batch-size kernels differ in the last bits
    model = fit_quietly(MLPClassifier(max_iter=20, random_state=0))
    rows = np.vstack([model.predict_log_proba(X_STD[i : i + 1]) for i in range(0, 150, 7)])
    np.testing.assert_allclose(rows, model.predict_log_proba(X_STD)[::7], rtol=1e-13)


def test_coefs_and_intercepts_have_sklearn_shapes_and_follow_training():
    model = fit_quietly(MLPClassifier((5, 7), max_iter=3, random_state=0))
    assert [c.shape for c in model.coefs_] == [(4, 5), (5, 7), (7, 3)]
    assert [b.shape for b in model.intercepts_] == [(5,), (7,), (3,)]
    before = [c.copy() for c in model.coefs_]
    model.partial_fit(X_STD, Y_IRIS)
    assert not np.array_equal(before[0], model.coefs_[0])
    # a binary problem has two softmax outputs (scikit-learn: one logistic unit)
    binary = fit_quietly(MLPClassifier((5,), max_iter=3), y=Y_IRIS == 2)
    assert binary.coefs_[-1].shape == (5, 2) and binary.predict_proba(X_STD).shape == (150, 2)


def test_get_params_set_params_and_clone():
    model = MLPClassifier((32,), label_smoothing=0.1, random_state=0)
    params = model.get_params()
    assert params["hidden_layer_sizes"] == (32,) and params["label_smoothing"] == 0.1
    assert params["batch_size"] == "auto" and params["solver"] == "adam"
    assert model.set_params(alpha=0.5, max_iter=5) is model and model.alpha == 0.5
    fit_quietly(model)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "coefs_")


def test_the_l2_penalty_is_one_op_with_the_squared_norms_gradient():
    import badak
    from badak.gradcheck import gradcheck
    from badak.sklearn import _SquaredNorm

    rng = np.random.default_rng(0)
    weights = [badak.tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 4), (2,))]
    penalty = _SquaredNorm()(*weights)
    expected = sum((w.numpy() ** 2).sum() for w in weights)
    assert np.isclose(penalty.item(), expected, rtol=1e-12)
    assert gradcheck(lambda a, b: _SquaredNorm()(a, b), weights)
