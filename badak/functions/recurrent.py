"""Recurrent layers over a whole sequence, one graph node per layer and direction: the Elman RNN
(tanh or relu), LSTM and GRU, with PyTorch's gate order and formulas.

The input's part of every gate is one matrix product for the whole sequence before the loop; the
loop does the hidden state's product (the hidden weight packed once for all steps, where MKL is
used: blas.products_with) and the gates of one step (in one compiled call for float32 LSTM and
GRU with the `fast` extra: kernels.recurrent_numba). Backward runs the loop in reverse
(backpropagation through time) and forms the weight gradients as single products over all
steps. Gradients of gradients are not available through these layers.

Shapes: x (T, N, I), h0 and c0 (N, H), w_ih (G*H, I), w_hh (G*H, H), biases (G*H,), with G the
number of gates (1, 4 or 3). The result is y (T, N, H) with, for an LSTM, c_T appended as a
(T + 1)-th row: one output, sliced by the caller.
"""

from badak.autograd import Function
from badak.device import np
from badak.kernels import blas, compiled
from badak.tensor import Tensor


def _sigmoid(x):
    out = np.negative(x)
    np.exp(out, out=out)
    out += 1
    return np.reciprocal(out, out=out)


class _Elman:
    gates = 1

    def __init__(self, relu):
        self.relu = relu

    def step(self, xw, h, product, saved):
        pre = xw + product(h)
        h = np.maximum(pre, 0) if self.relu else np.tanh(pre)
        saved.append(h)
        return h

    def back_step(self, t, dh, dy, dc, saved, hidden, product, dxw, dhw):
        """Step t back, with dh + dy reaching h_t: its gate gradient into dxw[t] (= dhw[t]);
        returns (dh_{t-1}, None)."""
        h = saved[t]
        dh = dh + dy
        dxw[t] = dh * (h > 0) if self.relu else dh * (1 - h * h)
        return product(dxw[t]), None


class _LSTM:
    gates = 4

    def step(self, xw, state, product, saved):
        h, c = state
        g = xw + product(h)
        size = h.shape[-1]
        i, f, o = (_sigmoid(g[:, k * size : (k + 1) * size]) for k in (0, 1, 3))
        cell = np.tanh(g[:, 2 * size : 3 * size])
        c_prev = c
        c = f * c_prev + i * cell
        tanh_c = np.tanh(c)
        h = o * tanh_c
        saved.append((i, f, cell, o, c_prev, tanh_c))
        return h, c

    def back_step(self, t, dh, dy, dc, saved, hidden, product, dxw, dhw):
        """Step t back: the four gates' gradients into dxw[t] (= dhw[t]); returns (dh, dc)."""
        i, f, cell, o, c_prev, tanh_c = saved[t]
        size = dh.shape[-1]
        dh = dh + dy
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        g = dxw[t]
        g[:, :size] = dc * cell * i * (1 - i)
        g[:, size : 2 * size] = dc * c_prev * f * (1 - f)
        g[:, 2 * size : 3 * size] = dc * i * (1 - cell * cell)
        g[:, 3 * size :] = dh * tanh_c * o * (1 - o)
        return product(g), dc * f


class _CompiledLSTM(_LSTM):
    """The same step with its gates in one compiled pass (float32, the `fast` extra)."""

    def __init__(self, kernels):
        self.kernels = kernels

    def step(self, xw, state, product, saved):
        h_prev, c_prev = state
        gates = product(h_prev)  # the kernel turns it into the gates
        c, tanh_c, h = (np.empty_like(c_prev) for _ in range(3))
        self.kernels.lstm_step(xw, gates, c_prev, c, tanh_c, h)
        saved.append((gates, c_prev, tanh_c))
        return h, c

    def back_step(self, t, dh, dy, dc, saved, hidden, product, dxw, dhw):
        gates, c_prev, tanh_c = saved[t]
        # dc is backward's own array (a copy of c_T's gradient at first): updated in place
        self.kernels.lstm_step_backward(gates, c_prev, tanh_c, dh, dy, dc, dxw[t])
        return product(dxw[t]), dc


