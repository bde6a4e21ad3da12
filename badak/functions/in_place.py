"""In-place updates of a tensor's array: add_, sub_, mul_, div_, copy_, fill_, zero_, set_item_
and apply_ for the rest (Tensor's methods and its operators +=, -=, *=, /=, []= call these).

Outside a graph they write into the array itself. Within one, as PyTorch allows, the update of a
tensor that is the result of an operation is recorded (rebase_): the tensor takes the update's
place in the graph and a copy of its old value keeps the old place, so `out += identity` or
`relu_` in a network trains as the out-of-place code would. A leaf that requires grad is refused
while grad mode is on: update it under no_grad(), or on `.data`, as an optimizer does.

Each update counts in the tensor's `_version`, so that a backward that needs the old values
refuses to run (see autograd.Function).
"""

import weakref

from badak.autograd import Function, _Rebased, is_grad_enabled
from badak.device import np, quiet_begin, quiet_end
from badak.functions._args import const
from badak.functions.elementwise import add, cast, div, mul, plain, sub, where
from badak.functions.shape import get_item, index_steps, unbroadcast
from badak.random import default_generator
from badak.tensor import Tensor


def check_in_place(tensor, op):
    """Raise RuntimeError naming `op` where an in-place update of `tensor` is refused: a leaf
    that requires grad, while grad mode is on."""
    if tensor.requires_grad and tensor.grad_fn is None and is_grad_enabled():
        raise RuntimeError(
            f"{op}: in-place update of a leaf tensor that requires grad; "
            "do it under badak.no_grad() or on .data"
        )


def _in_graph(tensor, op, *others):
    """True where the update must be recorded: grad mode on, and the tensor or one of `others`
    (what the new values are computed from) in a graph. A leaf that requires grad is refused."""
    if not is_grad_enabled():
        return False
    check_in_place(tensor, op)
    return tensor.requires_grad or any(isinstance(o, Tensor) and o.requires_grad for o in others)


def rebase_(tensor, compute):
    """tensor's array overwritten with compute(old), recorded: `old` is a copy of the value
    before, holding the tensor's old place in the graph, and the tensor takes the place of
    compute's result (its creator). Returns tensor."""
    old = Tensor._from_array(tensor._data.copy())
    creator = tensor.grad_fn
    if creator is not None:
        old.requires_grad, old.grad_fn = True, creator
        creator._output_ref = weakref.ref(old)
        if creator.saves_output:  # the array its backward reads is about to be overwritten
            creator._output_data = old._data
    result = compute(old)
    if result.dtype != tensor._data.dtype:
        result = cast(result, tensor._data.dtype)
    tensor._data[...] = result._data
    fn = result.grad_fn
    tensor.grad_fn, tensor.requires_grad = fn, result.requires_grad
    if fn is not None:
        fn._output_ref = weakref.ref(tensor)
        if fn.saves_output:
            fn._output_data = tensor._data
    tensor._rebased = True
    _Rebased.count += 1
    tensor._changed_in_place()
    return tensor


def apply_(tensor, op, compute, *others):
    """tensor's values replaced by compute(tensor) (a badak function of it and of `others`), in
    place; within a graph recorded as rebase_ does."""
    if _in_graph(tensor, op, *others):
        return rebase_(tensor, compute)
    result = compute(tensor)
    tensor._data[...] = result._data if isinstance(result, Tensor) else result
    tensor._changed_in_place()
    return tensor


def update_(tensor, op, ufunc, other, function):
    """tensor's array = ufunc(array, other), written into the array itself (`function`, the
    differentiable form, within a graph); returns tensor."""
    if _in_graph(tensor, op, other):  # x.mul_(x): the old value times itself
        return rebase_(tensor, lambda old: function(old, old if other is tensor else other))
    quiet = quiet_begin()  # inf and NaN without NumPy's warnings, as every operation
    try:
        ufunc(tensor._data, plain(other), out=tensor._data)
    finally:
        quiet_end(quiet)
    tensor._changed_in_place()
    return tensor


def add_(tensor, other, alpha=1):
    """tensor += alpha * other, in place."""
    return update_(tensor, "add_", np.add, other if alpha == 1 else other * alpha, add)


def sub_(tensor, other, alpha=1):
    """tensor -= alpha * other, in place."""
    return update_(tensor, "sub_", np.subtract, other if alpha == 1 else other * alpha, sub)


def mul_(tensor, other):
    return update_(tensor, "mul_", np.multiply, other, mul)


def div_(tensor, other):
    return update_(tensor, "div_", np.true_divide, other, div)


def copy_(tensor, source, op="copy_"):
    """tensor's values replaced by source's (broadcast to its shape, cast to its dtype)."""
    if _in_graph(tensor, op, source):
        return rebase_(tensor, lambda old: SetItem()(old, source, index=Ellipsis))
    tensor._data[...] = plain(source)
    tensor._changed_in_place()
    return tensor


def fill_(tensor, value):
    return copy_(tensor, value, "fill_")


def zero_(tensor):
    return copy_(tensor, 0, "zero_")


def fill_random_(tensor, op, draw, generator=None):
    """tensor's values replaced by draw(rng, shape) (rng: `generator` or badak's)."""
    if _in_graph(tensor, op):
        raise RuntimeError(f"{op}: in-place random fill of a tensor in a graph; use no_grad()")
    rng = generator or default_generator()
    tensor._data[...] = draw(rng, tensor._data.shape)
    tensor._changed_in_place()
    return tensor


def _assign(array, index, value):
    """array[index] = value with PyTorch's indexing (the ints first, then the arrays)."""
    *steps, last = index_steps(index, array.ndim)
    target = array
    for step in steps:  # basic: a view of the array
        target = target[step]
    target[last] = value


class SetItem(Function):
    """A copy of x with x[index] = value; the overwritten places pass no gradient to x."""

    saves_inputs = False

    def forward(self, x, value, index):
        self.index, self.value_shape = index, np.shape(value)
        out = x.copy()
        _assign(out, index, value)
        return out

    def backward(self, grad):
        need_x, need_value = self.needs_input_grad
        grad_x = grad_value = None
        if need_x:
            kept = np.ones(np.shape(grad), bool)
            _assign(kept, self.index, False)
            grad_x = where(kept, grad, const(0, grad))
        if need_value:
            grad_value = unbroadcast(_taken(grad, self.index), self.value_shape)
        return grad_x, grad_value


def _taken(grad, index):
    """grad at the places x[index] names, shaped as x[index] (get_item's steps)."""
    if index is Ellipsis:
        return grad
    return get_item(grad, index)


def set_item_(tensor, index, value):
    """tensor[index] = value, with PyTorch's indexing."""
    if _in_graph(tensor, "__setitem__", value):
        return rebase_(tensor, lambda old: SetItem()(old, value, index=index))
    _assign(tensor._data, index, plain(value))
    tensor._changed_in_place()
    return tensor
