"""cross_entropy: softmax cross-entropy with PyTorch's whole surface, and the class-target
bookkeeping and checks it shares with nll_loss and linear_cross_entropy.

cross_entropy gives torch.nn.functional.cross_entropy's result for every valid input, except where
badak is better (accurate when confident, ignored positions exactly 0, a mean over nothing is 0,
float16 reduced in float32); bad input raises before any work, naming cross_entropy, what it
expected and what arrived. The kernels it runs are in badak.kernels.cross_entropy.
"""

import math

from badak.autograd import Function
from badak.device import np
from badak.functions._args import const, shape_of
from badak.functions.activation import log_softmax, softmax
from badak.functions.elementwise import cast, where
from badak.functions.loss_checks import as_array, check_reduction, check_weight
from badak.functions.reduce import sum as sum_
from badak.functions.shape import unsqueeze
from badak.kernels import cross_entropy as kernel
from badak.tensor import Tensor


# ----------------------------------------------------------------------------------------------
# Layout: (C,), (N, C) and (N, C, d1, ...) logits are worked on as (M, C) rows
# ----------------------------------------------------------------------------------------------
def as_rows(x):
    """Logits as (M, C) rows, M = N * d1 * ... (1 for unbatched); float16 widened to float32."""
    if x.ndim == 1:
        rows = x[None, :]
    elif x.ndim == 2:
        rows = x
    else:
        rows = np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])
    return rows.astype(np.float32) if rows.dtype == np.float16 else rows


def from_rows(rows, shape):
    """The inverse of `as_rows`: (M, C) back to the logits' layout."""
    if len(shape) <= 2:
        return rows.reshape(shape)
    return np.moveaxis(rows.reshape((shape[0], *shape[2:], shape[1])), -1, 1)


def class_dim(x):
    return 0 if len(shape_of(x)) == 1 else 1


def reduced_rows(losses, divisor, reduction, target_shape, dtype):
    """Per-row losses (M,) reduced; `divisor` is the mean's (0 when nothing counts: mean 0)."""
    if reduction == "none":
        return losses.reshape(target_shape).astype(dtype, copy=False)
    total = losses.sum(dtype=losses.dtype)
    if reduction == "mean":
        total = total / divisor if divisor else total * 0
    return np.asarray(total, dtype=dtype)


def times_upstream(gradient, grad, reduction, class_dim):
    """The loss's gradient (input-shaped) times the upstream one (scalar, or per position)."""
    if reduction == "none":
        return gradient * unsqueeze(grad, class_dim)
    return gradient * grad


