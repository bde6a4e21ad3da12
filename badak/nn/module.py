"""Module: the base of layers and models, holding Parameters and sub-Modules as attributes.

`parameters()` walks the attributes a module holds, in the order they were assigned: what you
assign is what gets walked (no registration hooks). Keys of `state_dict` are PyTorch's dotted
names (`0.weight`, `fc1.bias`).
"""

from collections import namedtuple

from badak.device import device as _device
from badak.device import np
from badak.functions.elementwise import to_target
from badak.nn.parameter import Parameter
from badak.tensor import Tensor


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict did not match: (missing_keys, unexpected_keys), shown as PyTorch
    shows it when both are empty."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class Module:
    """Base class: subclasses assign Parameters and Modules in __init__ and define forward."""

    training = True

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- walking ------------------------------------------------------------------------------
    def named_children(self):
        """(name, module) for each sub-Module held directly, in assignment order."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix=""):
        """(dotted name, module) for this module and every module below it, each once."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            below = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(below))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) for each parameter; one reachable twice counts once."""
        seen = set()
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, value in vars(module).items():
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    yield (f"{module_name}.{name}" if module_name else name), value

    def parameters(self, recurse=True):
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def register_buffer(self, name, tensor, persistent=True):
        """Hold `tensor` (state that is not a parameter, such as BatchNorm's running mean) as
        attribute `name`; a persistent buffer is part of the state dict."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}"
            )
        vars(self).setdefault("_buffers", {})[name] = bool(persistent)
        setattr(self, name, tensor)

    def named_buffers(self, prefix="", recurse=True, persistent_only=False):
        """(dotted name, Tensor) for each registered buffer that is not None."""
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, persistent in vars(module).get("_buffers", {}).items():
                value = getattr(module, name, None)
                if value is not None and (persistent or not persistent_only):
                    yield (f"{module_name}.{name}" if module_name else name), value

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def _named_state(self):
        """(dotted name, Tensor) of the state dict, PyTorch's order: module by module, its
        parameters then its persistent buffers."""
        seen = set()
        for module_name, module in self.named_modules():
            own = list(module.named_parameters(module_name, recurse=False))
            own += list(module.named_buffers(module_name, recurse=False, persistent_only=True))
            for name, tensor in own:
                if id(tensor) not in seen:
                    seen.add(id(tensor))
                    yield name, tensor

    def apply(self, fn):
        """Call fn on every sub-module (children first) and on self; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- modes and gradients --------------------------------------------------------------------
    def train(self, mode=True):
        """Set training mode (Dropout active) on this module and all below; returns self."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for parameter in self.parameters():
            if parameter.grad is None:
                continue
            if set_to_none:
                parameter.grad = None
            else:
                parameter.grad._data[...] = 0

    def _cast(self, dtype):
        """Floating parameters (with their gradients) and floating buffers to `dtype`."""
        for parameter in self.parameters():
            parameter._data = parameter._data.astype(dtype)
            if parameter.grad is not None:
                parameter.grad = Tensor(parameter.grad._data.astype(dtype))
        for buffer in self.buffers():
            if buffer.dtype.kind == "f":
                buffer._data = buffer._data.astype(dtype)
        return self

    def float(self):
        """Parameters (and their gradients) as float32; returns self."""
        return self._cast(np.float32)

    def double(self):
        """Parameters (and their gradients) as float64; returns self."""
        return self._cast(np.float64)

    def half(self):
        """Parameters (and their gradients) as float16; returns self."""
        return self._cast(np.float16)

    def to(self, *args, **kwargs):
        """`to(device)`, `to(dtype)`, `to(device, dtype)` or `to(tensor)`, as torch's Module.to:
        a floating dtype casts the floating parameters; the device must be one badak has (the
        CPU). Returns self."""
        dtype = to_target(args, kwargs).get("dtype")
        if dtype is not None and np.dtype(dtype).kind == "f":
            self._cast(np.dtype(dtype))
        return self

    def cpu(self):
        return self

    def cuda(self, device=None):
        """Refused: badak computes on the CPU only (RuntimeError listing its devices)."""
        return self.to("cuda" if device is None else device)

    def requires_grad_(self, requires_grad=True):
        """Set requires_grad on every parameter; returns self."""
        for parameter in self.parameters():
            parameter.requires_grad_(requires_grad)
        return self

    def add_module(self, name, module):
        """Hold `module` as attribute `name` (Module.name = module does the same)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def register_parameter(self, name, parameter):
        """Hold `parameter` (a Parameter, or None) as attribute `name`."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(
                f"register_parameter: {name!r} must be a Parameter or None, "
                f"got {type(parameter).__name__}"
            )
        setattr(self, name, parameter)

    # --- state --------------------------------------------------------------------------------
    def state_dict(self):
        """{dotted name: Tensor} for every parameter and persistent buffer, in PyTorch's order;
        the Tensors share their data."""
        return {name: tensor.detach() for name, tensor in self._named_state()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays into the parameters and persistent buffers (in place, keeping their
        dtype).

        Returns (missing_keys, unexpected_keys). With strict=True any missing or unexpected key
        is an error; a shape mismatch always is. Nothing is changed when it raises.
        """
        own = dict(self._named_state())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        arrays, unconvertible = {}, []
        for k, v in state_dict.items():
            if k in own:
                try:
                    arrays[k] = np.asarray(_data(v)).astype(own[k].dtype)
                except (TypeError, ValueError):
                    unconvertible.append(f"{k}: cannot be converted to {own[k].dtype}")
        mismatched = unconvertible + [
            f"{k}: expected shape {own[k].shape}, got {a.shape}"
            for k, a in arrays.items()
            if a.shape != own[k].shape
        ]
        problems = []
        if strict and missing:
            problems.append("missing keys " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys " + ", ".join(unexpected))
        problems.extend(mismatched)
        if problems:
            raise ValueError(f"load_state_dict for {type(self).__name__}: " + "; ".join(problems))
        for name, array in arrays.items():
            own[name]._data[...] = array
            own[name]._changed_in_place()
        return IncompatibleKeys(missing, unexpected)

    # --- repr ---------------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        children = [f"({name}): {module!r}" for name, module in self.named_children()]
        extra = self.extra_repr()
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = ([extra] if extra else []) + children
        body = "\n".join("  " + line.replace("\n", "\n  ") for line in lines)
        return f"{type(self).__name__}(\n{body}\n)"


def _data(value):
    return value._data if isinstance(value, Tensor) else value


def layer_dtype(device, dtype):
    """A layer's `device` and `dtype` arguments (PyTorch's): the dtype its parameters take,
    float32 by default; a device badak cannot serve raises RuntimeError."""
    if device is not None:
        _device(device)
    return np.dtype(np.float32 if dtype is None else dtype)
