"""badak (바닥, "the floor"): deep learning from the floor up, in Python on NumPy."""

__version__ = "0.1.0"

from badak.backend import np as _np
from badak.checkpoint import load, save
from badak.creation import (
    FloatTensor,
    LongTensor,
    arange,
    as_tensor,
    eye,
    from_numpy,
    full,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from badak.engine import (
    Function,
    Tensor,
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from badak.functions import (
    abs,
    amax,
    amin,
    argmax,
    argmin,
    broadcast_to,
    cat,
    clamp,
    clip,
    exp,
    flatten,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    permute,
    reshape,
    sigmoid,
    softmax,
    sqrt,
    squeeze,
    stack,
    sum,
    tanh,
    transpose,
    unsqueeze,
    where,
)
from badak.random import manual_seed

float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
int32 = _np.int32
int64 = _np.int64
bool = _np.bool_

__all__ = [
    "FloatTensor", "Function", "LongTensor", "Tensor", "abs", "amax", "amin", "arange",
    "argmax", "argmin", "as_tensor", "bool", "broadcast_to", "cat", "clamp", "clip",
    "enable_grad", "exp", "eye", "flatten", "float16", "float32", "float64", "from_numpy",
    "full", "int32", "int64", "is_grad_enabled", "load", "log", "log_softmax", "logsumexp",
    "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "no_grad", "ones",
    "ones_like", "permute", "rand", "randint", "randn", "reshape", "set_grad_enabled",
    "save", "sigmoid", "softmax", "sqrt", "squeeze", "stack", "sum", "tanh", "tensor", "transpose",
    "unsqueeze", "where", "zeros", "zeros_like",
]  # fmt: skip
