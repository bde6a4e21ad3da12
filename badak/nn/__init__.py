"""Neural-network building blocks, PyTorch's names: Module, Parameter, layers, losses, init.

`badak.nn.functional` holds the functions PyTorch-style.
"""

from badak.nn import functional, init, modules, utils
from badak.nn.attention import MultiheadAttention
from badak.nn.conv import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    Conv1d,
    Conv2d,
    ConvTranspose2d,
    MaxPool1d,
    MaxPool2d,
)
from badak.nn.embedding import Embedding
from badak.nn.layers import (
    ELU,
    GELU,
    MLP,
    Bilinear,
    Dropout,
    Dropout2d,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ModuleDict,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    Unflatten,
)
from badak.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from badak.nn.module import Module
from badak.nn.normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from badak.nn.parameter import Parameter
from badak.nn.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell
from badak.nn.transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool1d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "BCELoss",
    "BCEWithLogitsLoss", "Bilinear", "Conv1d", "Conv2d", "ConvTranspose2d", "CrossEntropyLoss",
    "Dropout", "Dropout2d", "ELU", "Embedding", "Flatten", "functional", "GELU", "GroupNorm", "GRU",
    "GRUCell", "HuberLoss", "Identity", "init", "KLDivLoss", "L1Loss", "LayerNorm", "LeakyReLU",
    "Linear", "LogSoftmax", "LSTM", "LSTMCell", "MaxPool1d", "MaxPool2d", "MLP", "Module",
    "ModuleDict", "ModuleList", "modules", "MSELoss", "MultiheadAttention", "NLLLoss", "Parameter",
    "ReLU", "RNN", "RNNBase", "RNNCell", "Sequential", "Sigmoid", "SiLU", "SmoothL1Loss", "Softmax",
    "Softplus", "Tanh", "Transformer", "TransformerDecoder", "TransformerDecoderLayer",
    "TransformerEncoder", "TransformerEncoderLayer", "Unflatten", "utils",
]  # fmt: skip


def __getattr__(name):
    # nn.parallel builds on badak.distributed, which builds on nn: imported on first use
    if name in ("parallel", "DataParallel"):
        import importlib

        parallel = importlib.import_module("badak.nn.parallel")
        return parallel if name == "parallel" else parallel.DataParallel
    raise AttributeError(f"module 'badak.nn' has no attribute {name!r}")
