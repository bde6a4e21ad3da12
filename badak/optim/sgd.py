"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from badak.device import np
from badak.kernels.update import add_scaled_
from badak.optim.optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as torch.optim.SGD.

    For each parameter p with gradient g, at step t:

        g = -g                                   if maximize
        g = g + weight_decay * p                 if weight_decay != 0
        b = g                                    at the first step, else
        b = momentum * b + (1 - dampening) * g   (the momentum buffer, if momentum != 0)
        g = g + momentum * b                     if nesterov, else g = b
        p = p - lr * g

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: learning rate (>= 0).
        momentum: momentum factor (>= 0); 0 keeps no state.
        dampening: dampening of the momentum.
        weight_decay: L2 penalty (>= 0).
        nesterov: Nesterov momentum; needs momentum > 0 and dampening 0.
        maximize: ascend the objective instead of descending it.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0,
        dampening=0,
        weight_decay=0,
        nesterov=False,
        *,
        maximize=False,
    ):
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_options(self, options):
        if not options["lr"] >= 0:
            raise ValueError(f"SGD: invalid learning rate {options['lr']} (expected lr >= 0)")
        if not options["momentum"] >= 0:
            raise ValueError(f"SGD: invalid momentum {options['momentum']} (expected >= 0)")
        if not options["weight_decay"] >= 0:
            raise ValueError(f"SGD: invalid weight_decay {options['weight_decay']} (expected >= 0)")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={options['momentum']}, dampening={options['dampening']}"
            )

    def _update(self, p, grad, group):
        param = p._data
        dtype = param.dtype.type  # every scalar is cast: an np.float64 would promote float32
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        if weight_decay != 0:
            d = np.multiply(param, dtype(weight_decay))
            if group["maximize"]:
                d -= grad
            else:
                d += grad
        elif group["maximize"]:
            d = np.negative(grad)
        else:
            d = grad  # read only below: the gradient is the caller's

        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(d, copy=True)
            else:
                buf *= dtype(momentum)
                dampening = group["dampening"]
                buf += d if dampening == 0 else dtype(1 - dampening) * d
            if group["nesterov"]:
                d = d + dtype(momentum) * buf
            else:
                d = buf

        add_scaled_(param, dtype(-group["lr"]), d)
