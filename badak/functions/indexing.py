"""Indexing along one dim: gather, scatter, scatter_add, index_select, masked_fill, embedding.

Index tensors take no gradient. Where an index repeats, the gradients it gathers add up (gather,
index_select, embedding), as in PyTorch.
"""

from badak.autograd import Function
from badak.device import np
from badak.functions._args import as_array, const
from badak.functions.elementwise import plain, where
from badak.functions.shape import _one_dim, broadcast_to, get_item, pad, unbroadcast
from badak.tensor import Tensor


def _check_index(name, index, ndim=None):
    """index as an int64 array; IndexError/TypeError naming `name` for a non-integer one."""
    array = as_array(index)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected an integer index, got dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name}: expected an index of {ndim} dims, got shape {array.shape}")
    return array.astype(np.int64, copy=False)


def _grid(index, dim):
    """The open mesh that addresses element i of `index` along `dim` and its own position in
    the other dims: x[_grid(index, dim)] is torch's gather of x by index."""
    mesh = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    mesh[dim] = index
    return tuple(mesh)


def _checked_grid(name, shape, dim, index, other_shape=None):
    """_grid, after torch's checks: as many dims as `shape`, no larger than it in the other dims
    (nor than `other_shape`, the source's), every value in [-shape[dim], shape[dim])."""
    if index.ndim != len(shape) and not (index.ndim <= 1 and len(shape) <= 1):
        raise ValueError(
            f"{name}: index must have as many dims as the input ({len(shape)}), "
            f"got shape {index.shape}"
        )
    index = index.reshape(index.shape if len(shape) else ())
    for d, (n, limit) in enumerate(zip(index.shape, shape)):
        if d != dim and n > limit:
            raise ValueError(
                f"{name}: index shape {index.shape} is larger than the input's {shape} in dim {d}"
            )
        if other_shape is not None and n > other_shape[d]:
            raise ValueError(
                f"{name}: index shape {index.shape} is larger than the source's {other_shape} "
                f"in dim {d}"
            )
    size = shape[dim] if shape else 1
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index[(index < -size) | (index >= size)][0]
        raise IndexError(f"{name}: index {bad} is out of bounds for dim {dim} with size {size}")
    if not shape:  # a 0-d input: the one element, whatever dim 0 or -1 says
        return ()
    return _grid(index, dim)


class Gather(Function):
    saves_inputs = False

    def forward(self, x, grid):
        self.grid, self.shape = grid, x.shape
        return x[grid]

    def backward(self, grad):
        return (ScatterAdd()(np.zeros(self.shape, grad.dtype), grad, grid=self.grid),)


def gather(input, dim, index):
    """out[i][j][k] = input[index[i][j][k]][j][k] for dim 0 (and so on). Shape: index's."""
    index = _check_index("gather", index)
    dim = _one_dim("gather", input, dim)
    return Gather()(input, grid=_checked_grid("gather", np.shape(input), dim, index))


class ScatterAdd(Function):
    """input with src's values added at the grid's places (repeats add up)."""

    saves_inputs = False

    def forward(self, x, src, grid):
        self.grid = grid
        out = x.copy()
        np.add.at(out, grid, src[tuple(slice(n) for n in _grid_shape(grid, src))])
        return out

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad
        grad_src = None
        if need_src:
            grad_src = _pad_to(Gather()(grad, grid=self.grid), self._arrays[1].shape)
        return grad if need_x else None, grad_src


class Scatter(Function):
    """input with src's values written at the grid's places (a repeated place: one of them)."""

    saves_inputs = False

    def forward(self, x, src, grid):
        self.grid = grid
        out = x.copy()
        out[grid] = src[tuple(slice(n) for n in _grid_shape(grid, src))]
        return out

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad
        grad_x = grad_src = None
        if need_x:  # the overwritten places take no gradient
            kept = np.ones(np.shape(grad), bool)
            kept[self.grid] = False
            grad_x = where(kept, grad, const(0, as_array(grad)))
        if need_src:
            grad_src = _pad_to(Gather()(grad, grid=self.grid), self._arrays[1].shape)
        return grad_x, grad_src


def _grid_shape(grid, src):
    """The shape the grid addresses (the index's): src's leading part of that shape."""
    return np.broadcast_shapes(*(np.shape(g) for g in grid)) if grid else np.shape(src)


