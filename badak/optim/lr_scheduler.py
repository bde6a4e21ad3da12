"""Learning-rate schedules: LRScheduler, StepLR, CosineAnnealingLR, as torch.optim.lr_scheduler."""

import math
import numbers

from badak.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: sets each parameter group's `lr` once per `step()` (call it after the
    optimizer's step, once per epoch).

    Construction records each group's starting lr as `initial_lr` (kept if already there, as
    PyTorch does) and `base_lrs`, sets `last_epoch = 0` and leaves the lrs as they are. A
    subclass computes the lrs for `last_epoch` in `get_lr()`.
    """

    def __init__(self, optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def get_lr(self):
        """The lr of each group at epoch `last_epoch`."""
        raise NotImplementedError

    def step(self):
        """Advance one epoch and set each group's lr."""
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

    def get_last_lr(self):
        """The lrs set by the last step (or found at construction), one per group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as a dict (lists copied)."""
        return {
            k: list(v) if isinstance(v, list) else v
            for k, v in vars(self).items()
            if k != "optimizer"
        }

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned."""
        if "optimizer" in state_dict:
            raise ValueError(f"{type(self).__name__}.load_state_dict: unexpected key 'optimizer'")
        for k, v in state_dict.items():
            setattr(self, k, list(v) if isinstance(v, list) else v)


class StepLR(LRScheduler):
    """Multiply each group's lr by `gamma` every `step_size` epochs:

        lr = initial_lr * gamma ** (last_epoch // step_size)

    computed as PyTorch does, by multiplying the current lr at each multiple of `step_size`
    (so the values equal torch.optim.lr_scheduler.StepLR's bit for bit).
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        if not isinstance(step_size, numbers.Integral) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        lrs = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's lr from its initial_lr to `eta_min` along a cosine over `T_max`
    epochs (and back up over the next T_max, as PyTorch's), in closed form:

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2

    PyTorch computes the same curve recursively from the current lr; the two agree to rounding
    (about 1e-15 relative). Unlike PyTorch's, an lr changed by hand is overwritten at the next
    step.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        if not isinstance(T_max, numbers.Integral) or T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive int, got {T_max!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def get_lr(self):
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base_lr - self.eta_min) * cosine / 2 for base_lr in self.base_lrs]
