"""Order along a dim: sort, argsort, topk.

The values of sort and topk are gathered from the input, so their gradient is scattered back to
where each value came from. Sorting is stable; NaN sorts as the largest value, as in PyTorch.
"""

from badak.device import np
from badak.functions._args import as_array
from badak.functions.elementwise import _no_grad_map
from badak.functions.indexing import Gather, _grid
from badak.functions.reduce import ValuesIndices
from badak.functions.shape import _one_dim


def _dim(name, x, dim):
    return 0 if np.ndim(x) == 0 else _one_dim(name, x, dim)


def _order(x, axis, descending):
    """Stable order of x along axis; descending keeps equal values in their order, as torch."""
    if x.dtype == np.bool_:
        x = x.astype(np.uint8)
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # Reversing the array and the stable ascending order of that gives the stable descending
    # order with NaN first (NaN is the largest).
    n = x.shape[axis]
    backwards = np.flip(x, axis)
    order = np.flip(np.argsort(backwards, axis=axis, kind="stable"), axis)
    return n - 1 - order


def _take(x, indices, axis):
    """x's values at `indices` along axis, recorded for backward (0-d: x itself)."""
    if np.ndim(x) == 0:
        return x if not hasattr(x, "_data") else Gather()(x, grid=())
    return Gather()(x, grid=_grid(indices, axis))


def sort(input, dim=-1, descending=False, stable=False):
    """The named pair (values, indices) of input sorted along `dim` (the last by default), as
    torch.sort.

    Ascending unless `descending`; the sort is always stable (equal values keep their order,
    whatever `stable` says) and NaN sorts as the largest value. The gradient of values goes
    back to where each value came from; indices are int64, outside the graph.

    Shape: values and indices have input's shape (*).
    """
    axis = _dim("sort", input, dim)
    data = as_array(input)
    if data.ndim == 0:
        return ValuesIndices(_take(input, None, 0), _no_grad_map(np.zeros_like, input).long())
    indices = _order(data, axis, descending)
    return ValuesIndices(_take(input, indices, axis), _as_long(input, indices))


def argsort(input, dim=-1, descending=False, stable=False):
    """The int64 indices that sort input along `dim` (the last by default), stably, as
    torch.argsort: sort(input, dim, descending).indices.

    Shape: input's (*).
    """
    return sort(input, dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """The named pair (values, indices) of the k largest elements along `dim` (the last by
    default), largest first, as torch.topk; largest=False gives the k smallest, smallest first.

    The result is always sorted (`sorted` is accepted); among equal values the earlier comes
    first, and NaN counts as the largest. The gradient of values goes back to where each value
    came from; indices are int64, outside the graph.

    Shape: input (*); values and indices have input's shape with `dim` of size k.
    """
    axis = _dim("topk", input, dim)
    data = as_array(input)
    size = data.shape[axis] if data.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= size:
        raise ValueError(f"topk: k must be an int in [0, {size}] for dim {dim}, got {k!r}")
    if data.ndim == 0:
        return sort(input)
    indices = np.take(_order(data, axis, descending=largest), np.arange(k), axis=axis)
    return ValuesIndices(_take(input, indices, axis), _as_long(input, indices))


def _as_long(like, indices):
    """indices as an int64 tensor (an array where `like` is an array)."""
    return _no_grad_map(lambda _: indices.astype(np.int64), like)
