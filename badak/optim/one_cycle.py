"""OneCycleLR: the 1cycle policy, the lr up then down over one cycle with the momentum moving the
other way, as torch.optim.lr_scheduler.OneCycleLR (exported from badak.optim.lr_scheduler)."""

import math

from badak.optim.scheduler import LRScheduler, check_int, check_optimizer, check_real, per_group


def _annealing_cos(start, end, pct):
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


def _annealing_linear(start, end, pct):
    return (end - start) * pct + start


ANNEALING = {"cos": _annealing_cos, "linear": _annealing_linear}


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), stepped once per batch: the lr rises from
    initial_lr = max_lr / div_factor to max_lr, then falls to min_lr = initial_lr /
    final_div_factor; with cycle_momentum, the momentum (SGD's `momentum`, or beta1 of an
    optimizer with `betas`) goes the other way between max_momentum and base_momentum.

        phase (ends at step)              lr                 momentum
        pct_start * total_steps - 1       initial -> max     max -> base
        total_steps - 1                   max -> min         base -> max

    or, with three_phase:

        pct_start * total_steps - 1       initial -> max     max -> base
        2 * pct_start * total_steps - 2   max -> initial     base -> max
        total_steps - 1                   initial -> min     max

    Within a phase, with pct the fraction of it done at step `last_epoch`:

        'cos':    value = end + (start - end) / 2 * (1 + cos(pi * pct))
        'linear': value = start + (end - start) * pct

    Args:
        max_lr: the peak lr, one number or one per parameter group.
        total_steps: the number of steps in the cycle; or give epochs and steps_per_epoch.
        pct_start: the fraction of the cycle spent rising, in [0, 1].
        anneal_strategy: 'cos' or 'linear'.
        cycle_momentum: move the momentum too (the optimizer must have momentum or betas).
        base_momentum, max_momentum: the momentum's range, one number or one per group.
        div_factor, final_div_factor: as above (> 0).
        three_phase: the three-phase variant above.

    As PyTorch, construction writes initial_lr, max_lr and min_lr (and max_momentum and
    base_momentum) into each parameter group, and each step reads them from there; the values
    equal PyTorch's bit for bit over the cycle, steps 0 to total_steps - 1. One step more is
    allowed, as in PyTorch (the scheduler steps after the optimizer's last step): there the
    values stay at the cycle's end (min_lr, max_momentum), where PyTorch extrapolates (a
    'linear' anneal takes the lr below zero, which badak's optimizers refuse to load).
    Stepping further raises ValueError, as does a step that falls into a phase of no length
    (PyTorch divides by zero there).
    """

    def __init__(
        self,
        optimizer,
        max_lr,
        total_steps=None,
        epochs=None,
        steps_per_epoch=None,
        pct_start=0.3,
        anneal_strategy="cos",
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
    ):
        name = "OneCycleLR"
        check_optimizer(self, optimizer)
        if total_steps is not None:
            check_int(name, "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            check_int(name, "epochs", epochs)
            check_int(name, "steps_per_epoch", steps_per_epoch)
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{name}: expected total_steps, or epochs and steps_per_epoch")
        check_real(name, "pct_start", pct_start, low=0, high=1)
        if anneal_strategy not in ANNEALING:
            raise ValueError(
                f"{name}: anneal_strategy should be 'cos' or 'linear', got {anneal_strategy!r}"
            )
        max_lrs = per_group(name, "max_lr", max_lr, optimizer, low=0)
        check_real(name, "div_factor", div_factor, low=0, low_open=True)
        check_real(name, "final_div_factor", final_div_factor, low=0, low_open=True)
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(
                    f"{name}: cycle_momentum needs an optimizer with momentum or betas, got "
                    f"{type(optimizer).__name__}"
                )
            max_momenta = per_group(name, "max_momentum", max_momentum, optimizer, low=0)
            base_momenta = per_group(name, "base_momentum", base_momentum, optimizer, low=0)

        self.optimizer = optimizer
        self.total_steps = total_steps
        self._anneal_func_type = anneal_strategy
        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = "betas" in optimizer.defaults
        self._schedule_phases = _phases(pct_start, total_steps, three_phase)
        self._phase_at(0)  # raises for a first phase of no length, before anything changes

        for group, peak in zip(optimizer.param_groups, max_lrs):
            group["initial_lr"] = peak / div_factor
            group["max_lr"] = peak
            group["min_lr"] = group["initial_lr"] / final_div_factor
        if self.cycle_momentum:
            for group, top, base in zip(optimizer.param_groups, max_momenta, base_momenta):
                if self.use_beta1:
                    group["betas"] = (top, *group["betas"][1:])
                else:
                    group["momentum"] = top
                group["max_momentum"] = top
                group["base_momentum"] = base
        super().__init__(optimizer)

    def _phase_at(self, step):
        """The phase that holds `step`, and the fraction of it done."""
        if step > self.total_steps:
            raise ValueError(
                f"OneCycleLR: tried to step {step} times; total_steps is {self.total_steps}"
            )
        start = 0.0
        for i, phase in enumerate(self._schedule_phases):
            end = phase["end_step"]
            if step <= end or i == len(self._schedule_phases) - 1:
                if end == start:
                    raise ValueError(
                        f"OneCycleLR: step {step} falls in a phase of no length (from step "
                        f"{start} to {end}); choose another pct_start or total_steps"
                    )
                # past the end only at step total_steps, one beyond the cycle's last step
                return phase, min((step - start) / (end - start), 1.0)
            start = end

    def _values(self, kind):
        """The lr (kind 'lr') or momentum ('momentum') of each group at `last_epoch`."""
        phase, pct = self._phase_at(self.last_epoch)
        anneal = ANNEALING[self._anneal_func_type]
        return [
            anneal(group[phase[f"start_{kind}"]], group[phase[f"end_{kind}"]], pct)
            for group in self.optimizer.param_groups
        ]

    def get_lr(self):
        return self._values("lr")

    def _set_lrs(self, lrs):
        if self.cycle_momentum:
            for group, momentum in zip(self.optimizer.param_groups, self._values("momentum")):
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        super()._set_lrs(lrs)


def _phases(pct_start, total_steps, three_phase):
    """PyTorch's phases: the step each ends at, and the group keys of its end values."""
    rise = float(pct_start * total_steps) - 1
    phases = [
        {"end_step": rise, "start_lr": "initial_lr", "end_lr": "max_lr",
         "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
    ]  # fmt: skip
    if three_phase:
        phases += [
            {"end_step": float(2 * pct_start * total_steps) - 2, "start_lr": "max_lr",
             "end_lr": "initial_lr", "start_momentum": "base_momentum",
             "end_momentum": "max_momentum"},
            {"end_step": total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
             "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
        ]  # fmt: skip
    else:
        phases.append(
            {"end_step": total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
             "start_momentum": "base_momentum", "end_momentum": "max_momentum"}
        )  # fmt: skip
    return phases
