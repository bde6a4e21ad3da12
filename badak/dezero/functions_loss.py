"""DeZero's losses and the functions its layers use (mean_squared_error, softmax_cross_entropy,
sigmoid_cross_entropy, binary_cross_entropy, accuracy, dropout, batch_norm, embed_id), part of
`dezero.functions` (which re-exports every name here).
"""

from badak import functions as _F
from badak.device import np
from badak.dezero.core import Config, Function, Variable, as_array, as_variable
from badak.dezero.functions import broadcast_to, clip, get_item, log, sigmoid, softmax, sum, sum_to
from badak.functions.normalization import normalize_batch


# ----------------------------------------------------------------------------------------------
# losses: mean_squared_error / softmax_cross_entropy / sigmoid_cross_entropy / binary_cross_entropy
# ----------------------------------------------------------------------------------------------
def mean_squared_error_simple(x0, x1):
    """mean_squared_error built from -, ** and sum, as DeZero's: sum((x0 - x1) ** 2) / len(x0 - x1).

    Shape: x0 (N, *) and x1, broadcast -> ().
    """
    x0, x1 = as_variable(x0), as_variable(x1)
    diff = x0 - x1
    return sum(diff**2) / len(diff)


class MeanSquaredError(Function):
    """sum((x0 - x1) ** 2) / len(x0 - x1): the squared error summed, divided by the batch size."""

    def forward(self, x0, x1):
        diff = x0 - x1
        return (diff**2).sum() / len(diff)

    def backward(self, gy):
        x0, x1 = self.inputs
        diff = x0 - x1
        gx = broadcast_to(gy, diff.shape) * diff * (2.0 / len(diff))
        return sum_to(gx, x0.shape), sum_to(-gx, x1.shape)


def mean_squared_error(x0, x1):
    """The squared error summed and divided by the batch size len(x0 - x1), as DeZero's (so not
    PyTorch's mse_loss, which divides by the number of elements):

        sum((x0 - x1) ** 2) / len(x0 - x1)

    Shape: x0 (N, *) and x1, broadcast -> ().
    """
    return MeanSquaredError()(x0, x1)


def softmax_cross_entropy_simple(x, t):
    """-mean(log(softmax(x))[n, t[n]]), built from softmax, clip (to keep log finite) and log.

    Shape: x (N, C) scores, t (N,) class indices -> ().
    """
    x, t = as_variable(x), as_variable(t)
    N = x.shape[0]
    p = softmax(x)
    p = clip(p, 1e-15, 1.0)
    log_p = log(p)
    tlog_p = log_p[np.arange(N), t.data]
    return -1 * sum(tlog_p) / N


def softmax_cross_entropy(x, t):
    """Mean over the batch of -log softmax(x)[n, t[n]]; x (N, C), t N class indices (any shape).

    badak's fused cross_entropy: accurate for confident rows, gradient (softmax(x) - onehot) / N.
    """
    t = t.data if isinstance(t, Variable) else np.asarray(t)
    return _F.cross_entropy(as_variable(x), t.ravel())


def sigmoid_cross_entropy(x, t):
    """Binary cross-entropy of sigmoid(x) against t, summed and divided by len(x), as DeZero's;
    p = sigmoid(x) is clipped to [1e-15, 1] before its log.

    Shape: x (N, *) logits; t 0/1 targets of x's size (reshaped to x's shape) -> ().
    """
    if x.ndim != t.ndim:
        t = t.reshape(*x.shape)
    x, t = as_variable(x), as_variable(t)
    N = len(x)
    p = sigmoid(x)
    p = clip(p, 1e-15, 1.0)
    tlog_p = t * log(p) + (1 - t) * log(1 - p)
    return -1 * sum(tlog_p) / N


def binary_cross_entropy(p, t):
    """Binary cross-entropy of probabilities p against t, summed and divided by len(t), as
    DeZero's; p is clipped to [1e-15, 0.999] before its logs.

    Shape: p (N, *); t 0/1 targets of p's size (reshaped to p's shape) -> ().
    """
    if p.ndim != t.ndim:
        t = t.reshape(*p.shape)
    N = len(t)
    p = clip(p, 1e-15, 0.999)
    tlog_p = t * log(p) + (1 - t) * log(1 - p)
    return -1 * sum(tlog_p) / N


# ----------------------------------------------------------------------------------------------
# accuracy / dropout / batch_norm / embed_id
# ----------------------------------------------------------------------------------------------
def accuracy(y, t):
    """Fraction of rows whose argmax is t, as a float64 Variable; not differentiable.

    Shape: y (N, C) scores, t (N,) class indices -> ().
    """
    y, t = as_variable(y), as_variable(t)
    pred = y.data.argmax(axis=1).reshape(t.shape)
    return Variable(as_array((pred == t.data).mean()))


def dropout(x, dropout_ratio=0.5):
    """In training (Config.train), zero each element with probability dropout_ratio and scale the
    rest by 1 / (1 - dropout_ratio); the mask comes from NumPy's global RNG, as in DeZero.

    badak.functions.dropout draws from badak's generator; DeZero's programs seed NumPy's.

    Shape: x (*) -> (*); x itself in test mode.
    """
    x = as_variable(x)
    if not Config.train:
        return x
    mask = np.random.rand(*x.shape) > dropout_ratio
    scale = np.array(1.0 - dropout_ratio).astype(x.dtype)
    return x * mask / scale


def batch_norm(x, gamma, beta, mean, var, decay=0.9, eps=2e-5):
    """Batch normalisation over the batch (and H, W for 4-D x) by badak's batch_norm, in
    training (Config.train) with the batch's statistics, moving the running `mean` and `var`
    arrays in place (var by the unbiased estimate), else with them.

    Shapes: x (N, C) or (N, C, H, W); gamma, beta, mean, var (C,).
    """
    x = as_variable(x)
    if x.ndim not in (2, 4):
        raise ValueError(f"batch_norm: expected x of 2 or 4 dims, got shape {x.shape}")
    mean = mean.data if isinstance(mean, Variable) else mean
    var = var.data if isinstance(var, Variable) else var
    return normalize_batch(x, mean, var, as_variable(gamma), as_variable(beta), Config.train,
                           1 - decay, eps)  # fmt: skip


batch_nrom = batch_norm  # DeZero's spelling


def embed_id(x, W):
    """The rows of W named by the indices x (W[x]); repeated indices accumulate W's gradient.

    Shape: x (*) integer indices, W (V, D) -> (*, D), e.g. x (N, L) gives (N, L, D).
    """
    return get_item(W, x)
