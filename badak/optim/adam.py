"""Adam and AdamW: adaptive moment estimation, with coupled or decoupled weight decay."""

from badak.device import np
from badak.kernels.update import adam_
from badak.optim.optimizer import Optimizer


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as torch.optim.Adam.

    For each parameter p with gradient g, at its step t = 1, 2, ...:

        g = -g                                          if maximize
        g = g + weight_decay * p                        if weight_decay != 0 (coupled)
        p = p * (1 - lr * weight_decay)                 instead, if decoupled_weight_decay
        m = beta1 * m + (1 - beta1) * g                 (exp_avg, computed as m + (1-beta1)(g-m))
        v = beta2 * v + (1 - beta2) * g * g             (exp_avg_sq)
        v_max = max(v_max, v)                           if amsgrad; v_max then stands for v
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    The buffers m, v (and v_max) start at zero and have the parameter's dtype; scalars are
    computed in Python floats and cast to that dtype.

    Args:
        params: an iterable of Tensors or of parameter-group dicts.
        lr: learning rate (>= 0).
        betas: (beta1, beta2), each in [0, 1): decay rates of m and v.
        eps: added to the denominator (>= 0).
        weight_decay: L2 penalty (>= 0).
        amsgrad: use the maximum of the second moments so far (AMSGrad).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: decay the parameters directly, as AdamW.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _check_options(self, options):
        name = self._name
        if not options["lr"] >= 0:
            raise ValueError(f"{name}: invalid learning rate {options['lr']} (expected lr >= 0)")
        if not options["eps"] >= 0:
            raise ValueError(f"{name}: invalid eps {options['eps']} (expected eps >= 0)")
        beta1, beta2 = options["betas"]
        for i, beta in enumerate((beta1, beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name}: invalid betas[{i}] = {beta} (expected 0 <= beta < 1)")
        if not options["weight_decay"] >= 0:
            raise ValueError(
                f"{name}: invalid weight_decay {options['weight_decay']} (expected >= 0)"
            )

    def _update(self, p, grad, group):
        param = p._data
        dtype = param.dtype.type  # every scalar is cast: an np.float64 would promote float32
        lr, weight_decay = group["lr"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        state = self.state[p]
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(param)
            state["exp_avg_sq"] = np.zeros_like(param)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]

        if group["maximize"]:
            grad = np.negative(grad)
        decay = 1
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                decay = 1 - lr * weight_decay
            else:
                grad = grad + dtype(weight_decay) * param
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        if not group["amsgrad"]:
            scalars = (decay, 1 - beta1, beta2, 1 - beta2, bias_correction2**0.5, group["eps"],
                       lr / bias_correction1)  # fmt: skip
            if adam_(param, grad, exp_avg, exp_avg_sq, scalars):
                return
        if decay != 1:
            param *= dtype(decay)

        # the one temporary, reused below (an array even for a 0-d parameter, as `out=` needs)
        scratch = np.subtract(grad, exp_avg, out=np.empty_like(exp_avg))
        scratch *= dtype(1 - beta1)
        exp_avg += scratch  # PyTorch's lerp: m + (1 - beta1) (g - m)
        np.multiply(grad, grad, out=scratch)
        scratch *= dtype(1 - beta2)
        exp_avg_sq *= dtype(beta2)
        exp_avg_sq += scratch
        if group["amsgrad"]:
            max_exp_avg_sq = state["max_exp_avg_sq"]
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            exp_avg_sq = max_exp_avg_sq

        denom = np.sqrt(exp_avg_sq, out=scratch)
        denom /= dtype(bias_correction2**0.5)
        denom += dtype(group["eps"])
        update = np.divide(exp_avg, denom, out=scratch)
        update *= dtype(lr / bias_correction1)
        param -= update


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as torch.optim.AdamW.

    As Adam with decoupled_weight_decay=True: before the moments are updated,

        p = p * (1 - lr * weight_decay)

    and the gradient itself carries no decay. The default weight_decay is 1e-2.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )
