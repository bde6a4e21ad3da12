"""Elementwise operations: arithmetic, exp/log family, maximum/minimum, clamp, where, cast.

Binary operations broadcast as NumPy does; their backward undoes the broadcast with
`unbroadcast`. Tie rules follow PyTorch: maximum/minimum split the gradient half-and-half on ties,
abs'(0) = 0, clamp passes the gradient at its bounds.
"""

from badak.autograd import Function
from badak.device import device, np
from badak.dtypes import PYTHON_SCALARS, default_array
from badak.functions._args import as_array, const
from badak.functions.shape import unbroadcast
from badak.tensor import Tensor


class Add(Function):
    saves_inputs = False

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        a, b = self._arrays  # only their shapes are needed
        need_a, need_b = self.needs_input_grad
        return (
            unbroadcast(grad, np.shape(a)) if need_a else None,
            unbroadcast(grad, np.shape(b)) if need_b else None,
        )


def add(a, b):
    """a + b, broadcasting. Shape: the broadcast shape."""
    return Add()(a, b)


class Sub(Function):
    saves_inputs = False

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        a, b = self._arrays  # only their shapes are needed
        need_a, need_b = self.needs_input_grad
        return (
            unbroadcast(grad, np.shape(a)) if need_a else None,
            unbroadcast(-grad, np.shape(b)) if need_b else None,
        )


def sub(a, b):
    """a - b, elementwise, as torch.sub (without `alpha`).

    Not for bool operands, as in PyTorch: `~` or logical_not inverts a mask.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    _refuse_bool("sub", "subtraction", a, b)
    return Sub()(a, b)


def _is_bool(value):
    return value is True or value is False or as_array(value).dtype.kind == "b"


def _refuse_bool(name, what, *operands):
    if any(_is_bool(v) for v in operands):
        raise TypeError(
            f"{name}: {what} of a bool tensor is not supported, as in PyTorch; "
            "use ~ or logical_not to invert a mask, or convert it first"
        )


class Mul(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        return (
            unbroadcast(grad * b, np.shape(a)) if need_a else None,
            unbroadcast(grad * a, np.shape(b)) if need_b else None,
        )


def mul(a, b):
    """a * b, elementwise, as torch.mul.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return Mul()(a, b)


class Div(Function):
    float_valued = True

    def forward(self, a, b):
        return a / b

    def backward(self, grad):
        a, b = self.inputs
        need_a, need_b = self.needs_input_grad
        grad_a = grad / b
        return (
            unbroadcast(grad_a, np.shape(a)) if need_a else None,
            unbroadcast(-grad_a * a / b, np.shape(b)) if need_b else None,
        )


