"""Normalisation: batch_norm, layer_norm, group_norm, all built on one primitive, `normalize`.

normalize(x, dims) = (x - mean) / sqrt(var + eps) over `dims`, with the biased variance; the
norms then scale and shift it (weight, bias) with ordinary ops. float16 input is normalised in
float32 and returned in float16.
"""

from badak.autograd import Function, no_grad
from badak.device import np
from badak.functions._args import as_array, shape_of
from badak.functions.elementwise import cast, sqrt
from badak.functions.reduce import mean
from badak.functions.shape import reshape
from badak.tensor import Tensor


# ----------------------------------------------------------------------------------------------
# normalize: the primitive
# ----------------------------------------------------------------------------------------------
def _normalize_backward(grad, y, inv_std, dims):
    """d/dx of y = (x - mean) * inv_std over `dims`, weighted by grad:
    inv_std * (grad - mean(grad) - y * mean(grad * y))."""
    return inv_std * (grad - mean(grad, dims, True) - y * mean(grad * y, dims, True))


class Normalize(Function):
    saves_output = True

    def forward(self, x, dims, eps):
        self.dims, self.eps = dims, eps
        centered = x - x.mean(axis=dims, keepdims=True)
        variance = (centered * centered).mean(axis=dims, keepdims=True)
        self.inv_std = 1 / np.sqrt(variance + x.dtype.type(eps))
        return centered * self.inv_std

    def backward(self, grad):
        # The statistics again, from x: under create_graph they depend on x too.
        x = self.inputs[0]
        centered = x - mean(x, self.dims, True)
        variance = mean(centered * centered, self.dims, True)
        inv_std = 1 / sqrt(variance + x.dtype.type(self.eps))
        return (_normalize_backward(grad, centered * inv_std, inv_std, self.dims),)

    def backward_arrays(self, grad):
        """backward's formula with the statistics forward kept (the same bits)."""
        return (_normalize_backward(grad, self._output_data, self.inv_std, self.dims),)


def normalize(x, dims, eps=1e-5):
    """(x - mean(x)) / sqrt(var(x) + eps) over `dims` (var biased). Shape: same as x."""
    dtype = x.dtype if isinstance(x, Tensor) else np.asarray(x).dtype
    if dtype.kind != "f":
        raise TypeError(f"normalize: expected floating-point input, got dtype {dtype}")
    if dtype == np.float16:  # the statistics in float32
        return cast(Normalize()(cast(x, np.float32), dims=dims, eps=eps), np.float16)
    return Normalize()(x, dims=dims, eps=eps)


def _affine(y, weight, bias, shape):
    """y * weight + bias, each viewed as `shape` (None: left out)."""
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y


# ----------------------------------------------------------------------------------------------
# batch_norm / layer_norm / group_norm
# ----------------------------------------------------------------------------------------------
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):  # fmt: skip
    """Batch normalisation over every dim but the channels (dim 1).

    Args:
        input: (N, C) or (N, C, d1, ...).
        running_mean, running_var: (C,) Tensors or arrays, or None. In training they are
            updated in place: r = (1 - momentum) r + momentum * batch statistic (the variance
            unbiased); out of training they normalise the input.
        weight, bias: (C,) or None.
    Returns:
        input's shape. Matches torch.nn.functional.batch_norm.
    """
    name = "batch_norm"
    shape = shape_of(input)
    if len(shape) < 2:
        raise ValueError(f"{name}: expected input of shape (N, C, ...), got {shape}")
    channels = (shape[1],)
    for label, value in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):  # fmt: skip
        if value is not None and shape_of(value) != channels:
            raise ValueError(f"{name}: expected {label} of shape {channels}, got {shape_of(value)}")
    if training and _per_channel(shape) < 2:
        raise ValueError(f"{name}: expected more than 1 value per channel when training, "
                         f"got input of shape {shape}")  # fmt: skip
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{name}: running_mean and running_var are needed outside training")
    return normalize_batch(input, running_mean, running_var, weight, bias, training, momentum, eps)


