"""Matrix products: matmul (1-D, 2-D and batched, broadcasting) and linear."""

from badak.autograd import Function
from badak.device import np
from badak.functions._args import shape_of
from badak.functions.reduce import sum
from badak.functions.shape import reshape, sum_to, transpose
from badak.kernels import blas
from badak.kernels import linear as kernels


class MatMul(Function):
    """a @ b with NumPy's rules: a 1-D a is a row, a 1-D b a column, leading dims broadcast."""

    fresh_gradients = True  # products and sums: new arrays, kept by no one

    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return blas.matmul(a, b)

    def backward(self, grad):
        a, b = self.inputs
        (a_shape, b_shape) = self.shapes
        need_a, need_b = self.needs_input_grad
        # Work with 1-D operands as matrices, then drop the dims that were added.
        a2 = reshape(a, (1, a_shape[0])) if len(a_shape) == 1 else a
        b2 = reshape(b, (b_shape[0], 1)) if len(b_shape) == 1 else b
        out_shape = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (
            a2.shape[-2],
            b2.shape[-1],
        )
        grad = reshape(grad, out_shape)
        grad_a = grad_b = None
        if need_a:
            grad_a = reshape(sum_to(matmul(grad, transpose(b2)), a2.shape), a_shape)
        if need_b:
            grad_b = reshape(sum_to(matmul(transpose(a2), grad), b2.shape), b_shape)
        return grad_a, grad_b


class Linear(Function):
    """x @ weight.T + bias, with weight (out, in) as in PyTorch."""

    fresh_gradients = True  # products and sums: new arrays, kept by no one

    def forward(self, x, weight, bias):
        y = blas.matmul(x, weight.T)
        if bias is not None:
            y += bias
        return y

    def backward(self, grad):
        x, weight, bias = self.inputs
        need_x, need_weight, need_bias = self.needs_input_grad
        out_features, in_features = weight.shape
        rows = reshape(grad, (-1, out_features))
        grad_bias = sum(rows, 0) if need_bias else None
        grad_x = matmul(grad, weight) if need_x else None
        grad_weight = None
        if need_weight:
            grad_weight = matmul(transpose(rows), reshape(x, (-1, in_features)))
        return grad_x, grad_weight, grad_bias

    def backward_arrays(self, grad):
        """backward's formula with NumPy called directly (the same bits): every training step
        runs it."""
        x, weight, _ = self._arrays
        return kernels.linear_backward(grad, x, weight, self.needs_input_grad)


def matmul(a, b):
    """Matrix product with NumPy's/PyTorch's rules for 1-D and batched operands.

    Shape: (..., N, K) @ (..., K, M) -> (..., N, M); a 1-D operand loses its added dim.
    """
    a_shape, b_shape = np.shape(a), np.shape(b)
    if not a_shape or not b_shape:
        raise ValueError(f"matmul: both operands need at least 1 dim, got {a_shape} and {b_shape}")
    if a_shape[-1] != b_shape[0 if len(b_shape) == 1 else -2]:
        raise ValueError(f"matmul: shapes {a_shape} and {b_shape} do not align")
    try:
        np.broadcast_shapes(a_shape[:-2], b_shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: batch dims of {a_shape} and {b_shape} do not broadcast"
        ) from None
    return MatMul()(a, b)


def linear(input, weight, bias=None):
    """input @ weight.T + bias. Shapes: input (..., D), weight (H, D), bias (H,) -> (..., H)."""
    in_shape, w_shape = shape_of(input), shape_of(weight)
    if len(w_shape) != 2 or not in_shape or in_shape[-1] != w_shape[1]:
        raise ValueError(
            f"linear: expected input (..., D) and weight (H, D), got {in_shape} and {w_shape}"
        )
    if bias is not None and shape_of(bias) != (w_shape[0],):
        raise ValueError(f"linear: expected bias of shape ({w_shape[0]},), got {shape_of(bias)}")
    return Linear()(input, weight, bias)


def mm(a, b):
    """(N, K) @ (K, M) -> (N, M): matmul for 2-D operands only, as torch.mm."""
    if np.ndim(a) != 2 or np.ndim(b) != 2:
        raise ValueError(f"mm: expected 2-D operands, got {np.shape(a)} and {np.shape(b)}")
    return matmul(a, b)


def bmm(a, b):
    """(B, N, K) @ (B, K, M) -> (B, N, M): matmul for 3-D operands of one batch size."""
    a_shape, b_shape = np.shape(a), np.shape(b)
    if len(a_shape) != 3 or len(b_shape) != 3 or a_shape[0] != b_shape[0]:
        raise ValueError(f"bmm: expected (B, N, K) and (B, K, M), got {a_shape} and {b_shape}")
    return matmul(a, b)
