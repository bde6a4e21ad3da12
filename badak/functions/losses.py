"""The losses beside cross_entropy: nll_loss with PyTorch's whole surface, binary_cross_entropy
and binary_cross_entropy_with_logits, mse_loss, kl_div, and one_hot.

As cross_entropy, each matches its torch.nn.functional twin (a mean over no element is 0) and
raises on bad input before any work.
"""

from badak.autograd import Function
from badak.device import np
from badak.functions._args import const
from badak.functions.activation import relu, sigmoid
from badak.functions.cross_entropy import (
    RowTargets,
    as_rows,
    check_class_target,
    check_logits,
    class_dim,
    from_rows,
    reduce_losses,
    reduced_rows,
    times_upstream,
)
from badak.functions.elementwise import abs as absolute
from badak.functions.elementwise import cast, exp, log, log1p, maximum, where
from badak.functions.loss_checks import (
    as_array,
    check_broadcast_weight,
    check_reduction,
    check_same_shape,
    check_unit_interval,
    check_weight,
)
from badak.functions.reduce import sum as sum_
from badak.tensor import Tensor


# ----------------------------------------------------------------------------------------------
# nll_loss
# ----------------------------------------------------------------------------------------------
class NLLLoss(Function):
    """-w_y * input[y] per position, from log-probabilities; its gradient is a constant."""

    saves_inputs = False

    def forward(self, x, target, weight, ignore_index, reduction):
        rows = as_rows(x)
        n_rows, n_classes = rows.shape
        targets = RowTargets(target, weight, ignore_index, n_rows, n_classes, rows.dtype)
        with np.errstate(invalid="ignore"):
            losses = np.where(targets.valid, -targets.row_weight * rows[targets.picked], 0)
        gradient = np.zeros_like(rows)
        scale = targets.mean_scale(reduction, rows.dtype)
        gradient[targets.picked] = 0 - targets.row_weight * scale  # +0.0 where ignored
        self.gradient = from_rows(gradient, x.shape).astype(x.dtype, copy=False)
        self.reduction = reduction
        return reduced_rows(losses, targets.weight_sum, reduction, target.shape, x.dtype)

    def backward(self, grad):
        dim = class_dim(self.gradient)
        return (times_upstream(self.gradient, grad, self.reduction, dim),)


def nll_loss(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"
):
    """Negative log-likelihood of class-index targets given log-probabilities.

        loss_n = -weight[target[n]] * input[n, target[n]]

    Args:
        input: log-probabilities, shape (N, C), (C,) or (N, C, d1, ..., dk).
        target: class indices in [0, C) or ignore_index, shape (N,), () or (N, d1, ..., dk).
        weight, ignore_index, reduction: as for cross_entropy.
    Returns:
        shape () for 'mean' and 'sum', else the target's shape.

    Matches torch.nn.functional.nll_loss, except that a mean over no valid element is 0.
    """
    name = "nll_loss"
    x = check_logits(name, input)
    reduction = check_reduction(name, reduction, size_average, reduce)
    weight = check_weight(name, weight, x.shape[class_dim(x)])
    target_array = as_array(target)
    check_class_target(name, x.shape, target_array, ignore_index)
    return NLLLoss()(
        input,
        target=target_array,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
    )


def _in_float32(loss, input, target, *args, **kwargs):
    """loss of float16 input and target computed in float32, returned in float16 (PyTorch
    computes float16 losses in float32 too)."""
    wide = [cast(v, np.float32) for v in (input, target)]
    return cast(loss(*wide, *args, **kwargs), np.float16)


# ----------------------------------------------------------------------------------------------
# Binary cross-entropy
# ----------------------------------------------------------------------------------------------
class BinaryCrossEntropy(Function):
    """-w * (t * log x + (1 - t) * log(1 - x)) per element, each log clamped at -100 (PyTorch)."""

    def forward(self, x, t, weight):
        self.weight = const(1, x) if weight is None else weight.astype(x.dtype, copy=False)
        floor = const(-100, x)
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), floor)
            log_not_x = np.maximum(np.log1p(-x), floor)
        return -self.weight * (t * log_x + (const(1, t) - t) * log_not_x)

    def backward(self, grad):
        x, t = self.inputs
        need_x, need_t = self.needs_input_grad
        grad_x = grad_t = None
        if need_x:  # PyTorch's: (x - t) / max(x (1 - x), 1e-12)
            denominator = maximum(x * (const(1, x) - x), const(1e-12, x))
            grad_x = grad * self.weight * (x - t) / denominator
        if need_t:
            grad_t = grad * self.weight * (log1p(-x) - log(x))
        return grad_x, grad_t


