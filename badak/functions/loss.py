"""Losses: cross_entropy and nll_loss with PyTorch's whole surface, binary_cross_entropy and
binary_cross_entropy_with_logits, mse_loss, kl_div, and one_hot.

cross_entropy gives torch.nn.functional.cross_entropy's result for every valid input, except where
badak is better (accurate when confident, ignored positions exactly 0, a mean over nothing is 0,
float16 reduced in float32); bad input raises before any work. See DESIGN.md.
"""

from badak.autograd import Function, is_grad_enabled
from badak.device import np
from badak.functions._args import const, shape_of
from badak.functions.activation import log_softmax, relu, sigmoid, softmax
from badak.functions.elementwise import abs as absolute
from badak.functions.elementwise import cast, exp, log, log1p, maximum, where
from badak.functions.loss_checks import (
    as_array,
    check_broadcast_weight,
    check_class_target,
    check_class_values,
    check_logits,
    check_probability_target,
    check_reduction,
    check_same_shape,
    check_smoothing,
    check_unit_interval,
    check_weight,
)
from badak.functions.reduce import sum as sum_
from badak.functions.shape import unsqueeze
from badak.kernels import cross_entropy as kernel
from badak.tensor import Tensor


# ----------------------------------------------------------------------------------------------
# Layout: (C,), (N, C) and (N, C, d1, ...) logits are worked on as (M, C) rows
# ----------------------------------------------------------------------------------------------
def _rows(x):
    """Logits as (M, C) rows, M = N * d1 * ... (1 for unbatched); float16 widened to float32."""
    if x.ndim == 1:
        rows = x[None, :]
    elif x.ndim == 2:
        rows = x
    else:
        rows = np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])
    return rows.astype(np.float32) if rows.dtype == np.float16 else rows


def _unrows(rows, shape):
    """The inverse of `_rows`: (M, C) back to the logits' layout."""
    if len(shape) <= 2:
        return rows.reshape(shape)
    return np.moveaxis(rows.reshape((shape[0], *shape[2:], shape[1])), -1, 1)


def _class_dim(x):
    return 0 if len(shape_of(x)) == 1 else 1


def _reduced(losses, divisor, reduction, target_shape, dtype):
    """Per-row losses (M,) reduced; `divisor` is the mean's (0 when nothing counts: mean 0)."""
    if reduction == "none":
        return losses.reshape(target_shape).astype(dtype, copy=False)
    total = losses.sum(dtype=losses.dtype)
    if reduction == "mean":
        total = total / divisor if divisor else total * 0
    return np.asarray(total, dtype=dtype)


def _times_upstream(gradient, grad, reduction, class_dim):
    """The loss's gradient (input-shaped) times the upstream one (scalar, or per position)."""
    if reduction == "none":
        return gradient * unsqueeze(grad, class_dim)
    return gradient * grad


class _RowTargets:
    """Per-row target bookkeeping shared by cross_entropy and nll_loss."""

    def __init__(self, target, weight, ignore_index, n_rows, n_classes, dtype):
        flat = target.reshape(-1)
        self.valid = flat != ignore_index
        self.all_valid = bool(self.valid.all())  # the common case skips the masking below
        self.picked = np.arange(n_rows), flat if self.all_valid else np.where(self.valid, flat, 0)
        if weight is None:
            self.class_weight = np.ones(n_classes, dtype)
            self.row_weight = self.valid.astype(dtype)
        else:
            self.class_weight = weight.astype(dtype, copy=False)
            picked_weight = self.class_weight[self.picked[1]]
            self.row_weight = np.where(self.valid, picked_weight, 0).astype(dtype)
        self.weight_sum = self.row_weight.sum(dtype=dtype)  # the weighted mean's divisor

    def mean_scale(self, reduction, dtype):
        """The factor that turns a summed gradient into the (weighted) mean's."""
        if reduction != "mean":
            return dtype.type(1)
        return dtype.type(1 / self.weight_sum if self.weight_sum else 0)


