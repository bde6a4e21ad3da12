"""Input checks for the losses: each raises before any work, naming the loss, what it expected
and what arrived (TypeError for wrong kinds, ValueError for bad values and shapes, IndexError for
a class index out of range)."""

from badak.device import np
from badak.functions._args import as_array

_REDUCTIONS = ("none", "mean", "sum")


def check_reduction(name, reduction, size_average=None, reduce=None):
    """The reduction, with PyTorch's deprecated size_average/reduce mapped as PyTorch maps them."""
    if size_average is not None or reduce is not None:
        if reduce is False:
            reduction = "none"
        else:
            reduction = "sum" if size_average is False else "mean"
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return reduction


def check_weight(name, weight, n_classes):
    """Per-class weights of shape (C,), or None."""
    if weight is None:
        return None
    w = as_array(weight)
    if w.dtype.kind not in "fiu":
        raise TypeError(f"{name}: weight must be real numbers, got dtype {w.dtype}")
    if w.shape != (n_classes,):
        raise ValueError(
            f"{name}: weight must have shape (C,) = ({n_classes},), got shape {w.shape}"
        )
    return w


def check_same_shape(name, input, target):
    x, t = as_array(input), as_array(target)
    if x.shape != t.shape:
        raise ValueError(f"{name}: expected target of the input's shape {x.shape}, got {t.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected floating-point input, got dtype {x.dtype}")
    return x, t


def check_broadcast_weight(name, weight, shape, label="weight"):
    if weight is None:
        return None
    w = as_array(weight)
    try:
        if np.broadcast_shapes(w.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"{name}: {label} of shape {w.shape} does not broadcast to the input's shape {shape}"
        ) from None
    return w


def check_unit_interval(name, label, values):
    """Probabilities for binary_cross_entropy: every value in [0, 1] (NaN is not)."""
    bad = ~((values >= 0) & (values <= 1))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: every {label} value must be in [0, 1], got {values[where]} "
            f"at position {where}"
        )
