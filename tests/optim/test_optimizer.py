"""badak.optim: argument checks, parameter groups, zero_grad, in-place updates, state dicts."""

import math

import numpy as np
import pytest

import badak
from badak.nn.parameter import Parameter
from badak.optim import SGD, Adam, AdamW, Optimizer

OPTIMIZERS = {
    "sgd": lambda params, **kw: SGD(params, lr=0.1, **kw),
    "sgd-momentum": lambda params, **kw: SGD(params, lr=0.1, momentum=0.9, **kw),
    "adam": lambda params, **kw: Adam(params, lr=0.1, amsgrad=True, **kw),
    "adamw": lambda params, **kw: AdamW(params, lr=0.1, **kw),
}
each_optimizer = pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())


def param(values=(1.0, -2.0, 3.0), dtype=np.float32, grad=None):
    p = Parameter(np.array(values, dtype=dtype))
    if grad is not None:
        p.grad = badak.Tensor(np.array(grad, dtype=dtype))
    return p


# --- bad arguments: the class named first, nothing built -----------------------------------------
BAD_OPTIONS = [
    (SGD, dict(lr=-0.1), "learning rate"),
    (SGD, dict(lr=math.nan), "learning rate"),
    (SGD, dict(momentum=-0.5), "momentum"),
    (SGD, dict(weight_decay=-1e-4), "weight_decay"),
    (SGD, dict(nesterov=True), "Nesterov"),
    (SGD, dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov"),
    (Adam, dict(lr=-1e-3), "learning rate"),
    (Adam, dict(lr=math.nan), "learning rate"),
    (Adam, dict(betas=(1.0, 0.999)), r"betas\[0\]"),
    (Adam, dict(betas=(-0.1, 0.999)), r"betas\[0\]"),
    (Adam, dict(betas=(0.9, 1.0)), r"betas\[1\]"),
    (Adam, dict(betas=(0.9, math.nan)), r"betas\[1\]"),
    (Adam, dict(eps=-1e-8), "eps"),
    (Adam, dict(weight_decay=-0.01), "weight_decay"),
    (AdamW, dict(lr=-1e-3), "learning rate"),
    (AdamW, dict(betas=(0.9, 1.5)), r"betas\[1\]"),
    (AdamW, dict(eps=-1.0), "eps"),
    (AdamW, dict(weight_decay=-0.01), "weight_decay"),
]


@pytest.mark.parametrize(
    "cls, options, words", BAD_OPTIONS, ids=[f"{c.__name__}-{o}" for c, o, _ in BAD_OPTIONS]
)
def test_optimizer_rejects_bad_option(cls, options, words):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: .*{words}"):
        cls([param()], **options)


@pytest.mark.parametrize("cls", [SGD, Adam, AdamW])
def test_optimizer_rejects_a_single_tensor_as_params(cls):
    with pytest.raises(TypeError, match=rf"^{cls.__name__}: params should be an iterable"):
        cls(param())


def test_optimizer_rejects_params_that_are_not_tensors():
    with pytest.raises(TypeError, match=r"^SGD: can only optimize Tensors, but params\[1\]"):
        SGD([param(), np.zeros(3)])


def test_optimizer_rejects_an_empty_parameter_list():
    with pytest.raises(ValueError, match="^Adam: got an empty parameter list"):
        Adam([])


def test_optimizer_rejects_a_parameter_in_two_groups():
    p = param()
    with pytest.raises(ValueError, match="^SGD: some parameters appear in more than one"):
        SGD([{"params": [p]}, {"params": [param(), p]}])


def test_optimizer_rejects_a_parameter_twice_in_one_group():
    p = param()
    with pytest.raises(ValueError, match="^AdamW: a parameter appears twice"):
        AdamW([p, p])


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: [{"params": s}]], ids=["set", "group"])
def test_optimizer_rejects_a_set_of_parameters(wrap):
    with pytest.raises(TypeError, match="^SGD: parameters must be in an ordered collection"):
        SGD(wrap({param()}))


def test_optimizer_rejects_a_non_leaf_tensor():
    x = badak.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="^SGD: can't optimize a non-leaf"):
        SGD([x * 2])


def test_add_param_group_with_a_bad_option_changes_nothing():
    opt = SGD([param()], lr=0.1)
    with pytest.raises(ValueError, match="^SGD: invalid learning rate -1"):
        opt.add_param_group({"params": [param()], "lr": -1})
    assert len(opt.param_groups) == 1


# --- parameter groups -----------------------------------------------------------------------------
def test_param_groups_take_the_defaults_and_their_own_options():
    a, b = param(grad=[1.0, 1.0, 1.0]), param(grad=[1.0, 1.0, 1.0])
    opt = SGD([{"params": [a]}, {"params": b, "lr": 1.0}], lr=0.5, momentum=0.1)
    assert opt.param_groups[0] == {
        "params": [a], "lr": 0.5, "momentum": 0.1, "dampening": 0,
        "weight_decay": 0, "nesterov": False, "maximize": False,
    }  # fmt: skip
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["lr"] == 1.0
    opt.step()
    np.testing.assert_array_equal(a.numpy(), [0.5, -2.5, 2.5])
    np.testing.assert_array_equal(b.data, [0.0, -3.0, 2.0])


def test_add_param_group_adds_a_group_that_steps():
    a, b = param(grad=[1.0, 1.0, 1.0]), param(grad=[2.0, 2.0, 2.0])
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.2})
    opt.step()
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    np.testing.assert_allclose(b.data, [0.8, -2.2, 2.8], rtol=1e-6)  # Adam's first step: lr * sign


