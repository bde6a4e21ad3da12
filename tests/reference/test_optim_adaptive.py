"""Adagrad, RMSprop and Adadelta against torch.optim, step by step over 20 steps with two
parameter groups, a parameter skipped every third step, over a grid of their options.

The tolerance is relative to each parameter's largest magnitude: torch adds `lr * buf` to a
parameter with a fused multiply-add (one rounding, where NumPy rounds twice), which shows only
where a parameter crosses zero (a 1e-4 result of numbers near 1)."""

import itertools

import numpy as np
import pytest
import torch

from badak import optim

from .test_optim import each_dtype, make_params, run_both

GRIDS = {
    "Adagrad": [
        dict(lr_decay=d, weight_decay=wd, initial_accumulator_value=a, maximize=mx)
        for d, wd, a, mx in itertools.product((0, 0.1), (0, 0.05), (0, 0.5), (False, True))
    ],
    "RMSprop": [
        dict(alpha=a, momentum=m, centered=c, weight_decay=wd, maximize=mx)
        for a, m, c, wd, mx in itertools.product(
            (0.99, 0.5), (0, 0.9), (False, True), (0, 0.05), (False, True)
        )
    ],
    "Adadelta": [
        dict(rho=r, eps=e, weight_decay=wd, maximize=mx)
        for r, e, wd, mx in itertools.product((0.9, 0.5), (1e-6, 1e-2), (0, 0.05), (False, True))
    ],
}
CASES = [(name, options) for name, grid in GRIDS.items() for options in grid]


@each_dtype
@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_adaptive_optimizers_match_torch_every_step(name, options, dtype):
    ours, theirs = make_params(dtype)
    run_both(
        ours,
        theirs,
        lambda g: getattr(optim, name)(g, **options),
        lambda g: getattr(torch.optim, name)(g, **options, foreach=False),
        dtype,
        scaled=True,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda p: optim.Adagrad(p, lr=-1),
        lambda p: optim.RMSprop(p, alpha=-0.5),
        lambda p: optim.Adadelta(p, rho=1.5),
        lambda p: optim.Adadelta(p, eps=-1),
    ],
)
def test_bad_options_are_refused_naming_the_optimizer(make):
    params = make_params(np.float64)[0][0]
    with pytest.raises(ValueError, match=r"^(Adagrad|RMSprop|Adadelta): invalid"):
        make(params)
