"""PyTorch's module paths under torch.nn.modules (`nn.modules.linear.Linear`, as scripts name
classes for isinstance checks and safe_globals lists): each submodule re-exports badak.nn's
classes; the classes live where badak keeps them."""

from badak.nn.modules import (
    activation,
    batchnorm,
    container,
    conv,
    dropout,
    flatten,
    linear,
    loss,
    module,
    normalization,
    pooling,
    rnn,
    sparse,
    transformer,
)

__all__ = [
    "activation",
    "batchnorm",
    "container",
    "conv",
    "dropout",
    "flatten",
    "linear",
    "loss",
    "module",
    "normalization",
    "pooling",
    "rnn",
    "sparse",
    "transformer",
]
