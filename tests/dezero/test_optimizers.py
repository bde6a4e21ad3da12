import math

import numpy as np
import pytest

from badak.dezero import optimizers
from badak.dezero.core import Parameter, Variable


class Target:
    """Anything with params(), as DeZero's Layer and Model."""

    def __init__(self, *params):
        self.parameters = params

    def params(self):
        yield from self.parameters


# ----------------------------------------------------------------------------------------------
# DeZero's update formulas, written out on plain arrays (in-place, Python-float hyperparameters)
# ----------------------------------------------------------------------------------------------
def ref_sgd(p, g, state, t, lr=0.01):
    p -= lr * g


def ref_momentum(p, g, state, t, lr=0.01, momentum=0.9):
    v = state.setdefault("v", np.zeros_like(p))
    v *= momentum
    v -= lr * g
    p += v


def ref_adagrad(p, g, state, t, lr=0.001, eps=1e-8):
    h = state.setdefault("h", np.zeros_like(p))
    h += g * g
    p -= lr * g / (np.sqrt(h) + eps)


def ref_adadelta(p, g, state, t, rho=0.95, eps=1e-6):
    msg = state.setdefault("msg", np.zeros_like(p))
    msdx = state.setdefault("msdx", np.zeros_like(p))
    msg *= rho
    msg += (1 - rho) * g * g
    dx = np.sqrt((msdx + eps) / (msg + eps)) * g
    msdx *= rho
    msdx += (1 - rho) * dx * dx
    p -= dx


def ref_adam(p, g, state, t, alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = state.setdefault("m", np.zeros_like(p))
    v = state.setdefault("v", np.zeros_like(p))
    m += (1 - beta1) * (g - m)
    v += (1 - beta2) * (g * g - v)
    lr = alpha * math.sqrt(1.0 - math.pow(beta2, t)) / (1.0 - math.pow(beta1, t))
    p -= lr * m / (np.sqrt(v) + eps)


def ref_rmsprop(p, g, state, t, lr=0.001, rho=0.9, eps=1e-8):
    m = state.setdefault("m", np.zeros_like(p))
    m *= rho
    m += (1 - rho) * g * g
    p -= lr * g / (np.sqrt(m) + eps)


CASES = {
    "SGD": (ref_sgd, {"lr": 0.1}),
    "MomentumSGD": (ref_momentum, {"lr": 0.05, "momentum": 0.8}),
    "AdaGrad": (ref_adagrad, {"lr": 0.1, "eps": 1e-8}),
    "AdaDelta": (ref_adadelta, {"rho": 0.9, "eps": 1e-6}),
    "Adam": (ref_adam, {"alpha": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8}),
    "RMSProp": (ref_rmsprop, {"lr": 0.01, "rho": 0.9, "eps": 1e-8}),
}


def run_steps(optimizer, params, grads_per_step):
    optimizer.setup(Target(*params))
    for grads in grads_per_step:
        for p, g in zip(params, grads):
            p.grad = Variable(g.copy())
        optimizer.update()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_update_follows_dezero_formula_over_several_steps(name, dtype):
    reference, kwargs = CASES[name]
    rng = np.random.default_rng(0)
    starts = [rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal(4).astype(dtype)]
    grads = [[rng.standard_normal(s.shape).astype(dtype) for s in starts] for _ in range(6)]

    params = [Parameter(s.copy()) for s in starts]
    run_steps(getattr(optimizers, name)(**kwargs), params, grads)

    expected = [s.copy() for s in starts]
    states = [{} for _ in starts]
    for step, step_grads in enumerate(grads, start=1):
        for p, g, state in zip(expected, step_grads, states):
            reference(p, g, state, step, **kwargs)
    for p, e in zip(params, expected):
        assert p.data.dtype == dtype
        np.testing.assert_array_equal(p.data, e)


@pytest.mark.parametrize("name", list(CASES))
def test_defaults_are_dezero_s(name):
    reference, _ = CASES[name]
    rng = np.random.default_rng(1)
    start = rng.standard_normal(5)
    grads = [[rng.standard_normal(5)] for _ in range(3)]
    param = Parameter(start.copy())
    run_steps(getattr(optimizers, name)(), [param], grads)
    expected, state = start.copy(), {}
    for step, (g,) in enumerate(grads, start=1):
        reference(expected, g, state, step)
    np.testing.assert_array_equal(param.data, expected)


@pytest.mark.parametrize("name", list(CASES))
def test_float32_parameters_and_state_stay_float32_with_numpy_float64_hyperparameters(name):
    _, kwargs = CASES[name]
    as_float64 = {k: np.float64(v) for k, v in kwargs.items()}
    grads = [[np.full(3, 0.5, np.float32)] for _ in range(3)]
    plain, promoted = Parameter(np.ones(3, np.float32)), Parameter(np.ones(3, np.float32))
    run_steps(getattr(optimizers, name)(**kwargs), [plain], grads)
    optimizer = getattr(optimizers, name)(**as_float64)
    run_steps(optimizer, [promoted], grads)

    assert promoted.data.dtype == np.float32
    np.testing.assert_array_equal(promoted.data, plain.data)
    for value in vars(optimizer).values():
        if isinstance(value, dict):
            assert all(state.dtype == np.float32 for state in value.values())


def test_state_is_keyed_by_id_of_param():
    p = Parameter(np.zeros(2, np.float32))
    p.grad = Variable(np.ones(2, np.float32))
    optimizer = optimizers.MomentumSGD().setup(Target(p))
    optimizer.update()
    assert list(optimizer.vs) == [id(p)]


def test_adam_lr_has_dezero_s_bias_correction_and_t_counts_updates():
    optimizer = optimizers.Adam(alpha=0.1, beta1=0.9, beta2=0.999)
    p = Parameter(np.zeros(2))
    p.grad = Variable(np.ones(2))
    optimizer.setup(Target(p))
    assert optimizer.t == 0
    for t in (1, 2, 3):
        optimizer.update()
        assert optimizer.t == t
        assert optimizer.lr == pytest.approx(0.1 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t))


