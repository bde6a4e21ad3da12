"""badak (바닥, "the floor"): deep learning from the floor up, in Python on NumPy."""

__version__ = "0.1.0"

import inspect

from badak import allocation, tensor_methods
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
    multinomial,
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
    add,
    all,
    allclose,
    amax,
    amin,
    any,
    argmax,
    argmin,
    argsort,
    bmm,
    broadcast_to,
    cat,
    ceil,
    chunk,
    clamp,
    clip,
    clone,
    concatenate,
    cos,
    cumprod,
    cumsum,
    div,
    einsum,
    eq,
    erf,
    exp,
    expm1,
    flatten,
    flip,
    floor,
    floor_divide,
    fmod,
    gather,
    ge,
    gt,
    index_add,
    index_select,
    isfinite,
    isnan,
    le,
    lerp,
    log,
    log1p,
    log_softmax,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    logsumexp,
    lt,
    masked_fill,
    masked_select,
    matmul,
    max,
    maximum,
    mean,
    min,
    minimum,
    mm,
    mul,
    narrow,
    ne,
    neg,
    nonzero,
    norm,
    permute,
    pow,
    prod,
    reciprocal,
    relu,
    remainder,
    reshape,
    round,
    rsqrt,
    scatter,
    scatter_add,
    sigmoid,
    sign,
    sin,
    softmax,
    sort,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tanh,
    tile,
    topk,
    transpose,
    tril,
    triu,
    trunc,
    unbind,
    unsqueeze,
    var,
    where,
)
from badak.random import Generator, manual_seed
from badak.tensor import Tensor
from badak.threads import get_num_threads, set_num_threads

allocation.keep_large_blocks()  # a step's large temporaries reused, not faulted in each time

__all__ = [
    "abs", "add", "all", "allclose", "amax", "amin", "any", "arange", "argmax", "argmin", "argsort",
    "as_tensor", "bmm", "bool", "broadcast_to", "cat", "ceil", "chunk", "clamp", "clip", "clone",
    "concat", "concatenate", "cos", "cumprod", "cumsum", "device", "div", "dot", "double", "einsum",
    "empty", "empty_like", "enable_grad", "eq", "erf", "exp", "expm1", "eye", "flatten", "flip",
    "float", "float16", "float32", "float64", "FloatTensor", "floor", "floor_divide", "fmod",
    "from_numpy", "full", "full_like", "Function", "gather", "ge", "Generator", "get_num_threads",
    "gt", "half",
    "index_add", "index_select", "inference_mode", "int", "int32", "int64", "is_grad_enabled",
    "is_tensor", "isfinite", "isnan", "le", "lerp", "linspace", "load", "log", "log1p",
    "log_softmax", "logical_and", "logical_not", "logical_or", "logical_xor", "logsumexp", "long",
    "LongTensor", "lt", "manual_seed", "masked_fill", "masked_select", "matmul", "max", "maximum",
    "mean", "min", "minimum", "mm", "mul", "multinomial", "narrow", "ne", "neg", "no_grad",
    "nonzero", "norm", "numel", "ones", "ones_like", "outer", "permute", "pow", "prod", "rand",
    "rand_like", "randint", "randn", "randn_like", "randperm", "reciprocal", "relu", "remainder",
    "reshape", "round", "rsqrt", "save", "scatter", "scatter_add", "set_grad_enabled",
    "set_num_threads", "sigmoid",
    "sign", "sin", "softmax", "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "sub",
    "sum", "tanh", "tensor", "Tensor", "tile", "topk", "transpose", "tril", "triu", "trunc",
    "uint8", "unbind", "unsqueeze", "var", "where", "zeros", "zeros_like",
]  # fmt: skip


def is_tensor(obj):
    """Whether obj is a badak Tensor (a Parameter too), as torch.is_tensor.

    Shape: obj is anything, a tensor of any shape (*) or not; returns a Python bool.
    """
    return isinstance(obj, Tensor)


def square(x):
    """x * x, elementwise, in x's dtype, as torch.square.

    Shape: any; the result has x's shape.
    """
    return x.square()


concat = concatenate


def outer(a, b):
    """The outer product of two 1-d tensors: (N,) and (M,) -> (N, M)."""
    return a.outer(b)


def dot(a, b):
    """The inner product sum(a * b) of two 1-d tensors, as torch.dot.

    Shape: (N,) and (N,) -> ().
    """
    return a.dot(b)


def numel(x):
    """The number of elements of x, the product of its sizes, as torch.numel.

    Shape: x (*); returns a Python int.
    """
    return x.numel()


# Each Tensor method that is the method form of a function above says so (`x.abs()`).
tensor_methods.document_method_forms(
    Tensor, {name: globals()[name] for name in __all__ if inspect.isroutine(globals()[name])}
)

# Imported on first use, so that `import badak` stays quick: the PyTorch paths badak.nn,
# badak.optim, badak.utils (.data), badak.distributed, and the device modules badak.cuda,
# badak.accelerator, badak.backends (.mps, .cudnn).
_SUBMODULES = (
    "nn",
    "optim",
    "data",
    "utils",
    "cuda",
    "accelerator",
    "backends",
    "serialization",
    "autograd",
    "distributed",
)


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"badak.{name}")
    raise AttributeError(f"module 'badak' has no attribute {name!r}")
