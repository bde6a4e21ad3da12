"""Tensor, Function and reverse-mode differentiation.

A Function's `forward` works on arrays. Its `backward(grad)` returns one gradient per positional
input and is written once, with operators and badak functions that take arrays or Tensors alike:
when no graph of the backward is wanted the engine hands it arrays (fast), under
`create_graph=True` it hands it Tensors, so the same formula gives gradients of gradients.
"""

import functools
import weakref

from badak.backend import np


# ----------------------------------------------------------------------------------------------
# Grad mode
# ----------------------------------------------------------------------------------------------
class _GradMode:
    enabled = True


def is_grad_enabled():
    """True when operations record a graph for backward."""
    return _GradMode.enabled


class _GradModeContext:
    """Sets grad mode for a `with` block or, used as a decorator, for each call of a function.

    Works as `@no_grad()` and, as in PyTorch, as a bare `@no_grad`.
    """

    mode = None

    def __new__(cls, func=None, *args):
        self = super().__new__(cls)
        return self(func) if callable(func) else self

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        _GradMode.enabled = self._previous
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with type(self)():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator under which no graph is recorded."""

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator that turns graph recording back on."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Sets grad mode now (as PyTorch's does); as a context manager, restores it on exit."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = _GradMode.enabled
        _GradMode.enabled = self.mode

    def __enter__(self):
        return self

    def __call__(self, func):
        _GradMode.enabled = self._previous  # as a decorator it applies per call, not now

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self.mode):
                return func(*args, **kwargs)

        return wrapper


# ----------------------------------------------------------------------------------------------
# Conversion of Python values
# ----------------------------------------------------------------------------------------------
def _default_array(value, dtype=None):
    """Array from Python data as `badak.tensor` makes it: floats float32, ints int64."""
    if isinstance(value, np.ndarray):
        return value if dtype is None else value.astype(dtype, copy=False)
    if isinstance(value, np.generic):
        return np.asarray(value, dtype=dtype)
    array = np.asarray(value, dtype=dtype)
    if dtype is None:
        if array.dtype.kind == "f":
            array = array.astype(np.float32)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        elif array.dtype.kind not in "bc":
            raise TypeError(f"tensor: expected numbers, got data of dtype {array.dtype}")
    return array


def _is_scalar(value):
    return type(value) in _PYTHON_SCALARS or isinstance(value, np.generic)


def _with_scalars_cast(arrays, dtype):
    """Scalars take the tensor's dtype, as in PyTorch; a float scalar with an integer or bool
    tensor makes the operation float32 (PyTorch's default dtype), and an int scalar with a bool
    tensor int64."""
    scalars = [a for a in arrays if _is_scalar(a)]
    if not scalars:
        return arrays
    if dtype.kind in "biu" and any(np.asarray(a).dtype.kind == "f" for a in scalars):
        dtype = np.dtype(np.float32)
        return [
            dtype.type(a) if _is_scalar(a) else a.astype(dtype) if a.dtype.kind in "biu" else a
            for a in arrays
        ]
    if dtype.kind == "b" and any(np.asarray(a).dtype.kind in "iu" for a in scalars):
        dtype = np.dtype(np.int64)
    return [dtype.type(a) if _is_scalar(a) else a for a in arrays]


_PYTHON_SCALARS = (int, float, bool)
# NumPy 2 treats Python scalars as weak (NEP 50): float32 * 2.0 stays float32 without a cast.
# NumPy 1 promotes 0-d arrays by value, so there every scalar is cast to the tensor's dtype.
_NUMPY_2 = int(np.__version__.split(".")[0]) >= 2
_SCALARS_NEED_CAST = not _NUMPY_2


def _weak_scalars(arrays, dtype):
    """Python numbers take the tensor's dtype where their kind fits it (NumPy 2's NEP 50)."""
    fits = {"f": (int, float), "c": (int, float), "i": (int,), "u": (int,)}.get(dtype.kind, ())
    return [dtype.type(a) if type(a) in fits else a for a in arrays]


def _numpy1_promotion(arrays):
    """NumPy 1's value-based rule, which DeZero's programs relied on: a 0-d operand of the same
    kind as an array operand takes the array's dtype (float32 * np.float64(0.5) stays float32)."""
    shaped = [a for a in arrays if isinstance(a, np.ndarray) and a.ndim]
    if not shaped or len(shaped) == len(arrays):
        return arrays
    dtype = np.result_type(*shaped)
    return [
        a.astype(dtype)
        if isinstance(a, (np.generic, np.ndarray)) and a.ndim == 0 and a.dtype.kind == dtype.kind
        else a
        for a in arrays
    ]


