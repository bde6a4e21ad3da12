"""LRScheduler, the base of the learning-rate schedules in badak.optim.lr_scheduler, and the
argument checks they share."""

import copy
import numbers

from badak.optim.optimizer import Optimizer


class LRScheduler:
    """Base class: sets each parameter group's `lr` once per `step()` (call it after the
    optimizer's step, once per epoch).

    Construction records each group's starting lr as `initial_lr` (kept if already there, as
    PyTorch does) and `base_lrs`, sets `last_epoch = 0` and sets the lrs of epoch 0, as
    PyTorch's implicit first step does: most schedules leave them as they are; LinearLR,
    LambdaLR and OneCycleLR start from their own values.

    A subclass computes the lrs of epoch `last_epoch` in `get_lr()`: from the current group
    lrs where PyTorch chains (so the values are PyTorch's bit for bit), from `base_lrs` where
    PyTorch uses a closed form. `_closed_form_lr()` is the closed form, which SequentialLR uses
    when it restarts a schedule at epoch 0 (as PyTorch's `_get_closed_form_lr`); by default
    `get_lr()`.
    """

    def __init__(self, optimizer):
        check_optimizer(self, optimizer)
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self._initial_step()

    def get_lr(self):
        """The lr of each group at epoch `last_epoch`."""
        raise NotImplementedError

    def _closed_form_lr(self):
        return self.get_lr()

    def _initial_step(self):
        self.last_epoch = 0
        self._set_lrs(self.get_lr())

    def _restart(self):
        """Start again at epoch 0 from `base_lrs` (SequentialLR, at a milestone)."""
        self.last_epoch = 0
        self._set_lrs(self._closed_form_lr())

    def _set_lrs(self, lrs):
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def step(self):
        """Advance one epoch and set each group's lr; nothing changes if that raises."""
        self.last_epoch += 1
        try:
            lrs = self.get_lr()
        except BaseException:
            self.last_epoch -= 1
            raise
        self._set_lrs(lrs)

    def get_last_lr(self):
        """The lrs set by the last step (or at construction), one per group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer, as a dict (lists and dicts copied)."""
        return {k: _copied(v) for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict()` returned."""
        if "optimizer" in state_dict:
            raise ValueError(f"{type(self).__name__}.load_state_dict: unexpected key 'optimizer'")
        for k, v in state_dict.items():
            setattr(self, k, _copied(v))


def _copied(value):
    """A shallow copy of a list or dict (a Counter stays a Counter), other values as they are."""
    return copy.copy(value) if isinstance(value, (list, dict)) else value


def check_optimizer(scheduler, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{type(scheduler).__name__}: expected an Optimizer, got {type(optimizer).__name__}"
        )


def check_int(name, key, value, low=1):
    """An int >= low (bools refused), else ValueError naming the class and the argument."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        kind = "a positive int" if low == 1 else f"an int >= {low}"
        raise ValueError(f"{name}: {key} must be {kind}, got {value!r}")


def check_real(name, key, value, low=None, high=None, low_open=False, high_open=False):
    """A real number (else TypeError) within the bounds given, open where said (else
    ValueError, also for NaN)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name}: {key} must be a number, got {value!r}")
    ok = value == value
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            bounds.append(f"{'<' if high_open else '<='} {high}")
        expected = "a number" + (" " + " and ".join(bounds) if bounds else "")
        raise ValueError(f"{name}: {key} must be {expected}, got {value!r}")


def per_group(name, key, value, optimizer, **bounds):
    """`value` for each parameter group: a list or tuple of one per group, or one number for
    all; each checked with check_real(**bounds)."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(
                f"{name}: {key} has {len(value)} values, the optimizer {groups} parameter groups"
            )
        values = list(value)
    else:
        values = [value] * groups
    for i, v in enumerate(values):
        check_real(name, f"{key}[{i}]" if isinstance(value, (list, tuple)) else key, v, **bounds)
    return values