# --- step and zero_grad ---------------------------------------------------------------------------
def test_zero_grad_sets_grads_to_none_by_default():
    p = param(grad=[1.0, 2.0, 3.0])
    SGD([p]).zero_grad()
    assert p.grad is None


def test_zero_grad_without_set_to_none_zeroes_the_same_array():
    p = param(grad=[1.0, 2.0, 3.0])
    array = p.grad.numpy()
    SGD([p]).zero_grad(set_to_none=False)
    assert p.grad.numpy() is array
    np.testing.assert_array_equal(array, 0)


@each_optimizer
def test_parameters_without_grad_are_skipped(make):
    a, b = param(grad=[0.5, 0.5, 0.5]), param()
    opt = make([a, b])
    opt.step()
    np.testing.assert_array_equal(b.data, [1.0, -2.0, 3.0])
    assert b not in opt.state and not np.array_equal(a.numpy(), [1.0, -2.0, 3.0])


@each_optimizer
def test_step_updates_the_same_ndarray_in_place(make):
    p = param(grad=[0.5, -0.5, 1.0])
    array = p.numpy()
    alias = array[1:]
    make([p]).step()
    assert p.numpy() is array
    assert alias[0] != -2.0


@each_optimizer
@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1}, {"maximize": True}])
def test_float32_parameters_and_state_stay_float32(make, options):
    p = param(grad=[0.5, -0.5, 1.0])
    opt = make([p], **options)
    for _ in range(3):
        opt.step()
    assert p.numpy().dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


@each_optimizer
def test_numpy_float64_options_do_not_promote_float32(make):
    def run(scalar):
        p = param(grad=[0.5, -0.5, 1.0])
        opt = make([p], weight_decay=scalar(0.01))
        opt.param_groups[0]["lr"] = scalar(0.1)
        for _ in range(3):
            opt.step()
        return p.numpy()

    np.testing.assert_array_equal(run(np.float64), run(float))


def test_step_returns_the_closure_loss_computed_with_grad_enabled():
    p = param()
    opt = SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 14.0
    np.testing.assert_allclose(p.numpy(), [0.8, -1.6, 2.4], rtol=1e-6)


def test_optimizer_without_update_raises_not_implemented():
    opt = Optimizer([param(grad=[1.0, 1.0, 1.0])], {"lr": 0.1})
    with pytest.raises(NotImplementedError):
        opt.step()


# --- state dicts ----------------------------------------------------------------------------------
def test_state_dict_layout_uses_indices_and_copies_arrays():
    a, b = param(grad=[1.0, 1.0, 1.0]), param(grad=[2.0, 2.0, 2.0])
    opt = Adam([{"params": [a]}, {"params": [b], "lr": 0.5}])
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"]) == {0, 1} and sd["state"][1]["step"] == 1
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["state"][0]["exp_avg"] is not opt.state[a]["exp_avg"]


def test_load_state_dict_copies_and_casts_to_the_parameter_dtype():
    source = SGD([param(dtype=np.float64, grad=[1.0, 1.0, 1.0])], lr=0.1, momentum=0.9)
    source.step()
    sd = source.state_dict()
    p = param()
    opt = SGD([p], lr=0.5, momentum=0.9)
    opt.load_state_dict(sd)
    buf = opt.state[p]["momentum_buffer"]
    assert buf.dtype == np.float32 and opt.param_groups[0]["lr"] == 0.1
    sd["state"][0]["momentum_buffer"][...] = 7
    np.testing.assert_array_equal(buf, [1.0, 1.0, 1.0])


def test_load_state_dict_with_another_group_count_changes_nothing():
    p = param(grad=[1.0, 1.0, 1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    other = SGD([{"params": [param()]}, {"params": [param()]}], lr=0.7, momentum=0.9)
    before = other.param_groups[0].copy()
    with pytest.raises(ValueError, match=r"^SGD.load_state_dict: the state dict has 1 parameter"):
        other.load_state_dict(opt.state_dict())
    assert other.param_groups[0] == before and len(other.state) == 0


def test_load_state_dict_with_another_group_size_changes_nothing():
    opt = Adam([param(grad=[1.0, 1.0, 1.0]), param(grad=[1.0, 1.0, 1.0])], lr=0.1)
    opt.step()
    q = param(grad=[1.0, 1.0, 1.0])
    other = Adam([q], lr=0.3)
    other.step()
    state = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in other.state[q].items()}
    with pytest.raises(ValueError, match=r"^Adam.load_state_dict: parameter group 0 has 2"):
        other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.3 and other.state[q]["step"] == state["step"]
    np.testing.assert_array_equal(other.state[q]["exp_avg"], state["exp_avg"])


def test_load_state_dict_with_a_wrong_buffer_shape_changes_nothing():
    opt = SGD([param(grad=[1.0, 1.0, 1.0])], lr=0.1, momentum=0.9)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["momentum_buffer"] = np.zeros(4, np.float32)
    sd["param_groups"][0]["lr"] = 0.9
    with pytest.raises(ValueError, match=r"^SGD.load_state_dict: state 'momentum_buffer'"):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.1


def test_load_state_dict_with_a_bad_option_changes_nothing():
    opt = SGD([param()], lr=0.1)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="^SGD: invalid learning rate"):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.1


def test_repr_lists_each_group_options():
    text = repr(SGD([param()], lr=0.1))
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1\n" in text