class RowTargets:
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

    def forward(self, x, target, weight, ignore_index, reduction, label_smoothing):
        self.reduction, self.label_smoothing = reduction, label_smoothing
        self._target_args = target, weight, ignore_index
        self._row_targets = None
        needs_grad = bool(self.needs_input_grad)  # recorded: form the gradient now, in one pass
        if weight is None and not label_smoothing and reduction != "none":
            # The common case in one compiled pass (None where it does not apply: no kernel,
            # not float32 short rows, or a target equal to ignore_index).
            plain = kernel.plain_cross_entropy(x, target, ignore_index, reduction == "mean",
                                               needs_grad)  # fmt: skip
            if plain is not None:
                loss, self.gradient = plain
                return np.asarray(loss)
        rows = as_rows(x)
        targets, hard, smooth = self._target_terms(rows)
        terms, self.gradient = self._terms(x, rows, needs_grad)
        with np.errstate(invalid="ignore", over="ignore"):  # ignored rows may hold inf or NaN
            losses = hard * (terms.normalizer - terms.target_shift)  # -log p_y >= 0
            if label_smoothing:
                weight_sum = targets.class_weight.sum(dtype=rows.dtype)
                losses += smooth * (weight_sum * terms.normalizer - terms.weighted_shift)
            if not targets.all_valid:
                losses = np.where(targets.valid, losses, 0)  # exactly 0, whatever the logits held
        return reduced_rows(losses, targets.weight_sum, reduction, target.shape, x.dtype)

    def _target_terms(self, rows):
        """(targets, hard, smooth): the per-row bookkeeping, made on first use (the common case
        in forward needs none of it)."""
        if self._row_targets is None:
            target, weight, ignore_index = self._target_args
            n_rows, n_classes = rows.shape
            targets = RowTargets(target, weight, ignore_index, n_rows, n_classes, rows.dtype)
            hard = const(1 - self.label_smoothing, rows) * targets.row_weight
            smooth = const(self.label_smoothing / n_classes, rows) * targets.valid
            self._row_targets = targets, hard, smooth
        return self._row_targets

    def _formed_gradient(self):
        """The gradient formed in forward, or formed again if an earlier backward took it."""
        if self.gradient is None:
            x = self._arrays[0]
            self.gradient = self._terms(x, as_rows(x), True)[1]
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
        return terms, from_rows(gradient, x.shape).astype(x.dtype, copy=False)

    def backward_arrays(self, grad):
        """backward on arrays: the gradient formed in forward, handed over (not kept)."""
        gradient, self.gradient = self._formed_gradient(), None
        if self.reduction != "none" and grad == 1:  # loss.backward(): nothing to scale
            return (gradient,)
        return (times_upstream(gradient, grad, self.reduction, class_dim(gradient)),)

    def backward(self, grad):
        # Forward's accurate gradient, plus A * softmax(x) minus its own value: a term that is
        # zero but carries the derivative under create_graph (the rest of the gradient is
        # constant).
        x = self.inputs[0]
        dim = class_dim(x)
        t, hard, smooth = self._target_terms(as_rows(self._arrays[0]))
        scale = t.mean_scale(self.reduction, hard.dtype)
        coefficient = ((hard + smooth * t.class_weight.sum()) * scale)[:, None]
        shape = (len(t.valid), len(t.class_weight))
        coefficient = from_rows(np.broadcast_to(coefficient, shape), np.shape(x)).astype(x.dtype)
        valid = from_rows(np.broadcast_to(t.valid[:, None], shape), np.shape(x))
        varying = softmax(where(valid, x, const(0, x)), dim) * coefficient  # NaN rows stay out
        gradient = where(valid, varying - varying.detach(), const(0, x)) + self._formed_gradient()
        return (times_upstream(gradient, grad, self.reduction, dim),)


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
    weight = check_weight(name, weight, x.shape[class_dim(x)])
    target_array = as_array(target)
    if target_array.dtype.kind == "f" and target_array.shape == x.shape:
        check_probability_target(name, target_array)
        return _soft_cross_entropy(input, target, weight, reduction, label_smoothing)
    check_class_target(name, x.shape, target_array, ignore_index)
    return CrossEntropy()(
        input,
        target=target_array,
        weight=weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


def _soft_cross_entropy(input, target, weight, reduction, label_smoothing):
    """Cross-entropy with class probabilities: -sum_c w_c t_c log p_c per position.

    The mean divides by the number of positions (N * d1 * ...), weights or not, as PyTorch does.
    """
    dim = class_dim(input)
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
    return cast(reduce_losses(losses, reduction), x_dtype)


def reduce_losses(losses, reduction):
    """'none', 'sum' or 'mean' of elementwise losses; a mean over no element is 0."""
    if reduction == "none":
        return losses
    total = sum_(losses)
    count = int(np.prod(np.shape(losses)))
    if reduction == "mean" and count:
        total = total / const(count, total)
    return total


# ----------------------------------------------------------------------------------------------
# Checks: each raises before any work (TypeError for wrong kinds, ValueError for bad values and
# shapes, IndexError for a class index out of range)
# ----------------------------------------------------------------------------------------------
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


def check_class_target(name, shape, target, ignore_index):
    """Integer class indices in [0, C) or equal to ignore_index, for scores of `shape`: the
    target is shaped like them without dim 1."""
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
