"""badak's differentiable functions, one file per family; Tensor methods delegate here.

The image families (conv, pooling, normalization) are imported on first use, which keeps
`import badak` quick.
"""

import importlib

from badak.functions.activation import (
    dropout,
    dropout2d,
    elu,
    leaky_relu,
    log_softmax,
    logsumexp,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from badak.functions.cross_entropy import cross_entropy
from badak.functions.cumulative import cumprod, cumsum, prod
from badak.functions.einsum import einsum
from badak.functions.elementwise import (
    abs,
    add,
    allclose,
    cast,
    clamp,
    clip,
    clone,
    contiguous,
    cos,
    div,
    eq,
    exp,
    expm1,
    ge,
    gt,
    isfinite,
    isnan,
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
    apply_,
    copy_,
    div_,
    fill_,
    fill_random_,
    mul_,
    set_item_,
    sub_,
    update_,
    zero_,
)
from badak.functions.indexing import (
    embedding,
    gather,
    index_add,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
)
from badak.functions.linalg import bmm, linear, matmul, mm
from badak.functions.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    one_hot,
    smooth_l1_loss,
)
from badak.functions.pointwise import (
    bitwise,
    ceil,
    erf,
    floor,
    floor_divide,
    fmod,
    gelu,
    lerp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    reciprocal,
    remainder,
    round,
    rsqrt,
    trunc,
)
from badak.functions.reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    max,
    mean,
    min,
    norm,
    std,
    sum,
    var,
)
from badak.functions.shape import (
    as_index,
    broadcast_to,
    cat,
    chunk,
    concatenate,
    flatten,
    flip,
    get_item,
    narrow,
    pad,
    permute,
    repeat,
    reshape,
    split,
    squeeze,
    stack,
    sum_to,
    tile,
    transpose,
    tril,
    triu,
    unbind,
    unbroadcast,
    unsqueeze,
    view,
)
from badak.functions.sorting import argsort, sort, topk

__all__ = [
    "abs", "adaptive_avg_pool2d", "add", "add_", "all", "allclose", "amax", "amin", "any", "apply_",
    "argmax", "argmin", "argsort", "as_index", "avg_pool1d", "avg_pool2d", "batch_norm",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "bitwise", "bmm", "broadcast_to",
    "cast", "cat", "ceil", "chunk", "clamp", "clip", "clone", "concatenate", "contiguous", "conv1d",
    "conv2d", "conv_transpose2d", "copy_", "cos", "cross_entropy", "cumprod", "cumsum", "div",
    "div_", "dropout", "dropout2d", "einsum", "elu", "embedding", "eq", "erf", "exp", "expm1",
    "fill_", "fill_random_", "flatten", "flip", "floor", "floor_divide", "fmod", "fold", "gather",
    "ge", "gelu", "get_item", "group_norm", "gt", "huber_loss", "index_add", "index_select",
    "isfinite", "isnan", "kl_div", "l1_loss", "layer_norm", "le", "leaky_relu", "lerp", "linear",
    "log", "log1p", "log_softmax", "logical_and", "logical_not", "logical_or", "logical_xor",
    "logsumexp", "lt", "masked_fill", "masked_select", "matmul", "max", "max_pool1d", "max_pool2d",
    "maximum", "mean", "min", "minimum", "mm", "mse_loss", "mul", "mul_", "narrow", "ne", "neg",
    "nll_loss", "nonzero", "norm", "one_hot", "pad", "permute", "pow", "prod", "reciprocal",
    "recurrent_layer", "relu", "remainder", "repeat", "reshape", "round", "rsqrt",
    "scaled_dot_product_attention", "scatter", "scatter_add", "set_item_", "sigmoid", "sign",
    "silu", "sin", "smooth_l1_loss", "softmax", "softplus", "sort", "split", "sqrt", "squeeze",
    "stack", "std", "sub", "sub_", "sum", "sum_to", "tanh", "tile", "to", "topk", "transpose",
    "tril", "triu", "trunc", "unbind", "unbroadcast", "unfold", "unsqueeze", "update_", "var",
    "view", "where", "zero_",
]  # fmt: skip

_ON_FIRST_USE = {
    **dict.fromkeys(["conv1d", "conv2d", "conv_transpose2d", "fold", "unfold"], "conv"),
    **dict.fromkeys(
        ["adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "max_pool1d", "max_pool2d"], "pooling"
    ),
    **dict.fromkeys(["batch_norm", "group_norm", "layer_norm"], "normalization"),
    "scaled_dot_product_attention": "attention",
    "recurrent_layer": "recurrent",
}


def __getattr__(name):
    if name in _ON_FIRST_USE:
        module = importlib.import_module(f"badak.functions.{_ON_FIRST_USE[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
