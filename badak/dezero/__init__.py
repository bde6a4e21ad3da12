"""DeZero's public API over badak's engine: change `dezero` to `badak.dezero` in the imports of
a program written for DeZero ("Deep Learning from Scratch 3") and it runs on today's NumPy."""

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

__all__ = [
    "Config", "Function", "Parameter", "Variable", "as_array", "as_variable", "no_grad",
    "setup_variable", "test_mode", "using_config",
]  # fmt: skip
