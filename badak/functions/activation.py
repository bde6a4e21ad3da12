"""Activations and the softmax family: sigmoid relu leaky_relu tanh softmax log_softmax logsumexp.

float16 inputs are computed in float32 and returned in float16 (a float16 sum over a row overflows
or loses the small terms).
"""

import warnings

from badak.autograd import Function
from badak.device import np
from badak.functions import in_place
from badak.functions._args import as_array, check_floating, const, normalize_dims
from badak.functions.elementwise import exp, expm1, log1p, where
from badak.functions.reduce import _expand
from badak.functions.reduce import sum as sum_
from badak.kernels import elementwise as kernels
from badak.random import default_generator
from badak.tensor import Tensor


def _wide(x):
    """x in at least float32, for sums of exponentials."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def log_normalizer(x, dim):
    """x - max(x) and log(sum(exp(x - max(x)))) along `dim`, the latter accurate to the last bit.

    The sum holds one exact 1 (from a maximum); it is left out and added back with log1p, so a
    dominant class (logits [30, 0, ...]) gets log(1 + 1e-13) rather than log(1.0) = 0.
    Shapes: shifted like x; the normaliser with `dim` kept as size 1.
    """
    if x.ndim == 0:  # a 0-d tensor is its own one class
        shifted, normalizer = log_normalizer(x.reshape(1), 0)
        return shifted.reshape(()), normalizer.reshape(())
    if x.size == 0:  # no row or no class: a sum of no exponential is 0, its log -inf
        kept = tuple(1 if d == dim % x.ndim else n for d, n in enumerate(x.shape))
        return x.copy(), np.full(kept, -np.inf, x.dtype)
    top = np.expand_dims(np.argmax(x, axis=dim), dim)
    shifted = x - np.take_along_axis(x, top, axis=dim)
    e = np.exp(shifted)
    # The maximum's exp(0) = 1 taken out exactly; where the maximum is inf, its exp(inf - inf)
    # is NaN and stays in the sum, so the row is NaN, as in PyTorch.
    np.put_along_axis(e, top, np.take_along_axis(e, top, axis=dim) - 1, axis=dim)
    return shifted, np.log1p(e.sum(axis=dim, keepdims=True))


class Sigmoid(Function):
    saves_inputs = False
    float_valued = True
    saves_output = True

    def forward(self, x):
        if x.dtype == np.float16:  # exp(12) overflows float16; the result does not
            return self.forward(x.astype(np.float32)).astype(np.float16)
        y = kernels.sigmoid(x)
        if y is not None:  # one pass, and accurate also where the result is subnormal
            return y
        # 1 / (1 + exp(-x)) keeps its relative accuracy everywhere; where exp(-x) overflows to
        # inf the result is 0, the correctly rounded value, so the overflow is not an error.
        y = np.negative(x, out=np.empty_like(x))  # an array also where x is 0-d
        with np.errstate(over="ignore"):
            np.exp(y, out=y)
        y += const(1, y)
        return np.reciprocal(y, out=y)

    def backward(self, grad):
        y = self.output
        return ((const(1, y) - y) * y * grad,)

    def backward_arrays(self, grad):
        """backward's formula in one compiled pass, the same bits (None: no kernel here)."""
        gradient = kernels.sigmoid_backward(grad, self._output_data)
        return None if gradient is None else (gradient,)


def sigmoid(x):
    """The logistic function 1 / (1 + exp(-x)), elementwise, computed without overflow, as
    torch.sigmoid; integer and bool inputs give float32.

    Shape: any; the result has x's shape.
    """
    return Sigmoid()(x)


class Tanh(Function):
    saves_inputs = False
    float_valued = True
    saves_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, grad):
        y = self.output
        return (grad * (const(1, y) - y * y),)


def tanh(x):
    """The hyperbolic tangent, elementwise, as torch.tanh; integer and bool inputs give
    float32.

    Shape: any; the result has x's shape.
    """
    return Tanh()(x)


class ReLU(Function):
    def forward(self, x):
        return np.maximum(x, const(0, x))

    def backward(self, grad):
        # relu'(x <= 0) = 0, also where grad is inf or NaN (a mask, not a product); a NaN x
        # passes grad on, as PyTorch's threshold_backward does
        x = self.inputs[0]
        return (where(x <= 0, const(0, x), grad),)

    def backward_arrays(self, grad):
        """backward's formula in one compiled pass, the same bits (None: no kernel here)."""
        gradient = kernels.relu_backward(grad, self._arrays[0])
        return None if gradient is None else (gradient,)


