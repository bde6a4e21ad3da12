"""DeZero's functions (`dezero.functions`, imported as F) over badak's engine.

Names, signatures and defaults are DeZero's: `axis=1` for the softmax family, `sum(x, axis=None,
keepdims=False)`, `dropout(x, dropout_ratio=0.5)` reading `Config.train`. Every function takes
Variables, ndarrays or numbers and returns a Variable. Where badak has an op with DeZero's meaning
it is used (its result on a Variable is a Variable); where DeZero differs from badak (max/min
hand the full gradient to every tied maximum, sigmoid computed through tanh, get_item with NumPy's
indexing rule, the running statistics of batch_norm) the op is written here, with its backward on
Variables so that gradients can be differentiated again.
"""

import importlib
import inspect

from badak import functions as _F
from badak.device import np
from badak.dezero.core import Function, as_variable
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
    """Sine, elementwise, as DeZero's F.sin (integer input computed in float64, as NumPy).

    Shape: x (*) -> (*).
    """
    return _F.sin(as_variable(x))


def cos(x):
    """Cosine, elementwise, as DeZero's F.cos (integer input computed in float64, as NumPy).

    Shape: x (*) -> (*).
    """
    return _F.cos(as_variable(x))


def tanh(x):
    """Hyperbolic tangent, elementwise, as DeZero's F.tanh; its gradient is gy * (1 - y^2).

    Shape: x (*) -> (*).
    """
    return _F.tanh(as_variable(x))


def exp(x):
    """e^x, elementwise, as DeZero's F.exp (integer input computed in float64, as NumPy).

    Shape: x (*) -> (*).
    """
    return _F.exp(as_variable(x))


def log(x):
    """Natural logarithm, elementwise, as DeZero's F.log; its gradient is gy / x.

    Shape: x (*) -> (*).
    """
    return _F.log(as_variable(x))


# ----------------------------------------------------------------------------------------------
# reshape / transpose / get_item / expand_dims / flatten
# ----------------------------------------------------------------------------------------------
def reshape(x, shape):
    """x with a new shape (one entry may be -1); x itself when the shape is already right.

    Shape: x (*) -> `shape`, the same number of elements.
    """
    x = as_variable(x)
    if x.shape == shape:
        return x
    return _F.reshape(x, shape)


class Transpose(Permute):
    """badak's Permute under DeZero's name (as computational graphs show it)."""


def transpose(x, axes=None):
    """x with its axes reordered (reversed when axes is None), as ndarray.transpose and
    DeZero's F.transpose (`axes`, NumPy's name, where PyTorch's permute takes dims).

    Shape: x (N, D) -> (D, N) without axes; in general the result's axis i is x's axis axes[i].
    """
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
    """x[slices] with NumPy's indexing rules; repeated indices accumulate their gradients.

    Shape: NumPy's for x[slices]: x (N, D)[1] is (D,), x (N, D)[[0, 0, 1]] is (3, D).
    """
    return GetItem()(as_variable(x), index=as_index(slices))


def expand_dims(x, axis):
    """x with a size-1 axis inserted where list.insert(axis, 1) puts it in the shape.

    Shape: x (N, D) with axis 0 -> (1, N, D); with axis 1 -> (N, 1, D).
    """
    x = as_variable(x)
    shape = list(x.shape)
    shape.insert(axis, 1)
    return reshape(x, tuple(shape))


def flatten(x):
    """x as (batch, features): every axis after the first merged into one.

    Shape: x (N, *) -> (N, prod(*)), e.g. (N, C, H, W) -> (N, C * H * W).
    """
    x = as_variable(x)
    return reshape(x, (x.shape[0], -1))


# ----------------------------------------------------------------------------------------------
# sum / sum_to / broadcast_to / average / matmul / linear
# ----------------------------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False):
    """Sum over `axis` (an int or a tuple; all axes when None), as DeZero's F.sum: NumPy's
    `axis` and `keepdims` names, not PyTorch's dim and keepdim.

    Shape: x (*); with axis, the shape without those axes (kept as 1 with keepdims); without
    axis, () (all ones with keepdims).
    """
    return _F.sum(as_variable(x), axis=axis, keepdims=keepdims)


