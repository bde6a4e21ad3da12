"""DeZero's functions (`dezero.functions`, imported as F) over badak's engine.

Names, signatures and defaults are DeZero's: `axis=1` for the softmax family, `sum(x, axis=None,
keepdims=False)`, `dropout(x, dropout_ratio=0.5)` reading `Config.train`. Every function takes
Variables, ndarrays or numbers and returns a Variable. Where badak has an op with DeZero's meaning
it is used (its result on a Variable is a Variable); where DeZero differs from badak (max/min
hand the full gradient to every tied maximum, sigmoid computed through tanh, get_item with NumPy's
indexing rule, the running statistics of batch_norm) the op is written here, with its backward on
Variables so that gradients can be differentiated again.
"""

import builtins

from badak import functions as _F
from badak.device import np
from badak.dezero.core import Config, Function, Variable, as_array, as_variable
from badak.functions.elementwise import Clamp
from badak.functions.linalg import MatMul as _MatMul
from badak.functions.reduce import MaskedReduce
from badak.functions.shape import GetItem as _GetItem
from badak.functions.shape import GetItemGrad as _GetItemGrad
from badak.functions.shape import Permute, as_index


# ----------------------------------------------------------------------------------------------
# sin / cos / tanh / exp / log
# ----------------------------------------------------------------------------------------------
def sin(x):
    return _F.sin(as_variable(x))


def cos(x):
    return _F.cos(as_variable(x))


def tanh(x):
    return _F.tanh(as_variable(x))


def exp(x):
    return _F.exp(as_variable(x))


def log(x):
    return _F.log(as_variable(x))


# ----------------------------------------------------------------------------------------------
# reshape / transpose / get_item / expand_dims / flatten
# ----------------------------------------------------------------------------------------------
def reshape(x, shape):
    """x with a new shape (one entry may be -1); x itself when the shape is already right."""
    x = as_variable(x)
    if x.shape == shape:
        return x
    return _F.reshape(x, shape)


class Transpose(Permute):
    """badak's Permute under DeZero's name (as computational graphs show it)."""


