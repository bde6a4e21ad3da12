"""Tensor: an n-dimensional array that records the operations applied to it for backward.

Each method is one visible line that calls badak.functions; the arithmetic lives there. What a
subclass may change is gathered under "hooks" below.
"""

from badak import dtypes, tensor_methods
from badak.device import CPU, np


class Tensor(tensor_methods.TorchMethods):
    """An n-dimensional array that records the operations applied to it for backward.

    `Tensor(data)` wraps an ndarray without copying (Python data is converted as by
    `badak.tensor`); `requires_grad=True` needs a floating dtype. The array is `.numpy()`;
    `.data` is, as in PyTorch, a Tensor sharing it outside any graph.

    Shape: any; `.shape` is the array's.

    Attributes:
        grad: the gradient backward accumulated, a Tensor of x's shape, or None.
        requires_grad: whether operations on x are recorded for backward.
        grad_fn: the recorded operation that made x, or None for a leaf.
    """

    # _version counts the in-place changes of the array, as PyTorch's version counter: backward
    # compares it with the count when an operation saved the tensor (see autograd.Function).
    # detach() sets _detached_from: the tensor it shares its array and its version count with.
    __slots__ = (
        "_data",
        "grad",
        "requires_grad",
        "grad_fn",
        "_version",
        "_detached_from",
        "_rebased",
        "_grad_hooks",
        "__weakref__",
    )
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data._data
        self._init(dtypes.default_array(data, dtype))
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, data):
        self._data = data
        self.grad = None
        self.requires_grad = False
        self.grad_fn = None
        self._version = 0

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

    # --- hooks: the engine's rules that a subclass may change -----------------------------
    # The class of an operation's result; None: the first Tensor operand's own class.
    _result_class = None

    # The operands of an operation, cast to give its result dtype: promote(arrays, dtype,
    # scalars) with `dtype` this tensor's (the first Tensor operand) and `scalars` whether a
    # number among them may need a cast. Called only where there are several operands or numbers.
    _promote = staticmethod(dtypes.promote)

    # The operands of a floating-valued operation (exp, /, sigmoid ...) whose first is integer or
    # bool: PyTorch computes it in float32, its default dtype.
    _floating = staticmethod(dtypes.as_float32)

    def _grad_dtype(self, dtype):
        """The dtype this tensor's gradient is kept in, when backward computed one in `dtype`."""
        return self._data.dtype

    def _accumulate_grad(self, grad, fresh=False):
        """Add `grad` (an array, or a Tensor under create_graph) into `.grad`. The first gradient
        is copied so that it is this tensor's own, unless it is `fresh` (new, writable, and held
        by no one else); later ones are added in place."""
        if isinstance(grad, Tensor):  # under create_graph: a new Tensor, this leaf's own
            self.grad = F.clone(grad) if self.grad is None else self.grad + grad
        elif self.grad is None:
            dtype = self._data.dtype
            if not (fresh and type(grad) is np.ndarray and grad.dtype == dtype):
                grad = np.array(grad, dtype=dtype, copy=True)
            self.grad = self._result_type()._from_array(grad)
        elif self.grad.requires_grad:
            self.grad = self.grad + grad
        else:
            self.grad._data += grad

    def _result_type(self):
        """The class of an operation's result on this tensor (a Parameter's is Tensor)."""
        return self._result_class or type(self)

    # --- autograd -------------------------------------------------------------------------
    @property
    def is_leaf(self):
        """True where x was not made by a recorded operation (a parameter, an input)."""
        return self.grad_fn is None

    def requires_grad_(self, requires_grad=True):
        """Set whether this leaf records operations for backward; returns self."""
        if not self.is_leaf:
            raise RuntimeError(
                "requires_grad_: only leaf tensors can change requires_grad; use detach() first"
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad_: only floating-point tensors can require gradients, "
                f"got dtype {self._data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        if not self.is_leaf:
            self.grad_fn._output_retained = True

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) after each backward has accumulated this leaf's gradient into
        `.grad` (once per backward, however many operations used the leaf). Returns a handle
        whose remove() unregisters it."""
        if not self.is_leaf or not self.requires_grad:
            raise RuntimeError(
                "register_post_accumulate_grad_hook: only a leaf tensor that requires grad "
                "accumulates a gradient"
            )
        if not callable(hook):
            raise TypeError(
                f"register_post_accumulate_grad_hook: hook must be callable, got "
                f"{type(hook).__name__}"
            )
        hooks = getattr(self, "_grad_hooks", None)
        if hooks is None:
            hooks = self._grad_hooks = []
        hooks.append(hook)
        autograd.GradHooks.count += 1
        return _HookHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf), weighted by `gradient`, into every leaf's `.grad`
        (badak.autograd.backward)."""
        autograd.backward_from(self, gradient, retain_graph, create_graph)

    def detach(self):
        """A tensor sharing this one's array (and its count of in-place changes), outside any
        graph."""
        detached = self._result_type()._from_array(self._data)
        detached._detached_from = self
        return detached

    def _changed_in_place(self):
        """Count an in-place change of the array, here and in the tensors detached from."""
        tensor = self
        while tensor is not None:
            tensor._version += 1
            tensor = getattr(tensor, "_detached_from", None)

    @property
    def data(self):
        """As in PyTorch: a tensor sharing this one's array, outside any graph, so that
        `p.data.add_(...)` updates p without recording it. The array itself is `.numpy()`."""
        return Tensor._from_array(self._data)

    @data.setter
    def data(self, value):
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if array.shape != self._data.shape and not self.is_leaf:
            raise RuntimeError(
                f"data: cannot give a tensor in a graph an array of shape {array.shape}, "
                f"it has shape {self._data.shape}"
            )
        self._data = array

    def clone(self):
        return F.clone(self)

    # --- in-place updates (of parameters, under no_grad or on .data) ----------------------
    def add_(self, other, *, alpha=1):
        return F.add_(self, other, alpha)

    def sub_(self, other, *, alpha=1):
        return F.sub_(self, other, alpha)

    def mul_(self, other):
        return F.mul_(self, other)

    def div_(self, other):
        return F.div_(self, other)

    def copy_(self, source):
        """Write `source` (broadcast to x's shape, cast to x's dtype) into x, in place;
        returns x."""
        return F.copy_(self, source)

    def fill_(self, value):
        """Write `value` (a number or a 0-d tensor) into every element of x, in place;
        returns x."""
        return F.fill_(self, value)

    def zero_(self):
        """Write 0 into every element of x, in place; returns x (what optimizer.zero_grad
        used to do)."""
        return F.zero_(self)

    def __iadd__(self, other):
        return F.update_(self, "+=", np.add, other, F.add)

    def __isub__(self, other):
        return F.update_(self, "-=", np.subtract, other, F.sub)

    def __imul__(self, other):
        return F.update_(self, "*=", np.multiply, other, F.mul)

    def __itruediv__(self, other):
        return F.update_(self, "/=", np.true_divide, other, F.div)

    def __setitem__(self, index, value):
        F.set_item_(self, index, value)

    # --- device and dtype -----------------------------------------------------------------
    @property
    def device(self):
        """The device x lives on, always the CPU."""
        return CPU

    def cpu(self):
        """x itself: badak's tensors live on the CPU (as torch's .cpu() on a CPU tensor)."""
        return self

    def cuda(self, device=None):
        """Refused: badak computes on the CPU only (RuntimeError listing its devices)."""
        return self.to("cuda" if device is None else device)

    def to(self, *args, **kwargs):
        """x converted: `to(dtype)`, `to(device)`, `to(device, dtype)` or `to(other)` for
        other's dtype; x itself where nothing changes, else a copy that stays in the graph.
        The shape is x's; 'cpu' is the only device."""
        return F.to(self, *args, **kwargs)

    def type(self, dtype):
        """x converted to `dtype` (as `x.to(dtype)`); the shape is x's."""
        return self.to(dtype)

    def float(self):
        """x converted to float32 (x itself where it is float32, as in PyTorch); shape x's."""
        return F.to(self, np.dtype(np.float32))

    def double(self):
        """x converted to float64 (x itself where it is float64, as in PyTorch); shape x's."""
        return F.to(self, np.dtype(np.float64))

    def half(self):
        """x converted to float16 (x itself where it is float16, as in PyTorch); shape x's."""
        return F.to(self, np.dtype(np.float16))

    def long(self):
        """x converted to int64, rounding toward zero; the shape is x's."""
        return F.to(self, np.dtype(np.int64))

    def int(self):
        """x converted to int32, rounding toward zero; the shape is x's."""
        return F.to(self, np.dtype(np.int32))

    def bool(self):
        """x converted to bool (nonzero is True); the shape is x's."""
        return F.to(self, np.dtype(np.bool_))

    # --- array protocol -------------------------------------------------------------------
    @property
    def shape(self):
        """x's shape, a tuple of ints (PyTorch's torch.Size is a tuple too)."""
        return self._data.shape

    @property
    def ndim(self):
        """The number of dims of x (0 for a scalar, 2 for (N, D))."""
        return self._data.ndim

    @property
    def dtype(self):
        """The element type, a NumPy dtype under PyTorch's name (`badak.float32 == np.float32`)."""
        return self._data.dtype

    @property
    def T(self):
        """x with its dims reversed, (D1, ..., Dk) -> (Dk, ..., D1); the transpose of a matrix."""
        return F.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    def dim(self):
        """The number of dims of x (`x.ndim`): 0 for a scalar, 2 for (N, D)."""
        return self._data.ndim

    def size(self, dim=None):
        """x's shape as a tuple, or its size along `dim` (PyTorch returns torch.Size, a
        tuple too)."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self):
        return self._data.size

    def numpy(self):
        """x's NumPy array itself, not a copy: writing to it writes to x (as torch's
        .numpy())."""
        return self._data

    def item(self):
        """The value of a one-element tensor (any shape holding one element) as a Python
        number; ValueError otherwise."""
        if self._data.size != 1:
            raise ValueError(f"item: the tensor has {self._data.size} elements, expected 1")
        return self._data.item()

    def tolist(self):
        """x as nested Python lists of numbers, one level per dim (a number for shape ())."""
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if copy is False and dtype is not None and np.dtype(dtype) != self._data.dtype:
            raise ValueError(f"__array__: copy=False, but {self.dtype} -> {dtype} needs a copy")
        if dtype is not None:
            return self._data.astype(dtype, copy=bool(copy))
        return self._data.copy() if copy else self._data

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"bool: a tensor with {self._data.size} elements has no single truth value"
            )
        return bool(self._data)

    __hash__ = object.__hash__

    def __format__(self, format_spec):
        """A one-element tensor formats as its number (f"{loss:.4f}"), as in PyTorch."""
        if self._data.ndim == 0:
            return self._data.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __repr__(self):
        from badak._format import format_tensor

        return format_tensor(self)

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

    # --- methods that delegate to badak.functions -----------------------------------------
    def reshape(self, *shape):
        return F.reshape(self, *shape)

    def view(self, *shape):
        """x with another shape and the same elements, as torch's view: `view(N, -1)` infers
        the -1; the number of elements must not change."""
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
        """x broadcast to `shape` without copying, as torch's expand; -1 keeps a dim's size."""
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

    # new_*: new tensors in this tensor's dtype unless `dtype` is given
    def new_zeros(self, *size, dtype=None, requires_grad=False):
        """A tensor of zeros of shape `size`, in x's dtype unless `dtype` is given."""
        return self.new_full(
            shape_arg(size, "new_zeros"), 0, dtype=dtype, requires_grad=requires_grad
        )

    def new_ones(self, *size, dtype=None, requires_grad=False):
        """A tensor of ones of shape `size`, in x's dtype unless `dtype` is given."""
        return self.new_full(
            shape_arg(size, "new_ones"), 1, dtype=dtype, requires_grad=requires_grad
        )

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        """A tensor of shape `size` filled with `fill_value`, in x's dtype unless `dtype` is
        given."""
        array = np.full(shape_arg((size,), "new_full"), fill_value, dtype or self.dtype)
        return Tensor(array, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        """A copy of `data` as a tensor in x's dtype unless `dtype` is given; the shape is
        data's."""
        array = np.array(data._data if isinstance(data, Tensor) else data, copy=True)
        return Tensor(array.astype(dtype or self.dtype, copy=False), requires_grad=requires_grad)


class _HookHandle:
    """What register_post_accumulate_grad_hook returns: remove() unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook is not None and self._hook in self._hooks:
            self._hooks.remove(self._hook)
            autograd.GradHooks.count -= 1
        self._hook = None


from badak import autograd  # noqa: E402  (Tensor and Function build on each other)
from badak import functions as F  # noqa: E402  (the functions are built on the classes above)
from badak.functions._args import shape_arg  # noqa: E402

tensor_methods.F = F  # the mixin's methods call badak.functions too
