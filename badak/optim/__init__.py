"""Optimizers (SGD, Adam, AdamW) and learning-rate schedules, with PyTorch's API."""

from badak.optim import lr_scheduler
from badak.optim.adam import Adam, AdamW
from badak.optim.optimizer import Optimizer
from badak.optim.sgd import SGD

__all__ = ["SGD", "Adam", "AdamW", "Optimizer", "lr_scheduler"]
