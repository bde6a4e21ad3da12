"""Learning-rate schedules, as torch.optim.lr_scheduler: StepLR, MultiStepLR, ExponentialLR,
CosineAnnealingLR, LambdaLR, LinearLR and SequentialLR here; OneCycleLR (badak.optim.one_cycle)
and ReduceLROnPlateau (badak.optim.plateau) are imported here, the base class LRScheduler
lives in badak.optim.scheduler.

Each schedule computes its lrs as PyTorch does: by chaining from the current lr where PyTorch
chains (StepLR, MultiStepLR, ExponentialLR, LinearLR: the same values bit for bit), from the
initial lrs where it uses a closed form (LambdaLR, OneCycleLR, ReduceLROnPlateau's reductions).
CosineAnnealingLR alone differs: closed form where PyTorch chains; the two agree to about
1e-15. Where PyTorch's value is below zero, which badak's optimizers refuse to load, badak's
differs: LinearLR to end_factor 0 gives 0, not -1e-18, and OneCycleLR one step past its cycle
stays at the cycle's end (see each class).
"""

import math
import types
from bisect import bisect_right
from collections import Counter

from badak.optim.one_cycle import OneCycleLR
from badak.optim.plateau import ReduceLROnPlateau
from badak.optim.scheduler import LRScheduler, check_int, check_optimizer, check_real

__all__ = [
    "CosineAnnealingLR", "ExponentialLR", "LambdaLR", "LinearLR", "LRScheduler", "MultiStepLR",
    "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "StepLR",
]  # fmt: skip


def _current_lrs(scheduler):
    return [group["lr"] for group in scheduler.optimizer.param_groups]


class StepLR(LRScheduler):
    """Multiply each group's lr by `gamma` every `step_size` epochs:

        lr = initial_lr * gamma ** (last_epoch // step_size)

    computed as PyTorch does, by multiplying the current lr at each multiple of `step_size`
    (so the values equal torch.optim.lr_scheduler.StepLR's bit for bit).
    """

    def __init__(self, optimizer, step_size, gamma=0.1):
        check_int("StepLR", "step_size", step_size)
        check_real("StepLR", "gamma", gamma)
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _current_lrs(self)
        return [lr * self.gamma for lr in _current_lrs(self)]

    def _closed_form_lr(self):
        return [lr * self.gamma ** (self.last_epoch // self.step_size) for lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply each group's lr by `gamma` at each epoch in `milestones` (by gamma**k at a
    milestone listed k times):

        lr = initial_lr * gamma ** (number of milestones <= last_epoch)

    chained from the current lr as PyTorch does (its values bit for bit).
    """

    def __init__(self, optimizer, milestones, gamma=0.1):
        if not isinstance(milestones, (list, tuple, range, set, frozenset, Counter)):
            raise TypeError(
                f"MultiStepLR: milestones should be a list of epochs, got "
                f"{type(milestones).__name__}"
            )
        milestones = list(milestones)
        for i, milestone in enumerate(milestones):
            check_int("MultiStepLR", f"milestones[{i}]", milestone, low=0)
        check_real("MultiStepLR", "gamma", gamma)
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return _current_lrs(self)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in _current_lrs(self)]

    def _closed_form_lr(self):
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [lr * self.gamma**passed for lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by `gamma` every epoch: lr = initial_lr * gamma ** last_epoch,
    chained from the current lr as PyTorch does (its values bit for bit)."""

    def __init__(self, optimizer, gamma):
        check_real("ExponentialLR", "gamma", gamma)
        self.gamma = gamma
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch == 0:
            return _current_lrs(self)
        return [lr * self.gamma for lr in _current_lrs(self)]

    def _closed_form_lr(self):
        return [lr * self.gamma**self.last_epoch for lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's lr from its initial_lr to `eta_min` along a cosine over `T_max`
    epochs (and back up over the next T_max, as PyTorch's), in closed form:

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * last_epoch / T_max)) / 2

    PyTorch computes the same curve recursively from the current lr; the two agree to rounding
    (about 1e-15 relative). Unlike PyTorch's, an lr changed by hand is overwritten at the next
    step.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        check_int("CosineAnnealingLR", "T_max", T_max)
        check_real("CosineAnnealingLR", "eta_min", eta_min, low=0)
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer)

    def get_lr(self):
        return _current_lrs(self) if self.last_epoch == 0 else self._closed_form_lr()

    def _closed_form_lr(self):
        cosine = 1 + math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base_lr - self.eta_min) * cosine / 2 for base_lr in self.base_lrs]


