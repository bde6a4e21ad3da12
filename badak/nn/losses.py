"""Loss modules: each holds its options and calls the matching function in badak.functions.

The constructors take PyTorch's arguments in PyTorch's order, the deprecated `size_average` and
`reduce` included (mapped to `reduction` as PyTorch maps them), and a class weight is a buffer,
part of the state dict, as in PyTorch.
"""

from badak import functions as loss
from badak.functions.loss_checks import check_reduction
from badak.nn.module import Module
from badak.tensor import Tensor


class _Loss(Module):
    """A loss's reduction, from `reduction` or from PyTorch's deprecated size_average/reduce."""

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        name = type(self).__name__
        if reduction == "batchmean" and size_average is None and reduce is None:
            self.reduction = reduction  # kl_div's own, checked there
        else:
            self.reduction = check_reduction(name, reduction, size_average, reduce)


class _WeightedLoss(_Loss):
    """A loss with per-class (or per-element) weights, held as the buffer `weight`."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _tensor_or_none(weight))


def _tensor_or_none(value):
    return value if value is None or isinstance(value, Tensor) else Tensor(value)


class CrossEntropyLoss(_WeightedLoss):
    """cross_entropy(input, target, ...) as a module; see badak.nn.functional.cross_entropy.

    Args:
        weight: per-class weights, shape (C,), or None.
        ignore_index: a class-index target equal to it contributes 0.
        reduction: 'mean', 'sum' or 'none'.
        label_smoothing: e in [0, 1]; the target becomes (1 - e) * onehot + e / C.

    Shape: input (N, C), (C,) or (N, C, d1, ...); target class indices (N,), () or
    (N, d1, ...), or class probabilities shaped like input; output () for 'mean' and 'sum',
    else the input's shape without the class dim. As torch.nn.CrossEntropyLoss.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return loss.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """nll_loss(input, target, ...) as a module, for log-probabilities (log_softmax's output).

    Shape: input (N, C), (C,) or (N, C, d1, ...); target class indices (N,), () or
    (N, d1, ...); weight (C,); output () for 'mean' and 'sum', else the target's shape.
    As torch.nn.NLLLoss.
    """

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return loss.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class BCEWithLogitsLoss(_WeightedLoss):
    """binary_cross_entropy_with_logits(input, target, ...) as a module: sigmoid and binary
    cross-entropy in one stable step.

    Shape: input (*) logits and target (*) in [0, 1], alike; weight broadcasts to them;
    pos_weight (C,) broadcasts along the last dim; output () for 'mean' and 'sum', else (*).
    As torch.nn.BCEWithLogitsLoss.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):  # fmt: skip
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _tensor_or_none(pos_weight))

    def forward(self, input, target):
        return loss.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )


class MSELoss(_Loss):
    """mse_loss(input, target) as a module: (input - target) ** 2 per element, reduced.

    Shape: input (*) and target (*), alike; output () for 'mean' and 'sum', else (*).
    As torch.nn.MSELoss.
    """

    def forward(self, input, target):
        return loss.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """l1_loss(input, target) as a module: |input - target| per element, reduced.

    Shape: input (*) and target (*), alike; output () for 'mean' and 'sum', else (*).
    As torch.nn.L1Loss.
    """

    def forward(self, input, target):
        return loss.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """smooth_l1_loss(input, target, beta=beta) as a module: quadratic where
    |input - target| < beta, linear beyond.

    Shape: input (*) and target (*), alike; output () for 'mean' and 'sum', else (*).
    As torch.nn.SmoothL1Loss.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return loss.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """huber_loss(input, target, delta=delta) as a module: quadratic where
    |input - target| < delta, linear beyond.

    Shape: input (*) and target (*), alike; output () for 'mean' and 'sum', else (*).
    As torch.nn.HuberLoss.
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return loss.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(_WeightedLoss):
    """binary_cross_entropy(input, target, weight) as a module, for probabilities in [0, 1]
    (sigmoid's output).

    Shape: input (*) and target (*), alike; weight broadcasts to them; output () for 'mean'
    and 'sum', else (*). As torch.nn.BCELoss.
    """

    def forward(self, input, target):
        return loss.binary_cross_entropy(
            input, target, weight=self.weight, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    """kl_div(input, target, log_target=log_target) as a module: input log-probabilities,
    target probabilities (log-probabilities with log_target); reduction 'mean', 'batchmean',
    'sum' or 'none'.

    Shape: input (N, *) and target (N, *), alike; output () for 'mean', 'batchmean' and 'sum',
    else (N, *). As torch.nn.KLDivLoss.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return loss.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