# ----------------------------------------------------------------------------------------------
# Function
# ----------------------------------------------------------------------------------------------
class Function:
    """One differentiable operation: `forward` on arrays, `backward` written once for both paths.

    Positional arguments are the inputs that may receive a gradient; keyword arguments are
    parameters (`dim`, `target`) that never do. Called with no Tensor among its inputs, a Function
    computes on the arrays and returns an array: that is how backward formulas run on the fast path.
    """

    saves_output = False  # True where backward reads `self.output`
    # False only while the engine runs a backward that wants arrays; outside backward `inputs`
    # and `output` are the Tensors, as a reader of the graph expects.
    _graph_backward = True
    _tensor_backward = False  # True: backward always gets Tensors (badak.dezero's Functions)
    # True where backward's arrays are new and kept by no one (so a leaf may own one as its .grad
    # without a copy); by default the engine copies, since a backward may return one array for
    # several inputs, a read-only view, or something it still holds.
    fresh_gradients = False
    _output_retained = False  # set by Tensor.retain_grad on the output's creator
    # Set when the call is recorded: `needs_input_grad`, one bool per positional input, tells
    # backward which gradients to compute.

    def __call__(self, *args, **kwargs):
        # One pass over the arguments: Tensors give arrays; Python scalars take the first
        # Tensor's dtype (it may come after them, as in `2 - x`). This runs for every operation,
        # so it is written for speed: no helper calls on the common path.
        arrays = []
        needs_input_grad = []
        tensor = None
        scalars = False
        for arg in args:
            if isinstance(arg, Tensor):
                if tensor is None:
                    tensor = arg
                arrays.append(arg.data)
                needs_input_grad.append(arg.requires_grad)
            else:
                if type(arg) in _PYTHON_SCALARS:
                    scalars = scalars or _SCALARS_NEED_CAST
                elif isinstance(arg, np.generic):  # NumPy scalars are not weak: always cast
                    scalars = True
                arrays.append(arg)
                needs_input_grad.append(False)
        if tensor is None:
            return self.forward(*args, **kwargs)
        if tensor._dezero_rules:
            if _NUMPY_2 and len(arrays) > 1:
                arrays = _numpy1_promotion(arrays)
            elif scalars:  # NumPy 1: Python scalars made weak, as NumPy 2 (NEP 50) has them
                arrays = _weak_scalars(arrays, tensor.data.dtype)
        elif scalars or (len(arrays) > 1 and tensor.data.dtype.kind not in "fc"):
            arrays = _with_scalars_cast(arrays, tensor.data.dtype)

        out = self.forward(*arrays, **kwargs)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        tensor_type = tensor._result_class or type(tensor)
        result = tensor_type.__new__(tensor_type)
        result.data = out
        result.grad = None
        if _GradMode.enabled and True in needs_input_grad:
            result.requires_grad = True
            result.grad_fn = self
            self._inputs = args
            self._arrays = arrays
            self.needs_input_grad = needs_input_grad
            self._output_ref = weakref.ref(result)
            if self.saves_output:
                self._output_data = out
        else:
            result.requires_grad = False
            result.grad_fn = None
        return result

    def forward(self, *arrays, **params):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @property
    def inputs(self):
        """The inputs as backward should use them: arrays, or Tensors under create_graph."""
        return self._inputs if self._graph_backward else self._arrays

    @property
    def outputs(self):
        """[weak reference to the output], as DeZero's Function keeps them."""
        return [self._output_ref]

    @property
    def output(self):
        """The output as backward should use it: an array, or a Tensor under create_graph."""
        if not self._graph_backward:
            return self._output_data
        output = self._output_ref()
        if output is None:  # dropped by the caller: stand in a Tensor with the same creator
            output = Tensor._from_function(self._output_data, self)
        return output

    def name(self):
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"


# ----------------------------------------------------------------------------------------------
# Backward
# ----------------------------------------------------------------------------------------------
_FREED_MESSAGE = (
    "backward: trying to backward through the graph a second time, but its saved values were "
    "freed by the first backward; pass retain_graph=True to the first backward"
)


