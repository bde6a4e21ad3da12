"""Linear's backward on arrays, NumPy called directly.

It runs in every training step, where the functions' checks and dispatch cost more than small
products. The bits are those of functions.linalg.Linear.backward's formula; the weight's gradient
comes in the weight's own memory order, so that the optimizer's update is one pass.
"""

from badak.device import np
from badak.kernels import blas


def linear_backward(grad, x, weight, needs_input_grad):
    """(grad_x, grad_weight, grad_bias) of y = x @ weight.T + bias, None where not needed.

    Shapes: grad (..., H), x (..., D), weight (H, D) -> (..., D), (H, D), (H,).
    """
    need_x, need_weight, need_bias = needs_input_grad
    out_features, in_features = weight.shape
    rows = grad.reshape(-1, out_features)
    # The bias sum first, while grad is still in cache: the weight's product evicts it.
    grad_bias = np.add.reduce(rows, 0) if need_bias else None  # rows.sum(0), minus a frame
    grad_x = blas.matmul(grad, weight) if need_x else None
    grad_weight = None
    if need_weight:
        inputs = x.reshape(-1, in_features)
        if weight.flags.c_contiguous:
            grad_weight = blas.gemm(rows.T, inputs)
        else:
            grad_weight = blas.gemm(inputs.T, rows).T
    return grad_x, grad_weight, grad_bias
