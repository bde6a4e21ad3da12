"""DeZero's layers: Layer, Linear, Conv2d, Deconv2d, RNN, LSTM, EmbedID, BatchNorm.

A Layer's parameters are the Parameters and sub-Layers it holds as attributes, found by walking
its attributes in the order they were assigned (no `__setattr__` hook). Weights are drawn from
NumPy's global RNG, as DeZero draws them, and most wait for the first forward to learn their
input size. Weights are saved to `.npz` under DeZero's names ("l0/W", "conv1_1/b"), never with
pickle.
"""

import os
import weakref

from badak.checkpoint import atomic_write
from badak.device import np
from badak.dezero import functions as F
from badak.dezero import utils
from badak.dezero.core import Parameter
from badak.dezero.functions_conv import conv2d, deconv2d


def _scaled_randn(shape, dtype, variance):
    """randn(*shape) from NumPy's global RNG, cast to `dtype`, times sqrt(variance).

    The scale is cast to `dtype` too: DeZero multiplied by a float64 `np.sqrt(...)`, which NumPy 1
    cast to the array's float32 and NumPy 2 would promote to float64.
    """
    dtype = np.dtype(dtype)
    return np.random.randn(*shape).astype(dtype) * dtype.type(np.sqrt(variance))  # noqa: NPY002


def _ref(x):
    """A weak reference to x, or, for what cannot be weakly referenced (numbers), a stand-in."""
    try:
        return weakref.ref(x)
    except TypeError:
        return lambda: x


# ----------------------------------------------------------------------------------------------
# Layer
# ----------------------------------------------------------------------------------------------
class Layer:
    """A differentiable building block that owns Parameters and sub-Layers.

    `layer(*inputs)` calls `forward` and keeps weak references to its inputs and outputs in
    `layer.inputs` and `layer.outputs`, as DeZero does.
    """

    def __call__(self, *inputs):
        outputs = self.forward(*inputs)
        if not isinstance(outputs, tuple):
            outputs = (outputs,)
        self.inputs = [_ref(x) for x in inputs]
        self.outputs = [_ref(y) for y in outputs]
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def _named_params(self, prefix=""):
        """(DeZero's flattened name, Parameter) for each Parameter, in assignment order."""
        for name, value in vars(self).items():
            key = f"{prefix}/{name}" if prefix else name
            if isinstance(value, Layer):
                yield from value._named_params(key)
            elif isinstance(value, Parameter):
                yield key, value

    def params(self):
        """The Parameters held directly or in sub-Layers (uninitialised ones included)."""
        for _, param in self._named_params():
            yield param

    def cleargrads(self):
        for param in self.params():
            param.cleargrad()

    def to_cpu(self):
        for param in self.params():
            param.to_cpu()
        return self

    def to_gpu(self):
        raise RuntimeError("to_gpu: badak.dezero runs on the CPU (CuPy is not supported yet)")

    def _flatten_params(self, params_dict, parent_key=""):
        """Fill `params_dict` with {"l0/W": Parameter, ...}, DeZero's names for save_weights."""
        params_dict.update(self._named_params(parent_key))

    def save_weights(self, path):
        """Write the initialised Parameters to `path` with np.savez_compressed, atomically.

        As np.savez_compressed does, ".npz" is appended to a path that lacks it.
        """
        self.to_cpu()
        params_dict = {}
        self._flatten_params(params_dict)
        arrays = {key: p.data for key, p in params_dict.items() if p.data is not None}
        for key, array in arrays.items():
            if array.dtype.hasobject:
                raise TypeError(f"save_weights: {key} is an object array; badak never pickles")
        path = os.fspath(path)
        if not path.endswith(".npz"):
            path += ".npz"
        atomic_write(path, lambda file: np.savez_compressed(file, **arrays))

    def load_weights(self, path):
        """Set each Parameter from the array of its name in `path` (never unpickling anything).

        Every initialised Parameter must be in the file, with its shape; entries the layer does
        not have are ignored. Nothing is changed unless everything can be loaded.
        """
        params_dict = {}
        self._flatten_params(params_dict)
        arrays = {}
        with np.load(path, allow_pickle=False) as npz:
            for key, param in params_dict.items():
                if key not in npz.files:
                    if param.data is None:  # uninitialised both here and when saved
                        continue
                    raise KeyError(f"load_weights: {os.fspath(path)!r} has no array {key!r}")
                try:
                    array = npz[key]
                except ValueError:
                    raise ValueError(
                        f"load_weights: {key!r} in {os.fspath(path)!r} is an object array, "
                        "which only pickle could load; badak never unpickles"
                    ) from None
                if param.data is not None and array.shape != param.data.shape:
                    raise ValueError(
                        f"load_weights: {key!r} has shape {array.shape} in the file, "
                        f"the layer's is {param.data.shape}"
                    )
                arrays[key] = array
        for key, array in arrays.items():
            params_dict[key].data = array


