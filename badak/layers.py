"""Book-1 layers ("Deep Learning from Scratch", chapters 5-6) on plain arrays, no autograd.

Each layer has `forward` and a hand-written `backward(dout)` that returns the gradient wrt its
input and keeps its parameters' gradients as attributes (`Affine.dW`, `Affine.db`), as the book's
`common/layers.py` does. Where the book and the seeds differ, the book wins, with three repairs:
`Relu.backward` leaves its argument alone (the book writes zeros into `dout`), `SoftmaxWithLoss`
takes index or one-hot labels with a forward and backward that agree for both, and `softmax`
and `sigmoid` cannot overflow.

Shapes: N batch, D features, H outputs of a layer, C classes.
"""

from badak import functions
from badak.device import np

__all__ = [
    "Affine", "BatchNormalization", "Dropout", "Relu", "Sigmoid", "SoftmaxWithLoss",
    "SoftmaxWithloss", "cross_entropy_error", "numerical_gradient", "relu", "sigmoid", "softmax",
]  # fmt: skip


def sigmoid(x):
    """1 / (1 + exp(-x)) elementwise (badak.functions.sigmoid, which cannot overflow).
    Shape: same as x."""
    return functions.sigmoid(_floating(x))


def relu(x):
    """max(0, x) elementwise (badak.functions.relu). Shape: same as x."""
    return functions.relu(np.asarray(x))


def softmax(x):
    """exp(x) / sum(exp(x)) along the last axis: a (C,) vector, or each row of an (N, C) batch
    (badak.functions.softmax: the row maximum is subtracted first, so exp cannot overflow). The
    book's version transposes a 2-D batch and reduces along axis 0; the last axis does the same.
    """
    return functions.softmax(_floating(x), -1)


def _floating(x):
    """x as an array of a floating dtype (integer input computes in float64, as NumPy's would)."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _labels(who, y, t):
    """Labels for probabilities y (C,) or (N, C): ('one-hot', t as (N, C)) or ('index', (N,))."""
    t = np.asarray(t)
    n, c = (1, y.size) if y.ndim == 1 else y.shape
    if t.shape == y.shape:  # one-hot rows (or any class probabilities)
        return "one-hot", t.reshape(n, c)
    if t.dtype == np.bool_ or not np.issubdtype(t.dtype, np.integer):
        raise TypeError(
            f"{who}: labels must be one-hot with y's shape {y.shape} or integer class indices, "
            f"got {t.dtype} of shape {t.shape}"
        )
    if t.size != n:
        raise ValueError(
            f"{who}: expected {n} class indices for y of shape {y.shape}, got shape {t.shape}"
        )
    t = t.reshape(n)
    bad = np.flatnonzero((t < 0) | (t >= c))
    if bad.size:
        i = int(bad[0])
        raise IndexError(f"{who}: t[{i}] = {t[i]} is not a class index in [0, {c})")
    return "index", t


def cross_entropy_error(y, t):
    """Mean over the batch of -sum_k t_k log(y_k + 1e-7), as the book computes it.

    Args:
        y: probabilities (softmax output), shape (C,) or (N, C); a (C,) vector is a batch of one.
        t: one-hot labels (or class probabilities) shaped like y, or class indices, shape () / (N,).
    Returns:
        a float: the loss summed over the batch and divided by N.

    The 1e-7 keeps log away from log(0) = -inf where a probability underflows to 0.
    """
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        raise ValueError(f"cross_entropy_error: y must have shape (C,) or (N, C), got {y.shape}")
    kind, t = _labels("cross_entropy_error", y, t)
    y = y.reshape(len(t), -1)
    n = y.shape[0]
    if kind == "one-hot":
        return -np.sum(t * np.log(y + 1e-7)) / n
    return -np.sum(np.log(y[np.arange(n), t] + 1e-7)) / n


def numerical_gradient(f, x, h=1e-4):
    """d f(x) / dx by central differences, (f(x + h) - f(x - h)) / 2h, one element at a time.

    Args:
        f: a function of x returning a number; it may ignore its argument and read x (or an array
            that shares x's memory) itself, as the book's `lambda W: net.loss(x, t)` does.
        x: a floating array, changed in place during the call and restored afterwards.
    Returns:
        the gradient, shape and dtype of x.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            "numerical_gradient: x must be a floating NumPy array (it is nudged in place by h), "
            f"got {type(x).__name__} {getattr(x, 'dtype', '')}"
        )
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        saved = x[idx].copy()
        try:
            x[idx] = saved + h
            f_plus = f(x)
            x[idx] = saved - h
            f_minus = f(x)
        finally:
            x[idx] = saved
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


class Relu:
    """max(0, x); `mask` marks where x <= 0. forward: shape any; backward: dout shaped as x."""

    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        # The book writes the zeros into dout itself; a copy leaves the caller's array intact.
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Sigmoid:
    """1 / (1 + exp(-x)); backward uses the saved output: dx = dout * (1 - out) * out."""

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


