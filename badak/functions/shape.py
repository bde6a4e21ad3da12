"""Shape operations: reshape, permute, broadcast_to / sum_to, indexing, cat / stack.

`unbroadcast(grad, shape)` is the one place where broadcasting is undone; every binary operation's
backward calls it.
"""

import math

from badak.autograd import Function
from badak.device import np
from badak.functions._args import normalize_dims, shape_arg, shape_of
from badak.tensor import Tensor


def _is_parameter(x):
    """A Parameter is never returned as an operation's result: it would be found as a parameter."""
    return isinstance(x, Tensor) and x._result_class is not None


class Reshape(Function):
    saves_inputs = False

    def forward(self, x, shape):
        self.input_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:  # raised before any graph is recorded
            raise ValueError(f"reshape: cannot reshape shape {x.shape} to {shape}") from None

    def backward(self, grad):
        return (reshape(grad, self.input_shape),)


def reshape(x, *shape):
    """x with a new shape of the same size; one dimension may be -1. Shape: `shape`."""
    shape = shape_arg(shape)
    if np.shape(x) == shape and not _is_parameter(x):
        return x
    return Reshape()(x, shape=shape)


view = reshape


class Permute(Function):
    """permute's operation: forward reorders x's dims by `dims`, backward puts the gradient's
    dims back by the inverse permutation.

    Shape: x (*) -> the result's dim i is x's dim dims[i]: dims (2, 0, 1) of (B, L, E) is
    (E, B, L).
    """

    saves_inputs = False

    def forward(self, x, dims):
        self.dims = dims
        return x.transpose(dims)

    def backward(self, grad):
        return (permute(grad, tuple(np.argsort(self.dims))),)