def _pad_to(part, shape):
    """A gradient for the leading part of a larger source: zeros beyond it."""
    if tuple(np.shape(part)) == tuple(shape):
        return part
    widths = [(0, n - m) for n, m in zip(shape, np.shape(part))]
    return pad(part, [w for pair in reversed(widths) for w in pair])  # torch's flat widths


def _scatter(name, cls, input, dim, index, src, value):
    index = _check_index(name, index)
    dim = _one_dim(name, input, dim)
    if src is None:
        if value is None:
            raise TypeError(f"{name}: expected src or value")
        src = np.full(index.shape, value, as_array(input).dtype)
    shape = np.shape(input)
    src_shape = np.shape(plain(src))
    if len(src_shape) != index.ndim and index.ndim:
        raise ValueError(
            f"{name}: src must have as many dims as index ({index.ndim}), got shape {src_shape}"
        )
    return cls()(input, src, grid=_checked_grid(name, shape, dim, index, src_shape or None))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """A copy of input with src (or the number `value`) written where index points along dim,
    as torch.scatter; reduce="add" adds instead (scatter_add).

        out[index[i][j]][j] = src[i][j]    (dim 0, 2-d)

    A number in src's place is taken as `value`. Where index repeats a place, one of the
    writes is kept; the overwritten elements of input take no gradient.

    Shape: index has input's number of dims and is no larger than input outside `dim`, nor
    than src anywhere (src's leading part is used); the result has input's shape.
    """
    if reduce not in (None, "add"):
        raise ValueError(f"scatter: reduce must be None or 'add', got {reduce!r}")
    if not isinstance(src, (Tensor, np.ndarray)) and src is not None:
        src, value = None, src  # scatter(input, dim, index, 1.5): a scalar src, as torch
    cls = ScatterAdd if reduce == "add" else Scatter
    return _scatter("scatter", cls, input, dim, index, src, value)


def scatter_add(input, dim, index, src):
    """A copy of input with src added where index points along dim (repeats add up), as
    torch.scatter_add.

        out[index[i][j]][j] += src[i][j]    (dim 0, 2-d)

    Shape: index has input's number of dims and is no larger than input outside `dim`, nor
    than src anywhere (src's leading part is used); the result has input's shape.
    """
    return _scatter("scatter_add", ScatterAdd, input, dim, index, src, None)


class IndexSelect(Function):
    saves_inputs = False

    def forward(self, x, dim, index):
        self.dim, self.index, self.shape = dim, index, x.shape
        return np.take(x, index, axis=dim)

    def backward(self, grad):
        return (IndexAdd()(np.zeros(self.shape, grad.dtype), grad, dim=self.dim, index=self.index),)


class IndexAdd(Function):
    """x with source's slices added at index along dim (repeats add up)."""

    saves_inputs = False

    def forward(self, x, source, dim, index):
        self.dim, self.index = dim, index
        out = x.copy()
        np.add.at(out, (slice(None),) * dim + (index,), source)
        return out

    def backward(self, grad):
        need_x, need_source = self.needs_input_grad
        grad_source = IndexSelect()(grad, dim=self.dim, index=self.index) if need_source else None
        return grad if need_x else None, grad_source