class Affine:
    """out = x @ W + b, with W (D, H) and b (H,).

    forward: x of shape (N, D), or (N, d1, d2, ...) flattened to (N, D) as the book does for a
    convolution's output, or one sample (D,). Returns (N, H), or (H,) for one sample.
    backward(dout): returns dx shaped as the x given to forward, and keeps `dW` (D, H) and `db`
    (H,). (A seed's version returned (dx, dW, db); the book's returns dx alone, as here, so
    layers chain: `dout = layer.backward(dout)` for every layer.)
    """

    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    def forward(self, x):
        if x.ndim == 0:
            raise ValueError("Affine.forward: x must have shape (N, D), (N, ...) or (D,), got ()")
        self.original_x_shape = x.shape
        self.x = x.reshape(1, -1) if x.ndim == 1 else x.reshape(x.shape[0], -1)
        out = np.dot(self.x, self.W) + self.b
        return out[0] if x.ndim == 1 else out

    def backward(self, dout):
        dout = dout.reshape(self.x.shape[0], -1)
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(self.original_x_shape)


class SoftmaxWithLoss:
    """softmax followed by cross_entropy_error: the output layer of a classifier.

    forward(x, t): scores x (N, C) or (C,); labels t one-hot shaped like x, or class indices
    (N,) (a scalar for one sample). Returns the mean loss (a float) and keeps `y`, `t`, `loss`.
    backward(dout=1): dx = dout * (softmax(x) - one_hot(t)) / N, shaped as x, for either kind of
    label, so forward and backward agree (the seed 001 version handled one-hot labels only).
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        x = np.asarray(x)
        if x.ndim not in (1, 2):
            raise ValueError(f"SoftmaxWithLoss: x must have shape (C,) or (N, C), got {x.shape}")
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout=1):
        kind, t = _labels("SoftmaxWithLoss", self.y, self.t)
        y = self.y.reshape(len(t), -1)
        batch_size = y.shape[0]
        if kind == "one-hot":
            dx = (y - t) / batch_size
        else:
            dx = y.copy()
            dx[np.arange(batch_size), t] -= 1
            dx = dx / batch_size
        return (dx * dout).reshape(self.y.shape)


SoftmaxWithloss = SoftmaxWithLoss  # seed 001's spelling


class Dropout:
    """Zero each input with probability `dropout_ratio` while training (the book's Dropout).

    forward(x, train_flg=True): training keeps x where a uniform draw exceeds the ratio (`mask`);
    testing scales every input by 1 - dropout_ratio instead (the book does not rescale while
    training, unlike nn.Dropout). backward(dout): dout * mask. Shapes: any, out shaped as x.
    rng: an np.random.Generator; None draws from NumPy's global RNG with np.random.rand, as the
    book does, so a program seeded with np.random.seed gets the book's masks.
    """

    def __init__(self, dropout_ratio=0.5, rng=None):
        if isinstance(dropout_ratio, bool) or not 0 <= dropout_ratio < 1:
            raise ValueError(f"Dropout: dropout_ratio must be in [0, 1), got {dropout_ratio!r}")
        self.dropout_ratio = dropout_ratio
        self.rng = rng
        self.mask = None

    def forward(self, x, train_flg=True):
        if not train_flg:
            return x * (1.0 - self.dropout_ratio)
        draw = np.random.rand(*x.shape) if self.rng is None else self.rng.random(x.shape)
        self.mask = draw > self.dropout_ratio
        return x * self.mask

    def backward(self, dout):
        return dout * self.mask


class BatchNormalization:
    """Batch normalisation over the batch axis (the book's BatchNormalization, with the book's
    own backward and running statistics: its biased variance, unlike badak.functions.batch_norm).

        out = gamma * (x - mean) / sqrt(var + 1e-6) + beta

    forward(x, train_flg=True): x (N, D), or (N, ...) flattened to (N, D) per sample as the book
    does; training uses the batch's mean and variance and updates running_mean/running_var with
    `momentum`; testing uses the running statistics. gamma, beta: (D,). Output shaped as x.
    backward(dout): returns dx shaped as x and keeps `dgamma`, `dbeta` (D,).
    """

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.running_mean, self.running_var = running_mean, running_var
        self.input_shape = self.batch_size = self.xc = self.xn = self.std = None
        self.dgamma = self.dbeta = None

    def forward(self, x, train_flg=True):
        self.input_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        if self.running_mean is None:  # the book starts the running statistics at zero
            dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
            self.running_mean = np.zeros(x.shape[1], dtype)
            self.running_var = np.zeros(x.shape[1], dtype)
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = np.mean(xc**2, axis=0)
            std = np.sqrt(var + 10e-7)
            xn = xc / std
            self.batch_size = x.shape[0]
            self.xc, self.xn, self.std = xc, xn, std
            m = self.momentum
            self.running_mean = m * self.running_mean + (1 - m) * mu
            self.running_var = m * self.running_var + (1 - m) * var
        else:
            xc = x - self.running_mean
            xn = xc / np.sqrt(self.running_var + 10e-7)
        out = self.gamma * xn + self.beta
        return out.reshape(self.input_shape)

    def backward(self, dout):
        dout = dout.reshape(dout.shape[0], -1)
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc = dxc + (2.0 / self.batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        dx = dxc - dmu / self.batch_size
        return dx.reshape(self.input_shape)
