"""The functions PyTorch keeps in torch.nn.functional, under the same names (`import ... as F`)."""

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
from badak.functions.linalg import linear
from badak.functions.linear_cross_entropy import linear_cross_entropy
from badak.functions.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    kl_div,
    mse_loss,
    nll_loss,
    one_hot,
)

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "dropout",
    "kl_div",
    "leaky_relu",
    "linear",
    "linear_cross_entropy",
    "log_softmax",
    "logsumexp",
    "mse_loss",
    "nll_loss",
    "one_hot",
    "relu",
    "sigmoid",
    "softmax",
    "tanh",
]
