"""Optimizers (SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta) and learning-rate schedules, with
PyTorch's API."""

from badak.optim import lr_scheduler
from badak.optim.adam import Adam, AdamW
from badak.optim.adaptive import Adadelta, Adagrad, RMSprop
from badak.optim.optimizer import Optimizer
from badak.optim.sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"
]  # fmt: skip