def permute(x, *dims):
    """x with its dims reordered, as torch.permute: the result's dim i is x's dim dims[i].

    `dims` is a permutation of x's dims (negative counting from the last), given as varargs
    or one tuple.

    Shape: the result's size i is x's size at dims[i]: permute(x, 2, 0, 1) of a (B, L, E)
    tensor is (E, B, L).
    """
    dims = shape_arg(dims)
    ndim = np.ndim(x)
    axes = tuple(d + ndim if d < 0 else d for d in dims)
    if sorted(axes) != list(range(ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of {ndim} dims")
    dims = axes
    if dims == tuple(range(ndim)) and not _is_parameter(x):
        return x
    return Permute()(x, dims=dims)


def transpose(x, dim0=-2, dim1=-1):
    """x with dims dim0 and dim1 swapped, as torch.transpose (by default the last two, which
    torch requires to be given).

    Shape: x (*) with the sizes of dim0 and dim1 exchanged: (N, H, W) -> (N, W, H) by default.
    """
    ndim = np.ndim(x)
    a, b = normalize_dims("transpose", dim0, ndim), normalize_dims("transpose", dim1, ndim)
    if not ndim:  # dims 0 and -1 of a 0-d tensor, as PyTorch allows: nothing to swap
        return permute(x, ())
    (a,), (b,) = a, b
    dims = list(range(ndim))
    dims[a], dims[b] = dims[b], dims[a]
    return permute(x, tuple(dims))


def squeeze(x, dim=None):
    """x without its size-1 dims, as torch.squeeze: all of them, or of `dim` (an int or a
    tuple) those that have size 1.

    Shape: (1, N, 1) -> (N,); with dim=0, (N, 1).
    """
    shape = np.shape(x)
    dims = normalize_dims("squeeze", dim, len(shape))
    return reshape(x, tuple(s for i, s in enumerate(shape) if not (i in dims and s == 1)))


def unsqueeze(x, dim):
    """x with a size-1 dim inserted at `dim` (in [-ndim - 1, ndim]), as torch.unsqueeze.

    Shape: (N, D) -> (1, N, D) for dim 0, (N, D, 1) for dim -1.
    """
    shape = list(np.shape(x))
    (position,) = normalize_dims("unsqueeze", dim, len(shape) + 1)
    shape.insert(position, 1)
    return reshape(x, tuple(shape))


def flatten(x, start_dim=0, end_dim=-1):
    """x with dims start_dim .. end_dim (both included) merged into one, as torch.flatten.

    Shape: (N, C, H, W) -> (N * C * H * W,) by default, (N, C * H * W) for start_dim 1; a 0-d x
    gives (1,).
    """
    shape = np.shape(x)
    if not shape:
        return reshape(x, (1,))
    (start,), (end,) = (normalize_dims("flatten", d, len(shape)) for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, (*shape[:start], -1, *shape[end + 1 :]))


def broadcast_view(x, shape):
    """np.broadcast_to without its Python overhead: a read-only view with zero strides.

    A small result is filled instead: a fresh array is cheaper than building the view.
    """
    if math.prod(shape) <= 1024:
        out = np.empty(shape, np.result_type(x))
        out[...] = x
        return out
    if not (isinstance(x, np.ndarray) and x.flags.c_contiguous):
        return np.broadcast_to(x, shape)
    lead = len(shape) - x.ndim
    strides = (0,) * lead + tuple(
        0 if size == 1 else stride for size, stride in zip(x.shape, x.strides)
    )
    view = np.ndarray(shape, x.dtype, buffer=x, strides=strides)
    view.flags.writeable = False
    return view


class BroadcastTo(Function):
    saves_inputs = False

    def forward(self, x, shape):
        self.input_shape = np.shape(x)
        return broadcast_view(x, shape)

    def backward(self, grad):
        return (sum_to(grad, self.input_shape),)


def broadcast_to(x, *shape):
    """x broadcast to `shape`; its gradient is summed back."""
    shape = shape_arg(shape)
    x_shape = np.shape(x)
    lead = len(shape) - len(x_shape)
    if -1 in shape[lead:]:  # -1 keeps that dim's size, as in PyTorch's expand
        shape = shape[:lead] + tuple(
            x_shape[i] if s == -1 else s for i, s in enumerate(shape[lead:])
        )
    if x_shape == shape:
        return x
    if len(x_shape) > len(shape) or any(
        a != b and a != 1 for a, b in zip(x_shape[::-1], shape[::-1])
    ):
        raise ValueError(f"broadcast_to: cannot broadcast shape {x_shape} to {shape}")
    return BroadcastTo()(x, shape=shape)


class SumTo(Function):
    saves_inputs = False

    def forward(self, x, shape):
        self.input_shape = x.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, size in enumerate(shape) if size == 1 and x.shape[lead + i] != 1
        )
        out = x.sum(axis=axes, keepdims=True)
        return out.reshape(shape) if lead else out

    def backward(self, grad):
        return (broadcast_to(grad, self.input_shape),)


def sum_to(x, *shape):
    """x summed down to `shape`, the inverse of broadcasting to x's shape."""
    shape = shape_arg(shape)
    if np.shape(x) == shape:
        return x
    return SumTo()(x, shape=shape)


def unbroadcast(grad, shape):
    """The gradient of a broadcast input: grad summed back to the input's shape."""
    return grad if grad.shape == shape else SumTo()(grad, shape=shape)


def as_index(index):
    """An index with Tensors and lists turned into arrays, ready for NumPy indexing; a 0-d integer
    Tensor or array is an int, as PyTorch reads it.

    Shape: each part keeps its shape (a list becomes an array of its shape, an empty list an
    int64 array of shape (0,)); a 0-d integer index, shape (), becomes an int.
    """
    if isinstance(index, tuple):
        return tuple(as_index(i) for i in index)
    if isinstance(index, Tensor):
        index = index._data
    elif isinstance(index, list):
        index = np.asarray(index)
        return index.astype(np.int64) if index.size == 0 else index  # [] indexes nothing
    if isinstance(index, np.ndarray) and index.ndim == 0 and index.dtype.kind in "iu":
        return int(index)
    return index


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


def _is_int(part):
    return isinstance(part, (int, np.integer)) and not isinstance(part, bool)


def _dims_taken(part):
    """How many dims of the indexed array an index part consumes."""
    if part is None or isinstance(part, bool):
        return 0
    if isinstance(part, np.ndarray) and part.dtype == bool:
        return part.ndim  # a mask covers as many dims as it has
    return 1


def index_steps(index, ndim):
    """PyTorch's reading of `index` into an array of `ndim` dims, as NumPy indices applied one
    after the other.

    Two rules differ from NumPy's where index arrays are present. An int beside them is to NumPy
    one more index array (broadcast with the others, which moves the result's dims:
    x[0, None, [1, 0]] has shape (2, 1, ...)); PyTorch applies the ints and Nones first and
    indexes what is left with the arrays ((1, 2, ...)). And a "..." that stands for no dim does
    not keep two index arrays apart in PyTorch. So "..." is spelled out as slices, and with ints
    present there are two steps, the first basic (a view); else one.
    """
    index = as_index(index)
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(p, np.ndarray) and p.ndim for p in parts):
        return (index,)
    if any(p is Ellipsis for p in parts):
        at = next(i for i, p in enumerate(parts) if p is Ellipsis)
        spelled = [slice(None)] * (ndim - sum(_dims_taken(p) for p in parts if p is not Ellipsis))
        parts = (*parts[:at], *spelled, *parts[at + 1 :])
    if not any(_is_int(p) for p in parts):
        return (parts,)
    first, rest = [], []
    for part in parts:
        if _is_int(part):
            first.append(part)
        elif part is None:
            first.append(None)
            rest.append(slice(None))
        else:  # a slice, an index array, a mask or a bool: applied in the second step
            first.extend([slice(None)] * _dims_taken(part))
            rest.append(part)
    return tuple(first), tuple(rest)