def relu(x, inplace=False):
    """max(x, 0), elementwise, in x's dtype, as torch.relu; its gradient at 0 is 0. Not for a
    bool x, as in PyTorch. inplace=True writes the result into x (recorded within a graph, see
    functions.in_place).

    Shape: any; the result has x's shape.
    """
    if as_array(x).dtype.kind == "b":
        raise TypeError("relu: bool tensors are not supported, as in PyTorch")
    if inplace and isinstance(x, Tensor):
        return in_place.apply_(x, "relu_", ReLU())
    return ReLU()(x)


class LeakyReLU(Function):
    saves_inputs = False

    def forward(self, x, negative_slope):
        self.slope = np.where(x > 0, const(1, x), const(negative_slope, x))
        return x * self.slope

    def backward(self, grad):
        return (grad * self.slope,)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope * x, elementwise (inplace=True: written into x, as
    relu's).

    Shape: any; the result has x's shape. Matches torch.nn.functional.leaky_relu.
    """
    if inplace and isinstance(x, Tensor):
        return in_place.apply_(x, "leaky_relu_", lambda t: leaky_relu(t, negative_slope))
    return LeakyReLU()(x, negative_slope=float(negative_slope))


def _one_dim(name, x, dim):
    """The one dim a softmax works along (None for a 0-d x), for floating x (as PyTorch, which
    has no integer softmax)."""
    check_floating(name, x)
    (axis,) = normalize_dims(name, dim, np.ndim(x)) or (0,)
    return axis if np.ndim(x) else None


class Softmax(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, x, dim):
        self.dim = dim
        wide = _wide(x)
        # exp() cannot overflow; `initial` gives an empty dim a maximum
        e = np.exp(wide - wide.max(axis=dim, keepdims=True, initial=-np.inf))
        e /= e.sum(axis=dim, keepdims=True)
        return e.astype(x.dtype, copy=False)

    def backward(self, grad):
        y = self.output
        # d/dx_i sum_j grad_j y_j = y_i * (grad_i - sum_j grad_j y_j)
        return (y * (grad - sum_(grad * y, self.dim, keepdim=True)),)


def softmax(x, dim=-1):
    """exp(x) / sum(exp(x)) along `dim` (the last by default), computed stably. Shape: x's."""
    return Softmax()(x, dim=_one_dim("softmax", x, dim))


class LogSoftmax(Function):
    saves_inputs = False
    saves_output = True

    def forward(self, x, dim):
        self.dim = dim
        shifted, normalizer = log_normalizer(_wide(x), dim)
        shifted -= normalizer
        return shifted.astype(x.dtype, copy=False)

    def backward(self, grad):
        y = self.output  # log-probabilities
        # d/dx_i sum_j grad_j y_j = grad_i - softmax_i * sum_j grad_j
        return (grad - exp(y) * sum_(grad, self.dim, keepdim=True),)


def log_softmax(x, dim=-1):
    """Log of softmax along `dim` (the last by default), computed stably. Shape: x's."""
    return LogSoftmax()(x, dim=_one_dim("log_softmax", x, dim))


class LogSumExp(Function):
    float_valued = True
    saves_output = True

    def forward(self, x, axes, keepdim):
        self.input_shape, self.axes, self.keepdim = x.shape, axes, keepdim
        wide = _wide(x)
        top = wide.max(axis=axes, keepdims=True, initial=-np.inf)  # empty dims: -inf
        top = np.where(np.isfinite(top), top, const(0, top))  # rows of -inf give -inf, not NaN
        with np.errstate(divide="ignore"):  # log(0) = -inf for a row of -inf, as intended
            out = np.log(np.exp(wide - top).sum(axis=axes, keepdims=True)) + top
        if not keepdim:
            out = out.reshape([s for i, s in enumerate(x.shape) if i not in axes])
        return out.astype(x.dtype, copy=False)

    def backward(self, grad):
        x = self.inputs[0]
        y = _expand(self.output, self.input_shape, self.axes, self.keepdim)
        return (_expand(grad, self.input_shape, self.axes, self.keepdim) * exp(x - y),)


def logsumexp(x, dim=None, keepdim=False):
    """log(sum(exp(x))) over `dim`, computed stably, as torch.logsumexp; where every term is
    -inf it is -inf. Integer and bool inputs give float32; float16 is summed in float32.

    Args:
        x: the tensor to reduce.
        dim: an int or a tuple of ints; None (badak's default; torch requires it) reduces
            every dim.
        keepdim: keep the reduced dims as size 1.

    Shape: x (*); x's shape without the reduced dims (kept as size 1 with keepdim); without
    dim, () (all dims kept as size 1 with keepdim).
    """
    return LogSumExp()(x, axes=normalize_dims("logsumexp", dim, np.ndim(x)), keepdim=keepdim)


class Dropout(Function):
    saves_inputs = False

    def forward(self, x, keep):
        self.keep = keep  # the mask, already scaled by 1 / (1 - p)
        return x * keep

    def backward(self, grad):
        return (grad * self.keep,)


def dropout(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability p and scale the rest by 1 / (1 - p); x when not training.

    The mask is drawn from badak's generator (or `generator`), so `badak.manual_seed` repeats it.
    inplace=True writes the result into a tensor x (as relu's) when training with p > 0.

    Shape: any; the result has x's shape. Matches torch.nn.functional.dropout.
    """
    if inplace and isinstance(x, Tensor) and training and p:
        return in_place.apply_(x, "dropout_", lambda t: dropout(t, p, training, False, generator))
    return _dropout("dropout", x, p, training, generator, np.shape(x))


def dropout2d(x, p=0.5, training=True, inplace=False, generator=None):
    """Zero whole channels with probability p: x (N, C, H, W), each channel's map kept (scaled by
    1 / (1 - p)) or zeroed together. As PyTorch, any x is read as (N, C, *): a 3-d x as (N, C, L)
    and a 2-d one as (N, C), element by element (with PyTorch's warning for those two)."""
    shape = np.shape(x)
    if len(shape) not in (3, 4):
        warnings.warn(
            f"dropout2d: received a {len(shape)}-d input; it is dropped element by element "
            "along its first two dims (dropout2d is for (N, C, H, W))",
            stacklevel=2,
        )
    if inplace and isinstance(x, Tensor) and training and p:
        return in_place.apply_(
            x, "dropout2d_", lambda t: dropout2d(t, p, training, False, generator)
        )
    return _dropout("dropout2d", x, p, training, generator, shape[:2] + (1,) * (len(shape) - 2))


def _dropout(name, x, p, training, generator, mask_shape):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"{name}: p must be a probability in [0, 1], got {p!r}")
    if not training or p == 0:
        return x
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    rng = generator or default_generator()
    if p == 1:
        keep = np.zeros(mask_shape, data.dtype)
    else:
        keep = (rng.random(mask_shape, dtype=np.float32) >= p) * const(1 / (1 - p), data)
    return Dropout()(x, keep=keep.astype(data.dtype, copy=False))


def silu(x):
    """x * sigmoid(x) (also called swish). Shape: x's."""
    return x * sigmoid(x)


def elu(x, alpha=1.0, inplace=False):
    """x where x > 0, else alpha * (exp(x) - 1). Shape: x's."""
    check_floating("elu", x)
    if inplace and isinstance(x, Tensor):
        return in_place.apply_(x, "elu_", lambda t: elu(t, alpha))
    positive = ~(as_array(x) <= 0)  # NaN takes the identity's branch, as in PyTorch
    # the exponential branch on 0 where unused: its gradient there is then 1, not inf (0 * inf)
    return where(positive, x, expm1(where(positive, const(0, x), x)) * const(alpha, x))


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's switch
    back to the identity, where the two agree to the dtype's precision). Shape: x's."""
    check_floating("softplus", x)
    scaled = x * const(beta, x) if beta != 1 else x
    linear = as_array(scaled) > threshold
    # the smooth branch on 0 where unused, so that its gradient there is finite (not 0 * inf)
    smooth = log1p(exp(where(linear, const(0, x), scaled)))
    if beta != 1:
        smooth = smooth / const(beta, x)
    return where(linear, x, smooth)