def div(a, b):
    """a / b, true division elementwise, as torch.div without `rounding_mode`; integer and bool
    operands give float32 (floor_divide keeps integers).

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return Div()(a, b)


class Neg(Function):
    saves_inputs = False

    def forward(self, x):
        return -x

    def backward(self, grad):
        return (-grad,)


def neg(x):
    """-x, elementwise, as torch.neg; not for a bool x, as in PyTorch.

    Shape: any; the result has x's shape.
    """
    _refuse_bool("neg", "negation", x)
    return Neg()(x)


# A number exponent that PyTorch computes with another function for float32 and float64 (the same
# values, but not the same bits, as pow: sqrt(-0.0) is -0.0, rsqrt(-0.0) is -inf, x * x * x
# rounds twice); float16 always goes through pow.
_POWER_AS = {
    0.5: np.sqrt,
    -0.5: lambda x: np.reciprocal(np.sqrt(x)),
    -1.0: np.reciprocal,
    2.0: lambda x: x * x,
    3.0: lambda x: x * x * x,
    -2.0: lambda x: np.reciprocal(x * x),
}


def _is_number(value):
    return type(value) in PYTHON_SCALARS or isinstance(value, np.generic)


class Pow(Function):
    def forward(self, base, exponent):
        if isinstance(base, np.ndarray) and base.dtype == np.float16:
            # C's pow in float32, rounded once, as PyTorch's float16 pow; the exponent as a full
            # array, since NumPy computes a number exponent (even broadcast) of 0.5 as sqrt
            wide = np.broadcast_to(exponent, np.broadcast_shapes(base.shape, np.shape(exponent)))
            return np.power(base.astype(np.float32), wide.astype(np.float32)).astype(np.float16)
        if _is_number(exponent) and isinstance(base, np.ndarray) and base.dtype.kind == "f":
            special = _POWER_AS.get(float(exponent))
            if special is not None:
                return special(base)
        return base**exponent

    def backward(self, grad):
        base, exponent = self.inputs
        need_base, need_exponent = self.needs_input_grad
        zero = const(0, grad)
        grad_base = grad_exponent = None
        if need_base:  # d/db b**c = c * b**(c-1), taken as 0 where c = 0 (PyTorch)
            if not _is_number(exponent):
                slope = where(exponent == 0, zero, exponent * pow(base, exponent - const(1, grad)))
                grad_base = unbroadcast(grad * slope, np.shape(base))
            elif exponent:
                grad_base = grad * (exponent * pow(base, exponent - 1))
            else:  # zeros, whatever the gradient or the base (NaN included)
                grad_base = where(np.ones(np.shape(base), bool), zero, zero)
        if need_exponent:  # d/dc b**c = b**c * log(b), taken as 0 where b = 0 and c >= 0
            at_zero = (as_array(base) == 0) & (as_array(exponent) >= 0)
            slope = where(at_zero, zero, pow(base, exponent) * log(base))
            grad_exponent = unbroadcast(grad * slope, np.shape(exponent))
        return grad_base, grad_exponent


def pow(base, exponent):
    """base ** exponent, elementwise, as torch.pow.

    Either may be a tensor or a number (not both bool, as in PyTorch). The gradient wrt base,
    exponent * base ** (exponent - 1), is 0 where the exponent is 0; the gradient wrt exponent,
    base ** exponent * log(base), is 0 where base is 0 and the exponent >= 0.

    Shape: base and exponent broadcast; the result has their broadcast shape.
    """
    if _is_bool(base) and _is_bool(exponent):
        raise TypeError("pow: a bool tensor to a bool power is not supported, as in PyTorch")
    return Pow()(base, exponent)


class Exp(Function):
    saves_inputs = False
    float_valued = True

    saves_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, grad):
        return (grad * self.output,)


def exp(x):
    """e ** x, elementwise, as torch.exp; integer and bool inputs give float32.

    Shape: any; the result has x's shape.
    """
    return Exp()(x)


class Log(Function):
    float_valued = True

    def forward(self, x):
        return np.log(x)

    def backward(self, grad):
        return (grad / self.inputs[0],)


def log(x):
    """The natural logarithm, elementwise, as torch.log: -inf at 0, NaN below 0; integer and
    bool inputs give float32.

    Shape: any; the result has x's shape.
    """
    return Log()(x)


class Log1p(Function):
    float_valued = True

    def forward(self, x):
        return np.log1p(x)

    def backward(self, grad):
        x = self.inputs[0]
        return (grad / (x + const(1, x)),)


def log1p(x):
    """log(1 + x), elementwise, accurate for small x, as torch.log1p; integer and bool inputs
    give float32.

    Shape: any; the result has x's shape.
    """
    return Log1p()(x)


class Expm1(Function):
    float_valued = True

    def forward(self, x):
        return np.expm1(x)

    def backward(self, grad):  # e^x itself: y + 1 would lose e^x's digits where x << 0
        return (grad * exp(self.inputs[0]),)


def expm1(x):
    """exp(x) - 1, elementwise, accurate for small x, as torch.expm1; integer and bool inputs
    give float32.

    Shape: any; the result has x's shape.
    """
    return Expm1()(x)


class Sqrt(Function):
    saves_inputs = False
    float_valued = True

    saves_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, grad):
        y = self.output
        return (grad / (y * const(2, y)),)


def sqrt(x):
    """The square root, elementwise, as torch.sqrt: NaN below 0; integer and bool inputs give
    float32.

    Shape: any; the result has x's shape.
    """
    return Sqrt()(x)


class Abs(Function):
    def forward(self, x):
        return np.abs(x)

    def backward(self, grad):
        # sign(0) = 0: abs'(0) = 0; and abs'(NaN) = 0, as PyTorch's sgn gives
        return (grad * _no_grad_map(_sign_without_nan, self.inputs[0]),)


def abs(x):
    """|x|, elementwise, in x's dtype, as torch.abs; its gradient at 0 is 0. Not for a bool x,
    as in PyTorch.

    Shape: any; the result has x's shape.
    """
    _refuse_bool("abs", "abs", x)
    return Abs()(x)


class Sin(Function):
    float_valued = True

    def forward(self, x):
        return np.sin(x)

    def backward(self, grad):
        return (grad * cos(self.inputs[0]),)


def sin(x):
    """The sine of x (radians), elementwise, as torch.sin; integer and bool inputs give float32.

    Shape: any; the result has x's shape.
    """
    return Sin()(x)


class Cos(Function):
    float_valued = True

    def forward(self, x):
        return np.cos(x)

    def backward(self, grad):
        return (-grad * sin(self.inputs[0]),)


def cos(x):
    """The cosine of x (radians), elementwise, as torch.cos; integer and bool inputs give
    float32.

    Shape: any; the result has x's shape.
    """
    return Cos()(x)


def sign(x):
    """-1, 0 or 1 by the sign of each element, in x's dtype, as torch.sign; the result is
    outside the graph (torch's gradient is 0 everywhere).

    Shape: any; the result has x's shape.
    """
    return _no_grad_map(np.sign, x)


def _sign_without_nan(x):
    return np.sign(np.where(x == x, x, 0))


def _split(grad, loses, tie, shapes):
    """Each input's gradient by PyTorch's rule: the whole, half on a tie, 0 (a mask, whatever
    grad holds) where it loses; a comparison with NaN loses for neither."""
    shared = where(tie, grad * const(0.5, grad), grad)
    zero = const(0, grad)
    return tuple(
        unbroadcast(where(lost, zero, shared), shape) for lost, shape in zip(loses, shapes)
    )


class Maximum(Function):
    saves_inputs = False

    def forward(self, a, b):
        self.shapes, self.loses, self.tie = (np.shape(a), np.shape(b)), (a < b, a > b), a == b
        return np.maximum(a, b)

    def backward(self, grad):
        return _split(grad, self.loses, self.tie, self.shapes)


def maximum(a, b):
    """The larger of a and b, elementwise, as torch.maximum; on a tie each input gets half the
    gradient.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return Maximum()(a, b)


class Minimum(Function):
    saves_inputs = False

    def forward(self, a, b):
        self.shapes, self.loses, self.tie = (np.shape(a), np.shape(b)), (a > b, a < b), a == b
        return np.minimum(a, b)

    def backward(self, grad):
        return _split(grad, self.loses, self.tie, self.shapes)


def minimum(a, b):
    """The smaller of a and b, elementwise, as torch.minimum; on a tie each input gets half the
    gradient.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return Minimum()(a, b)


class Clamp(Function):
    """min(max(x, low), high); a None bound is absent. Bounds may be tensors with gradients."""

    saves_inputs = False

    def forward(self, x, low, high):
        raised = x if low is None else np.maximum(x, low)
        to_high = np.zeros(raised.shape, bool) if high is None else raised > high
        to_low = np.zeros(raised.shape, bool) if low is None else (x < low) & ~to_high
        # At a bound the gradient stays with x; a NaN x passes none on (x's mask is a pair of
        # comparisons, false for NaN), as in PyTorch.
        within = np.ones(raised.shape, bool)
        if low is not None:
            within &= x >= low
        if high is not None:
            within &= x <= high
        self.masks = within, to_low, to_high
        return raised if high is None else np.minimum(raised, high)

    def backward(self, grad):
        zero = const(0, grad)  # masks, not products: inf or NaN upstream stays out
        return tuple(
            unbroadcast(where(mask, grad, zero), np.shape(arg)) if needed else None
            for mask, arg, needed in zip(self.masks, self._arrays, self.needs_input_grad)
        )


def clamp(x, min=None, max=None):
    """x limited to [min, max] elementwise, as torch.clamp (clip is the same function).

        clamp(x) = minimum(maximum(x, min), max)

    Args:
        x: the tensor to limit.
        min: the lower bound, a number, a tensor or None (no lower bound).
        max: the upper bound, likewise; at least one bound must be given. Where min > max the
            result is max, as in PyTorch.

    The gradient passes to x where min <= x <= max (nowhere for a NaN x); a tensor bound gets
    it where it replaces x.

    Shape: x and tensor bounds broadcast; the result has their broadcast shape (x's for number
    bounds).
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp()(x, min, max)


clip = clamp


class Where(Function):
    saves_inputs = False

    def forward(self, a, b, condition):
        self.condition = condition
        self.shapes = np.shape(a), np.shape(b)
        return np.where(condition, a, b)

    def backward(self, grad):
        zero = const(0, grad)
        return (
            unbroadcast(where(self.condition, grad, zero), self.shapes[0]),
            unbroadcast(where(self.condition, zero, grad), self.shapes[1]),
        )


def where(condition, input, other):
    """input where condition is True, else other, elementwise, as torch.where.

    Args:
        condition: a bool tensor (any other dtype is a TypeError, as in PyTorch); it takes no
            gradient.
        input: the values where condition holds, a tensor or a number.
        other: the values elsewhere, a tensor or a number.

    Shape: condition, input and other broadcast; the result has their broadcast shape.
    """
    owner = condition if isinstance(condition, Tensor) else None
    condition = plain(condition)
    if np.asarray(condition).dtype != np.bool_:
        raise TypeError(
            f"where: expected a bool condition, got dtype {np.asarray(condition).dtype}"
        )
    if owner is not None and not isinstance(input, Tensor) and not isinstance(other, Tensor):
        # Two numbers: a tensor of their dtype as badak.tensor gives it (floats float32).
        dtype = default_array([input, other], name="where").dtype
        input = owner._result_type()._from_array(np.asarray(input, dtype))
    return Where()(input, other, condition=condition)


class Cast(Function):
    saves_inputs = False

    def forward(self, x, dtype, order="K"):
        self.input_dtype = x.dtype
        return x.astype(dtype, order=order)  # out of range: inf, silently, as in PyTorch

    def backward(self, grad):
        return (cast(grad, self.input_dtype),)


def cast(x, dtype):
    """x converted to `dtype`; differentiable between floating dtypes."""
    dtype = np.dtype(dtype)
    if isinstance(x, Tensor) and dtype.kind not in "fc":
        with np.errstate(over="ignore", invalid="ignore"):  # NaN or inf to int: as NumPy casts
            return x._result_type()._from_array(x._data.astype(dtype))
    return Cast()(x, dtype=dtype)


def to_target(args, kwargs):
    """The arguments of Tensor.to and Module.to, `(dtype)`, `(device)`, `(device, dtype)` or
    `(other_tensor)` and keywords, checked: {"dtype", "device", "non_blocking", "copy"}. A device
    badak cannot serve raises RuntimeError."""
    target = dict(kwargs)
    for arg in args:
        if isinstance(arg, Tensor):
            target.setdefault("dtype", arg.dtype)
        elif isinstance(arg, (str, device)):
            target.setdefault("device", arg)
        else:
            target.setdefault("dtype", arg)
    unknown = set(target) - {"dtype", "device", "non_blocking", "copy"}
    if unknown:
        raise TypeError(f"to: unexpected arguments {sorted(unknown)}")
    if target.get("device") is not None:
        device(target["device"])  # raises for a device badak cannot serve
    return target


def to(x, *args, **kwargs):
    """`to(x, dtype)`, `to(x, device)`, `to(x, device, dtype)` or `to(x, other_tensor)`: x when
    nothing changes, else a converted copy that stays in the graph (Tensor.to)."""
    target = to_target(args, kwargs)
    dtype = target.get("dtype")
    if dtype is None or np.dtype(dtype) == as_array(x).dtype:
        return clone(x) if target.get("copy") else x
    return cast(x, dtype)


def clone(x):
    """A copy of x that stays in the graph (its gradient passes to x), as torch.clone.

    Shape: any; the result has x's shape.
    """
    return Cast()(x, dtype=as_array(x).dtype)


def contiguous(x):
    """x if its array is C-contiguous, else a differentiable C-ordered copy."""
    if as_array(x).flags.c_contiguous:
        return x
    return Cast()(x, dtype=as_array(x).dtype, order="C")


def plain(value):
    """A Tensor argument that takes no gradient (a bound, a condition) as its array."""
    return value._data if isinstance(value, Tensor) else value


def _no_grad_map(ufunc, *args):
    """Apply a NumPy function to the data; the result is outside any graph."""
    result = ufunc(*(plain(a) for a in args))
    tensor = next((a for a in args if isinstance(a, Tensor)), None)
    if tensor is None:
        return result
    return tensor._result_type()._from_array(np.asarray(result))


def eq(a, b):
    """a == b elementwise, as torch.eq: a bool tensor, outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.equal, a, b)


def ne(a, b):
    """a != b elementwise, as torch.ne: a bool tensor, outside the graph (True where either is
    NaN).

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.not_equal, a, b)