class GetItem(Function):
    saves_inputs = False

    def forward(self, x, index):
        self.input_shape = x.shape
        self.index = index
        return x[index]

    def backward(self, grad):
        return (GetItemGrad()(grad, index=self.index, shape=self.input_shape),)


class GetItemGrad(Function):
    """Scatters a gradient back into zeros of the indexed array's shape; repeats accumulate."""

    saves_inputs = False

    def forward(self, grad, index, shape):
        self.index = index
        out = np.zeros(shape, dtype=grad.dtype)
        if _is_basic(index):
            out[index] = grad  # a basic index names each element at most once
        else:
            np.add.at(out, index, grad)
        return out

    def backward(self, grad):
        return (get_item(grad, self.index),)


def get_item(x, index):
    """x[index] with basic or advanced indexing; repeated indices accumulate their gradients.

    Where NumPy and PyTorch differ (ints beside index arrays), PyTorch's rule holds: the ints
    select first, then the arrays index what is left (see index_steps).
    """
    for step in index_steps(index, np.ndim(x)):
        x = GetItem()(x, index=step)
    return x


class Cat(Function):
    saves_inputs = False

    def forward(self, *xs, dim):
        self.dim = dim
        self.bounds = np.cumsum([x.shape[dim] for x in xs])[:-1]
        return np.concatenate(xs, axis=dim)

    def backward(self, grad):
        starts = (0, *self.bounds)
        stops = (*self.bounds, grad.shape[self.dim])
        lead = (slice(None),) * self.dim
        return tuple(grad[(*lead, slice(a, b))] for a, b in zip(starts, stops))


