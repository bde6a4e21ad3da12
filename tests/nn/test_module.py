"""badak.nn.Module and Parameter: walking, modes, gradients, casts, state dicts, repr."""

import numpy as np
import pytest
import torch

import badak
from badak import nn


class Net(nn.Module):
    """Assigned out of alphabetical order, so the walk's order shows."""

    def __init__(self):
        super().__init__()
        self.fc2 = nn.Linear(3, 2)
        self.scale = nn.Parameter(np.ones(2, np.float32))
        self.block = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
        self.fc1 = nn.Linear(2, 5)
        self.note = "not a module"

    def forward(self, x):
        return self.fc2(self.block(x)) * self.scale


def names(module):
    return [name for name, _ in module.named_parameters()]


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc2 = torch.nn.Linear(3, 2)
        self.scale = torch.nn.Parameter(torch.ones(2))
        self.block = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
        self.fc1 = torch.nn.Linear(2, 5)


def test_named_parameters_walk_attributes_in_assignment_order_with_dotted_names():
    net = Net()
    # own parameters first, then each child's in assignment order, as PyTorch
    expected = ["scale", "fc2.weight", "fc2.bias", "block.0.weight", "block.0.bias"]
    assert names(net) == expected + ["fc1.weight", "fc1.bias"]
    assert names(net) == names(TorchNet())
    assert [n for n, _ in net.named_modules()] == [n for n, _ in TorchNet().named_modules()]
    assert [p for _, p in net.named_parameters()] == list(net.parameters())
    assert names(nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))) == [
        "0.weight", "0.bias", "2.weight", "2.bias",
    ]  # fmt: skip


def test_named_parameters_prefix_and_recurse():
    net = Net()
    assert [n for n, _ in net.named_parameters(prefix="net")][:2] == ["net.scale", "net.fc2.weight"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert list(net.parameters(recurse=False)) == [net.scale]


def test_a_shared_layer_counts_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert names(model) == ["0.weight", "0.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "1"]


def test_the_same_parameter_under_two_names_counts_once_under_its_first_name():
    def build(nn):
        class Tied(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Linear(4, 2)
                self.decoder_weight = self.encoder.weight
                self.alias = self.encoder

        return Tied()

    # own parameters are walked before the children's, so PyTorch's first name is the alias
    expected = [name for name, _ in build(torch.nn).named_parameters()]
    assert expected == ["decoder_weight", "encoder.bias"]
    tied = build(nn)
    assert names(tied) == expected
    assert list(tied.parameters()) == [tied.encoder.weight, tied.encoder.bias]


def test_children_modules_and_their_names():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["fc2", "block", "fc1"]
    assert list(net.children()) == [net.fc2, net.block, net.fc1]
    assert [n for n, _ in net.named_modules()] == ["", "fc2", "block", "block.0", "block.1", "fc1"]
    modules = list(net.modules())
    assert modules[0] is net and modules[3] is net.block[0] and len(modules) == 6


def test_apply_visits_children_first_then_self():
    net = Net()
    seen = []
    assert net.apply(seen.append) is net
    assert seen == [net.fc2, net.block[0], net.block[1], net.block, net.fc1, net]


def test_train_and_eval_reach_every_submodule_and_switch_dropout():
    model = nn.Sequential(nn.Linear(8, 8), nn.Sequential(nn.Dropout(0.5)))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    x = badak.ones(4, 64)
    np.testing.assert_array_equal(model[1](x).numpy(), x.numpy())
    assert model.train() is model and all(m.training for m in model.modules())
    badak.manual_seed(0)
    assert (model[1](x).numpy() == 0).any()
    model.train(False)
    assert not model[1][0].training


def loss_of(model):
    x = badak.tensor(np.arange(8, dtype=np.float32).reshape(2, 4))
    return (model(x) ** 2).sum()


def test_zero_grad_sets_gradients_to_none_by_default():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    loss_of(model).backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_zero_grad_without_set_to_none_zeroes_the_same_arrays():
    model = nn.Linear(4, 3)
    loss_of(model).backward()
    arrays = [p.grad.numpy() for p in model.parameters()]
    assert any(a.any() for a in arrays)
    model.zero_grad(set_to_none=False)
    assert [p.grad.numpy() for p in model.parameters()] == arrays
    assert all(not p.grad.numpy().any() for p in model.parameters())


def test_double_and_float_cast_parameters_and_gradients_in_place():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    loss_of(model).backward()
    params = list(model.parameters())
    values = [p.numpy().copy() for p in params]
    assert model.double() is model
    assert list(model.parameters()) == params
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in params)
    assert all(p.requires_grad for p in params)
    np.testing.assert_array_equal(params[0].numpy(), values[0].astype(np.float64))
    assert model.float() is model
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in params)
    assert loss_of(model).dtype == np.float32


def test_state_dict_has_dotted_keys_and_shares_memory():
    net = Net()
    state = net.state_dict()
    assert list(state) == names(net)
    for name, parameter in net.named_parameters():
        assert isinstance(state[name], badak.Tensor) and not state[name].requires_grad
        assert state[name].numpy() is parameter.numpy()
    net.fc1.bias.numpy()[0] = 42.0
    assert state["fc1.bias"].numpy()[0] == 42.0


def test_load_state_dict_copies_values_in_place():
    source, target = Net(), Net()
    arrays = {name: p.numpy() for name, p in target.named_parameters()}
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for name, p in target.named_parameters():
        assert p.numpy() is arrays[name]  # the same ndarray, now holding source's values
        np.testing.assert_array_equal(p.numpy(), dict(source.named_parameters())[name].data)
        assert not np.shares_memory(p.numpy(), dict(source.named_parameters())[name].data)


def test_load_state_dict_accepts_arrays_and_keeps_the_parameters_dtype():
    model = nn.Linear(2, 2)
    model.load_state_dict({"weight": np.eye(2), "bias": np.array([1.0, 2.0])})
    assert model.weight.dtype == np.float32
    np.testing.assert_array_equal(model.bias.numpy(), [1.0, 2.0])


def test_load_state_dict_not_strict_reports_missing_and_unexpected_keys():
    model = nn.Sequential(nn.Linear(2, 2))
    state = {"0.weight": np.ones((2, 2)), "extra": np.zeros(1)}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert missing == ["0.bias"] and unexpected == ["extra"]
    np.testing.assert_array_equal(model[0].weight.numpy(), np.ones((2, 2)))


def test_load_state_dict_result_reads_as_pytorchs():
    model = nn.Linear(2, 2)
    assert repr(model.load_state_dict(model.state_dict())) == "<All keys matched successfully>"
    partial = model.load_state_dict({"weight": np.ones((2, 2))}, strict=False)
    assert repr(partial) == "IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])"


def test_load_state_dict_strict_raises_listing_every_problem_and_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 3))
    before = {name: p.numpy().copy() for name, p in model.named_parameters()}
    state = {
        "0.weight": np.full((2, 2), 7.0),  # fine, yet must not be copied
        "1.weight": np.zeros((2, 2)),  # wrong shape
        "1.bias": np.zeros(3),
        "stray.weight": np.zeros(1),
    }  # 0.bias missing
    with pytest.raises(ValueError, match="Sequential") as info:
        model.load_state_dict(state)
    message = str(info.value)
    for piece in ("0.bias", "stray.weight", "1.weight", "(3, 2)", "(2, 2)"):
        assert piece in message
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.numpy(), before[name])


