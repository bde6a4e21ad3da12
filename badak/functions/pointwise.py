"""More pointwise functions: rounding (floor ceil round trunc, whose gradient is 0), rsqrt, erf
and gelu; remainder, fmod, floor_divide, reciprocal, lerp; the logical and bitwise operations.

erf is C's (`math.erf`), compiled with the `fast` extra and elementwise in Python without it;
float32 and float16 are computed in float64 and rounded once, so each result is the correctly
rounded value or next to it.
"""

import math

from badak.autograd import Function
from badak.device import np
from badak.functions._args import as_array, check_floating, const
from badak.functions.activation import tanh
from badak.functions.elementwise import _no_grad_map, cast, exp
from badak.functions.shape import unbroadcast
from badak.kernels import compiled

_erf_python = np.vectorize(math.erf, otypes=[np.float64])


def _erf_array(x):
    kernel = compiled("special_numba")
    wide = x.astype(np.float64)
    return (kernel.erf(wide) if kernel is not None else _erf_python(wide)).astype(x.dtype)


class Rounding(Function):
    """A rounding of x: the same dtype; its gradient is 0 everywhere, as torch's."""

    saves_inputs = False

    def forward(self, x, how):
        return how(x)

    def backward(self, grad):
        return (_no_grad_map(np.zeros_like, grad),)


def floor(x):
    """x rounded down, elementwise, in x's dtype (integers unchanged), as torch.floor; its
    gradient is 0 everywhere.

    Shape: any; the result has x's shape.
    """
    return Rounding()(x, how=np.floor)


def ceil(x):
    """x rounded up, elementwise, in x's dtype (integers unchanged), as torch.ceil; its
    gradient is 0 everywhere.

    Shape: any; the result has x's shape.
    """
    return Rounding()(x, how=np.ceil)


def trunc(x):
    """x rounded toward 0, elementwise, in x's dtype (integers unchanged), as torch.trunc; its
    gradient is 0 everywhere.

    Shape: any; the result has x's shape.
    """
    return Rounding()(x, how=np.trunc)


def round(x, decimals=0):
    """x rounded to `decimals` decimal places, halves to even, elementwise, in x's dtype, as
    torch.round; its gradient is 0 everywhere.

    Shape: any; the result has x's shape.
    """
    return Rounding()(x, how=lambda a: np.round(a, decimals))


class Rsqrt(Function):
    saves_inputs = False
    saves_output = True
    float_valued = True

    def forward(self, x):
        return np.reciprocal(np.sqrt(x))

    def backward(self, grad):
        y = self.output
        return (grad * y * y * y * const(-0.5, y),)


def rsqrt(x):
    """1 / sqrt(x), elementwise, as torch.rsqrt: inf at 0, NaN below 0; integer and bool inputs
    give float32.

    Shape: any; the result has x's shape.
    """
    return Rsqrt()(x)


class Erf(Function):
    float_valued = True

    def forward(self, x):
        return _erf_array(x)

    def backward(self, grad):
        x = self.inputs[0]
        return (grad * exp(-x * x) * const(2 / math.sqrt(math.pi), grad),)


def erf(x):
    """The error function, elementwise, as torch.erf; integer and bool inputs give float32.

        erf(x) = 2 / sqrt(pi) * integral of exp(-t^2) dt from 0 to x

    Shape: any; the result has x's shape.
    """
    return Erf()(x)


class Gelu(Function):
    """x * Phi(x), Phi the standard normal CDF."""

    float_valued = True

    def forward(self, x):
        cdf = _erf_array(x * const(math.sqrt(0.5), x))
        cdf += const(1, cdf)
        cdf *= const(0.5, cdf)
        self.cdf = cdf
        return x * cdf

    def backward(self, grad):
        x = self.inputs[0]
        cdf = self.cdf
        density = exp(x * x * const(-0.5, grad)) * const(1 / math.sqrt(2 * math.pi), grad)
        return (grad * (cdf + x * density),)