def cat(tensors, dim=0):
    """Tensors joined along the existing dim `dim`, as torch.cat (concat and concatenate are
    the same function); the gradient is split back among them.

    Shape: tensors of one number of dims, agreeing outside `dim`; (N_1, D), ..., (N_k, D) ->
    (N_1 + ... + N_k, D) for dim 0.
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    shapes = [np.shape(t) for t in tensors]
    (dim,) = normalize_dims("cat", dim, len(shapes[0]))
    for i, shape in enumerate(shapes):
        if len(shape) != len(shapes[0]) or any(
            a != b for d, (a, b) in enumerate(zip(shape, shapes[0])) if d != dim
        ):
            raise ValueError(
                f"cat: tensor {i} has shape {shape} and tensor 0 has {shapes[0]}; "
                f"they must agree outside dim {dim}"
            )
    return Cat()(*tensors, dim=dim)


concatenate = cat


def stack(tensors, dim=0):
    """Tensors of one shape joined along a new dim `dim`, as torch.stack.

    Shape: k tensors (*) -> the shape with k inserted at `dim`: k of (N, D) give (k, N, D)
    for dim 0.
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {np.shape(t) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: expected tensors of one shape, got shapes {sorted(shapes)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


class ConstantPad(Function):
    saves_inputs = False

    def forward(self, x, widths, value):
        self.inner = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return np.pad(x, widths, constant_values=value)

    def backward(self, grad):
        return (get_item(grad, self.inner),)


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input, pad, mode="constant", value=None):
    """input padded (or, for negative widths, cropped) along its last dims.

    Args:
        pad: (before, after) widths from the last dim backwards: (left, right) pads the last
            dim, (left, right, top, bottom) the last two, and so on.
        mode: 'constant' (filled with `value`, default 0), 'reflect', 'replicate', 'circular'.
    Returns:
        input's shape with each padded dim grown by before + after.
    Matches torch.nn.functional.pad.
    """
    shape = shape_of(input)
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > len(shape) or not all(isinstance(p, int) for p in pad):
        raise ValueError(
            f"pad: expected an even number of ints, at most 2 per dim of a tensor of shape "
            f"{shape}, got {pad}"
        )
    pairs = [(0, 0)] * (len(shape) - len(pad) // 2) + [
        (pad[i], pad[i + 1]) for i in range(len(pad) - 2, -1, -2)
    ]
    if any(n + before + after < 0 for n, (before, after) in zip(shape, pairs)):
        raise ValueError(f"pad: widths {pad} crop a tensor of shape {shape} below zero size")
    crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(shape, pairs))
    widths = tuple((max(b, 0), max(a, 0)) for b, a in pairs)
    x = get_item(input, crop) if any(b < 0 or a < 0 for b, a in pairs) else input
    if mode == "constant":
        fill = 0 if value is None else value
        return ConstantPad()(x, widths=widths, value=fill)
    if mode not in _PAD_MODES:
        raise ValueError(
            f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    # Each output position reads one input position: the index maps NumPy's own padding makes
    # of arange, so the gradient scatters back through indexing.
    sizes = shape_of(x)
    if mode == "reflect" and any(max(w) >= n for n, w in zip(sizes, widths) if max(w)):
        raise ValueError(f"pad: reflect padding {pad} must be smaller than the dims {sizes}")
    maps = [
        np.pad(np.arange(n), w, mode=_PAD_MODES[mode]) if max(w) else np.arange(n)
        for n, w in zip(sizes, widths)
    ]
    return get_item(x, np.ix_(*maps))


# ----------------------------------------------------------------------------------------------
# Pieces along a dim: narrow, split, chunk, unbind (each piece a slice, its gradient scattered)
# ----------------------------------------------------------------------------------------------
def _one_dim(name, x, dim):
    ndim = np.ndim(x)
    if not ndim:
        raise IndexError(f"{name}: a 0-d tensor has no dim to cut")
    (axis,) = normalize_dims(name, dim, ndim)
    return axis


def _along(axis, part):
    return (slice(None),) * axis + (part,)


def narrow(x, dim, start, length):
    """x's elements start .. start + length - 1 along `dim`, as torch.narrow; start may be
    negative (counting from the end).

    Shape: x's, with `dim` of size length.
    """
    axis = _one_dim("narrow", x, dim)
    size = np.shape(x)[axis]
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise IndexError(
            f"narrow: start {start} and length {length} do not fit dim {dim} of size {size}"
        )
    return get_item(x, _along(axis, slice(start, start + length)))


def split(x, split_size_or_sections, dim=0):
    """x cut into a tuple of pieces along `dim`, as torch.split.

    Args:
        x: the tensor to cut.
        split_size_or_sections: an int, the size of each piece (the last may be smaller), or
            a list of the pieces' sizes, which must add up to x's size along `dim`.
        dim: the dim to cut along.

    Shape: each piece has x's shape with `dim` of its own size.
    """
    axis = _one_dim("split", x, dim)
    size = np.shape(x)[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0 and size:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [min(step, size - start) for start in range(0, size, step)] if size else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != size or any(s < 0 for s in sizes):
            raise ValueError(f"split: sizes {sizes} do not add up to dim {dim}'s size {size}")
    bounds = np.cumsum([0, *sizes])
    return tuple(get_item(x, _along(axis, slice(a, b))) for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(x, chunks, dim=0):
    """x cut into at most `chunks` pieces along `dim`, as torch.chunk: each of size
    ceil(n / chunks) (the last may be smaller), so fewer than `chunks` pieces may come.

    Shape: each piece has x's shape with `dim` of its own size; (6, D) in 4 chunks gives three
    (2, D).
    """
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
    size = np.shape(x)[_one_dim("chunk", x, dim)]
    return split(x, max(1, -(-size // chunks)), dim)


def unbind(x, dim=0):
    """The tuple of slices of x along `dim`, each without that dim, as torch.unbind.

    Shape: (N, D) gives N tensors (D,) for dim 0.
    """
    axis = _one_dim("unbind", x, dim)
    return tuple(get_item(x, _along(axis, i)) for i in range(np.shape(x)[axis]))


# ----------------------------------------------------------------------------------------------
# Rearranging copies: flip, repeat, tile, and the triangles triu, tril
# ----------------------------------------------------------------------------------------------
class Flip(Function):
    saves_inputs = False

    def forward(self, x, axes):
        self.axes = axes
        return np.flip(x, axes)

    def backward(self, grad):
        return (Flip()(grad, axes=self.axes),)


def flip(x, dims):
    """A copy of x reversed along each of `dims` (an int or a sequence), as torch.flip.

    Shape: x's.
    """
    if np.ndim(x) == 0:
        return x
    return Flip()(x, axes=normalize_dims("flip", dims, np.ndim(x)))


class Tile(Function):
    saves_inputs = False

    def forward(self, x, reps):
        self.input_shape, self.reps = x.shape, reps
        return np.tile(x, reps)

    def backward(self, grad):
        # Each output dim of size r * s is (r, s): the gradient summed over the r copies.
        shape = (1,) * (len(self.reps) - len(self.input_shape)) + tuple(self.input_shape)
        split = [n for r, s in zip(self.reps, shape) for n in (r, s)]
        total = grad.reshape(split).sum(axis=tuple(range(0, len(split), 2)))
        return (total.reshape(self.input_shape),)


def repeat(x, *sizes):
    """x repeated sizes[i] times along dim i (more sizes than dims: new leading dims)."""
    sizes = shape_arg(sizes, "repeat")
    if len(sizes) < np.ndim(x):
        raise ValueError(
            f"repeat: expected at least {np.ndim(x)} sizes for a tensor of {np.ndim(x)} dims, "
            f"got {sizes}"
        )
    if any(s < 0 for s in sizes):
        raise ValueError(f"repeat: sizes must not be negative, got {sizes}")
    return Tile()(x, reps=sizes)


def tile(x, dims):
    """x repeated dims[i] times along dim i, as torch.tile; the gradient of the copies is
    summed back.

    With fewer entries in `dims` than x has dims, the missing leading ones are 1; with more,
    x gets new leading dims of size 1 first.

    Shape: x's sizes times dims, entry by entry (both padded with leading 1s to one length):
    (N, D) tiled by (2,) is (N, 2 * D), by (3, 1, 1) it is (3, N, D).
    """
    dims = shape_arg((dims,), "tile")
    return repeat(x, (1,) * (np.ndim(x) - len(dims)) + dims)


class Triangle(Function):
    saves_inputs = False

    def forward(self, x, keep):
        self.keep = keep
        return np.where(keep, x, x.dtype.type(0))

    def backward(self, grad):
        return (Triangle()(grad, keep=self.keep),)


def _triangle(name, x, diagonal, upper):
    if np.ndim(x) < 2:
        raise ValueError(f"{name}: expected a tensor of at least 2 dims, got shape {np.shape(x)}")
    rows, cols = np.shape(x)[-2:]
    i, j = np.ogrid[:rows, :cols]
    return Triangle()(x, keep=(j - i >= diagonal) if upper else (j - i <= diagonal))


def triu(x, diagonal=0):
    """x's upper triangle in its last two dims, the rest zeros, as torch.triu: the elements on
    and above the `diagonal`-th diagonal (0 the main one, positive above it).

    Shape: x (*, R, C); the result has x's shape.
    """
    return _triangle("triu", x, diagonal, upper=True)


def tril(x, diagonal=0):
    """x's lower triangle in its last two dims, the rest zeros, as torch.tril: the elements on
    and below the `diagonal`-th diagonal (0 the main one, positive above it).

    Shape: x (*, R, C); the result has x's shape.
    """
    return _triangle("tril", x, diagonal, upper=False)