def test_load_state_dict_shape_mismatch_raises_even_when_not_strict():
    model = nn.Linear(2, 2)
    before = model.weight.numpy().copy()
    with pytest.raises(ValueError, match="weight"):
        model.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.ones(2)}, strict=False)
    np.testing.assert_array_equal(model.weight.numpy(), before)
    assert not (model.bias.numpy() == 1).all()


def test_load_state_dict_that_fails_on_a_value_changes_nothing():
    model = nn.Linear(3, 3)
    before = model.weight.numpy().copy()
    state = {"weight": np.zeros((3, 3)), "bias": np.array(["a", "b", "c"])}
    with pytest.raises((ValueError, TypeError)):
        model.load_state_dict(state)
    np.testing.assert_array_equal(model.weight.numpy(), before)


def test_a_detached_parameter_held_by_a_module_is_not_a_parameter():
    class Frozen(nn.Module):
        def __init__(self, source):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.reference = source.weight.detach()  # a plain tensor, as in PyTorch
            self.mask = self.fc.weight > 0

    assert names(Frozen(nn.Linear(2, 2))) == ["fc.weight", "fc.bias"]


def test_forward_not_defined_raises_naming_the_class():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty"):
        Empty()(badak.ones(1))


# --- repr, against PyTorch's text -----------------------------------------------------------
def small_net(nn):
    class SmallNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc2 = nn.Linear(3, 2)
            self.block = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
            self.flat = nn.Flatten()

    return SmallNet()


REPRS = {
    "sequential": (
        lambda: nn.Sequential(nn.Linear(4, 3), nn.ReLU()),
        lambda: torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU()),
    ),
    "linear-no-bias": (lambda: nn.Linear(5, 1, bias=False), lambda: torch.nn.Linear(5, 1, False)),
    "flatten": (lambda: nn.Flatten(), lambda: torch.nn.Flatten()),
    "softmax": (lambda: nn.LogSoftmax(dim=1), lambda: torch.nn.LogSoftmax(dim=1)),
    "nested": (lambda: small_net(nn), lambda: small_net(torch.nn)),
    "dropout": (lambda: nn.Dropout(0.25), lambda: torch.nn.Dropout(0.25)),
}


@pytest.mark.parametrize("case", REPRS)
def test_repr_matches_pytorchs_text(case):
    ours, theirs = REPRS[case]
    assert repr(ours()) == repr(theirs())


# --- Parameter ------------------------------------------------------------------------------
def test_parameter_requires_grad_and_is_a_leaf():
    p = nn.Parameter(np.zeros(3, np.float32))
    assert p.requires_grad and p.is_leaf and isinstance(p, badak.Tensor)
    assert not nn.Parameter(np.zeros(3), requires_grad=False).requires_grad
    assert nn.Parameter([1.0, 2.0]).dtype == np.float32


OPS = {
    "mul": lambda p: p * 2,
    "add": lambda p: p + p,
    "neg": lambda p: -p,
    "matmul": lambda p: p @ p.T,
    "getitem": lambda p: p[0],
    "reshape": lambda p: p.reshape(6),
    "sum": lambda p: p.sum(),
    "detach": lambda p: p.detach(),
    "compare": lambda p: p > 0,
    "argmax": lambda p: p.argmax(),
    "long": lambda p: p.long(),
    "reshape-to-same-shape": lambda p: p.reshape(2, 3),
    "squeeze-nothing": lambda p: p.squeeze(),
}


@pytest.mark.parametrize("op", OPS)
def test_operations_on_a_parameter_give_plain_tensors(op):
    p = nn.Parameter(np.arange(6, dtype=np.float32).reshape(2, 3))
    result = OPS[op](p)
    assert type(result) is badak.Tensor, f"{op} gave a {type(result).__name__}"
    assert result is not p


def test_parameter_repr_starts_like_pytorchs():
    p = nn.Parameter(np.array([1.0, 2.0], np.float32))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert repr(p).startswith("Parameter containing:\ntensor(")
