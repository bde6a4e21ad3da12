"""Compiled fast paths: each a drop-in for one array computation of an op, giving its bits.

The compiled modules (`*_numba`, the `fast` extra) are imported on first use, since numba's
import is slow. `compiled(name)` is the one lookup: it answers None where numba is missing, where
it cannot be imported with this NumPy, or while `enabled` is False (the one switch, for tests that
compare both paths), and the caller then computes with NumPy.
"""

import importlib

__all__ = ["compiled", "enabled"]

enabled = True
_modules = {}


def compiled(name):
    """The compiled module `badak.kernels.<name>` (e.g. "activation_numba"), or None."""
    if not enabled:
        return None
    if name not in _modules:
        try:
            _modules[name] = importlib.import_module(f"badak.kernels.{name}")
        except ImportError:
            _modules[name] = None
    return _modules[name]
