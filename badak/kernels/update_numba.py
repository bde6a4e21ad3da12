"""Compiled in-place updates (the `fast` extra: numba). No fastmath: each element is rounded as
the optimizers' NumPy expressions round it, so both paths give bitwise the same weights."""

import numba
import numpy as np


@numba.njit(cache=True)
def add_scaled(target, scale, values):
    """target += scale * values, over 1-D contiguous arrays, in one pass."""
    for i in range(target.shape[0]):
        target[i] += scale * values[i]


@numba.njit(cache=True, error_model="numpy")  # numpy's: no check per division, so it vectorises
def adam(param, grad, exp_avg, exp_avg_sq, s):
    """One Adam/AdamW step over 1-D arrays of one memory order, in one pass, each element
    rounded as badak.optim.Adam's NumPy expressions round it (the same order of operations).

    grad: the gradient with maximize's sign and coupled weight decay already applied.
    s: the step's scalars in the arrays' dtype: [decay factor (1 - lr * wd for AdamW, else 1:
    a product by 1 changes nothing), 1 - beta1, beta2, 1 - beta2, sqrt(bias_correction2), eps,
    lr / bias_correction1].
    """
    decay, one_minus_beta1, beta2, one_minus_beta2 = s[0], s[1], s[2], s[3]
    root_correction, eps, step_size = s[4], s[5], s[6]
    for i in range(param.shape[0]):
        g = grad[i]
        m = exp_avg[i] + (g - exp_avg[i]) * one_minus_beta1
        v = exp_avg_sq[i] * beta2 + (g * g) * one_minus_beta2
        exp_avg[i] = m
        exp_avg_sq[i] = v
        param[i] = param[i] * decay - (m / (np.sqrt(v) / root_correction + eps)) * step_size


@numba.njit(cache=True, error_model="numpy")
def adadelta(param, grad, square_avg, acc_delta, s):
    """One Adadelta step over 1-D arrays of one memory order, in one pass, each element rounded
    as badak.optim.Adadelta's NumPy expressions round it.

    grad: the gradient with maximize's sign and weight decay already applied.
    s: the step's scalars in the arrays' dtype: [rho, 1 - rho, eps, lr].
    """
    rho, one_minus_rho, eps, lr = s[0], s[1], s[2], s[3]
    for i in range(param.shape[0]):
        g = grad[i]
        v = square_avg[i] * rho + one_minus_rho * g * g
        delta = np.sqrt(acc_delta[i] + eps) / np.sqrt(v + eps) * g
        square_avg[i] = v
        acc_delta[i] = acc_delta[i] * rho + one_minus_rho * delta * delta
        param[i] = param[i] - lr * delta
