"""ReduceLROnPlateau: lower the lr when a watched metric stops improving, as
torch.optim.lr_scheduler.ReduceLROnPlateau (exported from badak.optim.lr_scheduler)."""

import math

from badak.optim.scheduler import LRScheduler, check_int, check_optimizer, check_real, per_group


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's lr by `factor` once the metric passed to `step(metric)` has not
    improved for more than `patience` epochs in a row.

    An epoch improves on the best metric so far when

        mode 'min', threshold_mode 'rel':  metric < best * (1 - threshold)
        mode 'min', threshold_mode 'abs':  metric < best - threshold
        mode 'max', threshold_mode 'rel':  metric > best * (1 + threshold)
        mode 'max', threshold_mode 'abs':  metric > best + threshold

    (a NaN metric never improves). After a reduction, `cooldown` epochs pass before bad epochs
    count again. A group's lr never goes below its min_lr, and a reduction smaller than `eps`
    is skipped.

    Args:
        mode: 'min' (the metric should fall) or 'max' (rise).
        factor: the multiplier, in [0, 1).
        patience: bad epochs tolerated before a reduction (an int >= 0).
        threshold: the margin of a significant improvement (>= 0).
        threshold_mode: 'rel' or 'abs'.
        cooldown: epochs to wait after a reduction (an int >= 0).
        min_lr: the lower bound of the lr, one number or one per parameter group (>= 0).
        eps: the smallest reduction applied (>= 0).

    Unlike the epoch schedules (and as PyTorch's), it keeps the lrs at construction and sets
    no initial_lr. Matches PyTorch's lrs bit for bit.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):  # fmt: skip
        name = "ReduceLROnPlateau"
        check_optimizer(self, optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode should be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{name}: threshold_mode should be 'rel' or 'abs', got {threshold_mode!r}"
            )
        check_real(name, "factor", factor, low=0, high=1, high_open=True)
        check_int(name, "patience", patience, low=0)
        check_real(name, "threshold", threshold, low=0)
        check_int(name, "cooldown", cooldown, low=0)
        check_real(name, "eps", eps, low=0)
        self.min_lrs = per_group(name, "min_lr", min_lr, optimizer, low=0)
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode = threshold, threshold_mode
        self.cooldown, self.eps = cooldown, eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self.mode_worse = math.inf if mode == "min" else -math.inf  # every metric improves on it
        self._reset()

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _is_better(self, metric, best):
        """Whether `metric` improves significantly on `best` (the table above)."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return metric < best * (1.0 - self.threshold)
        if self.mode == "min":
            return metric < best - self.threshold
        if self.threshold_mode == "rel":
            return metric > best * (self.threshold + 1.0)
        return metric > best + self.threshold

    def get_lr(self):
        raise NotImplementedError(
            "ReduceLROnPlateau.get_lr: the lrs follow the metrics given to step(metric); "
            "see get_last_lr()"
        )

    def step(self, metrics):
        """Record one epoch's metric (a number or a one-element Tensor) and reduce the lrs
        after more than `patience` epochs without improvement."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step: expected the metric as a number, got {metrics!r}"
            ) from None
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs) and self.default_min_lr is None:
            raise RuntimeError(
                f"ReduceLROnPlateau.step: the optimizer has {len(groups)} parameter groups, "
                f"min_lr gave {len(self.min_lrs)}; set min_lrs to one per group"
            )
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown don't count
        if self.num_bad_epochs > self.patience:
            self._reduce_lrs()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in groups]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self.mode_worse = math.inf if self.mode == "min" else -math.inf

    def _reduce_lrs(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):  # a group was added: the one min_lr for all
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr
