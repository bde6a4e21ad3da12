"""badak.optim.lr_scheduler: StepLR and CosineAnnealingLR values, state dicts, bad arguments."""

import math

import numpy as np
import pytest

from badak.nn.parameter import Parameter
from badak.optim import SGD, Adam, lr_scheduler
from badak.optim.lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR


def two_groups(lrs=(0.1, 1.0)):
    params = [Parameter(np.zeros(2, np.float32)) for _ in lrs]
    return SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)])


def lrs_over(scheduler, epochs):
    values = []
    for _ in range(epochs):
        scheduler.optimizer.step()
        scheduler.step()
        values.append(scheduler.get_last_lr())
    return values


def test_lr_scheduler_is_reachable_from_badak_optim():
    import badak.optim

    assert badak.optim.lr_scheduler.StepLR is StepLR and lr_scheduler.LRScheduler is LRScheduler


def test_construction_records_initial_lr_and_keeps_the_lrs():
    opt = two_groups()
    scheduler = StepLR(opt, step_size=2)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 1.0]
    assert scheduler.base_lrs == [0.1, 1.0] and scheduler.last_epoch == 0
    assert scheduler.get_last_lr() == [0.1, 1.0] == [g["lr"] for g in opt.param_groups]


def test_step_lr_multiplies_by_gamma_every_step_size_epochs():
    scheduler = StepLR(two_groups(), step_size=2, gamma=0.5)
    values = lrs_over(scheduler, 5)
    assert values == [[0.1, 1.0], [0.05, 0.5], [0.05, 0.5], [0.025, 0.25], [0.025, 0.25]]
    assert scheduler.optimizer.param_groups[1]["lr"] == 0.25


def test_step_lr_chains_from_an_lr_changed_by_hand():
    opt = two_groups()
    scheduler = StepLR(opt, step_size=1, gamma=0.5)
    opt.param_groups[0]["lr"] = 4.0
    scheduler.step()
    assert scheduler.get_last_lr() == [2.0, 0.5]


def test_cosine_reaches_eta_min_at_t_max_and_returns():
    scheduler = CosineAnnealingLR(two_groups(), T_max=4, eta_min=0.01)
    values = [v[1] for v in lrs_over(scheduler, 8)]
    expected = [0.01 + 0.99 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(1, 9)]
    np.testing.assert_allclose(values, expected, rtol=1e-15)
    assert values[3] == pytest.approx(0.01, abs=1e-16) and values[7] == pytest.approx(1.0)


def test_cosine_midpoint_is_halfway():
    scheduler = CosineAnnealingLR(two_groups((0.2,)), T_max=10)
    assert lrs_over(scheduler, 5)[-1] == [pytest.approx(0.1, rel=1e-15)]


def test_get_last_lr_returns_a_copy():
    scheduler = StepLR(two_groups(), step_size=1)
    scheduler.get_last_lr().append(5.0)
    assert scheduler.get_last_lr() == [0.1, 1.0]


@pytest.mark.parametrize(
    "make",
    [lambda o: StepLR(o, step_size=3, gamma=0.3), lambda o: CosineAnnealingLR(o, T_max=5)],
    ids=["step", "cosine"],
)
def test_state_dict_round_trip_continues_the_schedule(make):
    straight = make(two_groups())
    expected = lrs_over(straight, 12)

    first = make(two_groups())
    lrs_over(first, 6)
    saved = first.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 6
    opt = two_groups()
    opt.load_state_dict(first.optimizer.state_dict())
    resumed = make(opt)
    resumed.load_state_dict(saved)
    assert lrs_over(resumed, 6) == expected[6:]


def test_schedulers_drive_an_adam_optimizer():
    p = Parameter(np.zeros(2, np.float32))
    opt = Adam([p], lr=0.5)
    scheduler = StepLR(opt, step_size=1, gamma=0.1)
    scheduler.step()
    assert opt.param_groups[0]["lr"] == 0.05 and opt.param_groups[0]["initial_lr"] == 0.5


def test_scheduler_rejects_a_non_optimizer():
    with pytest.raises(TypeError, match="^StepLR: expected an Optimizer, got list"):
        StepLR([], step_size=1)


@pytest.mark.parametrize("step_size", [0, -2, 1.5])
def test_step_lr_rejects_a_bad_step_size(step_size):
    with pytest.raises(ValueError, match="^StepLR: step_size must be a positive int"):
        StepLR(two_groups(), step_size=step_size)


@pytest.mark.parametrize("t_max", [0, -1, 2.5])
def test_cosine_rejects_a_bad_t_max(t_max):
    with pytest.raises(ValueError, match="^CosineAnnealingLR: T_max must be a positive int"):
        CosineAnnealingLR(two_groups(), T_max=t_max)
