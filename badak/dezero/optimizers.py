"""DeZero's optimizers: SGD, MomentumSGD, AdaGrad, AdaDelta, Adam, and the hooks that run before
an update (WeightDecay, ClipGrad, FreezeParam).

    model = MLP((10, 3))
    optimizer = optimizers.SGD(lr=0.2).setup(model)
    ...
    model.cleargrads(); loss.backward(); optimizer.update()

Each optimizer changes `param.data` in place with DeZero's formulas, in DeZero's order of
operations. State (velocities, squared-gradient averages ...) lives in dicts keyed by
`id(param)`, as arrays of the parameter's dtype. A hyperparameter takes the dtype of the array it
multiplies or is added to, as a Python float does in DeZero's own code (`lr * grad` is in the
gradient's dtype, which may be float64 for a float32 parameter): `_scalar(lr, grad)`. A NumPy
float64 scalar would instead promote a float32 array.
"""

import math

from badak.device import np
from badak.dezero.core import Parameter, Variable
from badak.kernels.update import add_scaled_
from badak.tensor import Tensor


def _scalar(value, array):
    """`value` in the floating dtype of `array`, the operand it meets (left alone for integer
    arrays)."""
    return array.dtype.type(value) if array.dtype.kind in "fc" else value


def _grad_array(param):
    grad = param.grad
    return grad.numpy() if isinstance(grad, Tensor) else np.asarray(grad)


class Optimizer:
    """Base class: `setup(target)` names what to train (anything with `params()`, such as a
    Layer or Model); `update()` runs the hooks on the parameters that have a gradient, then
    `update_one` on each parameter that still has one."""

    def __init__(self):
        self.target = None
        self.hooks = []

    def setup(self, target):
        self.target = target
        return self

    def update(self):
        if self.target is None:
            raise RuntimeError(f"{type(self).__name__}.update: call setup(model) first")
        params = [p for p in self.target.params() if p.grad is not None]
        for hook in self.hooks:
            hook(params)
        for param in params:
            if param.grad is not None:  # FreezeParam clears the gradients of frozen params
                self.update_one(param)

    def update_one(self, param):
        raise NotImplementedError(f"{type(self).__name__} must define update_one(param)")

    def add_hook(self, f):
        self.hooks.append(f)


# ----------------------------------------------------------------------------------------------
# Hooks: called with the list of parameters that have a gradient, before the update
# ----------------------------------------------------------------------------------------------
# The hooks give each parameter a new gradient Variable instead of changing the old one in
# place: one gradient object may be shared by several parameters (set by hand, or by a DeZero
# Function whose backward returns the same object twice), and an in-place change would reach
# them all.
class WeightDecay:
    """Adds rate * param to each gradient (L2 regularisation of strength rate / 2)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, params):
        for param in params:
            grad = _grad_array(param)
            decayed = grad + _scalar(self.rate, param.data) * param.data
            param.grad = Variable(decayed.astype(grad.dtype, copy=False))


class ClipGrad:
    """Scales all gradients together so that their global L2 norm is at most max_norm.

    rate = max_norm / (sqrt(sum over params of sum(grad ** 2)) + 1e-6);  applied if rate < 1
    """

    def __init__(self, max_norm):
        self.max_norm = max_norm

    def __call__(self, params):
        total = 0
        for param in params:
            total += np.square(_grad_array(param)).sum()  # in the gradients' dtype, as DeZero
        rate = self.max_norm / (math.sqrt(float(total)) + 1e-6)
        if rate < 1:
            for param in params:
                grad = _grad_array(param)
                param.grad = Variable(grad * _scalar(rate, grad))


class FreezeParam:
    """Keeps the given Parameters, or every parameter of the given layers, from changing."""

    def __init__(self, *layers):
        self.freeze_params = []
        for layer in layers:
            if isinstance(layer, Parameter):
                self.freeze_params.append(layer)
            else:
                self.freeze_params.extend(layer.params())

    def __call__(self, params):
        for param in self.freeze_params:
            param.grad = None


# ----------------------------------------------------------------------------------------------
# Optimizers
# ----------------------------------------------------------------------------------------------
class SGD(Optimizer):
    """Plain gradient descent: param -= lr * grad."""

    def __init__(self, lr=0.01):
        super().__init__()
        self.lr = lr

    def update_one(self, param):
        grad = _grad_array(param)
        add_scaled_(param.data, _scalar(-self.lr, grad), grad)  # param -= lr * grad, in one pass


class MomentumSGD(Optimizer):
    """Gradient descent with momentum:  v = momentum * v - lr * grad;  param += v.

    DeZero's formula (optim.SGD's momentum is PyTorch's, v = momentum v + grad; param -= lr v):
    the same steps in exact arithmetic, the book's digits in floating point."""

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__()
        self.lr = lr
        self.momentum = momentum
        self.vs = {}

    def update_one(self, param):
        key = id(param)
        if key not in self.vs:
            self.vs[key] = np.zeros_like(param.data)
        v = self.vs[key]
        v *= _scalar(self.momentum, v)
        grad = _grad_array(param)
        v -= _scalar(self.lr, grad) * grad
        param.data += v