# ----------------------------------------------------------------------------------------------
# Linear / Conv2d / Deconv2d
# ----------------------------------------------------------------------------------------------
class Linear(Layer):
    """y = x @ W + b, with W of shape (in_size, out_size).

    With in_size None, W is None until the first forward, then randn(in_size, out_size) times
    sqrt(1 / in_size), from NumPy's global RNG.
    """

    def __init__(self, out_size, nobias=False, dtype=np.float32, in_size=None):
        super().__init__()
        self.in_size = in_size
        self.out_size = out_size
        self.dtype = dtype
        self.W = Parameter(None, name="W")
        if self.in_size is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_size, dtype=dtype), name="b")

    def _init_W(self, xp=np):
        I, O = self.in_size, self.out_size
        self.W.data = _scaled_randn((I, O), self.dtype, 1 / I)

    def forward(self, x):
        if self.W.data is None:
            self.in_size = x.shape[1]
            self._init_W()
        return F.linear(x, self.W, self.b)


class _ConvLayer(Layer):
    """What Conv2d and Deconv2d share: arguments, a lazily drawn W, the bias."""

    def __init__(
        self, out_channels, kernel_size, stride=1, pad=0, nobias=False, dtype=np.float32,
        in_channels=None,
    ):  # fmt: skip
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.pad = pad
        self.dtype = dtype
        self.W = Parameter(None, name="W")
        if in_channels is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_channels, dtype=dtype), name="b")

    def _init_W(self, xp=np):
        C, OC = self.in_channels, self.out_channels
        KH, KW = utils.pair(self.kernel_size)
        self.W.data = _scaled_randn(
            self._weight_shape(C, OC, KH, KW), self.dtype, 1 / (C * KH * KW)
        )

    def forward(self, x):
        if self.W.data is None:
            self.in_channels = x.shape[1]
            self._init_W()
        return self._function(x, self.W, self.b, self.stride, self.pad)


class Conv2d(_ConvLayer):
    """2-D convolution; W of shape (out_channels, in_channels, KH, KW), drawn as randn times
    sqrt(1 / (in_channels * KH * KW)), at the first forward when in_channels is None.

    Input (N, C, H, W) -> output (N, out_channels, OH, OW).
    """

    _function = staticmethod(conv2d)

    @staticmethod
    def _weight_shape(C, OC, KH, KW):
        return (OC, C, KH, KW)


class Deconv2d(_ConvLayer):
    """2-D transposed convolution; W of shape (in_channels, out_channels, KH, KW)."""

    _function = staticmethod(deconv2d)

    @staticmethod
    def _weight_shape(C, OC, KH, KW):
        return (C, OC, KH, KW)


# ----------------------------------------------------------------------------------------------
# RNN / LSTM
# ----------------------------------------------------------------------------------------------
class RNN(Layer):
    """Elman RNN: h = tanh(x @ Wx + bx + h_prev @ Wh), the state kept until reset_state().

    Input (N, in_size) -> output (N, hidden_size). With in_size None, the weights are drawn at
    the first steps that use them, as in DeZero.
    """

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        self.x2h = Linear(hidden_size, in_size=in_size)
        # DeZero gives h2h in_size here, which only works when in_size == hidden_size;
        # h2h's input is the hidden state, so hidden_size is what it means.
        self.h2h = Linear(
            hidden_size, in_size=None if in_size is None else hidden_size, nobias=True
        )
        self.h = None

    def reset_state(self):
        self.h = None

    def forward(self, x):
        if self.h is None:
            h_new = F.tanh(self.x2h(x))
        else:
            h_new = F.tanh(self.x2h(x) + self.h2h(self.h))
        self.h = h_new
        return h_new


