"""badak's differentiable functions, one file per family; Tensor methods delegate here.

The image families (conv, pooling, normalization) are imported on first use, which keeps
`import badak` quick.
"""

import importlib

from badak.functions.activation import (
    dropout,
    leaky_relu,
    log_softmax,
    logsumexp,
    relu,
    sigmoid,
    softmax,
    tanh,
)
from badak.functions.cross_entropy import cross_entropy
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
    to,
    where,
)
from badak.functions.in_place import (
    add_,
    copy_,
    div_,
    fill_,
    mul_,
    set_item_,
    sub_,
    update_,
    zero_,
)
from badak.functions.linalg import linear, matmul
from badak.functions.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    kl_div,
    mse_loss,
    nll_loss,
    one_hot,
)
from badak.functions.reduce import amax, amin, argmax, argmin, max, mean, min, sum
from badak.functions.shape import (
    as_index,
    broadcast_to,
    cat,
    concatenate,
    flatten,
    get_item,
    pad,
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
    "abs", "adaptive_avg_pool2d", "add", "add_", "amax", "amin", "argmax", "argmin", "as_index",
    "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "broadcast_to", "cast", "cat", "clamp", "clip", "clone",
    "concatenate", "conv1d", "conv2d", "conv_transpose2d", "copy_", "cos", "cross_entropy", "div",
    "div_", "dropout", "eq", "exp", "fill_", "flatten", "fold", "ge", "get_item", "group_norm",
    "gt", "kl_div", "layer_norm", "le", "leaky_relu", "linear", "log", "log1p", "log_softmax",
    "logsumexp", "lt", "matmul", "max", "max_pool1d", "max_pool2d", "maximum", "mean", "min",
    "minimum", "mse_loss", "mul", "mul_", "ne", "neg", "nll_loss", "one_hot", "pad", "permute",
    "pow", "relu", "reshape", "set_item_", "sigmoid", "sign", "sin", "softmax", "sqrt", "squeeze",
    "stack", "sub", "sub_", "sum", "sum_to", "tanh", "to", "transpose", "unbroadcast", "unfold",
    "unsqueeze", "update_", "view", "where", "zero_"
]  # fmt: skip

_ON_FIRST_USE = {
    **dict.fromkeys(["conv1d", "conv2d", "conv_transpose2d", "fold", "unfold"], "conv"),
    **dict.fromkeys(
        ["adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d"], "pooling"
    ),
    **dict.fromkeys(["batch_norm", "group_norm", "layer_norm"], "normalization"),
}


def __getattr__(name):
    if name in _ON_FIRST_USE:
        module = importlib.import_module(f"badak.functions.{_ON_FIRST_USE[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
