"""DeZero's public API over badak's engine: change `dezero` to `badak.dezero` in the imports of
a program written for DeZero ("Deep Learning from Scratch 3") and it runs on today's NumPy."""

from badak.dezero import (
    core_simple,
    cuda,
    dataloaders,
    datasets,
    functions,
    functions_conv,
    layers,
    models,
    optimizers,
    transforms,
    utils,
)
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
from badak.dezero.layers import Layer
from badak.dezero.models import Model

is_simple_core = False  # DeZero's switch between its two cores; badak.dezero has the full one

__all__ = [
    "Config", "DataLoader", "Dataset", "Function", "Layer", "Model", "Parameter",
    "SeqDataLoader", "Variable", "as_array", "as_variable", "core_simple", "cuda", "dataloaders",
    "datasets", "is_simple_core",
    "functions", "functions_conv", "layers", "models", "no_grad", "optimizers",
    "setup_variable", "test_mode", "transforms", "using_config", "utils",
]  # fmt: skip
