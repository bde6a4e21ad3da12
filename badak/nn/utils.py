"""Gradient clipping (clip_grad_norm_, clip_grad_value_) and parameters as one vector
(parameters_to_vector, vector_to_parameters), as torch.nn.utils."""

from badak.device import np
from badak.functions import shape
from badak.tensor import Tensor


def _grads(parameters):
    """The gradient arrays of `parameters` (one Tensor or an iterable), skipping None."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad._data for p in parameters if p.grad is not None]


def _vector_norm(array, norm_type):
    """The p-norm of `array` seen as one vector (p may be inf, -inf or 0), in its dtype; float16
    in float32 (its squares overflow float16 from 256 on)."""
    if array.dtype == np.float16:
        array = array.astype(np.float32)
    if array.size == 0:
        return np.zeros((), dtype=array.dtype)
    return np.asarray(np.linalg.norm(array.ravel(), ord=norm_type))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients in place so that their joint norm is at most `max_norm`.

        total_norm = norm([norm(g) for g in grads], norm_type)
        g = g * min(max_norm / (total_norm + 1e-6), 1)       for every gradient g

    Args:
        parameters: a Tensor or an iterable of Tensors; those without `.grad` are skipped.
        max_norm: the largest norm allowed.
        norm_type: p of the p-norm: a positive number, or inf for the largest magnitude.
        error_if_nonfinite: raise RuntimeError if total_norm is NaN or infinite (otherwise the
            gradients are scaled by the non-finite coefficient, as in PyTorch).
    Returns:
        total_norm, a Tensor of shape () in the gradients' dtype (float32 0 when there are none).

    Matches torch.nn.utils.clip_grad_norm_.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    with np.errstate(all="ignore"):  # squares beyond the dtype's range give inf, as in PyTorch
        norms = [_vector_norm(g, norm_type) for g in grads]
        dtype = np.result_type(*grads)  # the total norm's: float16 gradients give a float16 norm
        total_norm = _vector_norm(np.stack(norms), norm_type).astype(dtype)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total_norm.item()}, so they cannot be clipped; pass error_if_nonfinite=False to "
            "scale them by the non-finite norm anyway"
        )
    dtype = total_norm.dtype.type
    with np.errstate(all="ignore"):  # an infinite norm gives 0 and NaN, silently, as PyTorch's
        coefficient = min(dtype(max_norm) / (total_norm + dtype(1e-6)), dtype(1.0))
        for g in grads:
            g *= coefficient.astype(g.dtype, copy=False)
    return Tensor(total_norm)


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient in place to [-clip_value, clip_value].

    Args:
        parameters: a Tensor or an iterable of Tensors; those without `.grad` are skipped.
        clip_value: the largest magnitude allowed.

    Matches torch.nn.utils.clip_grad_value_.
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        bound = g.dtype.type(clip_value)
        np.clip(g, -bound, bound, out=g)


def parameters_to_vector(parameters):
    """The parameters' values, flattened and joined into one 1-d tensor (in the graph)."""
    return shape.cat([shape.reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec, parameters):
    """The values of the 1-d tensor `vec` copied into the parameters, in order (no graph)."""
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if not isinstance(vec, Tensor) or vec.ndim != 1 or vec.numel() != total:
        raise ValueError(
            f"vector_to_parameters: expected a 1-d tensor of {total} values, got "
            f"{getattr(vec, 'shape', type(vec).__name__)}"
        )
    start = 0
    for p in parameters:
        p.data = vec._data[start : start + p.numel()].reshape(p.shape).astype(p.dtype)
        start += p.numel()