def lt(a, b):
    """a < b elementwise, as torch.lt: a bool tensor, outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.less, a, b)


def le(a, b):
    """a <= b elementwise, as torch.le: a bool tensor, outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.less_equal, a, b)


def gt(a, b):
    """a > b elementwise, as torch.gt: a bool tensor, outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.greater, a, b)


def ge(a, b):
    """a >= b elementwise, as torch.ge: a bool tensor, outside the graph.

    Shape: a and b broadcast; the result has their broadcast shape.
    """
    return _no_grad_map(np.greater_equal, a, b)


def isnan(x):
    """True where x is NaN, as torch.isnan: a bool tensor, outside the graph.

    Shape: any; the result has x's shape.
    """
    return _no_grad_map(np.isnan, x)


def isfinite(x):
    """True where x is neither inf nor NaN, as torch.isfinite: a bool tensor, outside the graph.

    Shape: any; the result has x's shape.
    """
    return _no_grad_map(np.isfinite, x)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether |a - b| <= atol + rtol * |b| everywhere, as torch.allclose; NaNs count as equal
    only with equal_nan=True.

    Shape: a and b of any shapes that broadcast; returns a Python bool.
    """
    return bool(np.allclose(plain(a), plain(b), rtol=rtol, atol=atol, equal_nan=equal_nan))