class LSTM(Layer):
    """LSTM with DeZero's gates: forget f, input i, output o and candidate u.

        c = f * c_prev + i * u,   h = o * tanh(c)

    each gate a Linear of x (with bias) plus a Linear of h_prev (without). Input (N, in_size)
    -> output (N, hidden_size); the state (h, c) is kept until reset_state().
    """

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        H, I = hidden_size, in_size
        self.x2f = Linear(H, in_size=I)
        self.x2i = Linear(H, in_size=I)
        self.x2o = Linear(H, in_size=I)
        self.x2u = Linear(H, in_size=I)
        self.h2f = Linear(H, in_size=H, nobias=True)
        self.h2i = Linear(H, in_size=H, nobias=True)
        self.h2o = Linear(H, in_size=H, nobias=True)
        self.h2u = Linear(H, in_size=H, nobias=True)
        self.reset_state()

    def reset_state(self):
        self.h = None
        self.c = None

    def forward(self, x):
        if self.h is None:
            f = F.sigmoid(self.x2f(x))
            i = F.sigmoid(self.x2i(x))
            o = F.sigmoid(self.x2o(x))
            u = F.tanh(self.x2u(x))
        else:
            f = F.sigmoid(self.x2f(x) + self.h2f(self.h))
            i = F.sigmoid(self.x2i(x) + self.h2i(self.h))
            o = F.sigmoid(self.x2o(x) + self.h2o(self.h))
            u = F.tanh(self.x2u(x) + self.h2u(self.h))
        c_new = i * u if self.c is None else f * self.c + i * u
        h_new = o * F.tanh(c_new)
        self.h, self.c = h_new, c_new
        return h_new


# ----------------------------------------------------------------------------------------------
# EmbedID / BatchNorm
# ----------------------------------------------------------------------------------------------
class EmbedID(Layer):
    """Rows of W (in_size, out_size) looked up by integer ids: W[x]; a repeated id receives
    the sum of its gradients. W is float64 randn, as DeZero draws it.

    Shape: ids (*) -> (*, out_size).
    """

    def __init__(self, in_size, out_size):
        super().__init__()
        self.W = Parameter(np.random.randn(in_size, out_size), name="W")  # noqa: NPY002

    def forward(self, x):
        return self.W[x]


class BatchNorm(Layer):
    """Batch normalisation over the batch (and, for (N, C, H, W), the spatial positions).

    In training (Config.train) it normalises with the batch's statistics and updates the
    running averages avg_mean / avg_var; in test mode it uses those averages. All four arrays are
    created at the first forward, with the input's dtype, and saved by save_weights.
    """

    def __init__(self):
        super().__init__()
        # avg_mean and avg_var are Parameters so that save_weights keeps them; they never get
        # a gradient, so optimizers leave them alone
        self.avg_mean = Parameter(None, name="avg_mean")
        self.avg_var = Parameter(None, name="avg_var")
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")

    def _init_params(self, x):
        D, dtype = x.shape[1], x.dtype
        if self.avg_mean.data is None:
            self.avg_mean.data = np.zeros(D, dtype=dtype)
        if self.avg_var.data is None:
            self.avg_var.data = np.ones(D, dtype=dtype)
        if self.gamma.data is None:
            self.gamma.data = np.ones(D, dtype=dtype)
        if self.beta.data is None:
            self.beta.data = np.zeros(D, dtype=dtype)

    def forward(self, x):
        if self.avg_mean.data is None:
            self._init_params(x)
        return F.batch_norm(x, self.gamma, self.beta, self.avg_mean.data, self.avg_var.data)
