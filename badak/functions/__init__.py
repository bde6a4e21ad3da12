"""badak's differentiable functions, one file per family; Tensor methods delegate here."""

from badak.functions.activation import (
    leaky_relu,
    log_softmax,
    logsumexp,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from badak.functions.elementwise import (
    abs,
    add,
    cast,
    clamp,
    clip,
    clone,
    cos,
    div,
    eq,
    exp,
    ge,
    gt,
    le,
    log,
    log1p,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    pow,
    sign,
    sin,
    sqrt,
    sub,
    where,
)
from badak.functions.linalg import linear, matmul
from badak.functions.reduce import amax, amin, argmax, argmin, max, mean, min, sum
from badak.functions.shape import (
    as_index,
    broadcast_to,
    cat,
    concatenate,
    flatten,
    get_item,
    permute,
    reshape,
    squeeze,
    stack,
    sum_to,
    transpose,
    unbroadcast,
    unsqueeze,
    view,
)

__all__ = [
    "abs", "add", "amax", "amin", "argmax", "argmin", "as_index", "broadcast_to", "cast", "cat",
    "clamp", "clip", "clone", "concatenate", "cos", "div", "eq", "exp", "flatten", "ge",
    "get_item", "gt", "le", "leaky_relu", "linear", "log", "log1p", "log_softmax", "logsumexp",
    "lt", "matmul", "max", "maximum", "mean", "min", "minimum", "mul", "ne", "neg", "permute",
    "pow", "relu", "reshape", "sigmoid", "sign", "sin", "softmax", "sqrt", "squeeze", "stack",
    "sub", "sum", "sum_to", "tanh", "transpose", "unbroadcast", "unsqueeze", "view", "where",
]  # fmt: skip