def index_select(input, dim, index):
    """The slices of input at `index` along dim, as torch.index_select; repeated indices add
    up their gradients.

    Shape: input (*) and index (K,) (an integer tensor) -> input's shape with `dim` of size K.
    """
    index = _check_index("index_select", index)
    if index.ndim > 1:
        raise ValueError(f"index_select: expected a 1-d index, got shape {index.shape}")
    dim = _one_dim("index_select", input, dim)
    shape = np.shape(input)
    size = shape[dim] if shape else 1
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index[(index < -size) | (index >= size)][0]
        raise IndexError(f"index_select: index {bad} is out of range for dim {dim} of size {size}")
    if not shape:
        return IndexSelect()(input, dim=0, index=index.reshape(-1)).reshape(index.shape)
    return IndexSelect()(input, dim=dim, index=index.reshape(-1))


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with alpha * source's slices added at index along dim (repeats add
    up), as torch.index_add.

    Shape: index (K,) (an integer tensor); source has input's shape with `dim` of size K; the
    result has input's shape.
    """
    index = _check_index("index_add", index, 1)
    dim = _one_dim("index_add", input, dim)
    expected = np.shape(input)[:dim] + (len(index),) + np.shape(input)[dim + 1 :]
    if np.shape(source) != expected:  # no silent broadcast: PyTorch refuses it too
        raise ValueError(
            f"index_add: expected source of shape {expected} (input's with dim {dim} of size "
            f"{len(index)}), got {np.shape(source)}"
        )
    return IndexAdd()(input, source if alpha == 1 else source * alpha, dim=dim, index=index)


def masked_fill(input, mask, value):
    """A copy of input with `value` where mask is True, as torch.masked_fill. value may be a
    number or a 0-d tensor, whose gradient is the sum over the filled places.

    Shape: mask (bool) broadcasts to input's shape; the result has input's shape.
    """
    mask = as_array(plain(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_fill: expected a bool mask, got dtype {mask.dtype}")
    shape = np.shape(input)
    if np.broadcast_shapes(mask.shape, shape) != shape:
        raise ValueError(
            f"masked_fill: mask of shape {mask.shape} does not broadcast to the input's {shape}"
        )
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(
                f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
            )
        return MaskedFill()(input, value, mask=mask)
    dtype = as_array(input).dtype
    if dtype.kind in "iub" and isinstance(value, float) and not float(value).is_integer():
        raise TypeError(f"masked_fill: cannot fill an integer tensor with {value!r}")
    return MaskedFill()(input, np.asarray(value, dtype), mask=mask)


class MaskedFill(Function):
    saves_inputs = False

    def forward(self, x, value, mask):
        self.mask = mask
        return np.where(mask, value.astype(x.dtype), x)

    def backward(self, grad):
        need_x, need_value = self.needs_input_grad
        zero = const(0, as_array(grad))
        return (
            where(self.mask, zero, grad) if need_x else None,
            unbroadcast(where(self.mask, grad, zero), ()) if need_value else None,
        )


class Embedding(Function):
    """weight's rows at the indices; the padding row takes no gradient."""

    saves_inputs = False

    def forward(self, weight, indices, padding_idx):
        self.indices, self.padding_idx, self.rows = indices, padding_idx, weight.shape[0]
        return weight[indices]

    def backward(self, grad):
        indices = self.indices
        if self.padding_idx is not None:
            padding = np.expand_dims(indices == self.padding_idx, -1)
            grad = where(padding, const(0, as_array(grad)), grad)
        flat = grad.reshape(-1, np.shape(grad)[-1])
        zeros = np.zeros((self.rows, np.shape(grad)[-1]), as_array(grad).dtype)
        return (IndexAdd()(zeros, flat, dim=0, index=indices.reshape(-1)),)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):  # fmt: skip
    """weight's rows at the integer indices `input`. Shapes: input (*), weight (V, D) -> (*, D).
    padding_idx's row gets no gradient."""
    indices = _check_index("embedding", input)
    if np.ndim(weight) != 2:
        raise ValueError(f"embedding: expected a 2-d weight, got shape {np.shape(weight)}")
    rows = np.shape(weight)[0]
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = indices[(indices < 0) | (indices >= rows)][0]
        raise IndexError(f"embedding: index {bad} is out of range for {rows} rows")
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "embedding: max_norm, scale_grad_by_freq and sparse are not supported by badak"
        )
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(
                f"embedding: padding_idx {padding_idx} is out of range for {rows} rows"
            )
        padding_idx %= rows
    return Embedding()(weight, indices=indices, padding_idx=padding_idx)


def masked_select(input, mask):
    """input's elements where mask is True, in row-major order, as torch.masked_select.

    Shape: input and mask (bool) broadcast; the result is (M,), M the number of True elements
    of the broadcast mask.
    """
    mask = as_array(plain(mask))
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_select: expected a bool mask, got dtype {mask.dtype}")
    shape = np.broadcast_shapes(mask.shape, np.shape(input))
    if shape != np.shape(input):
        input = broadcast_to(input, shape)
    return get_item(input, np.broadcast_to(mask, shape))


def nonzero(input, *, as_tuple=False):
    """The indices of input's nonzero elements, in row-major order, as torch.nonzero: int64,
    outside the graph.

    Shape: input (*) with n dims and M nonzero elements -> (M, n); with as_tuple=True, a tuple
    of n tensors (M,), one per dim.
    """
    found = np.nonzero(as_array(input))
    if as_tuple:
        return tuple(Tensor._from_array(i.astype(np.int64)) for i in found)
    return Tensor._from_array(np.stack(found, axis=-1).astype(np.int64))