def binary_cross_entropy(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean"
):
    """Binary cross-entropy of probabilities `input` against targets in [0, 1].

        loss = -weight * (target * log(input) + (1 - target) * log(1 - input)), logs >= -100

    Shapes: input and target alike; weight broadcasts to them. Returns () or input's shape.
    Matches torch.nn.functional.binary_cross_entropy.
    """
    name = "binary_cross_entropy"
    x, t = check_same_shape(name, input, target)
    if x.dtype == np.float16:
        return _in_float32(binary_cross_entropy, input, target, weight, reduction=reduction)
    reduction = check_reduction(name, reduction, size_average, reduce)
    weight = check_broadcast_weight(name, weight, x.shape)
    check_unit_interval(name, "input", x)
    check_unit_interval(name, "target", t)
    return reduce_losses(BinaryCrossEntropy()(input, target, weight=weight), reduction)


def _softplus(x):
    """log(1 + exp(x)) without overflow."""
    return relu(x) + log1p(exp(-absolute(x)))


class BinaryCrossEntropyWithLogits(Function):
    """w * ((1 - t) * x + l * softplus(-x)) with l = 1 + (pos_weight - 1) * t, stable for any x."""

    def forward(self, x, t, weight, pos_weight):
        self.weight = const(1, x) if weight is None else weight.astype(x.dtype, copy=False)
        self.pos_weight = None if pos_weight is None else pos_weight.astype(x.dtype, copy=False)
        one = const(1, x)
        softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, const(0, x))
        log_weight = one if pos_weight is None else one + (self.pos_weight - one) * t
        return self.weight * ((one - t) * x + log_weight * softplus_neg)

    def backward(self, grad):
        x, t = self.inputs
        need_x, need_t = self.needs_input_grad
        one = const(1, x)
        grad_x = grad_t = None
        if need_x:
            log_weight = one if self.pos_weight is None else one + (self.pos_weight - one) * t
            grad_x = grad * self.weight * ((one - t) - log_weight * sigmoid(-x))
        if need_t:
            grad_t = -x
            if self.pos_weight is not None:
                grad_t = grad_t + (self.pos_weight - one) * _softplus(-x)
            grad_t = grad * self.weight * grad_t
        return grad_x, grad_t


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """Binary cross-entropy of sigmoid(input) against targets in [0, 1], computed stably.

        loss = weight * ((1 - t) * x + (1 + (pos_weight - 1) * t) * log(1 + exp(-x)))

    Shapes: input and target alike; weight broadcasts to them; pos_weight (C,) broadcasts along
    the last dim. Matches torch.nn.functional.binary_cross_entropy_with_logits.
    """
    name = "binary_cross_entropy_with_logits"
    x, t = check_same_shape(name, input, target)
    if x.dtype == np.float16:
        return _in_float32(binary_cross_entropy_with_logits, input, target, weight,
                           reduction=reduction, pos_weight=pos_weight)  # fmt: skip
    reduction = check_reduction(name, reduction, size_average, reduce)
    weight = check_broadcast_weight(name, weight, x.shape)
    pos_weight = check_broadcast_weight(name, pos_weight, x.shape, "pos_weight")
    losses = BinaryCrossEntropyWithLogits()(input, target, weight=weight, pos_weight=pos_weight)
    return reduce_losses(losses, reduction)


