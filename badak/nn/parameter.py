"""Parameter: a leaf Tensor that a Module owns and an optimizer updates."""

from badak.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad by default and is found by `Module.parameters()`.

    Operations on a Parameter give plain Tensors. `Parameter(data)` shares data's memory as
    `Tensor(data)` does; Python data becomes float32.
    """

    __slots__ = ()
    _result_class = Tensor

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
