"""Recurrent layers with PyTorch's arguments, parameter names and shapes: RNN, LSTM, GRU (layers
over a sequence: num_layers, bidirectional, batch_first, dropout between layers) and the one-step
cells RNNCell, LSTMCell, GRUCell. Each layer and direction is one call of
badak.functions.recurrent.recurrent_layer.

Shapes (batch_first=False): input (T, N, I) or unbatched (T, I); h0 (layers * directions, N, H).
Parameters `weight_ih_l{k}[_reverse]` (G*H, I), `weight_hh_l{k}` (G*H, H), `bias_ih_l{k}`,
`bias_hh_l{k}` (G*H,), all uniform in +-1/sqrt(H) as PyTorch starts them.
"""

import math

from badak.device import np
from badak.functions import activation, shape
from badak.functions.recurrent import GATES, recurrent_layer
from badak.nn import init
from badak.nn.module import Module, layer_dtype
from badak.nn.parameter import Parameter
from badak.tensor import Tensor


def _positive_int(name, label, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name}: {label} must be a positive int, got {value!r}")
    return int(value)


class _Recurrent(Module):
    """What the layers and the cells share: the mode, the sizes and the parameters' start."""

    mode = None

    def _make(self, suffix, input_size, bias, dtype):
        gates = GATES[self.mode] * self.hidden_size
        names = [f"weight_ih{suffix}", f"weight_hh{suffix}"]
        shapes = [(gates, input_size), (gates, self.hidden_size)]
        if bias:
            names += [f"bias_ih{suffix}", f"bias_hh{suffix}"]
            shapes += [(gates,), (gates,)]
        for name, param_shape in zip(names, shapes):
            setattr(self, name, Parameter(np.empty(param_shape, dtype)))
        return names

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.hidden_size) if self.hidden_size else 0
        for param in self.parameters():
            init.uniform_(param, -bound, bound)


