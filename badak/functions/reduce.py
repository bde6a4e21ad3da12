"""Reductions: sum, mean, max/min (with and without dim), amax/amin, argmax/argmin.

Each takes PyTorch's `dim`/`keepdim` or NumPy's `axis`/`keepdims`. Tie rules follow PyTorch:
amax/amin (and max/min over all elements) share the gradient equally among ties, max(dim) and
min(dim) give it to the returned index.
"""

from collections import namedtuple

from badak.autograd import Function
from badak.device import np
from badak.functions._args import as_array, check_floating, const, normalize_dims, resolve_dim
from badak.functions.elementwise import _no_grad_map, abs, cast, sign, where
from badak.functions.shape import BroadcastTo, broadcast_view, reshape
from badak.tensor import Tensor

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _expand(grad, input_shape, axes, keepdim):
    """A reduced gradient broadcast back to the input's shape (axes None: all of them)."""
    if not keepdim and grad.ndim:  # a 0-d gradient broadcasts as it is
        kept = tuple(1 if axes is None or i in axes else s for i, s in enumerate(input_shape))
        grad = reshape(grad, kept)
    if not isinstance(grad, Tensor):  # on arrays nothing is recorded: skip the Function's call
        return broadcast_view(grad, input_shape)
    return BroadcastTo()(grad, shape=input_shape)


def _reduce_args(name, x, dim, keepdim, axis, keepdims):
    if dim is None and axis is None and keepdims is None:
        return None, bool(keepdim)  # all dims: the common case, kept cheap
    dim, keepdim = resolve_dim(name, dim, keepdim, axis, keepdims)
    return normalize_dims(name, dim, np.ndim(x)), keepdim


