"""Loss modules: each holds its options and calls the matching function in badak.functions."""

from badak import functions as loss
from badak.nn.module import Module


class CrossEntropyLoss(Module):
    """cross_entropy(input, target, ...) as a module; see badak.nn.functional.cross_entropy."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__()
        self.weight, self.ignore_index = weight, ignore_index
        self.reduction, self.label_smoothing = reduction, label_smoothing

    def forward(self, input, target):
        return loss.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(Module):
    """nll_loss(input, target, ...) as a module, for log-probabilities."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__()
        self.weight, self.ignore_index, self.reduction = weight, ignore_index, reduction

    def forward(self, input, target):
        return loss.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class BCEWithLogitsLoss(Module):
    """binary_cross_entropy_with_logits(input, target, ...) as a module."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__()
        self.weight, self.reduction, self.pos_weight = weight, reduction, pos_weight

    def forward(self, input, target):
        return loss.binary_cross_entropy_with_logits(
            input,
            target,
            weight=self.weight,
            reduction=self.reduction,
            pos_weight=self.pos_weight,
        )


class MSELoss(Module):
    """mse_loss(input, target) as a module."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return loss.mse_loss(input, target, reduction=self.reduction)


class L1Loss(Module):
    """l1_loss(input, target) as a module."""

    def __init__(self, reduction="mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return loss.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(Module):
    """smooth_l1_loss(input, target, beta=beta) as a module."""

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__()
        self.reduction, self.beta = reduction, beta

    def forward(self, input, target):
        return loss.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(Module):
    """huber_loss(input, target, delta=delta) as a module."""

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__()
        self.reduction, self.delta = reduction, delta

    def forward(self, input, target):
        return loss.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class BCELoss(Module):
    """binary_cross_entropy(input, target, weight) as a module."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__()
        self.weight, self.reduction = weight, reduction

    def forward(self, input, target):
        return loss.binary_cross_entropy(
            input, target, weight=self.weight, reduction=self.reduction
        )


class KLDivLoss(Module):
    """kl_div(input, target, log_target=log_target) as a module."""

    def __init__(self, reduction="mean", log_target=False):
        super().__init__()
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input, target):
        return loss.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
