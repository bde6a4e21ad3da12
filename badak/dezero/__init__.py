"""DeZero's public API over badak's engine: change `dezero` to `badak.dezero` in the imports of
a program written for DeZero ("Deep Learning from Scratch 3") and it runs on today's NumPy."""

from badak.dezero import dataloaders, datasets, optimizers, transforms
from badak.dezero.core import (
    Config,
    Function,
    Parameter,
    Variable,
    as_array,
    as_variable,
    no_grad,
    setup_variable,
    test_mode,
    using_config,
)
from badak.dezero.dataloaders import DataLoader, SeqDataLoader
from badak.dezero.datasets import Dataset

__all__ = [
    "Config", "DataLoader", "Dataset", "Function", "Parameter", "SeqDataLoader", "Variable",
    "as_array", "as_variable", "dataloaders", "datasets", "no_grad", "optimizers",
    "setup_variable", "test_mode", "transforms", "using_config",
]  # fmt: skip