def transpose(x, axes=None):
    """x with its axes reordered (reversed when axes is None), as ndarray.transpose."""
    x = as_variable(x)
    ndim = x.ndim
    dims = tuple(range(ndim - 1, -1, -1)) if axes is None else tuple(a % ndim for a in axes)
    if sorted(dims) != list(range(ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of {ndim} axes")
    return Transpose()(x, dims=dims)


class GetItem(_GetItem):
    """x[index] with NumPy's rules, also in the backward of its backward."""

    def backward(self, grad):
        return (GetItemGrad()(grad, index=self.index, shape=self.input_shape),)


class GetItemGrad(_GetItemGrad):
    """Scatters a gradient into zeros of the indexed shape; repeated indices accumulate."""

    def backward(self, grad):
        return (GetItem()(grad, index=self.index),)


def get_item(x, slices):
    """x[slices] with NumPy's indexing rules; repeated indices accumulate their gradients."""
    return GetItem()(as_variable(x), index=as_index(slices))


def expand_dims(x, axis):
    """x with a size-1 axis inserted where list.insert(axis, 1) puts it in the shape."""
    x = as_variable(x)
    shape = list(x.shape)
    shape.insert(axis, 1)
    return reshape(x, tuple(shape))


def flatten(x):
    """x as (batch, features): every axis after the first merged into one."""
    x = as_variable(x)
    return reshape(x, (x.shape[0], -1))


# ----------------------------------------------------------------------------------------------
# sum / sum_to / broadcast_to / average / matmul / linear
# ----------------------------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False):
    return _F.sum(as_variable(x), axis=axis, keepdims=keepdims)


def sum_to(x, shape):
    """x summed down to `shape`, the inverse of broadcast_to."""
    x = as_variable(x)
    if x.shape == shape:
        return x
    return _F.sum_to(x, shape)


def broadcast_to(x, shape):
    x = as_variable(x)
    if x.shape == shape:
        return x
    return _F.broadcast_to(x, shape)


def average(x, axis=None, keepdims=False):
    """Mean over `axis`, computed as DeZero does: the sum times (output size / input size)."""
    x = as_variable(x)
    y = sum(x, axis, keepdims)
    return y * (y.data.size / x.data.size)


mean = average

# A BLAS picks its summation order by CPU, so the last digits of a product change from machine to
# machine. Small products (the book's examples: up to 4096 multiply-adds, a few microseconds more
# than BLAS) are summed here in one fixed order instead: two interleaved partial sums over k (even
# and odd k), added at the end, the order of the two-lane SIMD kernels that printed the book's
# numbers. Larger products go to BLAS.
_FIXED_ORDER_LIMIT = 1 << 12


def _dot(a, b):
    """a @ b; for small 2-D floating operands, bitwise the same on every machine."""
    if (
        a.ndim == 2
        and b.ndim == 2
        and a.shape[1] == b.shape[0]
        and a.shape[1] > 0
        and a.dtype.kind == "f"
        and b.dtype.kind == "f"
        and a.shape[0] * a.shape[1] * b.shape[1] <= _FIXED_ORDER_LIMIT
    ):
        terms = a[:, :, None] * b[None, :, :]  # (N, K, M): each product rounded once
        # accumulate is sequential by definition: s_k = s_(k-1) + t_k
        total = np.add.accumulate(terms[:, 0::2], axis=1)[:, -1]
        if a.shape[1] > 1:
            total = total + np.add.accumulate(terms[:, 1::2], axis=1)[:, -1]
        return total
    return np.matmul(a, b)


class MatMul(_MatMul):
    """badak's matmul (NumPy's rules, any batch dims), with small products in a fixed order."""

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return _dot(a, b)


def matmul(x, W):
    return MatMul()(as_variable(x), W)


class Linear(Function):
    """x @ W + b with W of shape (in, out), as DeZero's layers hold it."""

    def forward(self, x, W, b):
        y = _dot(x, W)
        if b is not None:
            y = y + b
        return y

    def backward(self, gy):
        x, W, b = self.inputs
        gb = None if b.data is None else sum_to(gy, b.shape)
        return matmul(gy, W.T), matmul(x.T, gy), gb


def linear(x, W, b=None):
    """x @ W + b in one step. Shapes: x (N, D), W (D, H), b (H,) or None -> (N, H)."""
    return Linear()(x, W, b)


def linear_simple(x, W, b=None):
    """linear built from matmul and +.

    DeZero drops the product's array here (`t.data = None`); badak's engine checks each gradient
    against its variable's shape, so the array is kept.
    """
    t = matmul(x, W)
    if b is None:
        return t
    return t + b


# ----------------------------------------------------------------------------------------------
# sigmoid / relu / softmax / log_softmax / leaky_relu
# ----------------------------------------------------------------------------------------------
def sigmoid_simple(x):
    x = as_variable(x)
    return 1 / (1 + exp(-x))


class Sigmoid(Function):
    """1 / (1 + exp(-x)) computed as tanh(x / 2) / 2 + 1/2: no overflow, DeZero's digits."""

    saves_output = True

    def forward(self, x):
        return np.tanh(x * 0.5) * 0.5 + 0.5

    def backward(self, gy):
        y = self.output
        return gy * y * (1 - y)


def sigmoid(x):
    return Sigmoid()(x)


def relu(x):
    """max(x, 0); the gradient at 0 is 0."""
    return _F.relu(as_variable(x))


def softmax_simple(x, axis=1):
    x = as_variable(x)
    y = exp(x)
    sum_y = sum(y, axis=axis, keepdims=True)
    return y / sum_y


def softmax(x, axis=1):
    """exp(x - max) / sum(exp(x - max)) along `axis` (1 by default, as in DeZero)."""
    return _F.softmax(as_variable(x), axis)


def log_softmax(x, axis=1):
    """log(softmax(x)) along `axis`, computed stably."""
    return _F.log_softmax(as_variable(x), axis)


def leaky_relu(x, slope=0.2):
    """x where x > 0, else slope * x."""
    return _F.leaky_relu(as_variable(x), slope)


# ----------------------------------------------------------------------------------------------
# losses: mean_squared_error / softmax_cross_entropy / sigmoid_cross_entropy / binary_cross_entropy
# ----------------------------------------------------------------------------------------------
def mean_squared_error_simple(x0, x1):
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
    return MeanSquaredError()(x0, x1)


def softmax_cross_entropy_simple(x, t):
    """-mean(log(softmax(x))[n, t[n]]), built from softmax, clip (to keep log finite) and log."""
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
    """Binary cross-entropy of sigmoid(x) against t, summed and divided by len(x)."""
    if x.ndim != t.ndim:
        t = t.reshape(*x.shape)
    x, t = as_variable(x), as_variable(t)
    N = len(x)
    p = sigmoid(x)
    p = clip(p, 1e-15, 1.0)
    tlog_p = t * log(p) + (1 - t) * log(1 - p)
    return -1 * sum(tlog_p) / N


def binary_cross_entropy(p, t):
    """Binary cross-entropy of probabilities p against t, summed and divided by len(t)."""
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
    """Fraction of rows whose argmax is t; not differentiable."""
    y, t = as_variable(y), as_variable(t)
    pred = y.data.argmax(axis=1).reshape(t.shape)
    return Variable(as_array((pred == t.data).mean()))


def dropout(x, dropout_ratio=0.5):
    """In training (Config.train), zero each element with probability dropout_ratio and scale the
    rest by 1 / (1 - dropout_ratio); the mask comes from NumPy's global RNG, as in DeZero."""
    x = as_variable(x)
    if not Config.train:
        return x
    mask = np.random.rand(*x.shape) > dropout_ratio
    scale = np.array(1.0 - dropout_ratio).astype(x.dtype)
    return x * mask / scale


class BatchNorm(Function):
    """gamma * (x - mean) / sqrt(var + eps) + beta over the batch (and H, W for 4-D x).

    In training the batch's statistics are used and the running `mean` and `var` arrays are
    updated in place (var with the unbiased estimate); in test mode the running ones are used.
    """

    def __init__(self, mean, var, decay, eps):
        self.avg_mean = mean
        self.avg_var = var
        self.decay = decay
        self.eps = eps
        self.inv_std = None

    def forward(self, x, gamma, beta):
        if x.ndim not in (2, 4):
            raise ValueError(f"batch_norm: expected x of 2 or 4 dims, got shape {x.shape}")
        x_shape = x.shape
        if x.ndim == 4:  # (N, C, H, W) -> (N*H*W, C)
            x = x.transpose(0, 2, 3, 1).reshape(-1, x_shape[1])
        self.train = Config.train
        if self.train:
            mean = x.mean(axis=0)
            var = x.var(axis=0)
            self.inv_std = 1 / np.sqrt(var + self.eps)
            xc = (x - mean) * self.inv_std
            m = x.size // gamma.size
            adjust = m / builtins.max(m - 1.0, 1.0)  # unbiased variance
            self.avg_mean *= self.decay
            self.avg_mean += (1 - self.decay) * mean
            self.avg_var *= self.decay
            self.avg_var += (1 - self.decay) * adjust * var
        else:
            self.inv_std = 1 / np.sqrt(self.avg_var + self.eps)
            xc = (x - self.avg_mean) * self.inv_std
        y = gamma * xc + beta
        if len(x_shape) == 4:
            N, C, H, W = x_shape
            y = y.reshape(N, H, W, C).transpose(0, 3, 1, 2)
        return y

    def backward(self, gy):
        x, gamma, _ = self.inputs
        shape = gy.shape
        if gy.ndim == 4:
            N, C, H, W = shape
            gy = gy.transpose(0, 2, 3, 1).reshape(-1, C)
            x = x.transpose(0, 2, 3, 1).reshape(-1, C)
        batch_size = len(gy)
        if self.train:  # the statistics again, as Variables of x: gradients of gradients hold
            centred = x - sum(x, axis=0) / batch_size
            inv_std = (sum(centred * centred, axis=0) / batch_size + self.eps) ** -0.5
            xc = centred * inv_std
        else:
            inv_std = self.inv_std
            xc = (x - self.avg_mean) * inv_std
        gbeta = sum(gy, axis=0)
        ggamma = sum(xc * gy, axis=0)
        if self.train:  # the batch statistics depend on x too
            gx = gy - gbeta / batch_size - xc * ggamma / batch_size
        else:
            gx = gy
        gx = gx * (gamma * inv_std)
        if len(shape) == 4:
            gx = gx.reshape(N, H, W, C).transpose(0, 3, 1, 2)
        return gx, ggamma, gbeta


def batch_norm(x, gamma, beta, mean, var, decay=0.9, eps=2e-5):
    """Batch normalisation; `mean` and `var` are the running statistics (arrays, updated in
    place in training). Shapes: x (N, C) or (N, C, H, W); gamma, beta, mean, var (C,)."""
    mean = mean.data if isinstance(mean, Variable) else mean
    var = var.data if isinstance(var, Variable) else var
    return BatchNorm(mean, var, decay, eps)(x, gamma, beta)


batch_nrom = batch_norm  # DeZero's spelling


def embed_id(x, W):
    """The rows of W named by the indices x."""
    return get_item(W, x)


# ----------------------------------------------------------------------------------------------
# max / min / clip
# ----------------------------------------------------------------------------------------------
class Max(MaskedReduce):
    """Maximum over axes; every element equal to the maximum receives the full gradient."""


class Min(MaskedReduce):
    """Minimum over axes; every element equal to the minimum receives the full gradient."""


def _extreme(cls, pick, x, axis, keepdims):
    x = as_variable(x)
    ndim = x.ndim
    if axis is None:
        axes = tuple(range(ndim))
    else:
        axes = tuple(
            sorted(a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        )
    data = x.data
    kept = pick(data, axis=axes, keepdims=True)
    mask = (data == kept).astype(data.dtype)
    values = (
        kept if keepdims else kept.reshape([s for i, s in enumerate(data.shape) if i not in axes])
    )
    return cls()(x, axes=axes, keepdim=keepdims, values=values, weights=mask)


def max(x, axis=None, keepdims=False):
    return _extreme(Max, np.max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    return _extreme(Min, np.min, x, axis, keepdims)


class Clip(Clamp):
    """badak's Clamp under DeZero's name: the gradient passes where x_min <= x <= x_max."""


def _bound(value, x):
    """A NumPy scalar bound in x's floating dtype, as NumPy 1 promoted it (no float64 creeps in)."""
    if x.dtype.kind == "f" and isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        return x.dtype.type(value)
    return value


def clip(x, x_min, x_max):
    """x limited to [x_min, x_max]."""
    x = as_variable(x)
    return Clip()(x, _bound(x_min, x), _bound(x_max, x))


# ----------------------------------------------------------------------------------------------
# basic arithmetic, as DeZero's functions module re-exports it from its core
# ----------------------------------------------------------------------------------------------
def add(x0, x1):
    return as_variable(x0) + x1


def sub(x0, x1):
    return as_variable(x0) - x1


def rsub(x0, x1):
    return x1 - as_variable(x0)


def mul(x0, x1):
    return as_variable(x0) * x1


def div(x0, x1):
    return as_variable(x0) / x1


def rdiv(x0, x1):
    return x1 / as_variable(x0)


def neg(x):
    return -as_variable(x)


def pow(x, c):
    return as_variable(x) ** c


# ----------------------------------------------------------------------------------------------
# conv2d / deconv2d / im2col / col2im / pooling, from functions_conv as DeZero re-exports them.
# Imported on first use: functions_conv itself imports this module.
# ----------------------------------------------------------------------------------------------
_CONV_NAMES = (
    "conv2d",
    "deconv2d",
    "conv2d_simple",
    "im2col",
    "col2im",
    "pooling_simple",
    "pooling",
    "average_pooling",
)


def __getattr__(name):
    if name in _CONV_NAMES:
        from badak.dezero import functions_conv

        value = getattr(functions_conv, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_CONV_NAMES))