def sum_to(x, shape):
    """x summed down to `shape`, the inverse of broadcast_to, by DeZero's rule: over x's leading
    dims and the dims where `shape` is 1 (DeZero's tests also use it where the shapes do not
    broadcast: (10, 20, 20) to (10,) gives (20,)).

    Shape: x (N, D) to (1, D) gives (1, D); to (D,) gives (D,).
    """
    x = as_variable(x)
    if x.shape == shape:
        return x
    if len(shape) > x.ndim:
        raise ValueError(f"sum_to: cannot sum a variable of shape {x.shape} to {shape}, which "
                         "has more dims")  # fmt: skip
    lead = x.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(lead + i for i, size in enumerate(shape) if size == 1)
    y = _F.sum(x, dims, keepdim=True)
    return _F.reshape(y, y.shape[lead:]) if lead else y


def broadcast_to(x, shape):
    """x repeated along new leading axes and its size-1 axes to `shape`, by NumPy's broadcasting
    rule, as DeZero's F.broadcast_to; x itself when it has that shape. Its gradient is sum_to.

    Shape: x (D,) or (1, D) -> `shape`, e.g. (N, D).
    """
    x = as_variable(x)
    if x.shape == shape:
        return x
    return _F.broadcast_to(x, shape)


def average(x, axis=None, keepdims=False):
    """Mean over `axis`, computed as DeZero does: the sum times (output size / input size).

    `axis` and `keepdims` are NumPy's names, as DeZero's (mean is this function).

    Shape: x (*); with axis, the shape without those axes (kept as 1 with keepdims); without
    axis, ().
    """
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
    """Matrix product x @ W by NumPy's matmul rules, as DeZero's F.matmul; small 2-D floating
    products are summed in a fixed order, so their digits are the same on every machine.

    Shape: x (N, D), W (D, H) -> (N, H); leading batch axes broadcast, as in NumPy.
    """
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
    """linear built from matmul and +; as in DeZero, the product's array is freed once the sum
    is formed (the sum's backward does not need it).

    Shape: x (N, D), W (D, H), b (H,) or None -> (N, H).
    """
    t = matmul(x, W)
    if b is None:
        return t
    y = t + b
    t.data = None
    return y


# ----------------------------------------------------------------------------------------------
# sigmoid / relu / softmax / log_softmax / leaky_relu
# ----------------------------------------------------------------------------------------------
def sigmoid_simple(x):
    """1 / (1 + exp(-x)) built from exp, + and /, as DeZero's sigmoid_simple (a longer graph
    than sigmoid's).

    Shape: x (*) -> (*).
    """
    x = as_variable(x)
    return 1 / (1 + exp(-x))


