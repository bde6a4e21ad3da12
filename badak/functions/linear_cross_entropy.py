"""linear_cross_entropy: cross_entropy(linear(input, weight, bias), target) without ever holding the
(N, V) logits.

Rows are taken in chunks. A chunk's logits (rows x V) go through the fused cross-entropy kernel,
which writes their gradient over them in place; that gradient then gives the chunk's input
gradient (@ weight) and its share of the weight gradient, added in column chunks into one (V, D)
array. Three matrix products in all, as unfused; the gradients are formed in forward and only
scaled in backward.
"""

from badak.autograd import Function
from badak.device import np
from badak.functions.cross_entropy import (
    RowTargets,
    check_class_target,
    check_smoothing,
    reduced_rows,
)
from badak.functions.loss_checks import as_array, check_reduction
from badak.kernels import cross_entropy as kernel

CHUNK_BYTES = 32 * 2**20  # the logits of one chunk of rows
COLUMN_BYTES = 8 * 2**20  # the (columns, D) product added into the weight gradient at a time


class LinearCrossEntropy(Function):
    """Positional inputs (input (N, D), weight (V, D), bias (V,) or None); target and options are
    keywords. For reduction='none' the upstream gradient differs per row, so backward forms the
    gradients then, computing the logits a second time."""

    saves_inputs = False

    fresh_gradients = True

    def forward(self, x, weight, bias, target, ignore_index, reduction, label_smoothing, chunk):
        dtype = np.result_type(x, weight)
        n_rows, n_classes = x.shape[0], weight.shape[0]
        self.targets = RowTargets(target, None, ignore_index, n_rows, n_classes, dtype)
        self.hard = dtype.type(1 - label_smoothing) * self.targets.row_weight
        self.smooth = dtype.type(label_smoothing / n_classes) * self.targets.valid
        self.label_smoothing, self.reduction, self.chunk = label_smoothing, reduction, chunk
        scale = self.targets.mean_scale(reduction, dtype)
        # Recorded for backward: form the gradients now, in the same pass over the logits.
        form_now = bool(self.needs_input_grad) and reduction != "none"
        losses, self.gradients = self._chunks(x, weight, bias, scale, form_now)
        return reduced_rows(losses, self.targets.weight_sum, reduction, target.shape, dtype)

    def _chunks(self, x, weight, bias, scale, with_gradients):
        """Per-row losses (N,) and, if asked, (grad input, grad weight, grad bias) for the
        gradient coefficients hard * scale and smooth * scale (scale: scalar or (N,))."""
        n_rows, depth = x.shape
        n_classes = weight.shape[0]
        dtype = np.result_type(x, weight)
        rows = self.chunk or max(1, CHUNK_BYTES // (n_classes * dtype.itemsize))
        columns = max(1, COLUMN_BYTES // (depth * dtype.itemsize))
        t, smoothing = self.targets, self.label_smoothing
        ones = np.ones(n_classes, dtype)
        logits = kernel.aligned_empty((min(rows, n_rows), n_classes), dtype)  # streamed stores
        losses = np.empty(n_rows, dtype)
        if with_gradients:
            grad_x = np.empty((n_rows, depth), dtype)
            grad_w = np.zeros((n_classes, depth), dtype)
            product = np.empty((min(columns, n_classes), depth), dtype)
            grad_b = None if bias is None else np.zeros(n_classes, dtype)
        for start in range(0, n_rows, rows):
            stop = min(start + rows, n_rows)
            chunk_x, chunk_logits = x[start:stop], logits[: stop - start]
            np.matmul(chunk_x, weight.T, out=chunk_logits)
            if bias is not None:
                chunk_logits += bias
            part = slice(start, stop)
            row_scale = scale[part] if np.ndim(scale) else scale
            hard, smooth = self.hard[part], self.smooth[part] if smoothing else None
            with np.errstate(invalid="ignore", over="ignore"):
                terms = kernel.softmax_cross_entropy(
                    chunk_logits,
                    t.picked[1][part],
                    ones,
                    hard * row_scale,
                    None if smooth is None else smooth * row_scale,
                    chunk_logits if with_gradients else None,
                )
                chunk_losses = hard * (terms.normalizer - terms.target_shift)
                if smoothing:
                    chunk_losses += smooth * (n_classes * terms.normalizer - terms.weighted_shift)
            losses[part] = np.where(t.valid[part], chunk_losses, 0)
            if not with_gradients:
                continue
            valid = t.valid[part]
            if not valid.all():
                chunk_logits[~valid] = 0  # an ignored row's gradient is exactly 0
            np.matmul(chunk_logits, weight, out=grad_x[part])
            for column in range(0, n_classes, columns):
                end = min(column + columns, n_classes)
                block = product[: end - column]
                np.matmul(chunk_logits[:, column:end].T, chunk_x, out=block)
                grad_w[column:end] += block
            if grad_b is not None:
                grad_b += chunk_logits.sum(axis=0)
        gradients = (grad_x, grad_w, grad_b) if with_gradients else None
        return losses, gradients

    def backward(self, grad):
        x, weight, bias = self._arrays
        if self.reduction == "none":  # the upstream gradient scales each row: form them now
            scale = np.asarray(grad, dtype=np.result_type(x, weight)).reshape(-1)
            gradients = self._chunks(x, weight, bias, scale, True)[1]
        else:
            gradients, self.gradients = self.gradients, None
            if gradients is None:  # taken by an earlier backward through a retained graph
                scale = self.targets.mean_scale(self.reduction, np.result_type(x, weight))
                gradients = self._chunks(x, weight, bias, scale, True)[1]
            if grad != 1:
                gradients = tuple(None if g is None else g * grad for g in gradients)
        need = self.needs_input_grad
        return tuple(g if wanted else None for g, wanted in zip(gradients, need))


def linear_cross_entropy(
    input,
    weight,
    target,
    bias=None,
    ignore_index=-100,
    reduction="mean",
    label_smoothing=0.0,
    chunk_size=None,
):
    """cross_entropy(linear(input, weight, bias), target, ...) without the (N, V) logits.

    Args:
        input: (N, D) features, floating.
        weight: (V, D) class weights, as in F.linear.
        target: (N,) class indices in [0, V) or ignore_index.
        bias: (V,) or None.
        ignore_index, reduction, label_smoothing: as for cross_entropy.
        chunk_size: rows per chunk (default: about 32 MiB of logits).
    Returns:
        shape () for 'mean' and 'sum', (N,) for 'none'.

    Loss and gradients equal the unfused path's to float32 tolerance. Memory beyond the inputs,
    the loss and the gradients: one chunk of logits and one (columns, D) product.
    """
    name = "linear_cross_entropy"
    x, w = as_array(input), as_array(weight)
    if x.dtype.kind != "f" or w.dtype.kind != "f":
        raise TypeError(f"{name}: expected floating input and weight, got {x.dtype} and {w.dtype}")
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ValueError(
            f"{name}: expected input (N, D) and weight (V, D), got {x.shape} and {w.shape}"
        )
    if bias is not None and np.shape(as_array(bias)) != (w.shape[0],):
        raise ValueError(f"{name}: expected bias of shape ({w.shape[0]},), got {np.shape(bias)}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size < 1):
        raise ValueError(f"{name}: chunk_size must be a positive int, got {chunk_size!r}")
    reduction = check_reduction(name, reduction)
    label_smoothing = check_smoothing(name, label_smoothing)
    target_array = as_array(target)
    check_class_target(name, (x.shape[0], w.shape[0]), target_array, ignore_index)
    return LinearCrossEntropy()(
        input,
        weight,
        bias,
        target=target_array,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
        chunk=chunk_size,
    )
