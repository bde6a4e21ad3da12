"""badak.optim and badak.nn.utils against torch.optim and torch.nn.utils, step by step.

The same initial parameters and the same seeded gradients (set on `.grad` directly) go to both
frameworks; after every step the parameters must agree. Self-contained: no helpers module.
"""

import itertools

import numpy as np
import pytest
import torch

import badak
import badak.nn.utils
from badak import optim
from badak.nn.parameter import Parameter

TOLERANCES = {np.float64: {"rtol": 1e-12, "atol": 0}, np.float32: {"rtol": 1e-5, "atol": 1e-6}}
each_dtype = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
SHAPES = [[(3, 4), (5,)], [(2, 3)]]  # two parameter groups
STEPS = 20


def make_params(dtype, seed=0):
    """The same parameters in both frameworks, grouped as SHAPES, torch's on the CPU."""
    rng = np.random.default_rng(seed)
    arrays = [[rng.standard_normal(shape).astype(dtype) for shape in group] for group in SHAPES]
    ours = [[Parameter(a.copy()) for a in group] for group in arrays]
    theirs = [[torch.tensor(a.copy(), requires_grad=True) for a in group] for group in arrays]
    return ours, theirs


def groups(params, lrs=(0.05, 0.2)):
    return [{"params": ps, "lr": lr} for ps, lr in zip(params, lrs)]


def gradients(dtype, seed=1):
    """STEPS lists of gradients for the flattened parameters; the last parameter gets None on
    every third step (so it is skipped there and its step count falls behind)."""
    rng = np.random.default_rng(seed)
    shapes = [s for group in SHAPES for s in group]
    for step in range(STEPS):
        grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
        if step % 3 == 2:
            grads[-1] = None
        yield grads


def set_grads(ours, theirs, grads):
    for p, q, g in zip(flat(ours), flat(theirs), grads):
        p.grad = None if g is None else badak.Tensor(g.copy())
        q.grad = None if g is None else torch.tensor(g.copy())


def flat(params):
    return [p for group in params for p in group]


def assert_params_close(ours, theirs, dtype, step=None, scaled=False):
    """Each parameter as torch's; `scaled`: the tolerance relative to the parameter's largest
    magnitude too (for an element that crosses zero, where a fused multiply-add shows)."""
    for i, (p, q) in enumerate(zip(flat(ours), flat(theirs))):
        expected = q.detach().numpy()
        assert p.numpy().dtype == dtype
        tolerance = dict(TOLERANCES[dtype])
        if scaled:
            tolerance["atol"] = tolerance["rtol"] * max(1.0, float(np.abs(expected).max()))
        np.testing.assert_allclose(
            p.numpy(), expected, **tolerance, err_msg=f"param {i}, step {step}"
        )


def run_both(ours, theirs, make_ours, make_theirs, dtype, scaled=False):
    opt, topt = make_ours(groups(ours)), make_theirs(groups(theirs))
    for step, grads in enumerate(gradients(dtype)):
        set_grads(ours, theirs, grads)
        opt.step()
        topt.step()
        assert_params_close(ours, theirs, dtype, step, scaled)
    return opt, topt


# --------------------------------------------------------------------------------------------
# Optimizers, over a grid of options
# --------------------------------------------------------------------------------------------
SGD_GRID = [
    dict(momentum=m, dampening=d, nesterov=n, weight_decay=wd, maximize=mx)
    for m, d, n, wd, mx in itertools.product((0, 0.9), (0, 0.1), (False, True), (0, 0.01), (0, 1))
    if not n or (m > 0 and d == 0)
]
ADAM_GRID = [
    dict(amsgrad=a, weight_decay=wd, maximize=bool(mx), betas=b, eps=eps)
    for a, wd, mx, (b, eps) in itertools.product(
        (False, True), (0, 0.1), (0, 1), (((0.9, 0.999), 1e-8), ((0.5, 0.9), 1e-2))
    )
]


@each_dtype
@pytest.mark.parametrize("options", SGD_GRID, ids=str)
def test_sgd_matches_torch_every_step(options, dtype):
    options = {**options, "maximize": bool(options["maximize"])}
    ours, theirs = make_params(dtype)
    run_both(
        ours,
        theirs,
        lambda g: optim.SGD(g, **options),
        lambda g: torch.optim.SGD(g, **options, foreach=False),
        dtype,
    )


@each_dtype
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("options", ADAM_GRID, ids=str)
def test_adam_matches_torch_every_step(name, options, dtype):
    ours, theirs = make_params(dtype)
    run_both(
        ours,
        theirs,
        lambda g: getattr(optim, name)(g, **options),
        lambda g: getattr(torch.optim, name)(g, **options, foreach=False),
        dtype,
    )


CONFIGS = {
    "sgd": (optim.SGD, torch.optim.SGD, dict(momentum=0.9, nesterov=True, weight_decay=0.01)),
    "adam": (optim.Adam, torch.optim.Adam, dict(amsgrad=True, weight_decay=0.1)),
    "adamw": (optim.AdamW, torch.optim.AdamW, dict(betas=(0.8, 0.99))),
}


@pytest.mark.parametrize("config", CONFIGS)
def test_state_dict_matches_torch_layout_and_values(config):
    ours_cls, theirs_cls, options = CONFIGS[config]
    ours, theirs = make_params(np.float64)
    opt, topt = run_both(
        ours,
        theirs,
        lambda g: ours_cls(g, **options),
        lambda g: theirs_cls(g, **options, foreach=False),
        np.float64,
    )
    sd, tsd = opt.state_dict(), topt.state_dict()
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert group == {k: tgroup[k] for k in group}
    assert list(sd["state"]) == list(tsd["state"])
    for index, state in sd["state"].items():
        assert set(state) == set(tsd["state"][index])
        for key, value in state.items():
            np.testing.assert_allclose(value, tsd["state"][index][key].numpy(), rtol=1e-12)


