"""badak.nn layers: Linear, Sequential, ModuleList, MLP, Flatten, activations, Dropout."""

import math

import numpy as np
import pytest

import badak
from badak import nn


def values(shape, seed=0, dtype=np.float32):
    return badak.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype))


# --- Linear ---------------------------------------------------------------------------------
def test_linear_init_is_uniform_within_one_over_sqrt_in_features():
    layer = nn.Linear(100, 400)
    bound = 1 / math.sqrt(100)
    for p, n in ((layer.weight, 40_000), (layer.bias, 400)):
        assert p.dtype == np.float32 and p.requires_grad and p.numpy().size == n
        assert np.abs(p.numpy()).max() <= np.float32(bound)  # rounding is monotonic
        assert p.numpy().min() < -0.95 * bound and p.numpy().max() > 0.95 * bound
    # U(-b, b): mean 0, variance b**2 / 3
    assert abs(layer.weight.numpy().mean()) < 0.02 * bound
    assert layer.weight.numpy().var() == pytest.approx(bound**2 / 3, rel=0.03)
    assert np.histogram(layer.weight.numpy(), bins=4, range=(-bound, bound))[0].min() > 9000


def test_linear_init_repeats_after_manual_seed_and_differs_without():
    badak.manual_seed(7)
    a = nn.Linear(5, 3)
    badak.manual_seed(7)
    b = nn.Linear(5, 3)
    c = nn.Linear(5, 3)
    for name in ("weight", "bias"):
        np.testing.assert_array_equal(getattr(a, name).numpy(), getattr(b, name).numpy())
        assert not np.array_equal(getattr(b, name).numpy(), getattr(c, name).numpy())
    d = nn.Linear(5, 3, generator=np.random.default_rng(1))
    e = nn.Linear(5, 3, generator=np.random.default_rng(1))
    np.testing.assert_array_equal(d.weight.data, e.weight.numpy())


def test_linear_forward_is_x_times_weight_transposed_plus_bias():
    layer = nn.Linear(4, 3, dtype=np.float64)
    x = values((5, 4), dtype=np.float64)
    y = layer(x)
    assert y.shape == (5, 3) and y.dtype == np.float64
    np.testing.assert_allclose(
        y.numpy(), x.numpy() @ layer.weight.numpy().T + layer.bias.numpy(), rtol=1e-14
    )


def test_linear_takes_any_leading_dims():
    layer = nn.Linear(4, 3)
    x = values((2, 5, 4), seed=1)
    y = layer(x)
    assert y.shape == (2, 5, 3)
    expected = x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6, atol=1e-7)
    y.sum().backward()
    np.testing.assert_allclose(layer.bias.grad.numpy(), np.full(3, 10.0), rtol=1e-6)


def test_linear_without_bias():
    layer = nn.Linear(4, 3, bias=False)
    assert layer.bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    x = values((2, 4))
    np.testing.assert_allclose(layer(x).numpy(), x.numpy() @ layer.weight.numpy().T, rtol=1e-6)


def test_linear_weight_is_out_by_in_stored_in_f_order_and_its_gradient_too():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.weight.numpy().flags.f_contiguous
    layer(values((5, 4))).sum().backward()
    assert layer.weight.grad.numpy().flags.f_contiguous
    expected = np.tile(values((5, 4)).numpy().sum(0), (3, 1))
    np.testing.assert_allclose(layer.weight.grad.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("args", [(0, 3), (4, 0), (-1, 3)])
def test_linear_rejects_sizes_below_one_naming_the_class(args):
    with pytest.raises(ValueError, match="^Linear: .*features"):
        nn.Linear(*args)


@pytest.mark.parametrize("args", [(2.0, 3), (True, 3), ("4", 3), (4, None)])
def test_linear_rejects_sizes_that_are_not_ints_naming_the_class(args):
    with pytest.raises((TypeError, ValueError), match="^Linear: "):
        nn.Linear(*args)


# --- containers -----------------------------------------------------------------------------
def test_sequential_indexing_length_and_iteration():
    layers = [nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    with pytest.raises(IndexError):
        model[3]
    x = values((2, 4))
    expected = layers[2](layers[1](layers[0](x)))
    np.testing.assert_array_equal(model(x).numpy(), expected.numpy())
    assert len(nn.Sequential()) == 0
    np.testing.assert_array_equal(nn.Sequential()(x).numpy(), x.numpy())


def test_sequential_slice_is_a_sequential_as_in_pytorch():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    x = values((2, 4))
    np.testing.assert_array_equal(head(x).numpy(), model[1](model[0](x)).data)


def test_sequential_rejects_a_non_module_naming_the_class():
    with pytest.raises(TypeError, match=r"^Sequential: .*function"):
        nn.Sequential(nn.Linear(2, 2), badak.tanh)


def test_module_list_append_and_parameter_discovery():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 3)])
            self.layers.append(nn.ReLU()).append(nn.Linear(3, 1))

    stack = Stack()
    assert len(stack.layers) == 3 and isinstance(stack.layers[2], nn.Linear)
    assert list(stack.state_dict()) == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
    ]  # fmt: skip
    assert [type(m).__name__ for m in stack.layers] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(TypeError, match="^ModuleList: "):
        stack.layers.append(lambda x: x)


def test_mlp_structure():
    mlp = nn.MLP(4, [16, 8], 3)
    assert isinstance(mlp, nn.Sequential)
    assert [type(m).__name__ for m in mlp] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    sizes = [(m.in_features, m.out_features) for m in mlp if isinstance(m, nn.Linear)]
    assert sizes == [(4, 16), (16, 8), (8, 3)]
    assert list(mlp.state_dict())[::2] == ["0.weight", "2.weight", "4.weight"]
    assert mlp(values((5, 4))).shape == (5, 3)