class Sum(Function):
    saves_inputs = False

    def forward(self, x, axes, keepdim):
        self.input_shape, self.axes, self.keepdim = x.shape, axes, keepdim
        if x.dtype == np.float16:  # accumulated in float32, as PyTorch does
            total = x.sum(axis=axes, keepdims=keepdim, dtype=np.float32)
            with np.errstate(over="ignore"):  # beyond float16's range: inf, as in PyTorch
                return total.astype(np.float16)
        return x.sum(axis=axes, keepdims=keepdim)

    def backward(self, grad):
        return (_expand(grad, self.input_shape, self.axes, self.keepdim),)


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Sum over `dim` (all dims when None). Shape: x's without dim, or with it as 1 if keepdim."""
    axes, keepdim = _reduce_args("sum", x, dim, keepdim, axis, keepdims)
    return Sum()(x, axes=axes, keepdim=keepdim)


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The mean over `dim`, as torch.mean; for floating x only, as in PyTorch (float16 is
    summed and divided in float32). Over no element it is NaN.

    Args:
        x: the tensor to reduce.
        dim: an int or a tuple of ints (NumPy's `axis` is an alias); None reduces every dim.
        keepdim: keep the reduced dims as size 1 (NumPy's `keepdims` is an alias).

    Shape: x (*); with `dim`, x's shape without the reduced dims (kept as size 1 with
    keepdim); without dim, () (all dims kept as size 1 with keepdim).
    """
    axes, keepdim = _reduce_args("mean", x, dim, keepdim, axis, keepdims)
    check_floating("mean", x)  # as PyTorch: the mean of integers has no dtype to be in
    if as_array(x).dtype == np.float16:  # the sum and the division in float32, as PyTorch does
        return cast(mean(cast(x, np.float32), axes, keepdim), np.float16)
    shape = np.shape(x)
    count = int(np.prod([shape[a] for a in axes] if axes is not None else shape))
    total = Sum()(x, axes=axes, keepdim=keepdim)
    return total / const(count, total) if count else total * const(np.nan, total)


class MaskedReduce(Function):
    """max(dim)/min(dim): forward on arrays; backward routes the gradient through a fixed mask."""

    saves_inputs = False

    def forward(self, x, axes, keepdim, values, weights):
        self.input_shape, self.axes, self.keepdim = x.shape, axes, keepdim
        self.weights = weights  # each input element's share of its reduced output's gradient
        return values

    def backward(self, grad):
        return (_expand(grad, self.input_shape, self.axes, self.keepdim) * self.weights,)


class Extreme(MaskedReduce):
    """amax/amin, and max/min of all elements: tied extremes share the gradient equally.

    At a NaN result PyTorch's rules differ by function, and badak follows them: amax/amin give
    the reduced group NaN gradients (no element equals NaN, so each share is 0/0); max()/min()
    with `nan_shares` split the gradient among the NaN elements.
    """

    def forward(self, x, axes, keepdim, pick, nan_shares):
        values = pick(x, axis=axes, keepdims=True)
        weights = None
        if self.needs_input_grad:  # recorded for backward: the shares are needed
            hits = x == values
            if nan_shares and x.dtype.kind in "fc":
                hits |= np.isnan(x) & np.isnan(values)
            weights = (hits / hits.sum(axis=axes, keepdims=True)).astype(x.dtype)
        if not keepdim:
            values = values.reshape([s for i, s in enumerate(x.shape) if i not in axes])
        return super().forward(x, axes, keepdim, values, weights)


def _extreme(name, x, dim, keepdim, axis, keepdims, pick, nan_shares=False):
    """amax/amin over `dim` (all dims when None), checked; see Extreme for the gradient."""
    axes, keepdim = _reduce_args(name, x, dim, keepdim, axis, keepdims)
    shape = np.shape(x)
    if axes is None:
        axes = tuple(range(len(shape)))
    empty = [a for a in axes if shape[a] == 0]
    if empty:
        raise RuntimeError(
            f"{name}: dim {empty[0]} has size 0; a maximum or minimum over no element has no value"
        )
    return Extreme()(x, axes=axes, keepdim=keepdim, pick=pick, nan_shares=nan_shares)


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The maximum over `dim`, as torch.amax; tied maxima share the gradient equally. A dim of
    size 0 is a RuntimeError.

    Args:
        x: the tensor to reduce.
        dim: an int or a tuple of ints (NumPy's `axis` is an alias); None reduces every dim.
        keepdim: keep the reduced dims as size 1 (NumPy's `keepdims` is an alias).

    Shape: x (*); with `dim`, x's shape without the reduced dims (kept as size 1 with
    keepdim); without dim, () (all dims kept as size 1 with keepdim).
    """
    return _extreme("amax", x, dim, keepdim, axis, keepdims, np.max)


def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The minimum over `dim`, as torch.amin; the arguments and shapes are `amax`'s, and tied
    minima share the gradient equally.

    Shape: x (*); without the reduced dims (size 1 with keepdim); () without dim.
    """
    return _extreme("amin", x, dim, keepdim, axis, keepdims, np.min)


def _extreme_with_index(name, x, dim, keepdim, axis, keepdims, arg):
    """max(dim)/min(dim): (values, indices); the gradient goes to the returned index."""
    dim, keepdim = resolve_dim(name, dim, keepdim, axis, keepdims)
    if dim is None:
        pick = np.max if arg is np.argmax else np.min
        return _extreme(name, x, None, False, None, None, pick, nan_shares=True)
    if isinstance(dim, tuple):
        raise TypeError(f"{name}: dim must be one int when indices are returned, got {dim}")
    (axis,) = normalize_dims(name, dim, np.ndim(x)) or (0,)
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    if data.ndim == 0:
        index = np.zeros((), dtype=np.int64)
        weights = np.ones((), dtype=data.dtype)
        values = data
    else:
        if data.shape[axis] == 0:
            raise IndexError(f"{name}: dim {dim} has size 0")
        index = np.expand_dims(arg(data, axis=axis), axis)
        values = np.take_along_axis(data, index, axis=axis)
        weights = np.zeros_like(data)
        np.put_along_axis(weights, index, 1, axis=axis)
        if not keepdim:
            index, values = index.squeeze(axis), values.squeeze(axis)
    axes = (axis,) if data.ndim else ()
    out = MaskedReduce()(x, axes=axes, keepdim=keepdim, values=values, weights=weights)
    indices = (
        x._result_type()._from_array(index.astype(np.int64)) if isinstance(x, Tensor) else index
    )
    return ValuesIndices(out, indices)


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The maximum of all elements, or with `dim` the named pair (values, indices) along that
    dim, as torch.max (of one tensor; maximum compares two).

    Args:
        x: the tensor to reduce.
        dim: one int (NumPy's `axis` is an alias), or None for the maximum of all elements.
        keepdim: with `dim`, keep it as size 1 in values and indices (`keepdims` is an alias).

    Without dim, tied maxima share the gradient equally (NaN elements, where the result is NaN);
    with dim the gradient goes to the returned index, the first maximum.

    Shape: x (*); without dim, (); with dim, values and the int64 indices have x's shape without
    dim (kept as size 1 with keepdim).
    """
    return _extreme_with_index("max", x, dim, keepdim, axis, keepdims, np.argmax)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The minimum of all elements, or with `dim` the named pair (values, indices) along that
    dim, as torch.min (of one tensor; minimum compares two). The arguments and the gradient's
    rule are `max`'s, with minima for maxima.

    Shape: x (*); without dim, (); with dim, values and indices without dim (size 1 with keepdim).
    """
    return _extreme_with_index("min", x, dim, keepdim, axis, keepdims, np.argmin)


def _arg_extreme(name, x, dim, keepdim, axis, keepdims, arg):
    dim, keepdim = resolve_dim(name, dim, keepdim, axis, keepdims)
    data = x._data if isinstance(x, Tensor) else np.asarray(x)
    if dim is None:
        index = np.asarray(arg(data.reshape(-1)))
        if keepdim:
            index = index.reshape((1,) * data.ndim)
    else:
        (axis,) = normalize_dims(name, dim, data.ndim) or (0,)
        index = arg(data, axis=axis, keepdims=keepdim) if data.ndim else np.asarray(0)
    index = np.asarray(index, dtype=np.int64)
    return x._result_type()._from_array(index) if isinstance(x, Tensor) else index


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the maximum along `dim` (the first, on a tie), or of the flattened tensor
    when dim is None, as torch.argmax: int64, outside the graph.

    Shape: x (*); with dim (one int), x's shape without it (kept as size 1 with keepdim);
    without dim, () (all dims kept as size 1 with keepdim).
    """
    return _arg_extreme("argmax", x, dim, keepdim, axis, keepdims, np.argmax)


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The index of the minimum along `dim` (the first, on a tie), or of the flattened tensor
    when dim is None, as torch.argmin: int64, outside the graph.

    Shape: x (*); with dim (one int), x's shape without it (kept as size 1 with keepdim);
    without dim, () (all dims kept as size 1 with keepdim).
    """
    return _arg_extreme("argmin", x, dim, keepdim, axis, keepdims, np.argmin)


# ----------------------------------------------------------------------------------------------
# Spread and size: var, std, norm; and the bool reductions all, any
# ----------------------------------------------------------------------------------------------
def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """The variance over `dim`, as torch.var; for floating x only (float16 is computed in
    float32).

        var = sum((x - mean(x))^2) / (n - correction)

    n is the number of elements reduced; where n <= correction the result is inf or NaN.

    Args:
        x: the tensor to reduce.
        dim: an int or a tuple of ints (NumPy's `axis` is an alias); None reduces every dim.
        keepdim: keep the reduced dims as size 1 (NumPy's `keepdims` is an alias).
        unbiased: True (the default) is correction 1, False correction 0; give it or
            `correction`, not both.
        correction: subtracted from n in the divisor (1 by default).

    Shape: x (*); with `dim`, x's shape without the reduced dims (kept as size 1 with
    keepdim); without dim, () (all dims kept as size 1 with keepdim).
    """
    axes, keepdim = _reduce_args("var", x, dim, keepdim, axis, keepdims)
    check_floating("var", x)
    if unbiased is not None and correction is not None:
        raise TypeError("var: give unbiased or correction, not both")
    if correction is None:  # unbiased (the default) divides by n - 1, unbiased=False by n
        correction = 0 if unbiased is not None and not unbiased else 1
    if as_array(x).dtype == np.float16:
        wide = var(cast(x, np.float32), axes, keepdim=keepdim, correction=correction)
        return cast(wide, np.float16)
    shape = np.shape(x)
    count = int(np.prod([shape[a] for a in axes] if axes is not None else shape))
    deviation = x - mean(x, axes, keepdim=True)
    squares = Sum()(deviation * deviation, axes=axes, keepdim=keepdim)
    divisor = count - correction if count > correction else 0  # else inf or NaN, as PyTorch
    return squares / const(divisor, squares)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """The standard deviation over `dim`, sqrt(var(x, ...)) with var's arguments (correction 1
    by default), as torch.std.

    Shape: x (*); with `dim`, x's shape without the reduced dims (kept as size 1 with
    keepdim); without dim, () (all dims kept as size 1 with keepdim).
    """
    spread = var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims)
    return spread**0.5


class Norm(Function):
    """The p-norm over `axes`: (sum |x|^p)^(1/p); p = inf is max |x|. Its gradient is 0 where
    the norm is 0 (PyTorch's rule; the formula would give 0/0)."""

    saves_output = True

    def forward(self, x, p, axes, keepdim):
        self.p, self.axes, self.keepdim = p, axes, keepdim
        size = np.abs(x)
        if p == np.inf:
            return size.max(axis=axes, keepdims=keepdim, initial=0)
        if p == 2:
            return np.sqrt((size * size).sum(axis=axes, keepdims=keepdim))
        if p == 1:
            return size.sum(axis=axes, keepdims=keepdim)
        # the root in x's dtype (NumPy 1 would take a float32 sum to a float power in float64)
        return np.power((size**p).sum(axis=axes, keepdims=keepdim), x.dtype.type(1 / p))

    def backward(self, grad):
        (x,) = self.inputs
        norm = self.output
        shape = np.shape(x)
        grad = _expand(grad, shape, self.axes, self.keepdim)
        norm = _expand(norm, shape, self.axes, self.keepdim)
        zero = const(0, grad)
        if self.p == 1:
            return (grad * sign(x),)
        if self.p == np.inf:  # shared among the elements of the largest magnitude
            at_max = as_array(abs(x)) == as_array(norm)
            count = np.sum(at_max, axis=self.axes, keepdims=True).astype(as_array(grad).dtype)
            return (where(at_max, grad * sign(x) / count, zero),)
        # d/dx (sum |x|^p)^(1/p) = x |x|^(p-2) / norm^(p-1)
        scale = x if self.p == 2 else x * abs(x) ** (self.p - 2)
        slope = scale / (norm if self.p == 2 else norm ** (self.p - 1))
        return (where(as_array(norm) == 0, zero, grad * slope),)


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """The p-norm of x over `dim`, as torch.norm; for floating x only (float16 is computed in
    float32).

        norm = sum(|x|^p)^(1/p), and max(|x|) for p = inf

    Args:
        x: the tensor to reduce.
        p: a positive number, inf, or "fro" (the default) or None, both 2.
        dim: an int or a tuple of ints; None reduces every dim (the Frobenius norm of a matrix
            for p 2).
        keepdim: keep the reduced dims as size 1.
        dtype: cast x to it first.

    Where the norm is 0 its gradient is 0 (the formula would give 0/0), as in PyTorch.

    Shape: x (*); with `dim`, x's shape without the reduced dims (kept as size 1 with
    keepdim); without dim, () (all dims kept as size 1 with keepdim).
    """
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str) or not p > 0:
        raise ValueError(f"norm: p must be a positive number, inf or 'fro', got {p!r}")
    check_floating("norm", x)
    if dtype is not None:
        x = cast(x, dtype)
    axes, keepdim = _reduce_args("norm", x, dim, keepdim, None, None)
    if axes is None:
        axes = tuple(range(np.ndim(x)))
    if as_array(x).dtype == np.float16:
        return cast(norm(cast(x, np.float32), p, axes, keepdim), np.float16)
    return Norm()(x, p=float(p), axes=axes, keepdim=keepdim)


def all(x, dim=None, keepdim=False):
    """Whether every element over `dim` is nonzero, as torch.all: a bool tensor, outside the
    graph.

    Args:
        x: the tensor to reduce.
        dim: an int or a tuple of ints; None reduces every dim.
        keepdim: keep the reduced dims as size 1.

    Shape: x (*); with `dim`, x's shape without the reduced dims (kept as size 1 with
    keepdim); without dim, () (all dims kept as size 1 with keepdim).
    """
    axes, keepdim = _reduce_args("all", x, dim, keepdim, None, None)
    return _no_grad_map(lambda a: np.all(a, axis=axes, keepdims=keepdim), x)


def any(x, dim=None, keepdim=False):
    """Whether some element over `dim` is nonzero, as torch.any: a bool tensor, outside the
    graph; the arguments and shapes are `all`'s.

    Shape: x (*); without the reduced dims (size 1 with keepdim); () without dim.
    """
    axes, keepdim = _reduce_args("any", x, dim, keepdim, None, None)
    return _no_grad_map(lambda a: np.any(a, axis=axes, keepdims=keepdim), x)
