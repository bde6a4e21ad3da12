"""Reverse-mode differentiation: grad mode, Function, and the backward walk over the graph.

A Function's `forward` works on arrays. Its `backward(grad)` returns one gradient per positional
input and is written once, with operators and badak functions that take arrays or Tensors alike:
when no graph of the backward is wanted the engine hands it arrays (fast), under
`create_graph=True` it hands it Tensors, so the same formula gives gradients of gradients.

The engine knows one set of rules. A Tensor subclass changes them only through the hooks that
Tensor documents (`_promote`, `_floating`, `_grad_dtype`, `_accumulate_grad`, `_result_class`),
and a Function subclass through `backward_on_tensors` and `_gradient_tuple`.
"""

import functools
import weakref

from badak.device import np, quiet_begin, quiet_end
from badak.dtypes import PYTHON_SCALARS


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


class inference_mode(no_grad):
    """PyTorch's inference_mode: here the same as no_grad (`inference_mode(False)` records)."""

    def __init__(self, mode=True):
        self.mode = not mode


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
# Function
# ----------------------------------------------------------------------------------------------
# NumPy scalars are never weak: they always go through the operands' promotion. Python scalars
# are weak on NumPy 2 (NEP 50: float32 * 2.0 stays float32), so only NumPy 1 needs them cast.
_NUMPY_1 = int(np.__version__.split(".")[0]) < 2


class Function:
    """One differentiable operation: `forward` on arrays, `backward` written once for both paths.

    Positional arguments are the inputs that may receive a gradient; keyword arguments are
    parameters (`dim`, `target`) that never do. Called with no Tensor among its inputs, a Function
    computes on the arrays and returns an array: that is how backward formulas run on the fast path.

    `needs_input_grad`, one bool per positional input, tells backward which gradients to compute;
    it is set before forward runs when the call is recorded for backward (empty when it is not),
    so that a forward can form its gradients in the same pass.
    """

    needs_input_grad = ()

    saves_output = False  # True where backward reads `self.output`
    # False where backward never reads `self.inputs`: their in-place changes after the call are
    # then harmless; where it does, backward refuses inputs changed since (see _refuse_changed).
    saves_inputs = True
    # The sum of the Tensor inputs' _version when the call was recorded: versions only grow, so
    # a different sum at backward means one of them was changed in place.
    _saved_version = None
    # True where backward's arrays are new and kept by no one (so a leaf may own one as its .grad
    # without a copy); by default the engine copies, since a backward may return one array for
    # several inputs, a read-only view, or something it still holds.
    fresh_gradients = False
    # Hook: True where backward is written for Tensors only (it calls Tensor methods): the engine
    # then hands it Tensors on every path.
    backward_on_tensors = False
    # False only while the engine runs a backward that wants arrays; outside backward `inputs`
    # and `output` are the Tensors, as a reader of the graph expects.
    _graph_backward = True
    _output_retained = False  # set by Tensor.retain_grad on the output's creator
    # True where the result is floating whatever the input (exp, log, /, sigmoid ...): integer
    # and bool operands are then converted first, as the tensor's `_floating` hook says.
    float_valued = False
    # Optional method backward_arrays(grad): backward's formula evaluated on arrays by a kernel,
    # with the formula's bits; the engine calls it where backward would get arrays, and runs
    # backward itself where it returns None (the kernel does not take those arrays).
    backward_arrays = None

    def __call__(self, *args, **kwargs):
        # One pass over the arguments: Tensors give arrays; Python scalars take the first
        # Tensor's dtype (it may come after them, as in `2 - x`). This runs for every operation,
        # so it is written for speed: no helper calls on the common path.
        arrays = []
        needs_input_grad = []
        tensor = dtype = None
        scalars = False
        mixed = False  # operands whose dtypes may differ: the promotion hook decides
        version = 0
        for arg in args:
            if isinstance(arg, Tensor):
                data = arg._data
                if tensor is None:
                    tensor, dtype = arg, data.dtype
                elif data is None or data.dtype != dtype:  # None: a tensor without its array
                    mixed = True
                arrays.append(data)
                needs_input_grad.append(arg.requires_grad)
                version += arg._version
            else:
                if type(arg) in PYTHON_SCALARS:
                    scalars = scalars or _NUMPY_1
                elif isinstance(arg, np.generic):
                    scalars = True
                elif arg is not None:
                    mixed = True
                arrays.append(arg)
                needs_input_grad.append(False)
        if tensor is None:  # arrays in, array out: a backward formula, already quiet
            return self.forward(*args, **kwargs)
        # One floating dtype and Python numbers only (weak on NumPy 2, as in PyTorch): nothing
        # to cast, for every promotion rule, so the hook is not called.
        if scalars or (len(arrays) > 1 and (mixed or dtype.kind not in "fc")):
            arrays = tensor._promote(arrays, dtype, scalars)
        if self.float_valued and tensor._data.dtype.kind in "biu":
            arrays = tensor._floating(arrays)

        record = _GradMode.enabled and True in needs_input_grad
        if record:  # known to forward, which may then form gradients in the same pass
            self.needs_input_grad = needs_input_grad
        quiet = quiet_begin()  # inf and NaN as PyTorch gives them, without NumPy's warnings
        try:
            out = self.forward(*arrays, **kwargs)
        except (ValueError, IndexError, TypeError) as error:  # NumPy's words: say whose
            raise _named(self, error) from None
        finally:
            quiet_end(quiet)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        tensor_type = tensor._result_class or type(tensor)
        result = tensor_type.__new__(tensor_type)
        result._data = out
        result.grad = None
        result._version = 0
        if record:
            result.requires_grad = True
            result.grad_fn = self
            self._inputs = args
            self._arrays = arrays
            self._output_ref = weakref.ref(result)
            self._saved_version = version
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
    def output(self):
        """The output as backward should use it: an array, or a Tensor under create_graph."""
        if not self._graph_backward:
            return self._output_data
        output = self._output_ref()
        if output is None:  # dropped by the caller: stand in a Tensor with the same creator
            output = Tensor._from_function(self._output_data, self)
        return output

    def _gradient_tuple(self, gradients):
        """Hook: backward's result as a tuple; badak's contract is a tuple, one entry per input."""
        raise TypeError(
            f"{self.name()}: backward must return a tuple with one gradient per input, "
            f"got {type(gradients).__name__}"
        )

    def name(self):
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    @classmethod
    def apply(cls, *args):
        """PyTorch's way to call a custom function: a subclass writes `forward(ctx, *inputs)` and
        `backward(ctx, *grad_outputs)` as staticmethods, on Tensors, and is called as
        `MyFunction.apply(x)`. `ctx.save_for_backward(...)` keeps tensors for backward
        (`ctx.saved_tensors`); other attributes set on ctx are kept too. One output."""
        return _CustomCall(cls)(*args)