class Sigmoid(Function):
    """1 / (1 + exp(-x)) computed as tanh(x / 2) / 2 + 1/2: no overflow, DeZero's digits."""

    saves_inputs = False

    saves_output = True

    def forward(self, x):
        return np.tanh(x * 0.5) * 0.5 + 0.5

    def backward(self, gy):
        y = self.output
        return gy * y * (1 - y)


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), elementwise, computed as tanh(x / 2) / 2 + 1/2
    (no overflow, DeZero's digits); the gradient is gy * y * (1 - y).

    Shape: x (*) -> (*).
    """
    return Sigmoid()(x)


def relu(x):
    """max(x, 0), elementwise; the gradient at 0 is 0.

    Shape: x (*) -> (*).
    """
    return _F.relu(as_variable(x))


def softmax_simple(x, axis=1):
    """exp(x) / sum(exp(x)) along `axis` (1 by default, as in DeZero), built from exp, sum and /;
    without softmax's shift by the maximum, so a large x overflows, as in DeZero.

    Shape: x (N, C) -> (N, C); any shape, the result as x.
    """
    x = as_variable(x)
    y = exp(x)
    sum_y = sum(y, axis=axis, keepdims=True)
    return y / sum_y


def softmax(x, axis=1):
    """exp(x - max) / sum(exp(x - max)) along `axis` (1 by default, as in DeZero; PyTorch's
    softmax takes dim, the last by default).

    Shape: x (N, C) -> (N, C); any shape, the result as x.
    """
    return _F.softmax(as_variable(x), axis)


def log_softmax(x, axis=1):
    """log(softmax(x)) along `axis` (1 by default, as in DeZero), computed stably.

    Shape: x (N, C) -> (N, C); any shape, the result as x.
    """
    return _F.log_softmax(as_variable(x), axis)


def leaky_relu(x, slope=0.2):
    """x where x > 0, else slope * x, elementwise; slope 0.2 by default, as in DeZero
    (PyTorch's negative_slope is 0.01).

    Shape: x (*) -> (*).
    """
    return _F.leaky_relu(as_variable(x), slope)


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
    """Maximum over `axis` (an int or a tuple; all axes when None), as DeZero's F.max: every
    element equal to the maximum receives the full gradient (PyTorch's amax splits it).

    Shape: x (*); with axis, the shape without those axes (kept as 1 with keepdims); without
    axis, ().
    """
    return _extreme(Max, np.max, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over `axis` (an int or a tuple; all axes when None), as DeZero's F.min: every
    element equal to the minimum receives the full gradient.

    Shape: x (*); with axis, the shape without those axes (kept as 1 with keepdims); without
    axis, ().
    """
    return _extreme(Min, np.min, x, axis, keepdims)


class Clip(Clamp):
    """badak's Clamp under DeZero's name: the gradient passes where x_min <= x <= x_max."""


def _bound(value, x):
    """A NumPy scalar bound in x's floating dtype, as NumPy 1 promoted it (no float64 creeps in)."""
    if x.dtype.kind == "f" and isinstance(value, (np.generic, np.ndarray)) and np.ndim(value) == 0:
        return x.dtype.type(value)
    return value


def clip(x, x_min, x_max):
    """x limited to [x_min, x_max], elementwise; the gradient passes where x_min <= x <= x_max.

    Shape: x (*) -> (*); the bounds are numbers or arrays that broadcast to x.
    """
    x = as_variable(x)
    return Clip()(x, _bound(x_min, x), _bound(x_max, x))


# ----------------------------------------------------------------------------------------------
# basic arithmetic, as DeZero's functions module re-exports it from its core
# ----------------------------------------------------------------------------------------------
def add(x0, x1):
    """x0 + x1, with NumPy's broadcasting and dtype promotion, as DeZero's add.

    Shape: x0 and x1 broadcast: (N, D) and (D,) give (N, D).
    """
    return as_variable(x0) + x1


def sub(x0, x1):
    """x0 - x1, with NumPy's broadcasting and dtype promotion, as DeZero's sub.

    Shape: x0 and x1 broadcast: (N, D) and (D,) give (N, D).
    """
    return as_variable(x0) - x1


def rsub(x0, x1):
    """x1 - x0 (the reflected subtraction, DeZero's rsub for `1 - x`).

    Shape: x0 and x1 broadcast: (N, D) and (D,) give (N, D).
    """
    return x1 - as_variable(x0)


def mul(x0, x1):
    """x0 * x1 elementwise, with NumPy's broadcasting and dtype promotion, as DeZero's mul.

    Shape: x0 and x1 broadcast: (N, D) and (D,) give (N, D).
    """
    return as_variable(x0) * x1


def div(x0, x1):
    """x0 / x1 elementwise, with NumPy's broadcasting and dtype promotion, as DeZero's div.

    Shape: x0 and x1 broadcast: (N, D) and (D,) give (N, D).
    """
    return as_variable(x0) / x1


def rdiv(x0, x1):
    """x1 / x0 (the reflected division, DeZero's rdiv for `1 / x`).

    Shape: x0 and x1 broadcast: (N, D) and (D,) give (N, D).
    """
    return x1 / as_variable(x0)


def neg(x):
    """-x, elementwise, as DeZero's neg.

    Shape: x (*) -> (*).
    """
    return -as_variable(x)


def pow(x, c):
    """x ** c, elementwise, for a constant exponent c, as DeZero's pow; the gradient is
    c * x ** (c - 1) * gy.

    Shape: x (*) -> (*).
    """
    return as_variable(x) ** c


# ----------------------------------------------------------------------------------------------
# The convolutions (functions_conv, as DeZero re-exports them) and the losses and layers' helpers
# (functions_loss): imported on first use, since both modules build on this one.
# ----------------------------------------------------------------------------------------------
_ELSEWHERE = {
    **dict.fromkeys(
        ["conv2d", "deconv2d", "conv2d_simple", "im2col", "col2im", "pooling_simple", "pooling",
         "average_pooling"],
        "functions_conv",
    ),
    **dict.fromkeys(
        ["mean_squared_error_simple", "MeanSquaredError", "mean_squared_error",
         "softmax_cross_entropy_simple", "softmax_cross_entropy", "sigmoid_cross_entropy",
         "binary_cross_entropy", "accuracy", "dropout", "batch_norm", "batch_nrom", "embed_id"],
        "functions_loss",
    ),
}  # fmt: skip


def __getattr__(name):
    if name in _ELSEWHERE:
        module = importlib.import_module(f"badak.dezero.{_ELSEWHERE[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_ELSEWHERE))


# `from dezero.functions import *` gives every function, the lazily imported ones too.
__all__ = sorted(
    {n for n, v in globals().items() if not n.startswith("_") and not inspect.ismodule(v)}
    | set(_ELSEWHERE)
)