def gelu(x, approximate="none"):
    """Gaussian error linear unit, elementwise: x * Phi(x), Phi the standard normal CDF.

        approximate="tanh":  0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))

    float16 x is computed in float32 and rounded once (the exact form, as torch does).

    Shape: any; the result has x's shape. Matches torch.nn.functional.gelu.
    """
    if approximate == "tanh":
        inner = (x + x * x * x * 0.044715) * math.sqrt(2 / math.pi)
        return x * 0.5 * (tanh(inner) + 1)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    check_floating("gelu", x)
    if x.dtype == np.float16:  # in float32, as torch computes it, rounded once
        return cast(Gelu()(cast(x, np.float32)), np.float16)
    return Gelu()(x)


class Remainder(Function):
    """a - rounded(a / b) * b: rounded down (remainder, Python's %, the sign of b) or toward 0
    (fmod, C's, the sign of a). Gradients 1 and -rounded(a / b)."""

    def forward(self, a, b, how):
        self.how = how
        return (np.remainder if how is np.floor else np.fmod)(a, b)

    def backward(self, grad):
        a, b = self._arrays
        need_a, need_b = self.needs_input_grad
        quotient = self.how(np.true_divide(a, b)).astype(np.asarray(grad).dtype)
        return (
            unbroadcast(grad, np.shape(a)) if need_a else None,
            unbroadcast(-grad * quotient, np.shape(b)) if need_b else None,
        )


def remainder(a, b):
    """a mod b with the sign of b (Python's %), elementwise, as torch.remainder.

        remainder(a, b) = a - floor(a / b) * b

    Gradients: 1 wrt a, -floor(a / b) wrt b.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return Remainder()(a, b, how=np.floor)


def fmod(a, b):
    """a mod b with the sign of a (C's fmod), elementwise, as torch.fmod.

        fmod(a, b) = a - trunc(a / b) * b

    Gradients: 1 wrt a, -trunc(a / b) wrt b.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return Remainder()(a, b, how=np.trunc)


def floor_divide(a, b):
    """floor(a / b) (Python's //), elementwise, as torch.floor_divide: integer operands give
    an integer result outside the graph; floating ones a float whose gradient is 0.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    if as_array(a).dtype.kind in "biu" and as_array(b).dtype.kind in "biu":
        return _no_grad_map(np.floor_divide, a, b)
    return floor(a / b)


def reciprocal(x):
    """1 / x, elementwise, as torch.reciprocal; integer and bool inputs give float32.

    Shape: any; the result has x's shape.
    """
    return 1 / x if as_array(x).dtype.kind in "biu" else x**-1


def lerp(start, end, weight):
    """Linear interpolation from start to end, elementwise, as torch.lerp; differentiable in
    all three.

        lerp(start, end, weight) = start + weight * (end - start)

    Shape: start, end and weight (a number or a tensor) broadcast; the result has their
    broadcast shape.
    """
    return start + weight * (end - start)


def logical_not(x):
    """not x, elementwise, as torch.logical_not: a nonzero element counts as True; a bool tensor,
    outside the graph.

    Shape: any; the result has x's shape.
    """
    return _no_grad_map(np.logical_not, x)


def logical_and(a, b):
    """a and b, elementwise, as torch.logical_and: a nonzero element counts as True; a bool tensor,
    outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.logical_and, a, b)


def logical_or(a, b):
    """a or b, elementwise, as torch.logical_or: a nonzero element counts as True; a bool tensor,
    outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.logical_or, a, b)


def logical_xor(a, b):
    """a xor b (exactly one of them True), elementwise, as torch.logical_xor: a nonzero element
    counts as True; a bool tensor, outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.logical_xor, a, b)


def bitwise(name, a, b=None):
    """&, |, ^ and ~ of bool or integer tensors (no gradient); TypeError for floating ones."""
    for x in (a, b):
        if x is not None and as_array(x).dtype.kind not in "biu":
            raise TypeError(f"{name}: expected bool or integer tensors, got {as_array(x).dtype}")
    ufunc = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
             "bitwise_xor": np.bitwise_xor, "bitwise_not": np.invert}[name]  # fmt: skip
    return _no_grad_map(ufunc, a) if b is None else _no_grad_map(ufunc, a, b)
