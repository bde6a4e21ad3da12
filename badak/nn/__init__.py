"""Neural-network building blocks, PyTorch's names: Module, Parameter, layers, losses, init.

`badak.nn.functional` holds the functions PyTorch-style.
"""

from badak.nn import functional, init, utils
from badak.nn.layers import (
    MLP,
    Dropout,
    Flatten,
    Identity,
    Linear,
    LogSoftmax,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from badak.nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from badak.nn.module import Module
from badak.nn.parameter import Parameter

__all__ = [
    "MLP", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity", "Linear",
    "LogSoftmax", "MSELoss", "Module", "ModuleList", "NLLLoss", "Parameter", "ReLU",
    "Sequential", "Sigmoid", "Softmax", "Tanh", "functional", "init", "utils",
]  # fmt: skip
