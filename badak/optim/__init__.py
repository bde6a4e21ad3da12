"""Optimizers (SGD, Adam, AdamW, Adagrad, RMSprop, Adadelta, LBFGS) and learning-rate schedules
(`badak.optim.lr_scheduler`: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR,
LinearLR, OneCycleLR, SequentialLR, ReduceLROnPlateau), with PyTorch's API."""

from badak.optim import lr_scheduler
from badak.optim.adam import Adam, AdamW
from badak.optim.adaptive import Adadelta, Adagrad, RMSprop
from badak.optim.lbfgs import LBFGS
from badak.optim.optimizer import Optimizer
from badak.optim.sgd import SGD

__all__ = [
    "LBFGS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"
]  # fmt: skip