class _GRU:
    gates = 3

    def __init__(self, b_hh=None):
        self.b_hh = b_hh  # the hidden state's bias, inside r * (...)

    def step(self, xw, h, product, saved):
        hw = product(h)
        hw += self.b_hh
        size = h.shape[-1]
        r = _sigmoid(xw[:, :size] + hw[:, :size])
        z = _sigmoid(xw[:, size : 2 * size] + hw[:, size : 2 * size])
        hw_n = hw[:, 2 * size :]
        n = np.tanh(xw[:, 2 * size :] + r * hw_n)
        saved.append((r, z, n, hw_n))
        return n + z * (h - n)

    def back_step(self, t, dh, dy, dc, saved, hidden, product, dxw, dhw):
        """Step t back: the input's and the hidden state's parts of the gates' gradients into
        dxw[t] and dhw[t] (they differ in the candidate gate); returns (dh, None)."""
        r, z, n, hw_n = saved[t]
        size = dh.shape[-1]
        dh = dh + dy
        dn = dh * (1 - z) * (1 - n * n)
        dr = dn * hw_n * r * (1 - r)
        dz = dh * (hidden[t] - n) * z * (1 - z)
        dxw[t, :, :size] = dhw[t, :, :size] = dr
        dxw[t, :, size : 2 * size] = dhw[t, :, size : 2 * size] = dz
        dxw[t, :, 2 * size :] = dn
        dhw[t, :, 2 * size :] = dn * r
        return dh * z + product(dhw[t]), None


class _CompiledGRU(_GRU):
    """The same step with its gates in one compiled pass (float32, the `fast` extra)."""

    def __init__(self, b_hh, kernels):
        super().__init__(b_hh)
        self.kernels = kernels

    def step(self, xw, h_prev, product, saved):
        hw = product(h_prev)
        hw += self.b_hh
        rows, size = h_prev.shape
        gates, h = np.empty((rows, 4 * size), hw.dtype), np.empty_like(h_prev)
        self.kernels.gru_step(xw, hw, h_prev, gates, h)
        saved.append(gates)
        return h

    def back_step(self, t, dh, dy, dc, saved, hidden, product, dxw, dhw):
        dh_prev = np.empty_like(dh)
        self.kernels.gru_step_backward(saved[t], hidden[t], dh, dy, dxw[t], dhw[t], dh_prev)
        dh_prev += product(dhw[t])
        return dh_prev, None


GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _cell(mode, dtype, b_hh):
    """The cell that runs `mode`'s steps: compiled where the `fast` extra is there (float32)."""
    kernels = compiled("recurrent_numba") if dtype == np.float32 else None
    if mode == "LSTM":
        return _LSTM() if kernels is None else _CompiledLSTM(kernels)
    if mode == "GRU":
        return _GRU(b_hh) if kernels is None else _CompiledGRU(b_hh, kernels)
    return _Elman(relu=mode == "RNN_RELU")


