"""Layers: Linear, containers (Sequential, ModuleList, MLP), Flatten, Identity, activations,
Dropout. Each is a Module whose forward calls the matching function."""

import math

from badak.device import np
from badak.functions import activation, linalg, pointwise, shape
from badak.functions.einsum import einsum
from badak.nn import init
from badak.nn.module import Module, layer_dtype
from badak.nn.parameter import Parameter


class Linear(Module):
    """y = x @ weight.T + bias. Shapes: x (..., in_features) -> (..., out_features).

    weight (out_features, in_features) and bias (out_features,) start uniform in
    +-1/sqrt(in_features), PyTorch's default, drawn from badak's generator.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None, *,
                 generator=None):  # fmt: skip
        super().__init__()
        dtype = layer_dtype(device, dtype)
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"Linear: {name} must be an int, got {type(value).__name__}")
            if value < 1:
                raise ValueError(f"Linear: {name} must be positive, got {value}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        bound = 1 / math.sqrt(in_features)
        # Stored as the transpose of an (in, out) array, as Keras keeps a Dense kernel: x @ W.T
        # then reads W.T row by row, and that product is 10-20% faster in OpenBLAS than one with
        # a transposed operand. The values and the shape are PyTorch's (out, in).
        self.weight = Parameter(np.empty((in_features, out_features), dtype).T)
        init.uniform_(self.weight, -bound, bound, generator=generator)
        self.bias = None
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype))
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x):
        return linalg.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class _Container(Module):
    """Modules held under the names "0", "1", ... (state_dict `0.weight`), indexable."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(
                f"{type(self).__name__}: expected a Module, got a {type(module).__name__}"
            )
        setattr(self, str(len(self)), module)
        return self

    def __getitem__(self, index):
        children = list(self.children())
        if isinstance(index, slice):  # model[:-1] is a container too, as in PyTorch
            return type(self)._from_modules(children[index])
        return children[index]

    @classmethod
    def _from_modules(cls, modules):
        container = cls.__new__(cls)
        _Container.__init__(container, modules)
        return container

    def __len__(self):
        return sum(1 for _ in self.children())

    def __iter__(self):
        return iter(list(self.children()))


class Sequential(_Container):
    """Modules applied in order: Sequential(Linear(4, 8), ReLU(), Linear(8, 3)), or named by an
    OrderedDict of name -> Module (state_dict `fc1.weight`). As torch.nn.Sequential.

    Shape: forward takes one input, as the first module takes it, and returns what the last
    module gives (each module's output is the next one's input); Sequential(Linear(4, 8),
    ReLU(), Linear(8, 3)) maps (N, 4) to (N, 3). An empty Sequential returns its input.
    """

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], dict):
            super().__init__()
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            super().__init__(modules)

    def forward(self, x):
        for module in self.children():
            x = module(x)
        return x


class ModuleList(_Container):
    """A list of Modules whose parameters the parent finds (state_dict `layers.0.weight`), as
    torch.nn.ModuleList: indexing, slicing (a ModuleList), len, iteration, append and extend.

    Shape: none of its own; it has no forward, and the parent calls each module on the shapes
    that module takes.
    """

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __repr__(self):
        """As PyTorch prints it: a run of modules that print alike as `(0-2): 3 x Layer(...)`."""
        runs = []  # [first index, last index, repr]
        for i, module in enumerate(self):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        if not runs:
            return "ModuleList()"
        lines = [f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}"
                 for a, b, text in runs]  # fmt: skip
        body = "\n".join("  " + line.replace("\n", "\n  ") for line in lines)
        return f"ModuleList(\n{body}\n)"


