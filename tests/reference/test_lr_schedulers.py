"""badak.optim.lr_scheduler against torch.optim.lr_scheduler, epoch by epoch: MultiStepLR,
ExponentialLR, LinearLR, LambdaLR, OneCycleLR, SequentialLR and ReduceLROnPlateau.

The same two parameter groups (lrs 0.05 and 0.2) in both frameworks; after each of 30 epochs
(optimizer step, then scheduler step) the lrs, the momenta OneCycleLR sets, and the parameters
the optimizer moved must agree. Where PyTorch and badak compute the same way (chained or
closed form alike) the lrs are equal bit for bit; CosineAnnealingLR (closed form in badak,
chained in PyTorch) agrees to 1e-12."""

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as tsched

import badak
from badak import optim
from badak.nn.parameter import Parameter
from badak.optim import lr_scheduler as sched

EPOCHS = 30
SHAPES = [(3, 2), (4,)]
LRS = (0.05, 0.2)


def make_optimizers(name="SGD", **options):
    """The same optimizer over the same two parameter groups in both frameworks."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(shape) for shape in SHAPES]
    ours = [Parameter(a.copy()) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = getattr(optim, name)([{"params": [p], "lr": lr} for p, lr in zip(ours, LRS)], **options)
    topt = getattr(torch.optim, name)(
        [{"params": [p], "lr": lr} for p, lr in zip(theirs, LRS)], **options, foreach=False
    )
    return opt, topt


def optimizer_step(opt, topt, epoch):
    rng = np.random.default_rng(100 + epoch)
    for group, tgroup in zip(opt.param_groups, topt.param_groups):
        (p,), (q,) = group["params"], tgroup["params"]
        grad = rng.standard_normal(p.shape)
        p.grad, q.grad = badak.Tensor(grad.copy()), torch.tensor(grad.copy())
    opt.step()
    topt.step()


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def assert_same_lrs(scheduler, tscheduler, opt, topt, exact, epoch=None):
    lrs, tlrs = scheduler.get_last_lr(), tscheduler.get_last_lr()
    if exact:
        assert lrs == tlrs, f"epoch {epoch}"
    else:
        np.testing.assert_allclose(lrs, tlrs, rtol=1e-12, atol=1e-15, err_msg=f"epoch {epoch}")
    assert [g["lr"] for g in opt.param_groups] == lrs
    if exact:
        assert [g["lr"] for g in topt.param_groups] == lrs
        assert momenta(opt) == momenta(topt), f"epoch {epoch}"


def run_side_by_side(make, make_torch, opt, topt, exact=True, epochs=EPOCHS):
    scheduler, tscheduler = make(opt), make_torch(topt)
    assert_same_lrs(scheduler, tscheduler, opt, topt, exact, "construction")
    for epoch in range(epochs):
        optimizer_step(opt, topt, epoch)
        scheduler.step()
        tscheduler.step()
        assert_same_lrs(scheduler, tscheduler, opt, topt, exact, epoch)
        for group, tgroup in zip(opt.param_groups, topt.param_groups):
            np.testing.assert_allclose(
                group["params"][0].numpy(), tgroup["params"][0].detach().numpy(), rtol=1e-12
            )
    return scheduler, tscheduler


class Halving:
    """A callable object: its attribute travels in LambdaLR's state dict."""

    def __init__(self, every):
        self.every = every

    def __call__(self, epoch):
        return 0.5 ** (epoch // self.every)


# name, options, optimizer (name, options); the lambdas are shared by both frameworks
SCHEDULES = {
    "multistep": ("MultiStepLR", dict(milestones=[3, 7, 7, 12], gamma=0.5)),
    "multistep-unsorted": ("MultiStepLR", dict(milestones=[20, 4])),
    "exponential": ("ExponentialLR", dict(gamma=0.9)),
    "linear-warmup": ("LinearLR", dict()),
    "linear-decay": ("LinearLR", dict(start_factor=1.0, end_factor=0.05, total_iters=17)),
    "linear-to-zero": ("LinearLR", dict(start_factor=0.3, end_factor=0.0, total_iters=8)),
    "lambda": ("LambdaLR", dict(lr_lambda=lambda epoch: 0.95**epoch)),
    "lambda-per-group": ("LambdaLR", dict(lr_lambda=[lambda e: 1 / (e + 1), Halving(4)])),
    # total_steps > EPOCHS: the comparison stays within the cycle (see the test after next)
    "onecycle": ("OneCycleLR", dict(max_lr=[0.1, 0.5], total_steps=EPOCHS + 1)),
    "onecycle-linear": (
        "OneCycleLR", dict(max_lr=0.3, total_steps=EPOCHS + 1, anneal_strategy="linear",
                           pct_start=0.25)
    ),
    "onecycle-three-phase": (
        "OneCycleLR", dict(max_lr=0.3, total_steps=EPOCHS + 5, three_phase=True, div_factor=10)
    ),
    "onecycle-epochs": (
        "OneCycleLR", dict(max_lr=0.3, epochs=3, steps_per_epoch=11, base_momentum=[0.8, 0.7],
                           max_momentum=0.9, final_div_factor=100)
    ),
    "onecycle-no-momentum": (
        "OneCycleLR", dict(max_lr=0.3, total_steps=EPOCHS + 1, cycle_momentum=False)
    ),
}  # fmt: skip
OPTIMIZERS = {"sgd": ("SGD", dict(momentum=0.9)), "adam": ("Adam", dict(betas=(0.9, 0.99)))}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("schedule", SCHEDULES)
def test_schedule_matches_torch_bit_for_bit(schedule, optimizer):
    name, options = SCHEDULES[schedule]
    optimizer_name, optimizer_options = OPTIMIZERS[optimizer]
    opt, topt = make_optimizers(optimizer_name, **optimizer_options)
    scheduler, _ = run_side_by_side(
        lambda o: getattr(sched, name)(o, **options),
        lambda o: getattr(tsched, name)(o, **options),
        opt,
        topt,
        exact=schedule != "linear-to-zero",  # PyTorch's ratio rounds to -1e-17: lr -1e-18
    )
    assert min(scheduler.get_last_lr()) >= 0
    if name == "OneCycleLR" and options.get("cycle_momentum", True):
        assert momenta(opt) == momenta(topt) != [None, None]


@pytest.mark.parametrize("anneal_strategy", ["cos", "linear"])
def test_onecycle_one_step_past_the_cycle_stays_at_its_end(anneal_strategy):
    """PyTorch allows total_steps scheduler steps (one after each optimizer step), the last
    one past the cycle's end, and extrapolates there; badak stays at the end values."""
    opt, topt = make_optimizers("Adam")
    options = dict(max_lr=0.3, total_steps=12, anneal_strategy=anneal_strategy)
    scheduler, tscheduler = sched.OneCycleLR(opt, **options), tsched.OneCycleLR(topt, **options)
    for epoch in range(12):
        optimizer_step(opt, topt, epoch)
        scheduler.step()
        tscheduler.step()
        if epoch < 11:
            assert scheduler.get_last_lr() == tscheduler.get_last_lr()
            assert momenta(opt) == momenta(topt)
    assert scheduler.get_last_lr() == pytest.approx([0.3 / 25 / 1e4] * 2, rel=1e-9, abs=0)
    assert momenta(opt) == pytest.approx([0.95, 0.95], rel=1e-15)
    if anneal_strategy == "linear":
        assert max(tscheduler.get_last_lr()) < 0


def test_onecycle_refuses_to_step_past_total_steps_and_changes_nothing():
    opt, _ = make_optimizers()
    scheduler = sched.OneCycleLR(opt, max_lr=0.1, total_steps=4)
    for _ in range(4):
        scheduler.step()
    lrs, momentum = scheduler.get_last_lr(), momenta(opt)
    with pytest.raises(ValueError, match="^OneCycleLR: tried to step 5 times; total_steps is 4"):
        scheduler.step()
    assert scheduler.last_epoch == 4 and scheduler.get_last_lr() == lrs == [
        g["lr"] for g in opt.param_groups
    ]
    assert momenta(opt) == momentum


SEQUENCES = {
    "warmup-then-exponential": (
        lambda s, o: [s.LinearLR(o, start_factor=0.1, total_iters=4), s.ExponentialLR(o, 0.9)],
        [5],
    ),
    "lambda-cosine-step": (
        lambda s, o: [
            s.LambdaLR(o, lambda e: (e + 1) / 4),
            s.CosineAnnealingLR(o, T_max=8, eta_min=0.001),
            s.StepLR(o, step_size=3, gamma=0.5),
        ],
        [4, 14],
    ),
    "linear-then-multistep": (
        lambda s, o: [s.LinearLR(o, total_iters=3), s.MultiStepLR(o, milestones=[0, 3, 6])],
        [6],
    ),
    "warmup-then-onecycle": (
        lambda s, o: [s.LinearLR(o, total_iters=3), s.OneCycleLR(o, max_lr=0.4, total_steps=30)],
        [5],
    ),
    "exponential-linear-exponential": (
        lambda s, o: [s.ExponentialLR(o, 0.8), s.LinearLR(o, 0.5, 0.9, 6), s.ExponentialLR(o, 1.1)],
        [3, 11],
    ),
}


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_sequential_matches_torch(sequence):
    schedules, milestones = SEQUENCES[sequence]
    opt, topt = make_optimizers("SGD", momentum=0.9)
    run_side_by_side(
        lambda o: sched.SequentialLR(o, schedules(sched, o), milestones),
        lambda o: tsched.SequentialLR(o, schedules(tsched, o), milestones),
        opt,
        topt,
        exact="cosine" not in sequence,
    )


PLATEAUS = {
    "min-rel": dict(),
    "min-abs-patience-0": dict(threshold_mode="abs", threshold=0.05, patience=0),
    "max-rel-cooldown": dict(mode="max", patience=2, cooldown=3, factor=0.5),
    "max-abs-min-lr": dict(
        mode="max", threshold_mode="abs", patience=1, factor=0.5, min_lr=[0.01, 0.05]
    ),
    "min-eps": dict(patience=1, factor=0.5, min_lr=0.0449, eps=1e-3),
}


def metric_walk(epochs=60):
    """A metric that improves, stalls, worsens and improves again, with ties and a NaN."""
    rng = np.random.default_rng(7)
    values = np.cumsum(rng.choice([-0.3, -0.01, 0.0, 0.02, 0.4], size=epochs)) + 5.0
    values[[10, 11, 12]] = values[9]  # equal to the best: not an improvement
    values[30] = np.nan
    return [float(v) for v in values]


@pytest.mark.parametrize("options", PLATEAUS)
def test_reduce_lr_on_plateau_matches_torch(options):
    opt, topt = make_optimizers("SGD", momentum=0.9)
    scheduler = sched.ReduceLROnPlateau(opt, **PLATEAUS[options])
    tscheduler = tsched.ReduceLROnPlateau(topt, **PLATEAUS[options])
    assert "initial_lr" not in opt.param_groups[0]
    reductions = 0
    for epoch, metric in enumerate(metric_walk()):
        optimizer_step(opt, topt, epoch)
        before = scheduler.get_last_lr()
        scheduler.step(badak.tensor(metric, dtype=badak.float64) if epoch % 2 else metric)
        tscheduler.step(metric)
        reductions += scheduler.get_last_lr() != before
        assert scheduler.get_last_lr() == tscheduler.get_last_lr(), f"epoch {epoch}"
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
        for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            ours, theirs = getattr(scheduler, key), getattr(tscheduler, key)
            assert ours == theirs or (np.isnan(ours) and np.isnan(theirs)), (key, epoch)
    assert reductions >= 2


# --- state dicts: stop half-way, rebuild, load, and continue as the straight run ------------------
RESUMABLE = {
    **{k: (lambda o, n=n, kw=kw: getattr(sched, n)(o, **kw)) for k, (n, kw) in SCHEDULES.items()},
    **{
        f"sequential-{k}": (lambda o, f=f, m=m: sched.SequentialLR(o, f(sched, o), m))
        for k, (f, m) in SEQUENCES.items()
    },
    "cosine": lambda o: sched.CosineAnnealingLR(o, T_max=7),
}


@pytest.mark.parametrize("schedule", RESUMABLE)
def test_state_dict_round_trip_continues_bit_for_bit(schedule):
    make = RESUMABLE[schedule]
    straight_opt, _ = make_optimizers("SGD", momentum=0.9)
    straight = make(straight_opt)
    expected = []
    for _ in range(EPOCHS):
        straight_opt.step()
        straight.step()
        expected.append((straight.get_last_lr(), momenta(straight_opt)))

    first_opt, _ = make_optimizers("SGD", momentum=0.9)
    first = make(first_opt)
    for _ in range(12):
        first_opt.step()
        first.step()
    saved, saved_opt = first.state_dict(), first_opt.state_dict()
    assert "optimizer" not in saved
    opt, _ = make_optimizers("SGD", momentum=0.9)
    resumed = make(opt)
    opt.load_state_dict(saved_opt)
    resumed.load_state_dict(saved)
    for epoch in range(12, EPOCHS):
        opt.step()
        resumed.step()
        assert (resumed.get_last_lr(), momenta(opt)) == expected[epoch], f"epoch {epoch}"


def test_lambda_state_dict_keeps_a_callable_objects_attributes_only():
    opt, _ = make_optimizers()
    halving = Halving(4)
    scheduler = sched.LambdaLR(opt, [lambda e: 1.0, halving])
    saved = scheduler.state_dict()
    assert saved["lr_lambdas"] == [None, {"every": 4}]
    halving.every = 2
    scheduler.load_state_dict(saved)
    assert halving.every == 4 and scheduler.lr_lambdas[1] is halving


def test_plateau_state_dict_round_trip():
    opt, _ = make_optimizers()
    scheduler = sched.ReduceLROnPlateau(opt, mode="max", patience=1)
    for metric in [1.0, 2.0, 1.5, 1.5]:
        scheduler.step(metric)
    saved = scheduler.state_dict()
    assert saved["best"] == 2.0 and saved["mode_worse"] == -np.inf
    other = sched.ReduceLROnPlateau(make_optimizers()[0])
    other.load_state_dict(saved)
    assert (other.mode, other.best, other.num_bad_epochs) == ("max", 2.0, 0)
    assert other.mode_worse == -np.inf


# --- bad arguments: the class named first, nothing changed -------------------------------------
def fresh():
    return make_optimizers()[0]


BAD = [
    ("MultiStepLR", lambda o: sched.MultiStepLR(o, milestones=[2, 2.5]), ValueError,
     r"milestones\[1\] must be an int >= 0"),
    ("MultiStepLR", lambda o: sched.MultiStepLR(o, milestones=[2], gamma="x"), TypeError, "gamma"),
    ("MultiStepLR", lambda o: sched.MultiStepLR(o, milestones=5), TypeError, "list of epochs"),
    ("ExponentialLR", lambda o: sched.ExponentialLR(o, gamma=None), TypeError, "gamma"),
    ("LinearLR", lambda o: sched.LinearLR(o, start_factor=0), ValueError, "start_factor"),
    ("LinearLR", lambda o: sched.LinearLR(o, end_factor=1.5), ValueError, "end_factor"),
    ("LinearLR", lambda o: sched.LinearLR(o, total_iters=0), ValueError, "total_iters"),
    ("LinearLR", lambda o: sched.LinearLR(o, end_factor=float("nan")), ValueError, "end_factor"),
    ("LambdaLR", lambda o: sched.LambdaLR(o, [lambda e: 1.0]), ValueError, "expected 2 lr_lambdas"),
    ("LambdaLR", lambda o: sched.LambdaLR(o, 0.5), TypeError, "should be a function"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, max_lr=0.1), ValueError, "total_steps"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, 0.1, total_steps=0), ValueError, "total_steps"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1), ValueError,
     "steps_per_epoch"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, 0.1, 10, pct_start=1.5), ValueError, "pct_start"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, 0.1, 10, anneal_strategy="exp"), ValueError,
     "anneal_strategy"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, [0.1], 10), ValueError, "max_lr has 1 values"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, 0.1, 10, div_factor=0), ValueError, "div_factor"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(o, 0.1, 10, pct_start=0.1), ValueError,
     "phase of no length"),
    ("OneCycleLR", lambda o: sched.OneCycleLR(optim.Adagrad(o.param_groups[0]["params"]), 0.1, 10),
     ValueError, "cycle_momentum needs an optimizer with momentum or betas"),
    ("SequentialLR", lambda o: sched.SequentialLR(o, [], []), ValueError, "at least one"),
    ("SequentialLR", lambda o: sched.SequentialLR(o, [sched.ExponentialLR(o, 0.9)], [3]),
     ValueError, "expected 0 milestones"),
    ("SequentialLR", lambda o: sched.SequentialLR(o, [sched.ReduceLROnPlateau(o)], []), TypeError,
     "ReduceLROnPlateau"),
    ("SequentialLR", lambda o: sched.SequentialLR(o, [sched.ExponentialLR(fresh(), 0.9)], []),
     ValueError, "another optimizer"),
    ("SequentialLR", lambda o: sched.SequentialLR(
        o, [sched.ExponentialLR(o, 0.9), sched.StepLR(o, 2), sched.StepLR(o, 3)], [5, 5]),
     ValueError, "milestones must increase"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o, mode="lowest"), ValueError, "mode"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError,
     "threshold_mode"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o, patience=-1), ValueError,
     "patience"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o, cooldown=0.5), ValueError,
     "cooldown"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError,
     "min_lr has 1 values"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o, min_lr=-1), ValueError, "min_lr"),
    ("ReduceLROnPlateau", lambda o: sched.ReduceLROnPlateau(o).step("high"), TypeError,
     "expected the metric as a number"),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, make, error, words", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_arguments_are_refused_naming_the_class(name, make, error, words):
    opt = fresh()
    groups = [dict(g, params=list(g["params"])) for g in opt.param_groups]
    with pytest.raises(error, match=rf"^{name}(\.step)?: .*{words}"):
        make(opt)
    if name not in ("SequentialLR",):  # SequentialLR's schedules were built (and set lrs) first
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in groups]
        assert [set(g) for g in opt.param_groups] == [set(g) for g in groups]


@pytest.mark.parametrize("make", [
    lambda o: sched.MultiStepLR(o, [2]), lambda o: sched.LambdaLR(o, lambda e: 1.0),
    lambda o: sched.OneCycleLR(o, 0.1, 10), lambda o: sched.ReduceLROnPlateau(o),
    lambda o: sched.SequentialLR(o, [], []),
])  # fmt: skip
def test_schedulers_refuse_a_non_optimizer(make):
    with pytest.raises(TypeError, match=r"^\w+: expected an Optimizer, got list"):
        make([])