# ----------------------------------------------------------------------------------------------
# cross_entropy with class indices: fused
# ----------------------------------------------------------------------------------------------
class CrossEntropy(Function):
    """Softmax cross-entropy with class-index targets; the gradient is formed in forward.

    Per row, with w_y the target's weight (0 where ignored), W = sum_c w_c, e = label smoothing,
    lse = logsumexp(x):
        loss      = (1 - e) * w_y * (lse - x_y) + e / C * sum_c w_c * (lse - x_c)
        d loss/dx = A * p - (1 - e) * w_y * onehot_y - e / C * w,  A = (1 - e) * w_y + e / C * W

    The gradient is handed to backward's caller, not kept (fresh_gradients): a second backward
    through a retained graph forms it again from the saved logits.
    """

    fresh_gradients = True

    def forward(self, x, target, weight, ignore_index, reduction, label_smoothing, needs_grad,
                plain=None):  # fmt: skip
        """`plain`: (loss, gradient) when cross_entropy had the common case computed."""
        self.reduction, self.label_smoothing = reduction, label_smoothing
        self._target_args = target, weight, ignore_index
        self._row_targets = None
        if plain is not None:
            loss, self.gradient = plain
            return np.asarray(loss)
        rows = _rows(x)
        targets, hard, smooth = self._target_terms(rows)
        terms, self.gradient = self._terms(x, rows, needs_grad)
        with np.errstate(invalid="ignore", over="ignore"):  # ignored rows may hold inf or NaN
            losses = hard * (terms.normalizer - terms.target_shift)  # -log p_y >= 0
            if label_smoothing:
                weight_sum = targets.class_weight.sum(dtype=rows.dtype)
                losses += smooth * (weight_sum * terms.normalizer - terms.weighted_shift)
            if not targets.all_valid:
                losses = np.where(targets.valid, losses, 0)  # exactly 0, whatever the logits held
        return _reduced(losses, targets.weight_sum, reduction, target.shape, x.dtype)

    def _target_terms(self, rows):
        """(targets, hard, smooth): the per-row bookkeeping, made on first use (the common case
        in forward needs none of it)."""
        if self._row_targets is None:
            target, weight, ignore_index = self._target_args
            n_rows, n_classes = rows.shape
            targets = _RowTargets(target, weight, ignore_index, n_rows, n_classes, rows.dtype)
            hard = const(1 - self.label_smoothing, rows) * targets.row_weight
            smooth = const(self.label_smoothing / n_classes, rows) * targets.valid
            self._row_targets = targets, hard, smooth
        return self._row_targets

    def _formed_gradient(self):
        """The gradient formed in forward, or formed again if an earlier backward took it."""
        if self.gradient is None:
            x = self._arrays[0]
            self.gradient = self._terms(x, _rows(x), True)[1]
        return self.gradient

    def _terms(self, x, rows, needs_grad):
        """The kernel's row terms and, if wanted, the gradient in x's layout (already divided by
        the mean's divisor)."""
        t, hard, smooth = self._target_terms(rows)
        scale = t.mean_scale(self.reduction, rows.dtype)
        gradient = kernel.gradient_buffer.take(rows.shape, rows.dtype) if needs_grad else None
        smooth = smooth if self.label_smoothing else None
        if needs_grad and smooth is not None:
            smooth = smooth * scale
        with np.errstate(invalid="ignore", over="ignore"):
            terms = kernel.softmax_cross_entropy(
                np.ascontiguousarray(rows),
                t.picked[1],
                t.class_weight,
                hard * scale if needs_grad else None,
                smooth,
                gradient,
            )
        if not needs_grad:
            return terms, None
        if not t.all_valid:
            gradient[~t.valid] = 0
        return terms, _unrows(gradient, x.shape).astype(x.dtype, copy=False)

    def backward_arrays(self, grad):
        """backward on arrays: the gradient formed in forward, handed over (not kept)."""
        gradient, self.gradient = self._formed_gradient(), None
        if self.reduction != "none" and grad == 1:  # loss.backward(): nothing to scale
            return (gradient,)
        return (_times_upstream(gradient, grad, self.reduction, _class_dim(gradient)),)

    def backward(self, grad):
        # Forward's accurate gradient, plus A * softmax(x) minus its own value: a term that is
        # zero but carries the derivative under create_graph (the rest of the gradient is
        # constant).
        x = self.inputs[0]
        dim = _class_dim(x)
        t, hard, smooth = self._target_terms(_rows(self._arrays[0]))
        scale = t.mean_scale(self.reduction, hard.dtype)
        coefficient = ((hard + smooth * t.class_weight.sum()) * scale)[:, None]
        shape = (len(t.valid), len(t.class_weight))
        coefficient = _unrows(np.broadcast_to(coefficient, shape), np.shape(x)).astype(x.dtype)
        valid = _unrows(np.broadcast_to(t.valid[:, None], shape), np.shape(x))
        varying = softmax(where(valid, x, const(0, x)), dim) * coefficient  # NaN rows stay out
        gradient = where(valid, varying - varying.detach(), const(0, x)) + self._formed_gradient()
        return (_times_upstream(gradient, grad, self.reduction, dim),)


