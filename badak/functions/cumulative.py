"""Products and running sums along a dim: cumsum, cumprod, prod.

Integer input is summed or multiplied in int64, as in PyTorch. The gradients of the products are
exact also where the input holds zeros (never a division by 0).
"""

from badak.autograd import Function
from badak.device import np
from badak.functions._args import as_array
from badak.functions.reduce import _expand, _reduce_args
from badak.functions.shape import _one_dim, cat, flip, reshape


def _dim(name, x, dim):
    return 0 if np.ndim(x) == 0 else _one_dim(name, x, dim)


class CumSum(Function):
    saves_inputs = False

    def forward(self, x, axis):
        self.axis = axis
        if x.dtype.kind in "biu":
            x = x.astype(np.int64)  # as torch: integer sums in int64
        return np.cumsum(x, axis=axis)

    def backward(self, grad):  # each input counts in its own and every later sum
        return (flip(CumSum()(flip(grad, self.axis), axis=self.axis), self.axis),)


def cumsum(input, dim, dtype=None):
    """Running sums along `dim`, as torch.cumsum: out[i] = input[0] + ... + input[i]. Integer
    and bool input sums in int64; `dtype` converts input first.

    Shape: input's (*).
    """
    axis = _dim("cumsum", input, dim)
    if dtype is not None:
        input = input.to(dtype)
    if np.ndim(input) == 0:
        return reshape(CumSum()(reshape(input, (1,)), axis=0), ())
    return CumSum()(input, axis=axis)


class CumProd(Function):
    def forward(self, x, axis):
        self.axis = axis
        if x.dtype.kind in "biu":
            x = x.astype(np.int64)
        return np.cumprod(x, axis=axis)

    def backward(self, grad):
        # d out_j / d x_i = prod_{k <= j, k != i} x_k, for j >= i. Computed as the running
        # products with x_i replaced by 1, one i at a time where x has zeros (exact there), and
        # otherwise as sum_{j >= i} grad_j out_j / x_i.
        x = self.inputs[0]
        axis = self.axis
        data = as_array(x)
        if not np.any(data == 0):
            out = CumProd()(x, axis=axis)
            total = flip(CumSum()(flip(grad * out, axis), axis=axis), axis)
            return (total / x,)
        n = data.shape[axis]
        parts = []
        for i in range(n):
            ones = np.ones(data.shape, data.dtype)
            ones_i = np.take(ones, [i], axis=axis)
            replaced = _set_slice(x, i, axis, ones_i)
            products = CumProd()(replaced, axis=axis)
            later = (slice(None),) * axis + (slice(i, None),)
            parts.append((grad[later] * products[later]).sum(axis, keepdims=True))
        return (cat(parts, axis),)


def _set_slice(x, i, axis, value):
    """x with its i-th slice along axis replaced by value (differentiable in x)."""
    before = (slice(None),) * axis + (slice(0, i),)
    after = (slice(None),) * axis + (slice(i + 1, None),)
    return cat([x[before], value, x[after]], axis)


def cumprod(input, dim, dtype=None):
    """Running products along `dim`, as torch.cumprod: out[i] = input[0] * ... * input[i].
    Integer and bool input multiplies in int64; `dtype` converts input first. The gradient is
    exact also where the input holds zeros.

    Shape: input's (*).
    """
    axis = _dim("cumprod", input, dim)
    if dtype is not None:
        input = input.to(dtype)
    if np.ndim(input) == 0:
        return input * 1
    return CumProd()(input, axis=axis)


def _exclusive_products(x, axis):
    """For each position along axis, the product of all the other elements there."""
    n = np.shape(x)[axis]
    ones = np.ones(np.shape(x)[:axis] + (1,) + np.shape(x)[axis + 1 :], as_array(x).dtype)
    before = (slice(None),) * axis + (slice(0, n - 1),)
    after = (slice(None),) * axis + (slice(1, n),)
    prefix = CumProd()(cat([ones, x[before]], axis), axis=axis)
    suffix = flip(CumProd()(flip(cat([x[after], ones], axis), axis), axis=axis), axis)
    return prefix * suffix


class Prod(Function):
    def forward(self, x, axis, keepdim):
        self.axis, self.keepdim = axis, keepdim
        if x.dtype.kind in "biu":
            x = x.astype(np.int64)
        return np.prod(x, axis=axis, keepdims=keepdim)

    def backward(self, grad):
        x = self.inputs[0]
        grad = _expand(grad, np.shape(x), (self.axis,), self.keepdim)
        return (grad * _exclusive_products(x, self.axis),)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """The product over `dim` (one int; NumPy's `axis` is an alias), or of all elements when
    None, as torch.prod. Integer and bool input multiplies in int64; `dtype` converts input
    first. The gradient is exact also where the input holds zeros.

    Shape: input (*); with dim, input's shape without it (kept as size 1 with keepdim); without
    dim, ().
    """
    if dtype is not None:
        input = input.to(dtype)
    if dim is None and axis is None:
        if np.ndim(input) == 0:
            return Prod()(reshape(input, (1,)), axis=0, keepdim=False)
        return Prod()(reshape(input, (-1,)), axis=0, keepdim=False)
    axes, keepdim = _reduce_args("prod", input, dim, keepdim, axis, keepdims)
    if np.ndim(input) == 0:
        return input * 1
    if len(axes) != 1:
        raise ValueError(f"prod: expected one dim, got {dim!r}")
    return Prod()(input, axis=axes[0], keepdim=keepdim)
