"""RNN, LSTM, GRU and their cells against torch: outputs, final states, the input's, the initial
states' and every parameter's gradient, in float64 and float32, over num_layers, bidirectional,
batch_first, bias=False and unbatched input; state dicts move both ways; gradient checks."""

import numpy as np
import pytest
import torch

import badak
import badak.nn as nn
from badak.gradcheck import gradcheck

from .helpers import each_dtype
from .module_helpers import compare_modules

RNG = np.random.default_rng(3)

LAYERS = {
    "rnn_tanh_2_layers": ("RNN", dict(num_layers=2)),
    "rnn_relu_bidirectional": ("RNN", dict(nonlinearity="relu", bidirectional=True)),
    "lstm": ("LSTM", {}),
    "lstm_2_layers_bidirectional_batch_first": (
        "LSTM", dict(num_layers=2, bidirectional=True, batch_first=True)
    ),
    "lstm_no_bias": ("LSTM", dict(bias=False)),
    "gru_2_layers_bidirectional": ("GRU", dict(num_layers=2, bidirectional=True)),
    "gru_no_bias_batch_first": ("GRU", dict(bias=False, batch_first=True)),
}  # fmt: skip


def _pair(kind, options, dtype):
    ours = getattr(nn, kind)(3, 4, dtype=dtype, **options)
    return ours, getattr(torch.nn, kind)(3, 4, **options)


@each_dtype
@pytest.mark.parametrize("name", LAYERS)
def test_layers_match_torch(name, dtype):
    ours, theirs = _pair(*LAYERS[name], dtype)
    compare_modules(ours, theirs, [RNG.standard_normal((5, 2, 3))], dtype)


@each_dtype
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_layers_match_torch_with_given_initial_states_and_unbatched_input(kind, dtype):
    ours, theirs = _pair(kind, dict(num_layers=2), dtype)
    h0 = RNG.standard_normal((2, 2, 4))
    x = RNG.standard_normal((6, 2, 3))
    if kind == "LSTM":
        c0 = RNG.standard_normal((2, 2, 4))
        wrap = type(ours)  # the state goes in as a pair: a module that takes it flat

        class Flat(wrap):
            def forward(self, x, h, c):
                return super().forward(x, (h, c))

        class TorchFlat(type(theirs)):
            def forward(self, x, h, c):
                return super().forward(x, (h, c))

        ours.__class__, theirs.__class__ = Flat, TorchFlat
        compare_modules(ours, theirs, [x, h0, c0], dtype)
    else:
        compare_modules(ours, theirs, [x, h0], dtype)
    ours2, theirs2 = _pair(kind, {}, dtype)
    compare_modules(ours2, theirs2, [RNG.standard_normal((4, 3))], dtype)


@each_dtype
@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch(kind, dtype):
    ours = getattr(nn, kind)(3, 4, dtype=dtype)
    theirs = getattr(torch.nn, kind)(3, 4)
    compare_modules(ours, theirs, [RNG.standard_normal((2, 3))], dtype)
    compare_modules(ours, theirs, [RNG.standard_normal(3)], dtype)


def test_state_dicts_have_torchs_keys_in_torchs_order():
    for kind in ("RNN", "LSTM", "GRU"):
        ours = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=True)
        theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        shapes = {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
        assert {k: v.shape for k, v in ours.state_dict().items()} == shapes


def test_parameters_start_uniform_within_one_over_sqrt_hidden():
    lstm = nn.LSTM(10, 25)
    values = np.concatenate([p.numpy().ravel() for p in lstm.parameters()])
    assert values.min() >= -0.2 and values.max() <= 0.2 and values.std() > 0.1


def test_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = badak.tensor(RNG.standard_normal((5, 2, 3)).astype(np.float32))
    lstm.eval()
    first, second = lstm(x)[0].numpy(), lstm(x)[0].numpy()
    np.testing.assert_array_equal(first, second)
    lstm.train()
    assert not np.array_equal(lstm(x)[0].numpy(), first)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_gradients_pass_a_numerical_check(kind):
    layer = getattr(nn, kind)(2, 3, num_layers=2, bidirectional=True, dtype=np.float64)
    x = badak.tensor(RNG.standard_normal((4, 2, 2)), requires_grad=True)
    assert gradcheck(lambda x: layer(x)[0], x)
    w = layer.weight_hh_l0_reverse
    assert gradcheck(lambda w: layer(x.detach())[0], w)


def test_bad_input_is_refused_naming_the_layer():
    lstm = nn.LSTM(3, 4)
    with pytest.raises(ValueError, match="^LSTM: expected input with 3 features"):
        lstm(badak.ones(5, 2, 4))
    with pytest.raises(ValueError, match="^LSTM: expected hidden state of shape"):
        lstm(badak.ones(5, 2, 3), (badak.zeros(1, 3, 4), badak.zeros(1, 3, 4)))
    with pytest.raises(ValueError, match="^GRU: hidden_size must be a positive int"):
        nn.GRU(3, 0)
