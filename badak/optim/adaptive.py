"""Optimizers with a per-element step size from running squared gradients: Adagrad, RMSprop and
Adadelta, as torch.optim's (their formulas, their order of operations, their defaults).

Every scalar is cast to the parameter's dtype first (a NumPy float64 would promote float32), and
the state is kept in the parameter's dtype, as `step` counts as ints.
"""

from badak.device import np
from badak.kernels.update import adadelta_
from badak.optim.optimizer import Optimizer


def _decayed(param, grad, group):
    """The gradient the update uses: negated to maximize, plus weight_decay * param (new array
    where it changes; the caller's gradient is never written)."""
    dtype = param.dtype.type
    if group.get("maximize"):
        grad = np.negative(grad)
    if group["weight_decay"] != 0:
        grad = grad + dtype(group["weight_decay"]) * param
    return grad


def _lerp_(start, end, weight):
    """start += weight * (end - start) in place, in PyTorch's two forms (the one that keeps the
    smaller error for the weight's side of 1/2)."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def _check_non_negative(name, options, keys):
    for key in keys:
        if not options[key] >= 0:
            raise ValueError(f"{name}: invalid {key} {options[key]} (expected >= 0)")


class Adagrad(Optimizer):
    """Adagrad, as torch.optim.Adagrad. For each parameter p with gradient g, at step t:

    g = g + weight_decay * p
    clr = lr / (1 + (t - 1) * lr_decay)
    sum = sum + g * g;   p = p - clr * g / (sqrt(sum) + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):  # fmt: skip
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "eps": eps,
                    "maximize": maximize}  # fmt: skip
        super().__init__(params, defaults)

    def _check_options(self, options):
        keys = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
        _check_non_negative("Adagrad", options, keys)

    def _update(self, p, grad, group):
        param = p._data
        dtype = param.dtype.type
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        grad = _decayed(param, grad, group)
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"]
        total += grad * grad
        param -= dtype(clr) * grad / (np.sqrt(total) + dtype(group["eps"]))


class RMSprop(Optimizer):
    """RMSprop, as torch.optim.RMSprop. For each parameter p with gradient g:

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        avg = sqrt(v - mean_g^2) + eps  if centered (mean_g = alpha mean_g + (1 - alpha) g),
              sqrt(v) + eps            otherwise
        b = momentum * b + g / avg;  p = p - lr * b    (with momentum > 0)
        p = p - lr * g / avg                          (without)

    The arguments are PyTorch's: lr, alpha, eps, weight_decay, momentum, centered, maximize.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):  # fmt: skip
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize}  # fmt: skip
        super().__init__(params, defaults)

    def _check_options(self, options):
        _check_non_negative("RMSprop", options, ("lr", "alpha", "eps", "weight_decay", "momentum"))

    def _update(self, p, grad, group):
        param = p._data
        dtype = param.dtype.type
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        grad = _decayed(param, grad, group)
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= dtype(alpha)
        square_avg += dtype(1 - alpha) * grad * grad
        if group["centered"]:
            _lerp_(state["grad_avg"], grad, dtype(1 - alpha))
            grad_avg = state["grad_avg"]
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += dtype(group["eps"])
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= dtype(group["momentum"])
            buf += grad / avg
            param -= dtype(group["lr"]) * buf
        else:
            param -= dtype(group["lr"]) * grad / avg


class Adadelta(Optimizer):
    """Adadelta, as torch.optim.Adadelta. For each parameter p with gradient g:

    g = g + weight_decay * p
    v = rho * v + (1 - rho) * g * g
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho * u + (1 - rho) * delta * delta;   p = p - lr * delta
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}  # fmt: skip
        super().__init__(params, defaults)

    def _check_options(self, options):
        _check_non_negative("Adadelta", options, ("lr", "eps", "weight_decay"))
        if not 0 <= options["rho"] <= 1:
            raise ValueError(f"Adadelta: invalid rho {options['rho']} (expected 0 <= rho <= 1)")

    def _update(self, p, grad, group):
        param = p._data
        dtype = param.dtype.type
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(param)
            state["acc_delta"] = np.zeros_like(param)
        state["step"] += 1
        grad = _decayed(param, grad, group)
        rho, eps = dtype(group["rho"]), dtype(group["eps"])
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        scalars = (rho, dtype(1 - group["rho"]), eps, dtype(group["lr"]))
        if adadelta_(param, grad, square_avg, acc_delta, scalars):
            return  # the expressions below in one compiled pass, bitwise
        square_avg *= rho
        square_avg += dtype(1 - group["rho"]) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += dtype(1 - group["rho"]) * delta * delta
        param -= dtype(group["lr"]) * delta