def test_params_without_gradient_are_skipped():
    with_grad, without = Parameter(np.ones(2)), Parameter(np.ones(2))
    with_grad.grad = Variable(np.ones(2))
    optimizer = optimizers.AdaGrad().setup(Target(with_grad, without))
    optimizer.update()
    np.testing.assert_array_equal(without.data, [1.0, 1.0])
    assert list(optimizer.hs) == [id(with_grad)]


def test_setup_returns_the_optimizer():
    optimizer = optimizers.SGD()
    assert optimizer.setup(Target()) is optimizer


def test_update_before_setup_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"SGD.update: call setup\(model\) first"):
        optimizers.SGD().update()


def test_base_optimizer_needs_update_one():
    p = Parameter(np.ones(1))
    p.grad = Variable(np.ones(1))
    with pytest.raises(NotImplementedError):
        optimizers.Optimizer().setup(Target(p)).update()


# ----------------------------------------------------------------------------------------------
# Hooks
# ----------------------------------------------------------------------------------------------
def test_hooks_run_before_the_update_on_params_with_a_gradient():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    a.grad = Variable(np.full(2, 3.0))
    seen = []
    optimizer = optimizers.SGD(lr=1.0).setup(Target(a, b))
    optimizer.add_hook(lambda params: seen.append([(p, p.data.copy()) for p in params]))
    optimizer.update()
    assert len(seen) == 1 and [p for p, _ in seen[0]] == [a]
    np.testing.assert_array_equal(seen[0][0][1], [1.0, 1.0])  # not yet updated
    np.testing.assert_array_equal(a.data, [-2.0, -2.0])


def test_weight_decay_adds_rate_times_param_to_the_gradient():
    p = Parameter(np.array([1.0, -2.0], np.float32))
    p.grad = Variable(np.array([0.5, 0.5], np.float32))
    optimizer = optimizers.SGD(lr=0.1).setup(Target(p))
    optimizer.add_hook(optimizers.WeightDecay(1e-1))
    optimizer.update()
    grad = np.array([0.5, 0.5], np.float32) + np.float32(0.1) * np.array([1.0, -2.0], np.float32)
    np.testing.assert_array_equal(p.grad.data, grad)
    np.testing.assert_array_equal(p.data, np.array([1.0, -2.0], np.float32) - 0.1 * grad)
    assert p.data.dtype == p.grad.data.dtype == np.float32


def test_weight_decay_on_params_sharing_one_gradient_object_decays_each_once():
    a, b = Parameter(np.array([1.0])), Parameter(np.array([3.0]))
    a.grad = b.grad = Variable(np.array([0.5]))  # the engine may hand both the same gradient
    optimizers.WeightDecay(0.5)([a, b])
    np.testing.assert_array_equal(a.grad.data, [1.0])
    np.testing.assert_array_equal(b.grad.data, [2.0])


def test_clip_grad_scales_all_gradients_to_max_norm():
    a, b = Parameter(np.zeros(2)), Parameter(np.zeros(1))
    a.grad, b.grad = Variable(np.array([3.0, 0.0])), Variable(np.array([4.0]))  # norm 5
    optimizers.ClipGrad(1.0)([a, b])
    rate = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(a.grad.data, [3.0 * rate, 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad.data, [4.0 * rate], rtol=1e-15)


def test_clip_grad_leaves_small_gradients_alone_and_keeps_float32():
    p = Parameter(np.zeros(2, np.float32))
    p.grad = Variable(np.array([0.3, 0.4], np.float32))
    optimizers.ClipGrad(10.0)([p])
    np.testing.assert_array_equal(p.grad.data, np.array([0.3, 0.4], np.float32))
    optimizers.ClipGrad(0.25)([p])
    assert p.grad.data.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(p.grad.data), 0.25, rtol=1e-5)


def test_freeze_param_keeps_frozen_params_and_updates_the_others():
    frozen, layer_param, free = (Parameter(np.ones(2)) for _ in range(3))
    for p in (frozen, layer_param, free):
        p.grad = Variable(np.ones(2))
    optimizer = optimizers.MomentumSGD(lr=0.5).setup(Target(frozen, layer_param, free))
    optimizer.add_hook(optimizers.FreezeParam(frozen, Target(layer_param)))
    optimizer.update()
    np.testing.assert_array_equal(frozen.data, [1.0, 1.0])
    np.testing.assert_array_equal(layer_param.data, [1.0, 1.0])
    np.testing.assert_array_equal(free.data, [0.5, 0.5])
    assert frozen.grad is None and list(optimizer.vs) == [id(free)]


@pytest.mark.parametrize("name", list(CASES))
def test_float64_gradients_of_float32_parameters_update_as_dezero_s_formula(name):
    # DeZero's float32 Linear weights get float64 gradients from float64 data (step 46): its
    # `lr * grad` is then a float64 product, and the parameter keeps float32
    reference, kwargs = CASES[name]
    rng = np.random.default_rng(2)
    start = rng.standard_normal((3, 4)).astype(np.float32)
    grads = [[rng.standard_normal((3, 4))] for _ in range(5)]
    param = Parameter(start.copy())
    run_steps(getattr(optimizers, name)(**kwargs), [param], grads)
    expected, state = start.copy(), {}
    for step, (g,) in enumerate(grads, start=1):
        reference(expected, g, state, step, **kwargs)
    assert param.data.dtype == np.float32
    np.testing.assert_array_equal(param.data, expected)
