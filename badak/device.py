"""The devices badak computes on, and the one place that names the array module.

Every badak module takes NumPy from here (`from badak.device import np`), so a GPU array module
with NumPy's interface (CuPy) can later be chosen in this file alone. Today badak has one device,
the CPU.
"""

import functools

import numpy as np

__all__ = ["available_devices", "device", "np", "quiet_begin", "quiet_end"]


# ----------------------------------------------------------------------------------------------
# Floating-point errors stay silent inside badak's operations
# ----------------------------------------------------------------------------------------------
# PyTorch gives inf and NaN for log(0), 1/0, inf * 0 without a word; NumPy warns. Every operation
# therefore computes with NumPy's floating-point error reporting off. `np.errstate` costs about a
# microsecond per use, as much as a whole small operation, so the state is set directly where
# NumPy allows it: `token = quiet_begin()` ... `quiet_end(token)`, in a try/finally.
def _quiet_switch():
    try:  # NumPy 2: the error state is a context variable
        from numpy._core import _ufunc_config

        state = _ufunc_config._extobj_contextvar
        quiet = _ufunc_config._make_extobj(all="ignore")
        return functools.partial(state.set, quiet), state.reset
    except (ImportError, AttributeError):
        pass
    get_state, set_state = getattr(np, "geterrobj", None), getattr(np, "seterrobj", None)
    if set_state is not None:  # NumPy 1: the error state is a per-thread object
        # geterrobj gives NumPy's own list, which seterr changes in place: keep copies
        def begin():
            previous = get_state()
            set_state(quiet.copy())
            return previous

        previous = np.seterr(all="ignore")
        quiet = list(get_state())
        np.seterr(**previous)
        return begin, set_state

    def begin():  # any other NumPy: its public context manager
        context = np.errstate(all="ignore")
        context.__enter__()
        return context

    return begin, lambda context: context.__exit__(None, None, None)


quiet_begin, quiet_end = _quiet_switch()


def available_devices():
    """The device types badak can compute on here."""
    return ("cpu",)


class device:
    """Where a tensor's array lives: `badak.device('cpu')`, as torch.device.

    Args:
        type: 'cpu', or a string such as 'cpu:0'; a device badak cannot serve is an error.
        index: the device's index among those of its type (None: the current one).
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        if number:
            if index is not None:
                raise ValueError(f"device: index given twice, in {type!r} and as index={index}")
            index = int(number)
        if name not in available_devices():
            raise RuntimeError(
                f"device: badak cannot compute on {type!r} on this machine; "
                f"available: {', '.join(available_devices())}"
            )
        if index is not None and index != 0:
            raise RuntimeError(f"device: there is no {name} device {index}; only {name}:0")
        self.type = name
        self.index = index

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device("cpu")
