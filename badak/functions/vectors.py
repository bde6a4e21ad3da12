"""Vectors along a dim and resampling: normalize, cosine_similarity, interpolate (nearest).

normalize and cosine_similarity keep PyTorch's rule for tiny norms: the norm is raised to eps
in value only, so the gradient is the norm's own (never eps's zero).
"""

import math

from badak.device import np
from badak.functions._args import as_array, check_floating
from badak.functions.reduce import norm, sum
from badak.functions.shape import get_item


def _at_least(value, eps):
    """value where it is >= eps, else eps, with value's gradient everywhere (torch clamps the
    norm without recording it)."""
    low = as_array(value) < eps
    if not low.any():
        return value
    raised = np.where(low, as_array(value).dtype.type(eps), as_array(value))
    return value + (raised - as_array(value))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input scaled to unit p-norm along dim: input / max(||input||_p, eps).

    Shape: any; the result has input's shape (the norm is taken along dim). `out` is accepted
    and not written. Matches torch.nn.functional.normalize.
    """
    check_floating("normalize", input)
    return input / _at_least(norm(input, p, dim, keepdim=True), eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between x1 and x2 along dim, each norm clamped below at eps.

        sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)) along dim

    Shape: x1 and x2 broadcast, e.g. (N, D) and (N, D); the result has the broadcast shape
    without dim, e.g. (N,). Matches torch.nn.functional.cosine_similarity.
    """
    check_floating("cosine_similarity", x1)
    check_floating("cosine_similarity", x2)
    shape = np.broadcast_shapes(np.shape(x1), np.shape(x2))
    ndim = len(shape)
    if not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"cosine_similarity: dim {dim} is out of range for {ndim} dims")
    n1 = _at_least(norm(x1, 2, dim, keepdim=True), eps)
    n2 = _at_least(norm(x2, 2, dim, keepdim=True), eps)
    return sum((x1 / n1) * (x2 / n2), dim)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):  # fmt: skip
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input, each output
    position taking the input position floor(i * in / out) (mode "nearest", PyTorch's)."""
    name = "interpolate"
    if mode != "nearest":
        raise NotImplementedError(f"{name}: only mode='nearest' is supported, got {mode!r}")
    if align_corners is not None:
        raise ValueError(f"{name}: align_corners only goes with the linear modes")
    in_shape = np.shape(input)
    spatial = len(in_shape) - 2
    if spatial not in (1, 2, 3):
        raise ValueError(f"{name}: expected 3, 4 or 5 dims (N, C, ...), got shape {in_shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{name}: give exactly one of size and scale_factor")
    in_sizes = in_shape[2:]
    if size is not None:
        sizes = [size] * spatial if isinstance(size, (int, np.integer)) else list(size)
        scales = [n / s if s else 0.0 for n, s in zip(in_sizes, sizes)]
    else:
        factors = (
            [scale_factor] * spatial if isinstance(scale_factor, (int, float)) else scale_factor
        )
        sizes = [math.floor(n * f) for n, f in zip(in_sizes, factors)]
        # as PyTorch: the given factor sets the positions unless recompute_scale_factor is set
        scales = [
            n / s if recompute_scale_factor else 1 / f for n, s, f in zip(in_sizes, sizes, factors)
        ]
    if len(sizes) != spatial or any(s < 1 for s in sizes):
        raise ValueError(f"{name}: expected {spatial} positive output sizes, got {sizes}")
    picks = [
        np.minimum(np.floor(np.arange(s) * scale).astype(np.int64), n - 1)
        for s, scale, n in zip(sizes, scales, in_sizes)
    ]
    index = (slice(None), slice(None)) + np.ix_(*picks)
    return get_item(input, index)
