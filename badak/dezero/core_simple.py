"""DeZero's `dezero.core_simple` (the first stage's core, steps 1-32) as the same classes as
`dezero.core`: badak.dezero has one core, which already holds what the simple one teaches."""

from badak.dezero.core import (
    Config,
    Function,
    Variable,
    as_array,
    as_variable,
    no_grad,
    setup_variable,
    using_config,
)
from badak.functions import add, div, mul, neg, pow, sub


def rsub(x0, x1):
    return sub(x1, x0)


def rdiv(x0, x1):
    return div(x1, x0)


__all__ = [
    "Config", "Function", "Variable", "add", "as_array", "as_variable", "div", "mul", "neg",
    "no_grad", "pow", "rdiv", "rsub", "setup_variable", "sub", "using_config",
]  # fmt: skip
