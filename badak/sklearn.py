"""scikit-learn compatible estimators built on badak: MLPClassifier.

    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from badak.sklearn import MLPClassifier

    model = make_pipeline(StandardScaler(), MLPClassifier(random_state=0)).fit(X, y)

The only badak module that imports scikit-learn (the `sklearn` extra).
"""

import numbers
import warnings
from itertools import pairwise

from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from badak import nn
from badak.autograd import Function, no_grad
from badak.data import DataLoader, TensorDataset
from badak.device import np
from badak.functions.activation import log_softmax
from badak.functions.cross_entropy import cross_entropy
from badak.optim import SGD, Adam
from badak.tensor import Tensor
from badak.train import TrainingDiverged, fit

__all__ = ["EXPECTED_FAILED_CHECKS", "MLPClassifier"]

# scikit-learn's estimator checks that MLPClassifier does not pass, each with the reason; handed
# to parametrize_with_checks(..., expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS).
EXPECTED_FAILED_CHECKS = {}

_ACTIVATIONS = {"identity": None, "logistic": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
_SOLVERS = ("adam", "sgd")


class MLPClassifier(ClassifierMixin, BaseEstimator):
    """A multi-layer perceptron trained with softmax cross-entropy, as sklearn's MLPClassifier.

    Parameters and defaults are scikit-learn's (those listed below), plus `label_smoothing`.
    The network is Linear -> activation -> ... -> Linear with one output unit per class, trained
    in float32 by badak's autograd with mini-batches reshuffled every epoch. `max_iter` counts
    epochs; training stops early when the training loss (or, with `early_stopping`, the
    validation accuracy) has not improved by `tol` for more than `n_iter_no_change` epochs, and
    warns with ConvergenceWarning when `max_iter` epochs end without that. Predictions apply
    the float32 parameters in float64 and return float64. Inputs are not standardised: put a
    StandardScaler before it in a Pipeline.

    Parameters:
        hidden_layer_sizes: widths of the hidden layers; () is softmax regression.
        activation: 'identity', 'logistic' (sigmoid), 'tanh' or 'relu', between the layers.
        solver: 'adam' (badak.optim.Adam) or 'sgd' (badak.optim.SGD with Nesterov momentum
            0.9, scikit-learn's defaults); 'lbfgs' is not supported.
        alpha: L2 penalty; each batch's loss gets 0.5 * alpha * sum ||W||^2 / batch size
            (weights only, not biases), as scikit-learn adds it.
        batch_size: samples per step; 'auto' is min(200, n_samples).
        learning_rate_init: the optimizer's (constant) learning rate.
        max_iter: the most epochs one `fit` runs.
        tol, n_iter_no_change: the stopping rule above.
        early_stopping: hold out `validation_fraction` of the data (stratified), stop on its
            accuracy and keep the weights of the best epoch.
        validation_fraction: the share held out with `early_stopping`, in [0, 1).
        random_state: None, an int, a np.random.Generator or a np.random.RandomState; seeds
            the weights, the shuffling and the validation split.
        label_smoothing: e in [0, 1]; targets become (1 - e) * onehot + e / n_classes.

    Attributes:
        classes_: the labels, sorted (np.unique of y, or of `classes` in partial_fit).
        n_features_in_, feature_names_in_: as scikit-learn sets them.
        coefs_: list of weight arrays, coefs_[i] of shape (fan_in, fan_out), float32; views
            of the network's parameters, so they follow further training.
        intercepts_: list of bias arrays, intercepts_[i] of shape (fan_out,), float32, views.
        n_iter_: epochs run by the last fit (1 after partial_fit, as scikit-learn counts).
        loss_, loss_curve_: the mean training loss (penalty included) of the last epoch, of each.
        best_loss_: the lowest of loss_curve_ (None with early_stopping).
        validation_scores_, best_validation_score_: validation accuracies with early_stopping
            (None without).
        n_layers_, n_outputs_, out_activation_: layers counting input and output, output units,
            'softmax'.

    Differences from scikit-learn's MLPClassifier: weights start as PyTorch's (uniform in
    +-1/sqrt(fan_in)), not Glorot's; every problem, binary included, has one softmax output per
    class (scikit-learn uses a single logistic unit for two classes, so coefs_[-1] has one column
    there and two here); parameters are float32; no lbfgs, sample weights, multi-label targets or
    sparse input (TypeError), and no verbose/shuffle/momentum/beta options.
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate_init=0.001,
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        random_state=None,
        label_smoothing=0.0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.label_smoothing = label_smoothing

    # --- training -----------------------------------------------------------------------------
    def fit(self, X, y):
        """Train from scratch on X (N, D) and labels y (N,); returns self."""
        hidden = self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float32, reset=True)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        self._initialize(X.shape[1], hidden)
        return self._train(X, np.searchsorted(self.classes_, y), incremental=False)

    def partial_fit(self, X, y, classes=None):
        """One epoch on X, y, continuing from the last fit or partial_fit; returns self.

        `classes` (every label the model will see) is required on the first call and, if
        given later, must match `classes_`.
        """
        hidden = self._check_params()
        if self.early_stopping:
            raise ValueError("MLPClassifier.partial_fit does not support early_stopping=True")
        first = not hasattr(self, "classes_")
        if first and classes is None:
            raise ValueError("MLPClassifier.partial_fit: classes must be passed on the first call")
        if classes is not None:
            classes = np.unique(classes)
            if not first and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"MLPClassifier.partial_fit: classes={classes} is not classes_={self.classes_}"
                )
        X, y = validate_data(self, X, y, dtype=np.float32, reset=first)
        check_classification_targets(y)
        known = classes if first else self.classes_
        unknown = np.setdiff1d(np.unique(y), known)
        if unknown.size:
            raise ValueError(
                f"MLPClassifier.partial_fit: y has labels {unknown} not in classes {known}"
            )
        if first:
            self.classes_ = classes
            self._initialize(X.shape[1], hidden)
        return self._train(X, np.searchsorted(self.classes_, y), incremental=True)

    def _check_params(self):
        """Check the hyper-parameters (at fit, as scikit-learn does); returns the hidden sizes."""
        name = "MLPClassifier"
        sizes = self.hidden_layer_sizes
        hidden = [sizes] if isinstance(sizes, numbers.Integral) else list(sizes)
        if not all(_is_positive_int(h) for h in hidden):
            raise ValueError(f"{name}: hidden_layer_sizes must be positive ints, got {sizes!r}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(
                f"{name}: activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}"
            )
        if self.solver not in _SOLVERS:
            hint = " (badak has no L-BFGS solver)" if self.solver == "lbfgs" else ""
            raise ValueError(
                f"{name}: solver={self.solver!r} is not supported{hint}; use 'adam' or 'sgd'"
            )
        if not (self.batch_size == "auto" or _is_positive_int(self.batch_size)):
            raise ValueError(
                f"{name}: batch_size must be 'auto' or an int >= 1, got {self.batch_size!r}"
            )
        checks = [
            ("alpha", self.alpha, lambda v: v >= 0, ">= 0"),
            ("learning_rate_init", self.learning_rate_init, lambda v: v > 0, "> 0"),
            ("tol", self.tol, lambda v: v >= 0, ">= 0"),
            ("validation_fraction", self.validation_fraction, lambda v: 0 <= v < 1, "in [0, 1)"),
            ("label_smoothing", self.label_smoothing, lambda v: 0 <= v <= 1, "in [0, 1]"),
            ("n_iter_no_change", self.n_iter_no_change, lambda v: v >= 1, ">= 1 (or np.inf)"),
            ("max_iter", self.max_iter, _is_positive_int, "an int >= 1"),
        ]
        for key, value, ok, expected in checks:
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not ok(value):
                raise ValueError(f"{name}: {key} must be {expected}, got {value!r}")
        return hidden

    def _initialize(self, n_features, hidden):
        """A fresh network, optimizer, generator and record of the training."""
        self._rng = _generator(self.random_state)
        sizes = [n_features, *hidden, len(self.classes_)]
        layers = []
        for i, (fan_in, fan_out) in enumerate(pairwise(sizes)):
            if i and _ACTIVATIONS[self.activation] is not None:
                layers.append(_ACTIVATIONS[self.activation]())
            layers.append(nn.Linear(fan_in, fan_out, generator=self._rng))
        self._network = nn.Sequential(*layers)
        if self.solver == "adam":
            self._optimizer = Adam(self._network.parameters(), lr=self.learning_rate_init)
        else:
            self._optimizer = SGD(
                self._network.parameters(), lr=self.learning_rate_init, momentum=0.9, nesterov=True
            )
        self._link_arrays()
        self.n_layers_, self.n_outputs_, self.out_activation_ = len(sizes), sizes[-1], "softmax"
        self.n_iter_ = 0
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self.best_loss_ = None if self.early_stopping else np.inf
        self.validation_scores_ = [] if self.early_stopping else None
        self.best_validation_score_ = -np.inf if self.early_stopping else None

    def _link_arrays(self):
        linears = [m for m in self._network if isinstance(m, nn.Linear)]
        self.coefs_ = [layer.weight.numpy().T for layer in linears]
        self.intercepts_ = [layer.bias.numpy() for layer in linears]

    def _train(self, X, y, incremental):
        """Epochs of mini-batch steps on float32 X (N, D) and class indices y (N,), by badak's
        training loop, with scikit-learn's stopping rules after each epoch."""
        X_val = y_val = best = None
        if self.early_stopping:
            X, X_val, y, y_val = train_test_split(
                X,
                y,
                test_size=self.validation_fraction,
                stratify=y,
                random_state=int(self._rng.integers(2**31)),
            )
            if len(y_val) < 2:
                raise ValueError(
                    "MLPClassifier: the validation set is too small; increase "
                    "validation_fraction or the size of the data"
                )
        n = len(y)
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(
                    f"MLPClassifier: batch_size={self.batch_size} is larger than the "
                    f"{n} samples; it is clipped"
                )
            batch_size = min(self.batch_size, n)
        loader = DataLoader(
            TensorDataset(Tensor(X), Tensor(y)),
            batch_size=batch_size,
            shuffle=True,
            generator=self._rng,
        )

        def end_of_epoch(epoch, loss, accuracy):
            nonlocal best
            self.n_iter_ += 1
            self.loss_ = loss
            self.loss_curve_.append(loss)
            if self.early_stopping:
                best = self._record_validation(X_val, y_val, best)
            else:
                self._record_loss()
            return self._converged()

        self.n_iter_ = 0
        try:
            fit(self._network, self._optimizer, loader, 1 if incremental else self.max_iter,
                loss_fn=self._batch_loss, end_of_epoch=end_of_epoch)  # fmt: skip
            diverged = not all(np.isfinite(p.numpy()).all() for p in self._network.parameters())
        except TrainingDiverged:
            diverged = True
        if diverged:
            raise ValueError(
                "MLPClassifier: training produced non-finite weights; the input may hold large "
                "values and need scaling (StandardScaler)"
            )
        if not (incremental or self._converged()):
            warnings.warn(
                f"MLPClassifier: max_iter={self.max_iter} epochs reached and the "
                "optimization has not converged yet",
                ConvergenceWarning,
            )
        if best is not None:
            for p, array in zip(self._network.parameters(), best):
                p.numpy()[...] = array
        return self

    def _converged(self):
        return self._no_improvement_count > self.n_iter_no_change

    def _batch_loss(self, logits, y):
        """Mean cross-entropy of a batch plus scikit-learn's L2 penalty, a Tensor ()."""
        loss = cross_entropy(logits, y, label_smoothing=self.label_smoothing)
        if self.alpha:
            penalty = _SquaredNorm()(*self._weights())
            loss = loss + penalty * (0.5 * self.alpha / len(y))
        return loss

    def _weights(self):
        return [m.weight for m in self._network if isinstance(m, nn.Linear)]

    def _record_loss(self):
        """scikit-learn's rule on the training loss: count epochs that did not gain tol."""
        loss = self.loss_curve_[-1]
        if loss > self.best_loss_ - self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        self.best_loss_ = min(self.best_loss_, loss)

    def _record_validation(self, X_val, y_val, best):
        """scikit-learn's rule on validation accuracy; returns copies of the best weights."""
        score = float(np.mean(self._logits(X_val).argmax(axis=1) == y_val))
        self.validation_scores_.append(score)
        if score < self.best_validation_score_ + self.tol:
            self._no_improvement_count += 1
        else:
            self._no_improvement_count = 0
        if score > self.best_validation_score_:
            self.best_validation_score_ = score
            best = [p.numpy().copy() for p in self._network.parameters()]
        return best

    # --- prediction ---------------------------------------------------------------------------
    def _logits(self, X):
        """(N, C) float64 scores of X (N, D).

        The float32 parameters are applied in float64 (NumPy's promotion): in float32 a row's
        scores change in the last bits with the rows beside it (BLAS kernels sum in different
        orders for different batch sizes), enough to fail scikit-learn's batch-invariance check.
        """
        with no_grad():
            return self._network(Tensor(np.asarray(X, dtype=np.float64))).numpy()

    def _checked_logits(self, X):
        check_is_fitted(self)
        return self._logits(validate_data(self, X, dtype=np.float64, reset=False))

    def predict(self, X):
        """The most probable label of each row of X (N, D): shape (N,), classes_' dtype."""
        logits = self._checked_logits(X)
        return self.classes_[logits.argmax(axis=1)]

    def predict_log_proba(self, X):
        """Log-probabilities (N, C), float64, columns in the order of classes_."""
        with no_grad():
            return log_softmax(Tensor(self._checked_logits(X)), dim=1).numpy()

    def predict_proba(self, X):
        """Class probabilities (N, C), float64; rows sum to 1."""
        return np.exp(self.predict_log_proba(X))

    # --- scikit-learn protocol ------------------------------------------------------------------
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_label = False
        return tags

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_network" in state:
            self._link_arrays()  # unpickled views would be copies


class _SquaredNorm(Function):
    """The sum of the squares of every entry of every weight, in one op: scikit-learn's L2
    penalty without a graph node per weight. Shapes: weights of any shapes -> ()."""

    def forward(self, *weights):
        total = sum(np.dot(w.ravel(order="K"), w.ravel(order="K")) for w in weights)
        return np.asarray(total, dtype=weights[0].dtype)

    def backward(self, grad):
        return tuple(w * (grad * 2) for w in self.inputs)


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def _generator(random_state):
    """A np.random.Generator from scikit-learn's kinds of random_state."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(2**31))
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    raise ValueError(
        f"MLPClassifier: random_state must be None, an int, a Generator or a RandomState, "
        f"got {random_state!r}"
    )