@each_dtype
@pytest.mark.parametrize("config", CONFIGS)
def test_state_dict_round_trip_mid_way_is_bitwise(config, dtype):
    ours_cls, _, options = CONFIGS[config]
    all_grads = list(gradients(dtype))

    def run(params, opt, grads):
        for step_grads in grads:
            for p, g in zip(flat(params), step_grads):
                p.grad = None if g is None else badak.Tensor(g.copy())
            opt.step()

    straight, _ = make_params(dtype)
    run(straight, ours_cls(groups(straight), **options), all_grads)

    first, _ = make_params(dtype)
    opt = ours_cls(groups(first), **options)
    run(first, opt, all_grads[:10])
    saved = opt.state_dict()
    second = [[Parameter(p.numpy().copy()) for p in group] for group in first]
    resumed = ours_cls(groups(second, lrs=(1.0, 1.0)), **options)
    resumed.load_state_dict(saved)
    run(second, resumed, all_grads[10:])
    for p, q in zip(flat(straight), flat(second)):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_torch_state_dict_loads_and_continues_as_torch():
    ours, theirs = make_params(np.float64)
    grads = list(gradients(np.float64))
    topt = torch.optim.Adam(groups(theirs), amsgrad=True, foreach=False)
    for step_grads in grads[:10]:
        set_grads(ours, theirs, step_grads)
        topt.step()
    for p, q in zip(flat(ours), flat(theirs)):
        p.numpy()[...] = q.detach().numpy()
    tsd = topt.state_dict()
    converted = {
        "state": {
            i: {k: v.item() if k == "step" else v.numpy() for k, v in s.items()}
            for i, s in tsd["state"].items()
        },
        "param_groups": tsd["param_groups"],
    }
    opt = optim.Adam(groups(ours), amsgrad=True)
    opt.load_state_dict(converted)
    for step_grads in grads[10:]:
        set_grads(ours, theirs, step_grads)
        opt.step()
        topt.step()
        assert_params_close(ours, theirs, np.float64)


# --------------------------------------------------------------------------------------------
# Schedulers: the lr sequence over 30 epochs, and the optimizer they drive
# --------------------------------------------------------------------------------------------
SCHEDULERS = {
    "step-7-0.5": ("StepLR", dict(step_size=7, gamma=0.5)),
    "step-3": ("StepLR", dict(step_size=3)),
    "cosine-10": ("CosineAnnealingLR", dict(T_max=10)),
    "cosine-7-eta": ("CosineAnnealingLR", dict(T_max=7, eta_min=1e-3)),
    "cosine-30-eta": ("CosineAnnealingLR", dict(T_max=30, eta_min=0.01)),
}


@each_dtype
@pytest.mark.parametrize("schedule", SCHEDULERS)
def test_scheduler_lrs_match_torch_and_drive_the_optimizer(schedule, dtype):
    name, options = SCHEDULERS[schedule]
    ours, theirs = make_params(dtype)
    opt = optim.SGD(groups(ours), momentum=0.9)
    topt = torch.optim.SGD(groups(theirs), momentum=0.9, foreach=False)
    sched = getattr(optim.lr_scheduler, name)(opt, **options)
    tsched = getattr(torch.optim.lr_scheduler, name)(topt, **options)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.05, 0.2]
    assert sched.get_last_lr() == tsched.get_last_lr()
    grads = list(gradients(dtype))
    for epoch in range(30):
        set_grads(ours, theirs, grads[epoch % STEPS])
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        lrs, tlrs = sched.get_last_lr(), tsched.get_last_lr()
        if name == "StepLR":
            assert lrs == tlrs  # the same products, bit for bit
        else:  # closed form against torch's recursion: equal to rounding
            np.testing.assert_allclose(lrs, tlrs, rtol=1e-12, atol=1e-15)
        assert [g["lr"] for g in opt.param_groups] == lrs
        assert_params_close(ours, theirs, dtype, epoch)


# --------------------------------------------------------------------------------------------
# Gradient clipping
# --------------------------------------------------------------------------------------------
@each_dtype
@pytest.mark.parametrize("norm_type", [2.0, 1, float("inf")], ids=["l2", "l1", "inf"])
@pytest.mark.parametrize("max_norm", [0.5, 1e3], ids=["clips", "leaves"])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    ours, theirs = make_params(dtype)
    set_grads(ours, theirs, next(gradients(dtype, seed=3)))
    flat(ours)[1].grad = flat(theirs)[1].grad = None  # skipped by both
    total = badak.nn.utils.clip_grad_norm_(flat(ours), max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(flat(theirs), max_norm, norm_type, foreach=False)
    assert isinstance(total, badak.Tensor) and total.shape == () and total.dtype == dtype
    np.testing.assert_allclose(total.numpy(), ttotal.numpy(), **TOLERANCES[dtype])
    for p, q in zip(flat(ours), flat(theirs)):
        if q.grad is None:
            assert p.grad is None
        else:
            assert p.grad.dtype == dtype
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOLERANCES[dtype])


@each_dtype
def test_clip_grad_value_matches_torch(dtype):
    ours, theirs = make_params(dtype)
    set_grads(ours, theirs, next(gradients(dtype, seed=4)))
    badak.nn.utils.clip_grad_value_(flat(ours), 0.7)
    torch.nn.utils.clip_grad_value_(flat(theirs), 0.7, foreach=False)
    for p, q in zip(flat(ours), flat(theirs)):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())