def cross_entropy(
    input,
    target,
    weight=None,
    size_average=None,
    ignore_index=-100,
    reduce=None,
    reduction="mean",
    label_smoothing=0.0,
):
    """Negative log-likelihood of `target` under softmax(input), averaged over the batch.

        loss_n = logsumexp(input[n]) - input[n, target[n]]

    Args:
        input: unnormalised class scores, shape (N, C), (C,) or (N, C, d1, ..., dk), floating.
        target: class indices in [0, C), shape (N,), () or (N, d1, ..., dk); or class
            probabilities shaped like input.
        weight: per-class weights, shape (C,).
        ignore_index: a class-index target equal to it contributes 0 and is left out of the mean
            (any integer, also outside [0, C)).
        reduction: 'none' (the target's shape), 'mean' (divided by the sum of the targets'
            weights; for probabilities by the number of positions) or 'sum'.
        label_smoothing: e in [0, 1]; the target becomes (1 - e) * onehot + e / C.
    Returns:
        shape () for 'mean' and 'sum', else the input's shape without the class dim.

    Gradient wrt input: (softmax(input) - onehot(target)) * weight / (sum of weights).
    Matches torch.nn.functional.cross_entropy, except: a confident row's float32 loss is accurate
    (PyTorch returns 0), an ignored position gives exactly 0 whatever its logits, a mean over no
    valid element is 0 with a zero gradient (PyTorch: NaN), float16 is reduced in float32.
    """
    name = "cross_entropy"
    x = check_logits(name, input)
    reduction = check_reduction(name, reduction, size_average, reduce)
    label_smoothing = check_smoothing(name, label_smoothing)
    weight = check_weight(name, weight, x.shape[_class_dim(x)])
    target_array = as_array(target)
    if target_array.dtype.kind == "f" and target_array.shape == x.shape:
        check_probability_target(name, target_array)
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing)
    check_class_target(name, x.shape, target_array, ignore_index, values=False)
    needs_grad = isinstance(input, Tensor) and input.requires_grad and is_grad_enabled()
    plain = None
    if weight is None and not label_smoothing and reduction != "none":
        # The common case in one compiled call, which also checks the targets' values (it gives
        # None, for the general path, where one is not a class index)
        plain = kernel.plain_cross_entropy(x, target_array, ignore_index, reduction == "mean",
                                           needs_grad)  # fmt: skip
    if plain is None:
        check_class_values(name, x.shape, target_array, ignore_index)
    return CrossEntropy()(
        input,
        target=target_array,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
        needs_grad=needs_grad,
        plain=plain,
    )