class AdaGrad(Optimizer):
    """Per-element step sizes from the sum of squared gradients:

    h += grad * grad;  param -= lr * grad / (sqrt(h) + eps)
    """

    def __init__(self, lr=0.001, eps=1e-8):
        super().__init__()
        self.lr = lr
        self.eps = eps
        self.hs = {}

    def update_one(self, param):
        key = id(param)
        if key not in self.hs:
            self.hs[key] = np.zeros_like(param.data)
        h = self.hs[key]
        grad = _grad_array(param)
        h += grad * grad
        param.data -= _scalar(self.lr, grad) * grad / (np.sqrt(h) + _scalar(self.eps, h))


class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012), no learning rate: running averages of squared gradients (msg)
    and of squared steps (msdx) with decay rho:

        msg = rho * msg + (1 - rho) * grad^2
        dx = sqrt((msdx + eps) / (msg + eps)) * grad
        msdx = rho * msdx + (1 - rho) * dx^2;  param -= dx
    """

    def __init__(self, rho=0.95, eps=1e-6):
        super().__init__()
        self.rho = rho
        self.eps = eps
        self.msg = {}
        self.msdx = {}

    def update_one(self, param):
        key = id(param)
        if key not in self.msg:
            self.msg[key] = np.zeros_like(param.data)
            self.msdx[key] = np.zeros_like(param.data)
        msg, msdx = self.msg[key], self.msdx[key]
        rho, eps = _scalar(self.rho, msg), _scalar(self.eps, msg)
        grad = _grad_array(param)

        msg *= rho
        msg += _scalar(1 - self.rho, grad) * grad * grad
        dx = np.sqrt((msdx + eps) / (msg + eps)) * grad
        msdx *= rho
        msdx += _scalar(1 - self.rho, dx) * dx * dx
        param.data -= dx


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015) with the bias correction folded into the step size `lr`:

        m += (1 - beta1) * (grad - m);  v += (1 - beta2) * (grad^2 - v)
        lr = alpha * sqrt(1 - beta2^t) / (1 - beta1^t);  param -= lr * m / (sqrt(v) + eps)

    t counts calls to update(), starting at 1 for the first. DeZero's formula: eps is added
    to sqrt(v) before the bias correction (optim.Adam, PyTorch's, adds it after).
    """

    def __init__(self, alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__()
        self.t = 0
        self.alpha = alpha
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.ms = {}
        self.vs = {}

    def update(self, *args, **kwargs):
        self.t += 1
        super().update(*args, **kwargs)

    @property
    def lr(self):
        fix1 = 1.0 - math.pow(self.beta1, self.t)
        fix2 = 1.0 - math.pow(self.beta2, self.t)
        return self.alpha * math.sqrt(fix2) / fix1

    def update_one(self, param):
        key = id(param)
        if key not in self.ms:
            self.ms[key] = np.zeros_like(param.data)
            self.vs[key] = np.zeros_like(param.data)
        m, v = self.ms[key], self.vs[key]
        grad = _grad_array(param)

        step_m, step_v = grad - m, grad * grad - v
        m += _scalar(1 - self.beta1, step_m) * step_m
        v += _scalar(1 - self.beta2, step_v) * step_v
        param.data -= _scalar(self.lr, m) * m / (np.sqrt(v) + _scalar(self.eps, v))


class RMSProp(Optimizer):
    """RMSProp (a later DeZero addition): m = rho * m + (1 - rho) * grad^2;
    param -= lr * grad / (sqrt(m) + eps)."""

    def __init__(self, lr=0.001, rho=0.9, eps=1e-8):
        super().__init__()
        self.lr = lr
        self.rho = rho
        self.eps = eps
        self.ms = {}

    def update_one(self, param):
        key = id(param)
        if key not in self.ms:
            self.ms[key] = np.zeros_like(param.data)
        m = self.ms[key]
        grad = _grad_array(param)

        m *= _scalar(self.rho, m)
        m += _scalar(1 - self.rho, grad) * grad * grad
        param.data -= _scalar(self.lr, grad) * grad / (np.sqrt(m) + _scalar(self.eps, m))
