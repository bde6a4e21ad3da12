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
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
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
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    bmm,
    broadcast_to,
    cat,
    chunk,
    clamp,
    clip,
    cos,
    exp,
    expm1,
    flatten,
    isfinite,
    isnan,
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
    mm,
    narrow,
    neg,
    norm,
    permute,
    pow,
    reshape,
    sigmoid,
    sin,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sum,
    tanh,
    transpose,
    unbind,
    unsqueeze,
    var,
    where,
)
from badak.random import manual_seed
from badak.tensor import Tensor

__all__ = [
    "abs", "all", "allclose", "amax", "amin", "any", "arange", "argmax", "argmin", "as_tensor",
    "bmm", "bool", "broadcast_to", "cat", "chunk", "clamp", "clip", "cos", "device", "double",
    "empty", "empty_like", "enable_grad", "exp", "expm1", "eye", "flatten", "float", "float16",
    "float32", "float64", "FloatTensor", "from_numpy", "full", "full_like", "Function", "half",
    "inference_mode", "int", "int32", "int64", "is_grad_enabled", "is_tensor", "isfinite", "isnan",
    "linspace", "load", "log", "log1p", "log_softmax", "logsumexp", "long", "LongTensor",
    "manual_seed", "matmul", "max", "maximum", "mean", "min", "minimum", "mm", "narrow", "neg",
    "no_grad", "norm", "numel", "ones", "ones_like", "permute", "pow", "rand", "rand_like",
    "randint", "randn", "randn_like", "randperm", "reshape", "save", "set_grad_enabled", "sigmoid",
    "sin", "softmax", "split", "sqrt", "squeeze", "stack", "std", "sum", "tanh", "Tensor",
    "tensor", "transpose", "uint8", "unbind", "unsqueeze", "var", "where", "zeros", "zeros_like",
]  # fmt: skip


def is_tensor(obj):
    """True for a badak Tensor (a Parameter too)."""
    return isinstance(obj, Tensor)


def numel(x):
    """The number of elements of x."""
    return x.numel()


# Imported on first use, so that `import badak` stays quick: the PyTorch paths badak.nn,
# badak.optim, badak.utils (.data), and the device modules badak.cuda, badak.accelerator,
# badak.backends (.mps, .cudnn).
_SUBMODULES = ("nn", "optim", "data", "utils", "cuda", "accelerator", "backends")


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"badak.{name}")
    raise AttributeError(f"module 'badak' has no attribute {name!r}")