def _topological_order(root):
    """Functions reachable from `root`, each before every function that produced its inputs.

    Depth-first post-order, reversed; a function is expanded once, when first popped.
    """
    order = []
    visited = set()
    stack = [root]
    while stack:
        fn = stack.pop()
        if fn is None:  # marker: everything below the function on top of `order` is done
            order.append(stack.pop())
            continue
        if fn in visited:
            continue
        visited.add(fn)
        inputs = fn._inputs
        if inputs is None:
            raise RuntimeError(_FREED_MESSAGE)
        stack.append(fn)
        stack.append(None)
        for arg in inputs:
            if isinstance(arg, Tensor) and arg.grad_fn is not None and arg.grad_fn not in visited:
                stack.append(arg.grad_fn)
    order.reverse()
    return order


def _accumulate(tensor, grad, fresh=False):
    """Add `grad` into `tensor.grad`; the first gradient is copied so that it is tensor's own,
    unless it is `fresh` (new, writable, and held by no one else)."""
    if isinstance(grad, Tensor):
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif tensor.grad is None:
        dtype = grad.dtype if tensor._dezero_rules else tensor.data.dtype
        if not (fresh and type(grad) is np.ndarray and grad.dtype == dtype):
            grad = np.array(grad, dtype=dtype, copy=True)
        tensor.grad = tensor._result_type()._from_array(grad)
    elif tensor.grad.requires_grad or tensor._dezero_rules:
        tensor.grad = tensor.grad + grad
    else:
        tensor.grad.data += grad


def _tensor_like(fn, array):
    """`array` as a Tensor of the class fn's inputs give their results (Variable in dezero)."""
    first = next(arg for arg in fn._inputs if isinstance(arg, Tensor))
    return first._result_type()._from_array(np.asarray(array))


def _checked(fn, tensor, grad):
    """The gradient for `tensor` from `fn.backward`, shape checked and cast to the tensor's dtype
    (DeZero's Variables keep the gradient's own dtype, as DeZero does)."""
    if grad.shape != tensor.data.shape:
        raise RuntimeError(
            f"{fn.name()}: backward returned a gradient of shape {tuple(grad.shape)} "
            f"for an input of shape {tuple(tensor.data.shape)}"
        )
    if grad.dtype != tensor.data.dtype and not tensor._dezero_rules:
        grad = (
            grad.to(tensor.data.dtype)
            if isinstance(grad, Tensor)
            else grad.astype(tensor.data.dtype)
        )
    return grad


def _run_backward(root, gradient, retain_graph, create_graph):
    if root.grad_fn is None:
        _accumulate(root, gradient)
        return
    order = _topological_order(root.grad_fn)
    grads = {root.grad_fn: gradient}
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    try:
        for fn in order:
            grad = grads.pop(fn, None)
            if grad is not None:
                _backward_step(fn, grad, grads, create_graph)
            if not retain_graph:  # drop what backward saved: a second backward here raises
                fn.__dict__.clear()
                fn._inputs = None
    finally:
        _GradMode.enabled = previous_mode


def _backward_step(fn, grad, grads, create_graph):
    """Run fn.backward and route each input's gradient to its creator or into its `.grad`."""
    if fn._output_retained:
        output = fn._output_ref()
        if output is not None:
            _accumulate(output, grad)
    inputs = fn._inputs
    if create_graph or fn._tensor_backward:
        if not isinstance(grad, Tensor):
            grad = _tensor_like(fn, grad)
        input_grads = fn.backward(grad)
    else:
        fn._graph_backward = False
        input_grads = fn.backward(grad)
        fn._graph_backward = True
    if type(input_grads) is not tuple:  # DeZero-style functions return a lone gradient
        input_grads = tuple(input_grads) if isinstance(input_grads, list) else (input_grads,)
    if len(input_grads) != len(inputs):
        raise RuntimeError(
            f"{fn.name()}: backward returned {len(input_grads)} gradients for {len(inputs)} inputs"
        )
    fresh = fn.fresh_gradients
    for arg, needed, input_grad in zip(inputs, fn.needs_input_grad, input_grads):
        if input_grad is None or not needed:
            continue
        data = arg.data  # None where a program freed it (DeZero's linear_simple does)
        if data is not None and (input_grad.shape != data.shape or input_grad.dtype != data.dtype):
            input_grad = _checked(fn, arg, input_grad)
        creator = arg.grad_fn
        if creator is None:
            _accumulate(arg, input_grad, fresh)
        else:
            previous = grads.get(creator)
            grads[creator] = input_grad if previous is None else previous + input_grad