class FunctionCtx:
    """The `ctx` of a custom Function: what forward leaves for backward."""

    saved_tensors = ()
    needs_input_grad = ()

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def mark_non_differentiable(self, *tensors):
        """Accepted: badak's custom functions have one output, whose gradient backward gives."""

    def set_materialize_grads(self, value):
        """Accepted: the gradient backward receives is always a tensor."""


class _CustomCall(Function):
    """One call of a PyTorch-style custom Function: forward and backward run the class's
    staticmethods on Tensors (forward under no_grad, as PyTorch runs it)."""

    backward_on_tensors = True

    def __init__(self, custom):
        self.custom = custom
        self.ctx = FunctionCtx()

    def forward(self, *arrays):
        tensors = [Tensor._from_array(a) if isinstance(a, np.ndarray) else a for a in arrays]
        self.ctx.needs_input_grad = tuple(self.needs_input_grad)
        with no_grad():
            out = self.custom.forward(self.ctx, *tensors)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"{self.custom.__name__}.forward: badak's custom functions return one Tensor, "
                f"got {type(out).__name__}"
            )
        return out._data

    def backward(self, grad):
        gradients = self.custom.backward(self.ctx, grad)
        return gradients if isinstance(gradients, tuple) else (gradients,)

    def name(self):
        return self.custom.__name__ + "Backward"


def _named(fn, error):
    """`error` with the operation's name in front (NumPy's messages, such as "operands could not
    be broadcast together", do not say which operation), unless it already starts with one."""
    name = type(fn).__name__.lower()
    message = str(error)
    if message.split(":")[0].isidentifier():
        return error
    return type(error)(f"{name}: {message}")


# ----------------------------------------------------------------------------------------------
# Backward
# ----------------------------------------------------------------------------------------------
_FREED_MESSAGE = (
    "backward: trying to backward through the graph a second time, but its saved values were "
    "freed by the first backward; pass retain_graph=True to the first backward"
)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False):
    """Accumulate the gradients of `tensors`, weighted by `grad_tensors`, into every leaf's
    `.grad`, as torch.autograd.backward (and Tensor.backward, for one tensor).

    Args:
        tensors: a Tensor or a sequence of them.
        grad_tensors: the upstream gradient of each, shaped like it; may be omitted (None) for
            a one-element tensor.
        retain_graph: keep the graph for another backward (defaults to `create_graph`).
        create_graph: record the backward itself, so that gradients can be differentiated.
    """
    if isinstance(tensors, Tensor):
        tensors, grad_tensors = [tensors], [grad_tensors]
    elif grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    if retain_graph is None:
        retain_graph = create_graph
    pairs = list(zip(tensors, grad_tensors, strict=True))
    for i, (tensor, gradient) in enumerate(pairs):
        last = i == len(pairs) - 1  # earlier ones keep the graph the later ones may share
        backward_from(tensor, gradient, retain_graph or not last, create_graph)


