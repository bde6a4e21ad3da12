"""In-place updates of a tensor's array: add_, sub_, mul_, div_, copy_, fill_, zero_, set_item_
(Tensor's methods and its operators +=, -=, *=, /=, []= call these).

They change the array a tensor holds, which backward may still need, so they are refused on a
tensor that requires grad while grad mode is on: do them under no_grad(), or on `.data`, as an
optimizer does. Each counts in the tensor's `_version`, so that a backward that needs the old
values refuses to run (see autograd.Function).
"""

from badak.autograd import is_grad_enabled
from badak.device import np, quiet_begin, quiet_end
from badak.functions.elementwise import plain
from badak.functions.shape import index_steps
from badak.random import default_generator


def check_in_place(tensor, op):
    """Raise RuntimeError naming `op` where an in-place update of `tensor` is refused."""
    if tensor.requires_grad and is_grad_enabled():
        raise RuntimeError(
            f"{op}: in-place update of a tensor that requires grad; "
            "do it under badak.no_grad() or on .data"
        )


def update_(tensor, op, ufunc, other):
    """tensor's array = ufunc(array, other), written into the array itself; returns tensor."""
    check_in_place(tensor, op)
    quiet = quiet_begin()  # inf and NaN without NumPy's warnings, as every operation
    try:
        ufunc(tensor._data, plain(other), out=tensor._data)
    finally:
        quiet_end(quiet)
    tensor._changed_in_place()
    return tensor


def add_(tensor, other, alpha=1):
    """tensor += alpha * other, in place."""
    return update_(tensor, "add_", np.add, other if alpha == 1 else plain(other) * alpha)


def sub_(tensor, other, alpha=1):
    """tensor -= alpha * other, in place."""
    return update_(tensor, "sub_", np.subtract, other if alpha == 1 else plain(other) * alpha)


def mul_(tensor, other):
    return update_(tensor, "mul_", np.multiply, other)


def div_(tensor, other):
    return update_(tensor, "div_", np.true_divide, other)


def copy_(tensor, source, op="copy_"):
    """tensor's values replaced by source's (broadcast to its shape, cast to its dtype)."""
    check_in_place(tensor, op)
    tensor._data[...] = plain(source)
    tensor._changed_in_place()
    return tensor


def fill_(tensor, value):
    return copy_(tensor, value, "fill_")


def zero_(tensor):
    return copy_(tensor, 0, "zero_")


def fill_random_(tensor, op, draw, generator=None):
    """tensor's values replaced by draw(rng, shape) (rng: `generator` or badak's)."""
    check_in_place(tensor, op)
    rng = generator or default_generator()
    tensor._data[...] = draw(rng, tensor._data.shape)
    tensor._changed_in_place()
    return tensor


def set_item_(tensor, index, value):
    """tensor[index] = value, with PyTorch's indexing."""
    check_in_place(tensor, "__setitem__")
    *steps, last = index_steps(index, tensor._data.ndim)
    target = tensor._data
    for step in steps:  # basic: a view of the array
        target = target[step]
    target[last] = plain(value)
    tensor._changed_in_place()