# ----------------------------------------------------------------------------------------------
# Tensor
# ----------------------------------------------------------------------------------------------
class Tensor:
    """An n-dimensional array that records the operations applied to it for backward.

    `Tensor(data)` wraps an ndarray without copying (Python data is converted as by
    `badak.tensor`); `requires_grad=True` needs a floating dtype.
    """

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator
    # badak.dezero's Variable follows DeZero where DESIGN.md lists it: integer Variables with
    # integer gradients, NumPy's promotion for Python scalars, x.grad = x.grad + gx (a new
    # array, never an in-place update of the old gradient).
    _dezero_rules = False
    _result_class = None  # the class of an operation's result; None: the input's own class

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        self._init(_default_array(data, dtype))
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, data):
        self.data = data
        self.grad = None
        self.requires_grad = False
        self.grad_fn = None

    @classmethod
    def _from_array(cls, data):
        tensor = cls.__new__(cls)
        tensor._init(data)
        return tensor

    @classmethod
    def _from_function(cls, data, fn):
        tensor = cls._from_array(data)
        tensor.requires_grad = True
        tensor.grad_fn = fn
        return tensor

    # --- autograd -------------------------------------------------------------------------
    @property
    def is_leaf(self):
        return self.grad_fn is None

    def requires_grad_(self, requires_grad=True):
        """Set whether this leaf records operations for backward; returns self."""
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad_: only leaf tensors can change requires_grad; use detach() first"
            )
        if requires_grad and not self._dezero_rules and self.data.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad_: only floating-point tensors can require gradients, "
                f"got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        if not self.is_leaf:
            self.grad_fn._output_retained = True

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf), weighted by `gradient`, into every leaf's `.grad`.

        Args:
            gradient: the upstream gradient, shaped like self; may be omitted for one element.
            retain_graph: keep the graph for another backward (defaults to `create_graph`).
            create_graph: record the backward itself, so that gradients can be differentiated.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: the tensor does not require grad and has no grad_fn")
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: gradient can be omitted only for a one-element tensor, "
                    f"got shape {self.shape}"
                )
            gradient = np.ones_like(self.data) if self.data.ndim else np.array(1, self.data.dtype)
        elif isinstance(gradient, Tensor):
            gradient = gradient if create_graph else gradient.data
        else:
            gradient = np.asarray(gradient, dtype=self.data.dtype)
        if tuple(gradient.shape) != self.data.shape:
            raise RuntimeError(
                f"backward: gradient has shape {tuple(gradient.shape)}, "
                f"expected the tensor's shape {self.shape}"
            )
        if create_graph and not isinstance(gradient, Tensor):
            gradient = type(self)._from_array(gradient)
        if retain_graph is None:
            retain_graph = create_graph
        _run_backward(self, gradient, retain_graph, create_graph)

    def detach(self):
        """A tensor sharing this one's data, outside any graph."""
        return self._result_type()._from_array(self.data)

    def _result_type(self):
        """The class of an operation's result on this tensor (a Parameter's is Tensor)."""
        return self._result_class or type(self)

    def clone(self):
        return F.clone(self)

    def zero_(self):
        self.data[...] = 0
        return self

    # --- array protocol -------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def T(self):
        return F.permute(self, tuple(range(self.data.ndim - 1, -1, -1)))

    def dim(self):
        return self.data.ndim

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self):
        return self.data.size

    def numpy(self):
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: the tensor has {self.data.size} elements, expected 1")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy is False and dtype is not None and np.dtype(dtype) != self.data.dtype:
            raise ValueError(f"__array__: copy=False, but {self.dtype} -> {dtype} needs a copy")
        if dtype is not None:
            return self.data.astype(dtype, copy=bool(copy))
        return self.data.copy() if copy else self.data

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(
                f"bool: a tensor with {self.data.size} elements has no single truth value"
            )
        return bool(self.data)

    __hash__ = object.__hash__

    def __repr__(self):
        from badak._format import format_tensor

        return format_tensor(self)

    # --- dtype conversion -----------------------------------------------------------------
    def to(self, dtype):
        return F.cast(self, np.dtype(dtype))

    def type(self, dtype):
        return self.to(dtype)

    def float(self):
        return F.cast(self, np.dtype(np.float32))

    def double(self):
        return F.cast(self, np.dtype(np.float64))

    def half(self):
        return F.cast(self, np.dtype(np.float16))

    def long(self):
        return F.cast(self, np.dtype(np.int64))

    def int(self):
        return F.cast(self, np.dtype(np.int32))

    def bool(self):
        return F.cast(self, np.dtype(np.bool_))

    # --- operators ------------------------------------------------------------------------
    def __add__(self, other):
        return F.add(self, other)

    def __radd__(self, other):
        return F.add(other, self)

    def __sub__(self, other):
        return F.sub(self, other)

    def __rsub__(self, other):
        return F.sub(other, self)

    def __mul__(self, other):
        return F.mul(self, other)

    def __rmul__(self, other):
        return F.mul(other, self)

    def __truediv__(self, other):
        return F.div(self, other)

    def __rtruediv__(self, other):
        return F.div(other, self)

    def __pow__(self, exponent):
        return F.pow(self, exponent)

    def __rpow__(self, base):
        return F.pow(base, self)

    def __neg__(self):
        return F.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return F.abs(self)

    def __matmul__(self, other):
        return F.matmul(self, other)

    def __rmatmul__(self, other):
        return F.matmul(other, self)

    def __eq__(self, other):
        return F.eq(self, other)

    def __ne__(self, other):
        return F.ne(self, other)

    def __lt__(self, other):
        return F.lt(self, other)

    def __le__(self, other):
        return F.le(self, other)

    def __gt__(self, other):
        return F.gt(self, other)

    def __ge__(self, other):
        return F.ge(self, other)

    def __getitem__(self, index):
        return F.get_item(self, index)

    def __setitem__(self, index, value):
        self._check_in_place("__setitem__")
        self.data[F.as_index(index)] = value.data if isinstance(value, Tensor) else value

    # In-place updates change `data` and are meant for parameters under no_grad (optimizers).
    def _check_in_place(self, op):
        if self.requires_grad and _GradMode.enabled:
            raise RuntimeError(
                f"{op}: in-place update of a tensor that requires grad; "
                "do it under badak.no_grad() or on .data"
            )

    def __iadd__(self, other):
        self._check_in_place("+=")
        self.data += other.data if isinstance(other, Tensor) else other
        return self

    def __isub__(self, other):
        self._check_in_place("-=")
        self.data -= other.data if isinstance(other, Tensor) else other
        return self

    def __imul__(self, other):
        self._check_in_place("*=")
        self.data *= other.data if isinstance(other, Tensor) else other
        return self

    def __itruediv__(self, other):
        self._check_in_place("/=")
        self.data /= other.data if isinstance(other, Tensor) else other
        return self

    # --- methods that delegate to badak.functions -----------------------------------------
    def reshape(self, *shape):
        return F.reshape(self, *shape)

    def view(self, *shape):
        return F.reshape(self, *shape)

    def transpose(self, dim0, dim1):
        return F.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return F.permute(self, *dims)

    def squeeze(self, dim=None):
        return F.squeeze(self, dim)

    def unsqueeze(self, dim):
        return F.unsqueeze(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return F.flatten(self, start_dim, end_dim)

    def expand(self, *shape):
        return F.broadcast_to(self, *shape)

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.sum(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.mean(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        return F.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def exp(self):
        return F.exp(self)

    def log(self):
        return F.log(self)

    def sqrt(self):
        return F.sqrt(self)

    def abs(self):
        return F.abs(self)

    def pow(self, exponent):
        return F.pow(self, exponent)

    def clamp(self, min=None, max=None):
        return F.clamp(self, min, max)

    def sigmoid(self):
        return F.sigmoid(self)

    def tanh(self):
        return F.tanh(self)

    def relu(self):
        return F.relu(self)

    def softmax(self, dim=-1):
        return F.softmax(self, dim)

    def log_softmax(self, dim=-1):
        return F.log_softmax(self, dim)

    def matmul(self, other):
        return F.matmul(self, other)


from badak import functions as F  # noqa: E402  (the functions are built on the classes above)