def _soft_cross_entropy(input, target, weight, reduction, label_smoothing):
    """Cross-entropy with class probabilities: -sum_c w_c t_c log p_c per position.

    The mean divides by the number of positions (N * d1 * ...), weights or not, as PyTorch does.
    """
    dim = _class_dim(input)
    n_classes = np.shape(input)[dim]
    x_dtype = as_array(input).dtype
    wide = np.dtype(np.float32) if x_dtype == np.float16 else x_dtype  # float16 sums in float32
    if label_smoothing:
        target = target * wide.type(1 - label_smoothing) + wide.type(label_smoothing / n_classes)
    if weight is not None:
        view = [1] * np.ndim(input)
        view[dim] = n_classes
        target = target * weight.astype(wide).reshape(view)
    losses = -sum_(cast(target, wide) * log_softmax(cast(input, wide), dim), dim)
    return cast(_reduce(losses, reduction), x_dtype)


def _reduce(losses, reduction):
    """'none', 'sum' or 'mean' of elementwise losses; a mean over no element is 0."""
    if reduction == "none":
        return losses
    total = sum_(losses)
    count = int(np.prod(np.shape(losses)))
    if reduction == "mean" and count:
        total = total / const(count, total)
    return total


# ----------------------------------------------------------------------------------------------
# nll_loss
# ----------------------------------------------------------------------------------------------
class NLLLoss(Function):
    """-w_y * input[y] per position, from log-probabilities; its gradient is a constant."""

    def forward(self, x, target, weight, ignore_index, reduction):
        rows = _rows(x)
        n_rows, n_classes = rows.shape
        targets = _RowTargets(target, weight, ignore_index, n_rows, n_classes, rows.dtype)
        with np.errstate(invalid="ignore"):
            losses = np.where(targets.valid, -targets.row_weight * rows[targets.picked], 0)
        gradient = np.zeros_like(rows)
        scale = targets.mean_scale(reduction, rows.dtype)
        gradient[targets.picked] = 0 - targets.row_weight * scale  # +0.0 where ignored
        self.gradient = _unrows(gradient, x.shape).astype(x.dtype, copy=False)
        self.reduction = reduction
        return _reduced(losses, targets.weight_sum, reduction, target.shape, x.dtype)

    def backward(self, grad):
        dim = _class_dim(self.gradient)
        return (_times_upstream(self.gradient, grad, self.reduction, dim),)


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
    weight = check_weight(name, weight, x.shape[_class_dim(x)])
    target_array = as_array(target)
    check_class_target(name, x.shape, target_array, ignore_index)
    return NLLLoss()(
        input,
        target=target_array,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
    )


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
    reduction = check_reduction(name, reduction, size_average, reduce)
    weight = check_broadcast_weight(name, weight, x.shape)
    check_unit_interval(name, "input", x)
    check_unit_interval(name, "target", t)
    return _reduce(BinaryCrossEntropy()(input, target, weight=weight), reduction)


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
    reduction = check_reduction(name, reduction, size_average, reduce)
    weight = check_broadcast_weight(name, weight, x.shape)
    pos_weight = check_broadcast_weight(name, pos_weight, x.shape, "pos_weight")
    losses = BinaryCrossEntropyWithLogits()(input, target, weight=weight, pos_weight=pos_weight)
    return _reduce(losses, reduction)


# ----------------------------------------------------------------------------------------------
# Regression and divergence
# ----------------------------------------------------------------------------------------------
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error: (input - target) ** 2, reduced. Shapes: input and target alike.

    Matches torch.nn.functional.mse_loss (badak refuses mismatched shapes instead of warning).
    """
    check_same_shape("mse_loss", input, target)
    reduction = check_reduction("mse_loss", reduction, size_average, reduce)
    difference = input - target
    return _reduce(difference * difference, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence of `target` from log-probabilities `input`, pointwise.

        loss = target * (log(target) - input)   (0 where target = 0), or with log_target:
        loss = exp(target) * (target - input)

    reduction 'batchmean' divides the sum by the batch size (the mathematically right KL);
    'mean' by the number of elements, as PyTorch. Matches torch.nn.functional.kl_div.
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
    return _reduce(losses, reduction)


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
    "cross_entropy",
    "kl_div",
    "mse_loss",
    "nll_loss",
    "one_hot",
]
