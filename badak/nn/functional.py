"""The functions PyTorch keeps in torch.nn.functional, under the same names (`import ... as F`)."""

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
from badak.functions.attention import scaled_dot_product_attention
from badak.functions.conv import conv1d, conv2d, conv_transpose2d, fold, unfold
from badak.functions.cross_entropy import cross_entropy
from badak.functions.indexing import embedding
from badak.functions.linalg import linear
from badak.functions.linear_cross_entropy import linear_cross_entropy
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
from badak.functions.normalization import batch_norm, group_norm, layer_norm
from badak.functions.pointwise import gelu
from badak.functions.pooling import (
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from badak.functions.shape import pad
from badak.functions.vectors import cosine_similarity, interpolate, normalize

__all__ = [
    "adaptive_avg_pool2d", "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "conv1d", "conv2d", "conv_transpose2d", "cosine_similarity",
    "cross_entropy", "dropout", "dropout2d", "elu", "embedding", "fold", "gelu", "group_norm",
    "huber_loss", "interpolate", "kl_div", "l1_loss", "layer_norm", "leaky_relu", "linear",
    "linear_cross_entropy", "log_softmax", "logsumexp", "max_pool1d", "max_pool2d", "mse_loss",
    "nll_loss", "normalize", "one_hot", "pad", "relu", "scaled_dot_product_attention", "sigmoid",
    "silu", "smooth_l1_loss", "softmax", "softplus", "tanh", "unfold",
]  # fmt: skip
