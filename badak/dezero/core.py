"""DeZero's core (Variable, Function, Config ...) over badak's engine.

Programs written for DeZero ("Deep Learning from Scratch 3") run with `dezero` changed to
`badak.dezero`. Where DeZero and PyTorch differ, this layer follows DeZero: `variable(...)` repr,
NumPy's promotion, integer Variables with integer gradients, a second backward allowed,
`Function.outputs` as weak references, gradients accumulated as `x.grad = x.grad + gx`.
"""

import contextlib

from badak import autograd
from badak.device import np
from badak.tensor import Tensor

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
        return autograd.is_grad_enabled()

    @enable_backprop.setter
    def enable_backprop(cls, value):
        autograd.set_grad_enabled(value)


class Config(metaclass=_ConfigType):
    """DeZero's switches: enable_backprop (record graphs) and train (Dropout, BatchNorm)."""

    train = True


@contextlib.contextmanager
def using_config(name, value):
    """A context in which Config.<name> is `value`, restored on exit, as DeZero's using_config.

    using_config("enable_backprop", False) also turns badak's grad mode off (Config's
    enable_backprop is badak's grad mode); using_config("train", False) puts Dropout and
    BatchNorm in test mode.
    """
    old_value = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, old_value)


def no_grad():
    """A context in which no graph is recorded: using_config("enable_backprop", False), which is
    badak's grad mode off, as DeZero's no_grad."""
    return using_config("enable_backprop", False)


def test_mode():
    """A context in which Config.train is False (dropout the identity, batch_norm on the running
    statistics): using_config("train", False), as DeZero's test_mode."""
    return using_config("train", False)


# ----------------------------------------------------------------------------------------------
# NumPy's promotion, as DeZero's programs met it on NumPy 1
# ----------------------------------------------------------------------------------------------
_NUMPY_2 = int(np.__version__.split(".")[0]) >= 2


def numpy_promotion(arrays, dtype, scalars):
    """The operands cast so that NumPy 2 computes what NumPy 1 computed (Variable's `_promote`).

    NumPy 1 promoted by value: a 0-d operand of the same kind as an array operand took the array's
    dtype (float32 * np.float64(0.5) stayed float32). On NumPy 1 itself only Python numbers need
    casting, to behave as the weak scalars DeZero's code was written against.
    """
    if _NUMPY_2:
        shaped = [a for a in arrays if isinstance(a, np.ndarray) and a.ndim]
        if not shaped or len(shaped) == len(arrays):
            return arrays
        dtype = np.result_type(*shaped)
        return [
            a.astype(dtype)
            if isinstance(a, (np.generic, np.ndarray))
            and a.ndim == 0
            and a.dtype.kind == dtype.kind
            else a
            for a in arrays
        ]
    if not scalars:
        return arrays
    fits = {"f": (int, float), "c": (int, float), "i": (int,), "u": (int,)}.get(dtype.kind, ())
    return [dtype.type(a) if type(a) in fits else a for a in arrays]


# ----------------------------------------------------------------------------------------------
# Variable
# ----------------------------------------------------------------------------------------------
class Variable(Tensor):
    """DeZero's Variable: a badak Tensor that always records, with DeZero's behaviour.

    It overrides Tensor's documented hooks: NumPy's promotion, gradients kept in their own dtype
    and accumulated out of place (`x.grad = x.grad + gx`), `.data` the writable ndarray.
    """

    __array_priority__ = 200
    name = None

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
        return variable

    # --- Tensor's hooks, with DeZero's rules ---------------------------------------------------
    _promote = staticmethod(numpy_promotion)

    @staticmethod
    def _floating(arrays):
        return arrays  # NumPy computes exp of integers in float64, and so does DeZero

    def _grad_dtype(self, dtype):
        return dtype  # integer Variables get integer gradients, float32 ones float64 where so

    def _accumulate_grad(self, grad, fresh=False):
        if self.grad is None:
            if not isinstance(grad, Tensor):
                grad = self._result_type()._from_array(
                    grad if fresh and type(grad) is np.ndarray else np.array(grad)
                )
            self.grad = grad
        else:
            self.grad = self.grad + grad  # a new Variable: the old gradient is never changed

    @property
    def data(self):
        """The ndarray, as in DeZero (None for a parameter not yet initialised)."""
        return None if self._freed else self._data

    @data.setter
    def data(self, value):
        if value is None and self._data is not None:
            # DeZero frees an intermediate's array (linear_simple); backward still needs its
            # shape and dtype, which a broadcast view keeps without the memory.
            self._data = np.broadcast_to(np.zeros((), self._data.dtype), self._data.shape)
            self._freed = True
        else:
            self._data = value
            self._freed = False

    _freed = False

    # DeZero's `x += y` makes a new Variable (NumPy's `x = x + y`), leaving the graph intact.
    def __iadd__(self, other):
        return self + other

    def __isub__(self, other):
        return self - other

    def __imul__(self, other):
        return self * other

    def __itruediv__(self, other):
        return self / other

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
        functions = autograd.backward_order(self.grad_fn) if retain_grad else []
        for function in functions:
            function._output_retained = True
        self.grad = None
        try:
            autograd.run_backward(self, seed if create_graph else seed._data, True, create_graph)
        finally:
            for function in functions:
                function._output_retained = False

    def unchain(self):
        self.grad_fn = None

    def unchain_backward(self):
        """Cut the graph below this variable (truncated backpropagation)."""
        if self.grad_fn is not None:
            for function in autograd.backward_order(self.grad_fn):
                for x in function.inputs:
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
    for fn in reversed(autograd.backward_order(function)):  # inputs' creators first
        generations = [
            0 if x.grad_fn is None else x.grad_fn._generation + 1
            for x in fn.inputs
            if isinstance(x, Tensor)
        ]
        fn._generation = max(generations, default=0)
    return function._generation


def as_array(x, array_module=np):
    """A scalar (a Python or NumPy number) as a 0-d array of array_module (NumPy by default);
    anything else returned as it is, as DeZero's as_array.

    Shape: () for a scalar; otherwise x's own.
    """
    if np.isscalar(x):
        return array_module.array(x)
    return x


def as_variable(obj):
    """obj as a Variable, as DeZero's as_variable: a Variable itself; a badak Tensor's array in a
    new Variable (the memory shared, the graph not); a scalar or an ndarray wrapped (other
    objects, a list included, raise TypeError, as in DeZero).

    Shape: obj's; () for a scalar.
    """
    if isinstance(obj, Variable):
        return obj
    if isinstance(obj, Tensor):
        return Variable(obj.numpy())
    return Variable(as_array(obj))


# ----------------------------------------------------------------------------------------------
# Function
# ----------------------------------------------------------------------------------------------
class Function(autograd.Function):
    """DeZero's Function: forward(*xs) on arrays; backward(*gys) on Variables (self.inputs are
    Variables, self.outputs weak references), returning a Variable, a list or a tuple of them."""

    backward_on_tensors = True

    def __call__(self, *inputs):
        return super().__call__(*(as_variable(x) for x in inputs))

    @property
    def inputs(self):
        return self._inputs

    @property
    def outputs(self):
        """[weak reference to the output], as DeZero's Function keeps them."""
        return [self._output_ref]

    def _gradient_tuple(self, gradients):
        return tuple(gradients) if isinstance(gradients, list) else (gradients,)

    @property
    def generation(self):
        return generation_of(self)


def setup_variable():
    """DeZero installs Variable's operators here; badak's Variable already has them."""