class LambdaLR(LRScheduler):
    """Set each group's lr to initial_lr * lr_lambda(last_epoch), from epoch 0 on.

    Args:
        lr_lambda: a function of the epoch (an int) giving a factor, or a list of such
            functions, one per parameter group.

    `state_dict()` holds no functions: for a callable object (not a plain function or lambda)
    its attributes (`__dict__`), as PyTorch keeps them, None for the others (and, unlike
    PyTorch, for a builtin such as math.exp, which has no attributes).
    """

    def __init__(self, optimizer, lr_lambda):
        check_optimizer(self, optimizer)
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(
                    f"LambdaLR: expected {groups} lr_lambdas (one per parameter group), got "
                    f"{len(lr_lambda)}"
                )
            lr_lambdas = list(lr_lambda)
        else:
            lr_lambdas = [lr_lambda] * groups
        for i, fn in enumerate(lr_lambdas):
            if not callable(fn):
                raise TypeError(f"LambdaLR: lr_lambda[{i}] should be a function, got {fn!r}")
        self.lr_lambdas = lr_lambdas
        super().__init__(optimizer)

    def get_lr(self):
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state_dict = super().state_dict()
        state_dict["lr_lambdas"] = [
            None
            if isinstance(fn, types.FunctionType) or not hasattr(fn, "__dict__")
            else dict(vars(fn))
            for fn in self.lr_lambdas
        ]
        return state_dict

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state_dict)
        for fn, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                vars(fn).update(attributes)


class LinearLR(LRScheduler):
    """Scale each group's lr by a factor that goes linearly from `start_factor` (epoch 0) to
    `end_factor` (epoch total_iters and after):

        lr = initial_lr * (start + (end - start) * min(last_epoch, total_iters) / total_iters)

    computed by chaining from the current lr as PyTorch does (its values bit for bit), except
    that where PyTorch's ratio rounds below zero (end_factor 0) the lr becomes 0, not -1e-18,
    which an optimizer would refuse when the state is loaded again.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
        check_real("LinearLR", "start_factor", start_factor, low=0, high=1, low_open=True)
        check_real("LinearLR", "end_factor", end_factor, low=0, high=1)
        check_int("LinearLR", "total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in _current_lrs(self)]
        if self.last_epoch > self.total_iters:
            return _current_lrs(self)
        change = self.end_factor - self.start_factor
        # this epoch's factor over the last one's; never negative, but as PyTorch computes it,
        # it rounds to -1e-17 when end_factor is 0
        ratio = 1.0 + change / (
            self.total_iters * self.start_factor + (self.last_epoch - 1) * change
        )
        return [lr * max(ratio, 0.0) for lr in _current_lrs(self)]

    def _closed_form_lr(self):
        change = self.end_factor - self.start_factor
        done = min(self.total_iters, self.last_epoch) / self.total_iters
        return [lr * (self.start_factor + change * done) for lr in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run `schedulers` one after another: schedulers[i] from epoch milestones[i - 1] on.

    At construction the lrs go back to each group's initial_lr and the first schedule starts
    at epoch 0; at each milestone the next schedule restarts at its epoch 0, from the initial
    lrs (its closed form where it has one, as PyTorch's), then steps on from there.

    Args:
        schedulers: the schedules, all built on `optimizer` (not ReduceLROnPlateau, whose step
            needs a metric, and not SequentialLR).
        milestones: len(schedulers) - 1 epochs, strictly increasing.

    `state_dict()` holds each schedule's state dict in `_schedulers`.
    """

    def __init__(self, optimizer, schedulers, milestones):
        check_optimizer(self, optimizer)
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR: expected at least one scheduler, got none")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, (ReduceLROnPlateau, SequentialLR)) or not isinstance(
                scheduler, LRScheduler
            ):
                raise TypeError(
                    f"SequentialLR: schedulers[{i}] should be an epoch schedule (not "
                    f"ReduceLROnPlateau or SequentialLR), got {type(scheduler).__name__}"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: schedulers[{i}] ({type(scheduler).__name__}) belongs to "
                    "another optimizer"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(schedulers) - 1} milestones (one fewer than the "
                f"{len(schedulers)} schedulers), got {len(milestones)}"
            )
        for i, milestone in enumerate(milestones):
            check_int("SequentialLR", f"milestones[{i}]", milestone, low=0)
        if any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"SequentialLR: milestones must increase, got {milestones}")
        self.optimizer = optimizer
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = 0
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for scheduler in schedulers:  # as if none had taken its first step, as PyTorch
            scheduler.last_epoch -= 1
        first = schedulers[bisect_right(milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self):
        """Advance one epoch: step the schedule of this epoch, or restart it at its milestone."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._restart()
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state_dict = {k: v for k, v in super().state_dict().items() if k != "_schedulers"}
        state_dict["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state_dict

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        saved = state_dict.pop("_schedulers")
        if len(saved) != len(self._schedulers):
            raise ValueError(
                f"SequentialLR.load_state_dict: {len(saved)} scheduler states for "
                f"{len(self._schedulers)} schedulers"
            )
        super().load_state_dict(state_dict)
        for scheduler, state in zip(self._schedulers, saved):
            scheduler.load_state_dict(state)
