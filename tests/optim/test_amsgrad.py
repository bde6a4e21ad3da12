"""Adam and AdamW with amsgrad=True against torch.optim, where the running maximum of the second
moment matters: gradients 100 times smaller after the first five steps, so v decays while
max_exp_avg_sq keeps the early peak. (tests/reference/test_optim.py runs amsgrad over its
option grid with gradients of one scale.)"""

import numpy as np
import pytest
import torch

import badak
from badak import optim
from badak.nn.parameter import Parameter

STEPS = 20
TOLERANCES = {np.float64: {"rtol": 1e-12, "atol": 1e-15}, np.float32: {"rtol": 1e-5, "atol": 1e-7}}


def shrinking_gradients(dtype, shape=(3, 4)):
    rng = np.random.default_rng(5)
    for step in range(STEPS):
        scale = 10.0 if step < 5 else 0.1
        yield (scale * rng.standard_normal(shape)).astype(dtype)


def run(name, dtype, amsgrad, lib):
    start = np.random.default_rng(4).standard_normal((3, 4)).astype(dtype)
    if lib is torch:
        p = torch.tensor(start, requires_grad=True)
        opt = getattr(torch.optim, name)([p], lr=0.01, betas=(0.8, 0.9), amsgrad=amsgrad,
                                         weight_decay=0.01, foreach=False)  # fmt: skip
    else:
        p = Parameter(start)
        opt = getattr(optim, name)([p], lr=0.01, betas=(0.8, 0.9), amsgrad=amsgrad,
                                   weight_decay=0.01)  # fmt: skip
    trajectory = []
    for grad in shrinking_gradients(dtype):
        p.grad = lib.tensor(grad.copy()) if lib is torch else badak.Tensor(grad.copy())
        opt.step()
        trajectory.append(p.detach().numpy().copy())
    return trajectory, opt.state[p]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_amsgrad_matches_torch_when_the_maximum_matters(name, dtype):
    ours, state = run(name, dtype, True, badak)
    theirs, tstate = run(name, dtype, True, torch)
    for step, (p, q) in enumerate(zip(ours, theirs)):
        assert p.dtype == dtype
        np.testing.assert_allclose(p, q, **TOLERANCES[dtype], err_msg=f"step {step}")
    np.testing.assert_allclose(
        state["max_exp_avg_sq"], tstate["max_exp_avg_sq"].numpy(), **TOLERANCES[dtype]
    )
    # the maximum is held: far above the decayed second moment, so amsgrad changed the steps
    assert (state["max_exp_avg_sq"] > 2 * state["exp_avg_sq"]).all()
    plain, _ = run(name, dtype, False, badak)
    assert np.abs(plain[-1] - ours[-1]).max() > 1e-3