class RecurrentLayer(Function):
    """One layer, one direction, over the whole sequence (see the module's docstring)."""

    def forward(self, *arrays, mode, reverse):
        self.mode, self.reverse = mode, reverse
        lstm = mode == "LSTM"
        x, h0 = arrays[0], arrays[1]
        c0 = arrays[2] if lstm else None
        w_ih, w_hh, b_ih, b_hh = arrays[-4:]
        self.cell = cell = _cell(mode, x.dtype, b_hh)
        if reverse:
            x = x[::-1]
        steps, batch, size = x.shape[0], x.shape[1], h0.shape[-1]
        xw = blas.matmul(x.reshape(steps * batch, -1), w_ih.T).reshape(steps, batch, -1)
        # LSTM and the Elman RNN add both biases to every gate; GRU keeps b_hh's candidate part
        # inside r * (...), so its b_hh goes with the hidden state's product.
        if mode == "GRU":
            xw += b_ih
        else:
            xw += b_ih + b_hh
        out = np.empty((steps + lstm, batch, size), xw.dtype)
        saved = []
        state = (h0, c0) if lstm else h0
        product = blas.products_with(w_hh.T, batch)  # h (N, H) -> h W_hh^T, W_hh packed once
        for t in range(steps):
            state = cell.step(xw[t], state, product, saved)
            out[t] = state[0] if lstm else state
        if lstm:
            out[steps] = state[1]
        self.saved, self.x = saved, x
        if reverse:
            out[:steps] = out[:steps][::-1].copy()
        return out

    def backward(self, grad):
        if isinstance(grad, Tensor):
            raise NotImplementedError(
                f"{self.mode}: gradients of gradients through a recurrent layer are not supported"
            )
        lstm = self.mode == "LSTM"
        arrays = self._arrays
        h0 = arrays[1]
        w_ih, w_hh = arrays[-4], arrays[-3]
        x, saved = self.x, self.saved
        steps, batch = x.shape[0], x.shape[1]
        size = h0.shape[-1]
        dy = grad[:steps]
        if self.reverse:
            dy = dy[::-1]
        gates = GATES[self.mode]
        dxw = np.empty((steps, batch, gates * size), grad.dtype)  # the input part of each gate
        dhw = dxw if self.mode != "GRU" else np.empty_like(dxw)  # the hidden state's part
        hidden = self._hidden_states(h0)
        dh = np.zeros_like(h0)
        dc = grad[steps].copy() if lstm else None
        product = blas.products_with(w_hh, batch)  # d_gates (N, G H) -> d_gates W_hh
        for t in range(steps - 1, -1, -1):
            dh, dc = self.cell.back_step(t, dh, dy[t], dc, saved, hidden, product, dxw, dhw)
        flat_dxw = dxw.reshape(steps * batch, -1)
        flat_dhw = dhw.reshape(steps * batch, -1)
        need = self.needs_input_grad
        dx = None
        if need[0]:
            dx = blas.matmul(flat_dxw, w_ih).reshape(x.shape)
            dx = dx[::-1] if self.reverse else dx
        result = [dx, dh if need[1] else None]
        if lstm:
            result.append(dc if need[2] else None)
        d_ih = blas.matmul(flat_dxw.T, x.reshape(steps * batch, -1)) if need[-4] else None
        d_hh = (
            blas.matmul(flat_dhw.T, hidden[:steps].reshape(steps * batch, -1)) if need[-3] else None
        )
        db_ih = flat_dxw.sum(axis=0) if need[-2] else None
        if need[-1]:  # the same sum as db_ih but for GRU's candidate gate
            db_hh = db_ih.copy() if dhw is dxw and db_ih is not None else flat_dhw.sum(axis=0)
        else:
            db_hh = None
        self.saved = self.x = self.cell = None
        return (*result, d_ih, d_hh, db_ih, db_hh)

    def _hidden_states(self, h0):
        """h_0 .. h_T in processing order, (T + 1, N, H)."""
        out = self._output_data
        steps = self.x.shape[0]
        ys = out[:steps][::-1] if self.reverse else out[:steps]
        return np.concatenate([h0[None], ys])

    saves_output = True


def recurrent_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """One layer in one direction: (y (T, N, H), h_T, c_T or None)."""
    if np.shape(x)[0] == 0:
        raise ValueError(
            f"{mode}: expected a sequence of at least one step, got shape {np.shape(x)}"
        )
    size = np.shape(h0)[-1]
    gates = GATES[mode]
    if b_ih is None:  # bias=False: constant zeros, no gradient
        b_ih = b_hh = np.zeros(gates * size, np.result_type(np.asarray(w_ih._data).dtype))
    inputs = (x, h0, c0) if mode == "LSTM" else (x, h0)
    out = RecurrentLayer()(*inputs, w_ih, w_hh, b_ih, b_hh, mode=mode, reverse=reverse)
    steps = np.shape(x)[0]
    y = out[:steps]
    last = out[0] if reverse else out[steps - 1]
    return y, last, (out[steps] if mode == "LSTM" else None)
