"""Optimizer: parameter groups, per-parameter state, zero_grad and state dicts, as in PyTorch."""

import copy
from collections import defaultdict

from badak.autograd import enable_grad, no_grad
from badak.device import np
from badak.tensor import Tensor


class Optimizer:
    """Base class of the optimizers: holds the parameter groups and each parameter's state.

    Args:
        params: an iterable of Tensors (usually `model.parameters()`), or of dicts, one per
            parameter group: `{'params': [...], 'lr': ...}`; options a group leaves out take the
            optimizer's defaults.
        defaults: the optimizer's options by name.

    `state` maps a parameter (Tensors hash by identity) to a dict of its buffers: ndarrays in
    the parameter's dtype, and `step` counts as ints. A subclass checks its options in
    `_check_options` (called for the defaults and for every group, before anything changes) and
    updates one parameter in `_update(p, grad, group)`, on arrays, in place.
    Matches torch.optim.Optimizer, except where badak is stricter or safer: a parameter listed
    twice in a group is an error (PyTorch warns), so is a set of parameters at the top level (as
    PyTorch already refuses in a group dict), options are checked in every group,
    `state_dict()` returns copies of the buffers, and `load_state_dict` checks everything
    (group options, buffer shapes) before it changes anything and updates the group dicts in
    place.
    """

    def __init__(self, params, defaults):
        self._check_options(defaults)
        if isinstance(params, Tensor):
            raise TypeError(
                f"{self._name}: params should be an iterable of Tensors or dicts, got a "
                f"{type(params).__name__}; pass [tensor]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(self._set_message)
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{self._name}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    @property
    def _name(self):
        return type(self).__name__

    @property
    def _set_message(self):
        return (
            f"{self._name}: parameters must be in an ordered collection (a list), not a set: "
            "the order of a set changes between runs"
        )

    def _check_options(self, options):
        """Raise ValueError for a bad option value; the message starts with the class name."""

    def _update(self, p, grad, group):
        """Update parameter `p` in place (`p.data`) given its gradient array `grad`."""
        raise NotImplementedError

    def add_param_group(self, param_group):
        """Append a group: its options are checked and completed from the defaults.

        Nothing changes when the group is rejected.
        """
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{self._name}: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(self._set_message)
        else:
            params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{self._name}: can only optimize Tensors, but params[{i}] is a "
                    f"{type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(f"{self._name}: can't optimize a non-leaf Tensor (params[{i}])")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{self._name}: a parameter appears twice in one parameter group")
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError(
                f"{self._name}: some parameters appear in more than one parameter group"
            )
        group = {**self.defaults, **param_group, "params": params}
        self._check_options(group)
        self.param_groups.append(group)

    # --- the step -----------------------------------------------------------------------------
    def step(self, closure=None):
        """Update every parameter that has a gradient; parameters without `.grad` are skipped.

        Args:
            closure: optional; called (with grad enabled) to re-evaluate the model, and its
                result, the loss, is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        # An overflowing or NaN gradient gives inf and NaN parameters silently, as in PyTorch.
        with no_grad(), np.errstate(all="ignore"):
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = p.grad._data
                    if grad.shape != p._data.shape:
                        raise RuntimeError(
                            f"{self._name}.step: a gradient of shape {grad.shape} for a "
                            f"parameter of shape {p._data.shape}"
                        )
                    if grad.dtype != p._data.dtype:
                        grad = grad.astype(p._data.dtype)
                    self._update(p, grad, group)
                    p._changed_in_place()  # a backward through a graph that used p now refuses
        return loss

    def zero_grad(self, set_to_none=True):
        """Reset the gradients: to None (default), or to zeros in the existing arrays."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.grad_fn = None  # detached in place, as PyTorch's detach_()
                    p.grad.requires_grad = False
                    p.grad._data.fill(0)

    # --- state dicts ----------------------------------------------------------------------------
    def state_dict(self):
        """The optimizer's state in PyTorch's layout, parameters replaced by their indices:

            {'state': {index: {name: value}}, 'param_groups': [{option: value, 'params': [index]}]}

        Indices count the parameters over the groups in order. Arrays are copies.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state from `state_dict()`: group options, and each parameter's buffers,
        copied and cast to the parameter's dtype.

        The groups must match this optimizer's in number and sizes; everything is checked before
        anything changes.
        """
        saved_groups = state_dict["param_groups"]
        name = f"{self._name}.load_state_dict"
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}: the state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer {len(self.param_groups)}"
            )
        params = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}: parameter group {i} has {len(saved['params'])} parameters in the "
                    f"state dict, {len(group['params'])} in the optimizer"
                )
            params.update(zip((int(k) for k in saved["params"]), group["params"]))
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new_group = {
                **group,
                **copy.deepcopy({k: v for k, v in saved.items() if k != "params"}),
            }
            self._check_options(new_group)
            new_groups.append(new_group)
        state = defaultdict(dict)
        for key, values in state_dict["state"].items():
            p = params.get(int(key))
            if p is None:
                raise ValueError(f"{name}: state for parameter {key}, which no group lists")
            state[p] = {k: self._loaded_value(p, key, k, v) for k, v in values.items()}
        for group, new_group in zip(self.param_groups, new_groups):
            group.update(new_group)
        self.state = state

    def _loaded_value(self, p, index, key, value):
        if key == "step":
            return int(value)
        if isinstance(value, Tensor):
            value = value._data
        if not isinstance(value, np.ndarray):
            return copy.deepcopy(value)
        if value.ndim and value.shape != p._data.shape:
            raise ValueError(
                f"{self._name}.load_state_dict: state {key!r} of parameter {index} has shape "
                f"{value.shape}, the parameter {p._data.shape}"
            )
        dtype = p._data.dtype if p._data.dtype.kind in "fc" else value.dtype
        return np.array(value, dtype=dtype, copy=True)

    def __repr__(self):
        lines = [f"{self._name} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"