class ModuleDict(Module):
    """Modules under names, as a dict whose parameters the parent finds (`heads.cls.weight`), as
    torch.nn.ModuleDict: [], in, del, len, iteration over the names, keys, values, items, update.

    Shape: none of its own; it has no forward, and the parent calls each module on the shapes
    that module takes.
    """

    def __init__(self, modules=None):
        super().__init__()
        self.update(modules or {})

    def update(self, modules):
        for name, module in dict(modules).items():
            self[name] = module

    def __setitem__(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict: expected a Module, got a {type(module).__name__}")
        self.add_module(name, module)

    def __getitem__(self, name):
        return dict(self.named_children())[name]

    def __delitem__(self, name):
        delattr(self, name)

    def __contains__(self, name):
        return name in dict(self.named_children())

    def __len__(self):
        return len(dict(self.named_children()))

    def __iter__(self):
        return iter(dict(self.named_children()))

    def keys(self):
        return dict(self.named_children()).keys()

    def values(self):
        return dict(self.named_children()).values()

    def items(self):
        return dict(self.named_children()).items()


class Unflatten(Module):
    """Split dim into unflattened_size: (N, 12) -> (N, 3, 4) for Unflatten(1, (3, 4))."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x):
        dim = self.dim % x.ndim
        return shape.reshape(x, x.shape[:dim] + self.unflattened_size + x.shape[dim + 1 :])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Bilinear(Module):
    """y = x1^T W x2 + b: (..., in1) and (..., in2) -> (..., out), weight (out, in1, in2) and bias
    (out,) uniform in +-1/sqrt(in1), as PyTorch starts them."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):  # fmt: skip
        super().__init__()
        dtype = layer_dtype(device, dtype)
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        bound = 1 / math.sqrt(in1_features)
        self.weight = Parameter(np.empty((out_features, in1_features, in2_features), dtype))
        init.uniform_(self.weight, -bound, bound)
        self.bias = None
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype))
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x1, x2):
        y = einsum("...i,oij,...j->...o", x1, self.weight, x2)
        return y if self.bias is None else y + self.bias

    def extra_repr(self):
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged, as torch.nn.Identity (a placeholder for a layer); any
    arguments are accepted and ignored, as there, so that it can stand in for another layer.

    Shape: input (*), output (*), the same tensor.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge dims start_dim..end_dim into one (by default all but the batch dim), as
    torch.nn.Flatten.

    Shape: input (N, *), output (N, prod(*)) by default; in general the dims start_dim..end_dim
    are replaced by their product.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return shape.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class ReLU(Module):
    """max(x, 0), elementwise; inplace=True writes the result into x. As torch.nn.ReLU.

    Shape: input (*), output (*), the same shape.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return activation.relu(x, self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x, elementwise; inplace=True writes the result into
    x. As torch.nn.LeakyReLU.

    Shape: input (*), output (*), the same shape.
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return activation.leaky_relu(x, self.negative_slope, self.inplace)


class ELU(Module):
    """x where x > 0, else alpha * (exp(x) - 1), elementwise, for floating x; inplace=True writes
    the result into x. As torch.nn.ELU.

    Shape: input (*), output (*), the same shape.
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, x):
        return activation.elu(x, self.alpha, self.inplace)


class SiLU(Module):
    """x * sigmoid(x) (swish), elementwise. As torch.nn.SiLU; `inplace` is accepted and
    ignored (the result is a new tensor).

    Shape: input (*), output (*), the same shape.
    """

    def __init__(self, inplace=False):
        super().__init__()

    def forward(self, x):
        return activation.silu(x)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta elementwise, and x itself where beta * x > threshold, for
    floating x. As torch.nn.Softplus.

    Shape: input (*), output (*), the same shape.
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return activation.softplus(x, self.beta, self.threshold)


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise. As torch.nn.Sigmoid.

    Shape: input (*), output (*), the same shape.
    """

    def forward(self, x):
        return activation.sigmoid(x)


class Tanh(Module):
    """The hyperbolic tangent, elementwise. As torch.nn.Tanh.

    Shape: input (*), output (*), the same shape.
    """

    def forward(self, x):
        return activation.tanh(x)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`, computed stably, for floating x: each slice along dim
    sums to 1. As torch.nn.Softmax, but dim defaults to -1 (torch's None picks a dim from the
    input's number of dims, with a warning).

    Shape: input (*), output (*), the same shape.
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return activation.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along `dim` (-1 by default), computed stably, for floating x. As
    torch.nn.LogSoftmax, but dim defaults to -1 (torch's None picks one, with a warning).

    Shape: input (*), output (*), the same shape.
    """

    def forward(self, x):
        return activation.log_softmax(x, self.dim)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF, elementwise (approximate="tanh": PyTorch's
    tanh formula). As torch.nn.GELU.

    Shape: input (*), output (*), the same shape.
    """

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return pointwise.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Dropout(Module):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) while training;
    the identity in eval mode. The mask comes from badak's generator (badak.manual_seed).

    As torch.nn.Dropout: with `inplace=True` the result is written into the input while
    training.

    Shape: input (*), output (*), the same shape.
    """

    function = staticmethod(activation.dropout)

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise TypeError(f"Dropout: p must be a number, got {type(p).__name__}")
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p, self.inplace = p, inplace

    def forward(self, x):
        return self.function(x, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) with probability p while training."""

    function = staticmethod(activation.dropout2d)


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "gelu": GELU}


class MLP(Sequential):
    """Linear layers with an activation between them: in -> hidden... -> out.

    MLP(4, [16, 16], 3) is Sequential(Linear(4, 16), ReLU(), Linear(16, 16), ReLU(),
    Linear(16, 3)); hidden=[] is a single Linear (softmax regression with cross_entropy).
    activation is 'relu', 'sigmoid', 'tanh' or 'gelu'; dropout > 0 puts a Dropout after each
    activation.

    Shape: input (*, in_features), output (*, out_features).
    """

    def __init__(
        self, in_features, hidden, out_features, activation="relu", dropout=0.0, generator=None
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"MLP: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        sizes = [in_features, *hidden, out_features]
        layers = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(fan_in, fan_out, generator=generator))
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[activation]())
                if dropout:
                    layers.append(Dropout(dropout))
        super().__init__(*layers)
        self.activation = activation