class RNNBase(_Recurrent):
    """What RNN, LSTM and GRU share, as torch.nn.RNNBase: the stack of layers over a sequence,
    in one or two directions, with dropout between layers while training.

    Args:
        mode: 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.
        input_size: H_in, the features of each step's input.
        hidden_size: H, the features of the hidden state.
        num_layers: layers stacked, each reading the previous one's output.
        bias: whether to hold bias_ih and bias_hh.
        batch_first: input and output (N, L, ...) rather than (L, N, ...).
        dropout: the probability of dropout on each layer's output but the last, in training.
        bidirectional: also run each layer from the last step back, its output concatenated.
        proj_size: 0 only (badak raises NotImplementedError otherwise).
        dtype: the parameters' dtype, float32 by default; `device` must be the CPU.

    forward(input, hx=None) returns (output, h_n), for an LSTM (output, (h_n, c_n)).

    Shape: input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in);
    h_0 (num_layers * num_directions, N, H), or (num_layers * num_directions, H) unbatched,
    zeros when not given (batch_first does not move its N); output (L, N, num_directions * H)
    (N first with batch_first, no N unbatched); h_n shaped as h_0. num_directions is 2 when
    bidirectional, else 1.

    Parameters per layer k (`_reverse` for the second direction): weight_ih_l{k} (G*H, H_in)
    (H_in = num_directions * H past the first layer), weight_hh_l{k} (G*H, H), bias_ih_l{k} and
    bias_hh_l{k} (G*H,), G = 1, 4, 3 gates for RNN, LSTM, GRU; all uniform in +-1/sqrt(H).
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0, device=None,
                 dtype=None):  # fmt: skip
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = _positive_int(name, "input_size", input_size)
        self.hidden_size = _positive_int(name, "hidden_size", hidden_size)
        self.num_layers = _positive_int(name, "num_layers", num_layers)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
            raise TypeError(f"{name}: dropout must be a number, got {type(dropout).__name__}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size is not supported by badak")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bool(bidirectional), 0
        directions = 2 if bidirectional else 1
        dtype = layer_dtype(device, dtype)
        self._layer_names = []
        for layer in range(self.num_layers):
            size = self.input_size if layer == 0 else self.hidden_size * directions
            self._layer_names.append(
                [self._make(f"_l{layer}{suffix}", size, bias, dtype)
                 for suffix in ("", "_reverse")[:directions]]
            )  # fmt: skip
        self.reset_parameters()

    def flatten_parameters(self):
        """Accepted (PyTorch packs cuDNN's weights here); nothing to do on NumPy."""

    def forward(self, input, hx=None):
        name = type(self).__name__
        lstm = self.mode == "LSTM"
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input of 2 or 3 dims, got shape {input.shape}")
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input with {self.input_size} features in its last dim, "
                f"got shape {input.shape}"
            )
        batched = input.ndim == 3
        x = input if batched else shape.unsqueeze(input, 1)
        if batched and self.batch_first:
            x = shape.transpose(x, 0, 1)
        directions = 2 if self.bidirectional else 1
        state_shape = (self.num_layers * directions, x.shape[1], self.hidden_size)
        h0, c0 = self._initial_state(name, hx, state_shape, batched, x.dtype)
        last_h, last_c = [], []
        for layer, layer_names in enumerate(self._layer_names):
            outputs = []
            for direction, names in enumerate(layer_names):
                k = layer * directions + direction
                params = [getattr(self, n) for n in names]
                w_ih, w_hh = params[:2]
                b_ih, b_hh = params[2:] if self.bias else (None, None)
                c = c0[k] if lstm else None
                y, h, c = recurrent_layer(
                    self.mode, x, h0[k], c, w_ih, w_hh, b_ih, b_hh, reverse=direction == 1
                )
                outputs.append(y)
                last_h.append(h)
                last_c.append(c)
            x = outputs[0] if directions == 1 else shape.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = activation.dropout(x, self.dropout, True)
        h_n = shape.stack(last_h)
        if batched and self.batch_first:
            x = shape.transpose(x, 0, 1)
        if not batched:
            x, h_n = shape.squeeze(x, 1), shape.squeeze(h_n, 1)
        if not lstm:
            return x, h_n
        c_n = shape.stack(last_c)
        return x, (h_n, c_n if batched else shape.squeeze(c_n, 1))

    def _initial_state(self, name, hx, state_shape, batched, dtype):
        lstm = self.mode == "LSTM"
        if hx is None:
            zeros = Tensor(np.zeros(state_shape, dtype))
            return zeros, zeros
        if lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"{name}: expected hx as a tuple (h0, c0)")
        states = list(hx) if lstm else [hx, hx]
        for i, state in enumerate(states):
            if not batched:
                state = states[i] = shape.unsqueeze(state, 1)
            if tuple(state.shape) != state_shape:
                raise ValueError(
                    f"{name}: expected hidden state of shape {state_shape}, "
                    f"got {tuple(state.shape)}"
                )
        return states[0], states[1]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity='relu'"
        for name, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                              ("bidirectional", False)):  # fmt: skip
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class RNN(RNNBase):
    """Elman RNN over a sequence, as torch.nn.RNN; nonlinearity 'tanh' (default) or 'relu':

        h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)

    Arguments (input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional)
    as RNNBase's. forward(input, hx=None) returns (output, h_n).

    Shape: input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in);
    h_0 (num_layers * num_directions, N, H), or (num_layers * num_directions, H) unbatched,
    zeros when not given (batch_first does not move its N); output (L, N, num_directions * H)
    (N first with batch_first, no N unbatched); h_n shaped as h_0. num_directions is 2 when
    bidirectional, else 1.
    """

    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory over a sequence, as torch.nn.LSTM; gates in PyTorch's order
    input, forget, cell, output (weight_ih_l0 is (4*H, H_in)).

    Arguments as RNNBase's. forward(input, hx=None), hx a tuple (h_0, c_0), returns
    (output, (h_n, c_n)).

    Shape: input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in);
    h_0 (num_layers * num_directions, N, H), or (num_layers * num_directions, H) unbatched,
    zeros when not given (batch_first does not move its N); output (L, N, num_directions * H)
    (N first with batch_first, no N unbatched); h_n shaped as h_0. num_directions is 2 when
    bidirectional, else 1.
    c_0 and c_n are shaped as h_0.
    """

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit over a sequence, as torch.nn.GRU; gates in PyTorch's order reset,
    update, new (weight_ih_l0 is (3*H, H_in)).

    Arguments as RNNBase's. forward(input, hx=None) returns (output, h_n).

    Shape: input (L, N, H_in), (N, L, H_in) with batch_first, or unbatched (L, H_in);
    h_0 (num_layers * num_directions, N, H), or (num_layers * num_directions, H) unbatched,
    zeros when not given (batch_first does not move its N); output (L, N, num_directions * H)
    (N first with batch_first, no N unbatched); h_n shaped as h_0. num_directions is 2 when
    bidirectional, else 1.
    """

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class _Cell(_Recurrent):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.input_size = _positive_int(name, "input_size", input_size)
        self.hidden_size = _positive_int(name, "hidden_size", hidden_size)
        self.bias = bool(bias)
        self._names = self._make("", self.input_size, bias, layer_dtype(device, dtype))
        self.reset_parameters()

    def _step(self, input, states):
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (1, 2):
            raise ValueError(f"{name}: expected a Tensor input of 1 or 2 dims")
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input with {self.input_size} features, got shape {input.shape}"
            )
        batched = input.ndim == 2
        x = input if batched else shape.unsqueeze(input, 0)
        state_shape = (x.shape[0], self.hidden_size)
        full = []
        for state in states:
            if state is None:
                state = Tensor(np.zeros(state_shape, x.dtype))
            elif not batched:
                state = shape.unsqueeze(state, 0)
            if tuple(state.shape) != state_shape:
                raise ValueError(
                    f"{name}: expected hidden state of shape {state_shape}, got {state.shape}"
                )
            full.append(state)
        params = [getattr(self, n) for n in self._names]
        b_ih, b_hh = params[2:] if self.bias else (None, None)
        c0 = full[1] if len(full) == 2 else None
        _, h, c = recurrent_layer(self.mode, shape.unsqueeze(x, 0), full[0], c0, params[0],
                                  params[1], b_ih, b_hh)  # fmt: skip
        if not batched:
            h = shape.squeeze(h, 0)
            c = None if c is None else shape.squeeze(c, 0)
        return h, c

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(_Cell):
    """One step of an Elman RNN, as torch.nn.RNNCell: h' = tanh(x W_ih^T + b_ih + h W_hh^T +
    b_hh), or relu with nonlinearity='relu'.

    forward(input, hx=None) returns h'; hx is zeros when not given. Parameters weight_ih
    (H, H_in), weight_hh (H, H), bias_ih and bias_hh (H,), uniform in +-1/sqrt(H).

    Shape: input (N, H_in) or unbatched (H_in,); hx and the output (N, H), or (H,) unbatched.
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):  # fmt: skip
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._step(input, [hx])[0]


class LSTMCell(_Cell):
    """One step of an LSTM, as torch.nn.LSTMCell; gates in PyTorch's order input, forget, cell,
    output.

    forward(input, hx=None), hx a tuple (h, c) (zeros when not given), returns (h', c').
    Parameters weight_ih (4*H, H_in), weight_hh (4*H, H), bias_ih and bias_hh (4*H,), uniform
    in +-1/sqrt(H).

    Shape: input (N, H_in) or unbatched (H_in,); h, c, h' and c' (N, H), or (H,) unbatched.
    """

    mode = "LSTM"

    def forward(self, input, hx=None):
        h, c = self._step(input, [None, None] if hx is None else list(hx))
        return h, c


class GRUCell(_Cell):
    """One step of a GRU, as torch.nn.GRUCell; gates in PyTorch's order reset, update, new.

    forward(input, hx=None) returns h'; hx is zeros when not given. Parameters weight_ih
    (3*H, H_in), weight_hh (3*H, H), bias_ih and bias_hh (3*H,), uniform in +-1/sqrt(H).

    Shape: input (N, H_in) or unbatched (H_in,); hx and the output (N, H), or (H,) unbatched.
    """

    mode = "GRU"

    def forward(self, input, hx=None):
        return self._step(input, [hx])[0]
