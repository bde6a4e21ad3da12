"""badak (바닥, "the floor"): deep learning from the floor up, in Python on NumPy."""

__version__ = "0.1.0"

from badak.autograd import (
    Function,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
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
from badak.device import device
from badak.dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int32,
    int64,
    long,
    uint8,
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
    cos,
    exp,
    flatten,
    log,
    log1p,
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
    sin,
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
from badak.tensor import Tensor

__all__ = [
    "FloatTensor", "Function", "LongTensor", "Tensor", "abs", "amax", "amin", "arange", "argmax",
    "argmin", "as_tensor", "bool", "broadcast_to", "cat", "clamp", "clip", "cos", "device",
    "double", "enable_grad", "exp", "eye", "flatten", "float", "float16", "float32", "float64",
    "from_numpy", "full", "half", "inference_mode", "int", "int32", "int64", "is_grad_enabled",
    "load", "log", "log1p", "log_softmax", "logsumexp", "long", "manual_seed", "matmul", "max",
    "maximum", "mean", "min", "minimum", "no_grad", "ones", "ones_like", "permute", "rand",
    "randint", "randn", "reshape", "save", "set_grad_enabled", "sigmoid", "sin", "softmax", "sqrt",
    "squeeze", "stack", "sum", "tanh", "tensor", "transpose", "uint8", "unsqueeze", "where",
    "zeros", "zeros_like"
]  # fmt: skip


def __getattr__(name):
    """`badak.nn`, `badak.optim` and `badak.data` after a plain `import badak`, as torch.nn is;
    imported on first use so that `import badak` stays quick."""
    if name in ("nn", "optim", "data"):
        import importlib

        return importlib.import_module(f"badak.{name}")
    raise AttributeError(f"module 'badak' has no attribute {name!r}")
