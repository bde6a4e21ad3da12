"""The one place that names the array module, and where the compiled kernels are loaded.

Every badak module takes NumPy from here (`from badak.backend import np`), so a GPU array module
with NumPy's interface (CuPy) can later be chosen in this file alone.
"""

import importlib

import numpy as np

__all__ = ["compiled_module", "np"]

_compiled_modules = {}


def compiled_module(name):
    """The module `name` of compiled kernels (numba: the `fast` extra), imported on first use
    (numba's import is slow) and kept; None where it cannot be imported (numba missing, or a
    numba that does not run with this NumPy): the caller then computes with NumPy."""
    if name not in _compiled_modules:
        try:
            _compiled_modules[name] = importlib.import_module(name)
        except ImportError:
            _compiled_modules[name] = None
    return _compiled_modules[name]