def normalize_batch(input, running_mean, running_var, weight, bias, training, momentum, eps):
    """batch_norm after its checks, also for one value per channel in training (the output is
    then bias, and the running variance moves towards 0), which PyTorch refuses."""
    shape = shape_of(input)
    view = (shape[1],) + (1,) * (len(shape) - 2)
    dims = (0, *range(2, len(shape)))
    if training:
        y = normalize(input, dims, eps)
        if running_mean is not None or running_var is not None:
            count = _per_channel(shape)
            _update_running(as_array(input), dims, count, running_mean, running_var, momentum)
    else:
        x_dtype = as_array(input).dtype
        mean_ = as_array(running_mean).astype(x_dtype).reshape(view)
        inv_std = (1 / np.sqrt(as_array(running_var) + eps)).astype(x_dtype).reshape(view)
        y = (input - mean_) * inv_std
    return _affine(y, weight, bias, view)


def _per_channel(shape):
    """How many values each channel of an (N, C, ...) input holds."""
    return int(np.prod([n for d, n in enumerate(shape) if d != 1]))


def _update_running(x, dims, count, running_mean, running_var, momentum):
    """The running statistics, moved towards the batch's in place (outside any graph)."""
    wide = x.astype(np.float32) if x.dtype == np.float16 else x
    batch_mean = wide.mean(axis=dims)
    with no_grad():
        if running_mean is not None:
            stats = as_array(running_mean)
            stats *= 1 - momentum
            stats += momentum * batch_mean.astype(stats.dtype)
        if running_var is not None:
            unbiased = wide.var(axis=dims) * (count / max(count - 1, 1))
            stats = as_array(running_var)
            stats *= 1 - momentum
            stats += momentum * unbiased.astype(stats.dtype)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalisation over the last dims, those of `normalized_shape`, of every sample.

    Shapes: input (..., *normalized_shape); weight, bias normalized_shape or None; out as input.
    Matches torch.nn.functional.layer_norm.
    """
    shape = shape_of(input)
    normalized = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    if not normalized or shape[len(shape) - len(normalized) :] != normalized:
        raise ValueError(
            f"layer_norm: input of shape {shape} does not end in normalized_shape {normalized}"
        )
    for label, value in (("weight", weight), ("bias", bias)):
        if value is not None and shape_of(value) != normalized:
            raise ValueError(f"layer_norm: expected {label} of shape {normalized}, got "
                             f"{shape_of(value)}")  # fmt: skip
    dims = tuple(range(len(shape) - len(normalized), len(shape)))
    return _affine(normalize(input, dims, eps), weight, bias, normalized)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalisation over each group of C / num_groups channels (and every position) of every
    sample. Shapes: input (N, C, ...); weight, bias (C,) or None; out as input.
    Matches torch.nn.functional.group_norm."""
    shape = shape_of(input)
    if len(shape) < 2 or isinstance(num_groups, bool) or not isinstance(num_groups, int):
        raise ValueError(f"group_norm: expected input (N, C, ...) and an int num_groups, got "
                         f"{shape} and {num_groups!r}")  # fmt: skip
    if num_groups < 1 or shape[1] % num_groups:
        raise ValueError(f"group_norm: {shape[1]} channels do not split into {num_groups} groups")
    for label, value in (("weight", weight), ("bias", bias)):
        if value is not None and shape_of(value) != (shape[1],):
            raise ValueError(f"group_norm: expected {label} of shape ({shape[1]},), got "
                             f"{shape_of(value)}")  # fmt: skip
    grouped = reshape(input, (shape[0], num_groups, -1))
    y = reshape(normalize(grouped, (2,), eps), shape)
    return _affine(y, weight, bias, (shape[1],) + (1,) * (len(shape) - 2))


__all__ = ["batch_norm", "group_norm", "layer_norm", "normalize"]
