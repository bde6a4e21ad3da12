"""Input checks for the losses: each raises before any work, naming the loss, what it expected
and what arrived (TypeError for wrong kinds, ValueError for bad values and shapes, IndexError for
a class index out of range)."""

import math

from badak.device import np
from badak.tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def as_array(value):
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def check_logits(name, input):
    """Scores of shape (C,), (N, C) or (N, C, d1, ...), floating."""
    x = as_array(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected floating-point input, got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError(f"{name}: expected input of shape (C,), (N, C) or (N, C, d1, ...), got ()")
    n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
    if n_classes == 0:
        raise ValueError(f"{name}: expected at least one class, got input of shape {x.shape}")
    return x


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


def check_smoothing(name, label_smoothing):
    if isinstance(label_smoothing, Tensor):
        label_smoothing = label_smoothing.item()
    if isinstance(label_smoothing, bool) or not isinstance(
        label_smoothing, (int, float, np.number)
    ):
        raise TypeError(
            f"{name}: label_smoothing must be a number, got {type(label_smoothing).__name__}"
        )
    value = float(label_smoothing)
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {value}")
    return value


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


def check_class_target(name, shape, target, ignore_index, values=True):
    """Integer class indices in [0, C) or equal to ignore_index, for scores of `shape`: the
    target is shaped like them without dim 1. `values=False` leaves the values to the caller
    (check_class_values)."""
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{name}: ignore_index must be an int, got {ignore_index!r}")
    if target.dtype.kind not in "iu":
        raise TypeError(
            f"{name}: expected integer class indices of shape "
            f"{_class_target_shape(shape)} or probabilities of shape {shape}, "
            f"got dtype {target.dtype} and shape {target.shape}"
        )
    expected = _class_target_shape(shape)
    if target.shape != expected:
        if len(shape) > 1 and (target.ndim == 0 or target.shape[0] != shape[0]):
            got = target.shape[0] if target.ndim else "none (a 0-d target)"
            raise ValueError(
                f"{name}: expected target batch size {shape[0]} to match input of shape "
                f"{shape}, got {got} (target shape {target.shape})"
            )
        raise ValueError(
            f"{name}: expected target of shape {expected} for input of shape {shape}, "
            f"got {target.shape}"
        )
    if values:
        check_class_values(name, shape, target, ignore_index)


def check_class_values(name, shape, target, ignore_index):
    """Every value of a checked class target in [0, C) or equal to ignore_index."""
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    if not target.size or (target.min() >= 0 and target.max() < n_classes):
        return  # every target a class index: the common case, two reductions
    bad = (target != ignore_index) & ((target < 0) | (target >= n_classes))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        position = where[0] if len(where) == 1 else where
        value = int(target[where])
        label = f"target[{position}]" if where else "target"
        raise IndexError(
            f"{name}: {label} = {value} is not a class index in [0, {n_classes}) "
            f"and not ignore_index={ignore_index}"
        )


def _class_target_shape(shape):
    return () if len(shape) == 1 else (shape[0], *shape[2:])


def check_probability_target(name, target):
    """Class probabilities: finite and non-negative (they need not sum to one, as in PyTorch)."""
    bad = ~(np.isfinite(target) & (target >= 0))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: probability targets must be finite and non-negative, "
            f"got {target[where]} at position {where}"
        )


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