def backward_from(tensor, gradient=None, retain_graph=None, create_graph=False):
    """backward for one tensor (Tensor.backward): its upstream gradient checked, then sent."""
    if not tensor.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no grad_fn")
    data = tensor._data
    if gradient is None:
        if data.size != 1:
            raise RuntimeError(
                f"backward: gradient can be omitted only for a one-element tensor, "
                f"got shape {tensor.shape}"
            )
        gradient = np.ones_like(data) if data.ndim else np.array(1, data.dtype)
    elif isinstance(gradient, Tensor):
        gradient = gradient if create_graph else gradient._data
    else:
        gradient = np.asarray(gradient, dtype=data.dtype)
    if tuple(gradient.shape) != data.shape:
        raise RuntimeError(
            f"backward: gradient has shape {tuple(gradient.shape)}, "
            f"expected the tensor's shape {tensor.shape}"
        )
    if create_graph and not isinstance(gradient, Tensor):
        gradient = type(tensor)._from_array(gradient)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensor, gradient, retain_graph, create_graph)


def backward_order(root):
    """The Functions reachable from Function `root`, each before every Function that produced
    its inputs: the order in which backward visits them.

    Depth-first post-order, reversed; a function is expanded once, when first popped. Raises
    RuntimeError where a backward without retain_graph freed part of the graph.
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


def leaves_reached(tensors):
    """The ids of the leaves that require grad which a backward from `tensors` reaches."""
    found, stack, seen = set(), [], set()
    for tensor in tensors:
        if tensor.grad_fn is None:
            if tensor.requires_grad:
                found.add(id(tensor))
        else:
            stack.append(tensor.grad_fn)
    while stack:
        fn = stack.pop()
        if fn in seen or fn._inputs is None:
            continue
        seen.add(fn)
        for arg, needed in zip(fn._inputs, fn.needs_input_grad):
            if needed and isinstance(arg, Tensor):
                if arg.grad_fn is None:
                    found.add(id(arg))
                else:
                    stack.append(arg.grad_fn)
    return found


def run_backward(root, gradient, retain_graph, create_graph):
    """Send `gradient` (root's shape: an array, or a Tensor under create_graph) back from Tensor
    `root` to every leaf that requires grad; free the graph's saved values unless retain_graph."""
    if root.grad_fn is None:
        root._accumulate_grad(gradient)
        _run_grad_hooks(root)
        return
    if root._version and root.grad_fn.saves_output:
        _refuse_changed(root.grad_fn, ())
    order = backward_order(root.grad_fn)
    hooked = _hooked_edges(order) if GradHooks.count else None
    grads = {root.grad_fn: gradient}
    previous_mode = _GradMode.enabled
    _GradMode.enabled = create_graph
    quiet = quiet_begin()
    try:
        for fn in order:
            grad = grads.pop(fn, None)
            if grad is not None:
                _backward_step(fn, grad, grads, create_graph)
            if hooked is not None and fn in hooked:
                _settle_hooked(fn, hooked, grad is not None)
            if not retain_graph:  # drop what backward saved: a second backward here raises
                fn.__dict__.clear()
                fn._inputs = None
    finally:
        quiet_end(quiet)
        _GradMode.enabled = previous_mode


class GradHooks:
    """How many leaves hold post-accumulate-grad hooks (Tensor.register_post_accumulate_grad_hook):
    while none do, backward spends nothing on them."""

    count = 0


def _run_grad_hooks(leaf):
    hooks = getattr(leaf, "_grad_hooks", None)
    for hook in list(hooks or ()):
        hook(leaf)


def _hooked_edges(order):
    """{fn: [hooked leaf inputs]} and, under the key None, {id(leaf): [edges left, whether a
    gradient arrived]}: a leaf's hooks run once, after the last Function that feeds it."""
    hooked, pending = {}, {}
    for fn in order:
        for arg, needed in zip(fn._inputs, fn.needs_input_grad):
            if needed and isinstance(arg, Tensor) and getattr(arg, "_grad_hooks", None):
                hooked.setdefault(fn, []).append(arg)
                pending.setdefault(id(arg), [0, False])[0] += 1
    hooked[None] = pending
    return hooked


def _settle_hooked(fn, hooked, reached):
    pending = hooked[None]
    for leaf in hooked[fn]:
        state = pending[id(leaf)]
        state[0] -= 1
        state[1] = state[1] or reached
        if state[0] == 0 and state[1]:
            _run_grad_hooks(leaf)


def _backward_step(fn, grad, grads, create_graph):
    """Run fn.backward and route each input's gradient to its creator or into its `.grad`."""
    if fn._output_retained:
        output = fn._output_ref()
        if output is not None:
            output._accumulate_grad(grad)
    inputs = fn._inputs
    saved_version = fn._saved_version
    if saved_version is not None and (fn.saves_inputs or _Rebased.count):
        for arg in inputs:  # the inputs backward reads are as they were: no version grew
            if isinstance(arg, Tensor):
                saved_version -= arg._version
        if saved_version and (fn.saves_inputs or _rebased_since(inputs)):
            _refuse_changed(fn, inputs)
    if create_graph or fn.backward_on_tensors:
        if not isinstance(grad, Tensor):
            grad = _tensor_like(fn, grad)
        input_grads = fn.backward(grad)
    else:
        fn._graph_backward = False
        kernel = fn.backward_arrays
        input_grads = None if kernel is None else kernel(grad)
        if input_grads is None:
            input_grads = fn.backward(grad)
        fn._graph_backward = True
    if type(input_grads) is not tuple:
        input_grads = fn._gradient_tuple(input_grads)
    if len(input_grads) != len(inputs):
        raise RuntimeError(
            f"{fn.name()}: backward returned {len(input_grads)} gradients for {len(inputs)} inputs"
        )
    fresh = fn.fresh_gradients
    for arg, needed, input_grad in zip(inputs, fn.needs_input_grad, input_grads):
        if input_grad is None or not needed:
            continue
        data = arg._data
        if input_grad.shape != data.shape or input_grad.dtype != data.dtype:
            input_grad = _conformed(fn, arg, input_grad)
        creator = arg.grad_fn
        if creator is None:
            arg._accumulate_grad(input_grad, fresh)
        else:
            if arg._version and creator.saves_output:  # the output its backward reads changed
                _refuse_changed(creator, ())
            previous = grads.get(creator)
            grads[creator] = input_grad if previous is None else previous + input_grad


class _Rebased:
    """How many in-place updates have moved a tensor to a new place in a graph (see
    functions.in_place.rebase_): until the first, backward skips the check that needs it."""

    count = 0


def _rebased_since(inputs):
    """True where an input was updated in place within a graph after this call recorded it: its
    gradient would then be routed to the update instead of to the value the call used."""
    return any(isinstance(arg, Tensor) and getattr(arg, "_rebased", False) for arg in inputs)


def _refuse_changed(fn, inputs):
    """Raise RuntimeError naming fn and the tensors its backward reads that were changed in place
    since the call (the gradient would be that of other values), as PyTorch does. The check of
    an output is made where it is an input of the next function back (or the root), which holds
    it; no inputs are passed then."""
    changed = [
        f"input {i}" for i, arg in enumerate(inputs) if isinstance(arg, Tensor) and arg._version
    ]
    if not changed:
        changed.append("its output")
    raise RuntimeError(
        f"{fn.name()}: a tensor its gradient needs was changed in place after the operation "
        f"used it ({', '.join(changed)}); change it out of place, or after backward"
    )


def _tensor_like(fn, array):
    """`array` as a Tensor of the class that fn's inputs give their results."""
    first = next(arg for arg in fn._inputs if isinstance(arg, Tensor))
    return first._result_type()._from_array(np.asarray(array))


def _conformed(fn, tensor, grad):
    """The gradient for `tensor` from `fn.backward`, shape checked (the engine never reshapes a
    gradient silently) and in the dtype the tensor's class asks for."""
    if grad.shape != tensor._data.shape:
        raise RuntimeError(
            f"{fn.name()}: backward returned a gradient of shape {tuple(grad.shape)} "
            f"for an input of shape {tuple(tensor._data.shape)}"
        )
    dtype = tensor._grad_dtype(grad.dtype)
    if grad.dtype != dtype:
        grad = grad.to(dtype) if isinstance(grad, Tensor) else grad.astype(dtype)
    return grad


from badak.tensor import Tensor  # noqa: E402  (a Function's results are Tensors; tensor.py builds on this module)
