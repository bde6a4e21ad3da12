"""PyTorch's torch.serialization names: save and load, and the safe-globals allowlist calls.

badak's files are never unpickled, so there is nothing for an allowlist to allow:
`safe_globals(...)` and `add_safe_globals(...)` are accepted (scripts written for torch's
weights_only loading call them) and change nothing.
"""

import contextlib

from badak.checkpoint import load, save

__all__ = ["add_safe_globals", "clear_safe_globals", "get_safe_globals", "load", "safe_globals",
           "save"]  # fmt: skip

_ALLOWED = []


def add_safe_globals(safe_globals):
    """Recorded (get_safe_globals lists them); badak's load needs no allowlist."""
    _ALLOWED.extend(safe_globals)


def get_safe_globals():
    return list(_ALLOWED)


def clear_safe_globals():
    _ALLOWED.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """A `with` block in which `safe_globals` are listed as allowed, as torch's."""
    before = list(_ALLOWED)
    _ALLOWED.extend(safe_globals)
    try:
        yield
    finally:
        _ALLOWED[:] = before