@pytest.mark.parametrize(
    "name, cls", [("relu", nn.ReLU), ("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh)]
)
def test_mlp_activation_names(name, cls):
    mlp = nn.MLP(2, [3, 3], 1, activation=name)
    assert [type(m) for m in mlp][1::2] == [cls, cls]


def test_mlp_without_hidden_layers_is_one_linear():
    mlp = nn.MLP(4, [], 3)
    assert len(mlp) == 1 and isinstance(mlp[0], nn.Linear)
    assert (mlp[0].in_features, mlp[0].out_features) == (4, 3)


def test_mlp_dropout_follows_each_activation():
    mlp = nn.MLP(4, [8, 8], 2, dropout=0.3)
    kinds = [type(m).__name__ for m in mlp]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert all(m.p == 0.3 for m in mlp if isinstance(m, nn.Dropout))
    mlp.eval()
    x = values((3, 4))
    np.testing.assert_array_equal(mlp(x).numpy(), mlp(x).numpy())


def test_mlp_rejects_an_unknown_activation():
    with pytest.raises(ValueError, match="^MLP: .*'foo'"):
        nn.MLP(4, [8], 3, activation="foo")


# --- shape and activation layers ------------------------------------------------------------
def test_flatten_keeps_the_batch_dim_by_default():
    x = values((2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0)(x).shape == (120,)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    np.testing.assert_array_equal(nn.Flatten()(x).numpy(), x.numpy().reshape(2, 60))


def test_identity_returns_its_input():
    x = values((2, 3))
    assert nn.Identity()(x) is x


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_normalise_along_their_dim(dim):
    x = values((3, 4), dtype=np.float64)
    p = nn.Softmax(dim=dim)(x).numpy()
    np.testing.assert_allclose(p.sum(axis=dim), 1.0, rtol=1e-14)
    np.testing.assert_allclose(nn.LogSoftmax(dim=dim)(x).numpy(), np.log(p), rtol=1e-12)


def test_softmax_defaults_to_the_last_dim():
    x = values((3, 4), dtype=np.float64)
    np.testing.assert_array_equal(nn.Softmax()(x).numpy(), nn.Softmax(dim=1)(x).numpy())


def test_elementwise_activation_layers():
    x = values((3, 4), dtype=np.float64)
    np.testing.assert_array_equal(nn.ReLU()(x).numpy(), np.maximum(x.numpy(), 0))
    np.testing.assert_allclose(nn.Tanh()(x).numpy(), np.tanh(x.numpy()), rtol=1e-14)
    np.testing.assert_allclose(nn.Sigmoid()(x).numpy(), 1 / (1 + np.exp(-x.numpy())), rtol=1e-14)


# --- Dropout --------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_rejects_a_p_outside_zero_one(p):
    with pytest.raises(ValueError, match="^Dropout: p must be a probability"):
        nn.Dropout(p)


@pytest.mark.parametrize("p", [True, "0.5", None])
def test_dropout_rejects_a_p_that_is_not_a_number(p):
    with pytest.raises((TypeError, ValueError), match="^Dropout: "):
        nn.Dropout(p)


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_dropout_zeroes_about_p_and_scales_the_rest(p):
    badak.manual_seed(3)
    x = badak.tensor(np.random.default_rng(0).uniform(1, 2, (200, 500)), requires_grad=True)
    y = nn.Dropout(p)(x)
    zeroed = y.numpy() == 0
    assert zeroed.mean() == pytest.approx(p, abs=0.01)
    np.testing.assert_allclose(y.numpy()[~zeroed], x.numpy()[~zeroed] / (1 - p), rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(zeroed, 0.0, 1 / (1 - p)), rtol=1e-15)


def test_dropout_keeps_float32():
    y = nn.Dropout(0.5)(badak.ones(10, 10))
    assert y.dtype == np.float32
    assert set(np.unique(y.numpy())) <= {0.0, 2.0}


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero():
    x = values((50, 50))
    layer = nn.Dropout(0.9).eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    np.testing.assert_array_equal(nn.Dropout(0.0)(x).numpy(), x.numpy())
    assert not nn.Dropout(1.0)(x).numpy().any()


def test_dropout_mask_repeats_after_manual_seed():
    x = badak.ones(20, 20)
    badak.manual_seed(11)
    a = nn.Dropout()(x).numpy()
    badak.manual_seed(11)
    b = nn.Dropout()(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, nn.Dropout()(x).numpy())


def test_identity_takes_and_ignores_arguments_as_pytorchs():
    x = badak.tensor([1.0, 2.0])
    assert nn.Identity(54, unused=True)(x) is x


@pytest.mark.parametrize("layer, shape", [(nn.Dropout, (8,)), (nn.Dropout2d, (1, 8, 2, 2))])
def test_dropout_in_place_writes_into_its_input_while_training(layer, shape):
    x = badak.ones(*shape)
    y = layer(0.5, inplace=True)(x)
    assert y is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    assert "inplace=True" in repr(layer(0.5, inplace=True))


def test_group_norm_refuses_zero_groups():
    with pytest.raises(ValueError, match="GroupNorm: num_groups must be a positive int, got 0"):
        nn.GroupNorm(0, 4)


@pytest.mark.parametrize(
    "make",
    [
        lambda device: nn.LSTM(3, 4, device=device),
        lambda device: nn.GRUCell(3, 4, device=device),
        lambda device: nn.MultiheadAttention(8, 2, device=device),
    ],
)
def test_recurrent_and_attention_layers_check_their_device(make):
    make("cpu")
    with pytest.raises(RuntimeError, match="cannot compute on 'cuda'"):
        make("cuda")