# ----------------------------------------------------------------------------------------------
# Regression and divergence
# ----------------------------------------------------------------------------------------------
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error: (input - target) ** 2, reduced. Shapes: input and target alike.

    Matches torch.nn.functional.mse_loss (badak refuses mismatched shapes instead of warning).
    """
    x, _ = check_same_shape("mse_loss", input, target)
    if x.dtype == np.float16:
        return _in_float32(mse_loss, input, target, reduction=reduction)
    reduction = check_reduction("mse_loss", reduction, size_average, reduce)
    difference = input - target
    return reduce_losses(difference * difference, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error: |input - target| per element, reduced (its gradient at 0 is 0).

    Shape: input and target alike (*); the result () for 'mean' and 'sum', else input's shape.
    Matches torch.nn.functional.l1_loss (badak refuses mismatched shapes instead of warning).
    """
    x, _ = check_same_shape("l1_loss", input, target)
    if x.dtype == np.float16:
        return _in_float32(l1_loss, input, target, reduction=reduction)
    reduction = check_reduction("l1_loss", reduction, size_average, reduce)
    return reduce_losses(absolute(input - target), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1 loss per element, reduced; beta = 0 is l1_loss.

        loss = 0.5 * d^2 / beta where |d| < beta, else |d| - 0.5 * beta   (d = input - target)

    Shape: input and target alike (*); the result () for 'mean' and 'sum', else input's shape.
    Matches torch.nn.functional.smooth_l1_loss.
    """
    return _piecewise("smooth_l1_loss", input, target, size_average, reduce, reduction, beta, 1)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss per element, reduced: smooth_l1_loss with beta = delta, scaled by delta.

        loss = 0.5 * d^2 where |d| < delta, else delta * (|d| - 0.5 * delta)   (d = input - target)

    Shape: input and target alike (*); the result () for 'mean' and 'sum', else input's shape.
    Matches torch.nn.functional.huber_loss.
    """
    return _piecewise("huber_loss", input, target, None, None, reduction, delta, delta)


def _piecewise(name, input, target, size_average, reduce, reduction, bound, scale):
    """scale * (0.5 d^2 / bound where |d| < bound, else |d| - 0.5 bound), reduced."""
    x, _ = check_same_shape(name, input, target)
    if not bound >= 0:
        raise ValueError(f"{name}: {'beta' if scale == 1 else 'delta'} must be >= 0, got {bound}")
    if x.dtype == np.float16:
        wide = [cast(v, np.float32) for v in (input, target)]
        return cast(_piecewise(name, *wide, size_average, reduce, reduction, bound, scale),
                    np.float16)  # fmt: skip
    reduction = check_reduction(name, reduction, size_average, reduce)
    difference = input - target
    size = absolute(difference)
    if bound == 0:
        return reduce_losses(size, reduction)
    half = const(0.5 * bound, size)
    quadratic = difference * difference * const(0.5 / bound, size)
    losses = where(as_array(size) < bound, quadratic, size - half)
    return reduce_losses(losses if scale == 1 else losses * const(scale, size), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence of `target` from log-probabilities `input`, pointwise.

        loss = target * (log(target) - input)   (0 where target = 0), or with log_target:
        loss = exp(target) * (target - input)

    reduction 'batchmean' divides the sum by the batch size (the mathematically right KL);
    'mean' by the number of elements, as PyTorch.

    Shape: input and target alike, (N, *); the result () for 'batchmean', 'mean' and 'sum',
    else input's shape. Matches torch.nn.functional.kl_div.
    """
    name = "kl_div"
    check_same_shape(name, input, target)
    if size_average is not None or reduce is not None:
        reduction = check_reduction(name, reduction, size_average, reduce)
    if reduction not in ("none", "batchmean", "mean", "sum"):
        raise ValueError(
            f"{name}: reduction must be 'none', 'batchmean', 'mean' or 'sum', got {reduction!r}"
        )
    if log_target:
        losses = exp(target) * (target - input)
    else:
        t = as_array(target)
        positive = t > 0
        safe = where(positive, target, const(1, t))  # log(1) = 0 where the target is 0
        losses = where(positive, target * log(safe), const(0, t)) - target * input
    if reduction == "batchmean":
        total = sum_(losses)
        batch = np.shape(input)[0] if np.ndim(input) else 1
        return total / const(batch, total) if batch else total
    return reduce_losses(losses, reduction)


# ----------------------------------------------------------------------------------------------
# one_hot
# ----------------------------------------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    """Class indices as one-hot rows: int64 of shape tensor.shape + (num_classes,), no gradient.

    num_classes=-1 takes max(tensor) + 1. Matches torch.nn.functional.one_hot.
    """
    indices = as_array(tensor)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected integer class indices, got dtype {indices.dtype}")
    if indices.size and indices.min() < 0:
        raise IndexError(f"one_hot: class indices must be non-negative, got {indices.min()}")
    if num_classes == -1:
        if not indices.size:
            raise ValueError("one_hot: cannot infer num_classes from an empty tensor; pass it")
        num_classes = int(indices.max()) + 1
    elif indices.size and indices.max() >= num_classes:
        raise IndexError(
            f"one_hot: class index {indices.max()} is not below num_classes={num_classes}"
        )
    out = (indices[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._from_array(out) if isinstance(tensor, Tensor) else out


__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "mse_loss",
    "nll_loss",
    "one_hot",
]
