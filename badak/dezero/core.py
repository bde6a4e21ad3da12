"""DeZero's core (Variable, Function, Config ...) over badak's engine.

Programs written for DeZero ("Deep Learning from Scratch 3") run with `dezero` changed to
`badak.dezero`. Where DeZero and PyTorch differ, this layer follows DeZero: `variable(...)` repr,
NumPy's promotion, integer Variables with integer gradients, a second backward allowed,
`Function.outputs` as weak references, gradients accumulated as `x.grad = x.grad + gx`.
"""

import contextlib

from badak.backend import np
from badak.engine import (
    Function as _EngineFunction,
)
from badak.engine import (
    Tensor,
    _GradMode,
    _run_backward,
    _topological_order,
)

try:  # DeZero accepts CuPy arrays where CuPy is installed
    import cupy

    array_types = (np.ndarray, cupy.ndarray)
except ImportError:
    array_types = (np.ndarray,)


# ----------------------------------------------------------------------------------------------
# Config
# ----------------------------------------------------------------------------------------------
class _ConfigType(type):
    """Config.enable_backprop reads and sets badak's grad mode, so both layers agree."""

    @property
    def enable_backprop(cls):
        return _GradMode.enabled

    @enable_backprop.setter
    def enable_backprop(cls, value):
        _GradMode.enabled = bool(value)


class Config(metaclass=_ConfigType):
    """DeZero's switches: enable_backprop (record graphs) and train (Dropout, BatchNorm)."""

    train = True


@contextlib.contextmanager
def using_config(name, value):
    old_value = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, old_value)


def no_grad():
    return using_config("enable_backprop", False)


def test_mode():
    return using_config("train", False)


# ----------------------------------------------------------------------------------------------
# Variable
# ----------------------------------------------------------------------------------------------
class Variable(Tensor):
    """DeZero's Variable: a badak Tensor that always records, with DeZero's behaviour."""

    _dezero_rules = True
    __array_priority__ = 200

    def __init__(self, data, name=None):
        if data is not None and not isinstance(data, array_types):
            raise TypeError(f"{type(data)} is not supported")
        self._init(data)
        self.requires_grad = True
        self.name = name

    @classmethod
    def _from_array(cls, data):
        variable = super()._from_array(data)
        variable.requires_grad = True
        variable.name = None
        return variable

    # --- DeZero's attributes ------------------------------------------------------------------
    @property
    def creator(self):
        return self.grad_fn

    @creator.setter
    def creator(self, func):
        self.grad_fn = func

    def set_creator(self, func):
        self.grad_fn = func

    @property
    def generation(self):
        return 0 if self.grad_fn is None else generation_of(self.grad_fn) + 1

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        if self.data is None:
            return "variable(None)"
        return "variable(" + str(self.data).replace("\n", "\n" + " " * 9) + ")"

    __eq__ = object.__eq__  # DeZero compares Variables by identity
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    # --- gradients ----------------------------------------------------------------------------
    def cleargrad(self):
        self.grad = None

    def backward(self, retain_grad=False, create_graph=False):
        """DeZero's backward: the seed is self.grad or ones of any shape; the graph stays, so a
        second backward works; intermediate gradients are kept only with retain_grad."""
        seed = self.grad if self.grad is not None else Variable(np.ones_like(self.data))
        if self.grad_fn is None:
            self.grad = seed
            return
        functions = _topological_order(self.grad_fn) if retain_grad else []
        for function in functions:
            function._output_retained = True
        self.grad = None
        try:
            _run_backward(self, seed if create_graph else seed.data, True, create_graph)
        finally:
            for function in functions:
                function._output_retained = False

    def unchain(self):
        self.grad_fn = None

    def unchain_backward(self):
        """Cut the graph below this variable (truncated backpropagation)."""
        if self.grad_fn is not None:
            for function in _topological_order(self.grad_fn):
                for x in function._inputs:
                    if isinstance(x, Tensor):
                        x.grad_fn = None
            self.grad_fn = None

    # --- DeZero's methods ---------------------------------------------------------------------
    def reshape(self, *shape):
        from badak.dezero import functions

        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return functions.reshape(self, shape)

    def transpose(self, *axes):
        from badak.dezero import functions

        if len(axes) == 0:
            axes = None
        elif len(axes) == 1 and (isinstance(axes[0], (tuple, list)) or axes[0] is None):
            axes = axes[0]
        return functions.transpose(self, axes)

    @property
    def T(self):
        from badak.dezero import functions

        return functions.transpose(self)

    def sum(self, axis=None, keepdims=False):
        from badak.dezero import functions

        return functions.sum(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        from badak.dezero import functions

        return functions.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        from badak.dezero import functions

        return functions.min(self, axis, keepdims)

    def dot(self, other):
        from badak.dezero import functions

        return functions.matmul(self, other)

    def __getitem__(self, index):
        from badak.dezero import functions

        return functions.get_item(self, index)

    def to_cpu(self):
        return self

    def to_gpu(self):
        raise RuntimeError("to_gpu: badak.dezero runs on the CPU (CuPy is not supported yet)")


class Parameter(Variable):
    """A Variable that a Layer owns; operations on it give plain Variables."""

    _result_class = Variable


def generation_of(function):
    """DeZero's generation: 1 + the latest generation among the function's inputs."""
    known = getattr(function, "_generation", None)
    if known is not None:
        return known
    for fn in reversed(_topological_order(function)):  # inputs' creators first
        generations = [
            0 if x.grad_fn is None else x.grad_fn._generation + 1
            for x in fn._inputs
            if isinstance(x, Tensor)
        ]
        fn._generation = max(generations, default=0)
    return function._generation


def as_array(x, array_module=np):
    if np.isscalar(x):
        return array_module.array(x)
    return x


def as_variable(obj):
    if isinstance(obj, Variable):
        return obj
    if isinstance(obj, Tensor):
        return Variable(obj.data)
    return Variable(as_array(obj))


# ----------------------------------------------------------------------------------------------
# Function
# ----------------------------------------------------------------------------------------------
class Function(_EngineFunction):
    """DeZero's Function: forward(*xs) on arrays; backward(*gys) on Variables (self.inputs are
    Variables, self.outputs weak references), returning a Variable or a tuple of them."""

    _tensor_backward = True

    def __call__(self, *inputs):
        return super().__call__(*(as_variable(x) for x in inputs))

    @property
    def inputs(self):
        return self._inputs

    @property
    def generation(self):
        return generation_of(self)


def setup_variable():
    """DeZero installs Variable's operators here; badak's Variable already has them."""
