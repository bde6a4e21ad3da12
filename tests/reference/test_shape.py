"""badak's shape functions and indexing against PyTorch: values and gradients."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import badak
import badak.functions as BF

from .helpers import compare, dim_tuples, dims, each_dtype, normal, seeds, shapes


@st.composite
def _reshapes(draw):
    """A shape and another of the same size, possibly with one -1."""
    shape = draw(shapes())
    factors = [p for s in shape for p in _prime_factors(s)]
    ndim = draw(st.integers(1, 4))
    target = [1] * ndim
    for p in factors:
        target[draw(st.integers(0, ndim - 1))] *= p
    if draw(st.booleans()):
        target[draw(st.integers(0, ndim - 1))] = -1
    return shape, tuple(target)


def _prime_factors(n):
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@each_dtype
@given(case=_reshapes(), seed=seeds)
def test_reshape_and_view_match_torch(dtype, case, seed):
    shape, target = case
    x = normal(np.random.default_rng(seed), shape)
    compare(lambda t: BF.reshape(t, target), lambda t: t.reshape(target), [x], dtype, seed=seed)
    compare(lambda t: t.reshape(*target), lambda t: t.reshape(*target), [x], dtype, seed=seed)
    compare(lambda t: t.view(target), lambda t: t.view(target), [x], dtype, seed=seed)


@st.composite
def _shape_and_two_dims(draw):
    shape = draw(shapes())
    return shape, draw(dims(len(shape))), draw(dims(len(shape)))


@each_dtype
@given(case=_shape_and_two_dims(), seed=seeds)
def test_transpose_matches_torch(dtype, case, seed):
    shape, d0, d1 = case
    x = normal(np.random.default_rng(seed), shape)
    compare(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), [x], dtype, seed=seed)
    compare(lambda t: BF.transpose(t, d0, d1), lambda t: t.transpose(d0, d1), [x], dtype, seed=seed)


@st.composite
def _shape_and_permutation(draw):
    shape = draw(shapes())
    order = draw(st.permutations(range(len(shape))))
    return shape, tuple(d - len(shape) if draw(st.booleans()) else d for d in order)


@each_dtype
@given(case=_shape_and_permutation(), seed=seeds)
def test_permute_and_T_match_torch(dtype, case, seed):
    shape, order = case
    x = normal(np.random.default_rng(seed), shape)
    compare(lambda t: t.permute(*order), lambda t: t.permute(*order), [x], dtype, seed=seed)
    compare(lambda t: BF.permute(t, order), lambda t: t.permute(order), [x], dtype, seed=seed)
    if len(shape) == 2:
        compare(lambda t: t.T, lambda t: t.T, [x], dtype, seed=seed)


@st.composite
def _shape_with_ones_and_dims(draw):
    """A shape rich in size-1 dims and what to squeeze: None, one dim or a tuple of dims."""
    shape = draw(shapes(max_side=3))
    dim = draw(st.one_of(st.none(), dims(len(shape)), dim_tuples(len(shape))))
    return shape, dim


@each_dtype
@given(case=_shape_with_ones_and_dims(), seed=seeds)
def test_squeeze_matches_torch(dtype, case, seed):
    shape, dim = case
    x = normal(np.random.default_rng(seed), shape)
    torch_fn = (lambda t: t.squeeze()) if dim is None else (lambda t: t.squeeze(dim))
    compare(lambda t: t.squeeze(dim), torch_fn, [x], dtype, seed=seed)


@st.composite
def _shape_and_new_dim(draw):
    shape = draw(shapes(max_dims=3))
    return shape, draw(dims(len(shape) + 1))


@each_dtype
@given(case=_shape_and_new_dim(), seed=seeds)
def test_unsqueeze_matches_torch(dtype, case, seed):
    shape, dim = case
    x = normal(np.random.default_rng(seed), shape)
    compare(lambda t: t.unsqueeze(dim), lambda t: t.unsqueeze(dim), [x], dtype, seed=seed)
    compare(lambda t: BF.unsqueeze(t, dim), lambda t: t.unsqueeze(dim), [x], dtype, seed=seed)


@each_dtype
@given(case=_shape_and_two_dims(), seed=seeds)
def test_flatten_matches_torch(dtype, case, seed):
    shape, d0, d1 = case
    start, end = sorted([d0, d1], key=lambda d: d % len(shape))
    x = normal(np.random.default_rng(seed), shape)
    compare(lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), [x], dtype, seed=seed)
    compare(lambda t: BF.flatten(t), lambda t: torch.flatten(t), [x], dtype, seed=seed)


@st.composite
def _cat_shapes(draw):
    """1 to 4 shapes that agree except along one dim, and that dim."""
    shape = draw(shapes())
    dim = draw(dims(len(shape)))
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    axis = dim % len(shape)
    return [shape[:axis] + (n,) + shape[axis + 1 :] for n in sizes], dim


@each_dtype
@given(case=_cat_shapes(), seed=seeds)
def test_cat_matches_torch(dtype, case, seed):
    cat_shapes, dim = case
    rng = np.random.default_rng(seed)
    xs = [normal(rng, s) for s in cat_shapes]
    compare(lambda *ts: badak.cat(ts, dim), lambda *ts: torch.cat(ts, dim), xs, dtype, seed=seed)


@st.composite
def _stack_case(draw):
    shape = draw(shapes(max_dims=3))
    return shape, draw(st.integers(1, 4)), draw(dims(len(shape) + 1))


@each_dtype
@given(case=_stack_case(), seed=seeds)
def test_stack_matches_torch(dtype, case, seed):
    shape, count, dim = case
    rng = np.random.default_rng(seed)
    xs = [normal(rng, shape) for _ in range(count)]
    compare(
        lambda *ts: badak.stack(list(ts), dim),
        lambda *ts: torch.stack(ts, dim),
        xs,
        dtype,
        seed=seed,
    )


@st.composite
def _broadcast_case(draw):
    """A target shape and a source that broadcasts to it."""
    target = draw(shapes())
    lead = draw(st.integers(0, len(target) - 1))
    source = tuple(1 if draw(st.booleans()) else s for s in target[lead:])
    return source, target


@each_dtype
@given(case=_broadcast_case(), seed=seeds)
def test_broadcast_to_matches_torch_expand(dtype, case, seed):
    source, target = case
    x = normal(np.random.default_rng(seed), source)
    compare(lambda t: BF.broadcast_to(t, target), lambda t: t.expand(target), [x], dtype, seed=seed)
    compare(lambda t: t.expand(*target), lambda t: t.expand(*target), [x], dtype, seed=seed)


@each_dtype
@given(case=_broadcast_case(), seed=seeds)
def test_expand_with_minus_one_keeps_size_as_torch(dtype, case, seed):
    # torch's expand reads -1 as "keep this dim's size"
    source, target = case
    lead = len(target) - len(source)
    target = target[:lead] + tuple(-1 if s == t else t for s, t in zip(source, target[lead:]))
    x = normal(np.random.default_rng(seed), source)
    compare(lambda t: t.expand(*target), lambda t: t.expand(*target), [x], dtype, seed=seed)


@st.composite
def _basic_index(draw):
    """A shape and a basic index: ints (negative too), slices with positive steps, None, ..."""
    shape = draw(shapes())
    parts = []
    for size in shape:
        kind = draw(st.sampled_from(["int", "slice", "all"]))
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-size - 1, size)))
            stop = draw(st.one_of(st.none(), st.integers(-size - 1, size + 1)))
            parts.append(slice(start, stop, draw(st.integers(1, 3))))
        else:
            parts.append(slice(None))
    head = draw(st.integers(0, len(parts)))
    if draw(st.booleans()):  # the leading dims, "...", then some trailing dims
        parts = parts[:head] + [Ellipsis] + parts[draw(st.integers(head, len(parts))) :]
    else:
        parts = parts[:head]
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return shape, tuple(parts)


@each_dtype
@given(case=_basic_index(), seed=seeds)
def test_basic_indexing_matches_torch(dtype, case, seed):
    shape, index = case
    x = normal(np.random.default_rng(seed), shape)
    compare(lambda t: t[index], lambda t: t[index], [x], dtype, seed=seed)


@st.composite
def _integer_index(draw):
    """A shape, a dim, and integer indices into it with repeats and negatives."""
    shape = draw(shapes())
    axis = draw(st.integers(0, len(shape) - 1))
    size = shape[axis]
    index = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=8))
    return shape, axis, index


@each_dtype
@given(case=_integer_index(), form=st.sampled_from(["tensor", "array", "list"]), seed=seeds)
def test_integer_array_indexing_with_repeats_matches_torch(dtype, case, form, seed):
    shape, axis, index = case
    x = normal(np.random.default_rng(seed), shape)
    array = np.array(index, dtype=np.int64)
    b_index = {"tensor": badak.tensor(array), "array": array, "list": index}[form]
    lead = (slice(None),) * axis
    compare(
        lambda t: t[(*lead, b_index)],
        lambda t: t[(*lead, torch.from_numpy(array))],
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(min_dims=2), count=st.integers(1, 6), seed=seeds)
def test_paired_integer_arrays_match_torch(dtype, shape, count, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    rows = rng.integers(-shape[0], shape[0], count)
    cols = rng.integers(-shape[1], shape[1], (2, 1) if count % 2 else count)  # broadcast too
    compare(
        lambda t: t[rows, cols],
        lambda t: t[torch.from_numpy(rows), torch.from_numpy(cols)],
        [x],
        dtype,
        seed=seed,
    )


@each_dtype
@given(shape=shapes(), leading=st.booleans(), seed=seeds)
def test_boolean_mask_indexing_matches_torch(dtype, shape, leading, seed):
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    mask = rng.random(shape[:1] if leading else shape) < 0.5
    compare(
        lambda t: t[badak.tensor(mask)], lambda t: t[torch.from_numpy(mask)], [x], dtype, seed=seed
    )
    compare(lambda t: t[mask], lambda t: t[torch.from_numpy(mask)], [x], dtype, seed=seed)
    compare(lambda t: t[t > 0], lambda t: t[t > 0], [x], dtype, seed=seed)


@each_dtype
@given(shape=shapes(min_dims=3), seed=seeds)
def test_int_and_array_index_apart_follow_torch(dtype, shape, seed):
    # x[i, :, idx]: NumPy moves the broadcast index dims to the front, (len(idx), n1);
    # PyTorch selects with the int first and gives (n1, len(idx)). badak follows PyTorch.
    rng = np.random.default_rng(seed)
    x = normal(rng, shape)
    i = int(rng.integers(-shape[0], shape[0]))
    index = rng.integers(0, shape[2], 3)
    compare(
        lambda t: t[i, :, index],
        lambda t: t[i, :, torch.from_numpy(index)],
        [x],
        dtype,
        seed=seed,
    )


@st.composite
def _mixed_index(draw):
    """A shape and an index mixing ints, slices, None, "...", index arrays (lists, arrays,
    Tensors, 0-d Tensors) and masks in any order: the indexes where NumPy and PyTorch differ."""
    shape = draw(shapes(min_dims=1, max_dims=4))
    parts, dims = [], list(shape)
    while dims and len(parts) < 6:
        kind = draw(st.sampled_from(["int", "slice", "list", "array", "tensor", "scalar", "none"]))
        if kind == "none":
            parts.append(None)
            continue
        size = dims.pop(0)
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            parts.append(slice(draw(st.integers(0, size)), None, draw(st.integers(1, 2))))
        elif kind == "scalar":
            parts.append(np.int64(draw(st.integers(-size, size - 1))))
        else:
            # unique positions, so that an assignment stores one value per element (repeats are
            # tested above)
            values = draw(st.lists(st.integers(0, size - 1), max_size=3, unique=True))
            values = [v - size if draw(st.booleans()) else v for v in values]
            parts.append(values if kind == "list" else np.array(values, dtype=np.int64))
            if kind == "tensor":
                parts[-1] = ("tensor", parts[-1])
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), Ellipsis)
    return shape, parts


def _index_for(parts, lib):
    def one(part):
        if isinstance(part, tuple):
            return lib.tensor(part[1]) if lib is badak else torch.from_numpy(part[1])
        if isinstance(part, np.integer) and lib is not None:
            return lib.tensor(part) if lib is badak else torch.tensor(int(part))
        if isinstance(part, np.ndarray) and lib is torch:
            return torch.from_numpy(part)
        return part

    return tuple(one(part) for part in parts)


@each_dtype
@given(case=_mixed_index(), seed=seeds)
def test_mixed_int_none_slice_and_array_indexes_match_torch(dtype, case, seed):
    # x[0, None, [1, 0]]: PyTorch applies ints and None first, NumPy broadcasts the int with the
    # arrays; badak gives PyTorch's shape, values and gradient, or its error
    shape, parts = case
    x = normal(np.random.default_rng(seed), shape)
    try:
        expected = torch.from_numpy(x)[_index_for(parts, torch)]
    except (IndexError, RuntimeError, ValueError):
        with pytest.raises((IndexError, ValueError, RuntimeError)):
            badak.tensor(x)[_index_for(parts, badak)]
        return
    assume(expected.numel() < 10_000)
    compare(
        lambda t: t[_index_for(parts, badak)],
        lambda t: t[_index_for(parts, torch)],
        [x],
        dtype,
        seed=seed,
    )


@given(case=_mixed_index(), seed=seeds)
def test_mixed_index_assignment_matches_torch(case, seed):
    shape, parts = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    target, expected = badak.tensor(x.copy()), torch.from_numpy(x.copy())
    try:
        selected = expected[_index_for(parts, torch)].shape
    except (IndexError, RuntimeError, ValueError):
        return
    values = rng.standard_normal(tuple(selected))
    expected[_index_for(parts, torch)] = torch.from_numpy(values)
    target[_index_for(parts, badak)] = badak.tensor(values)
    np.testing.assert_array_equal(target.numpy(), expected.numpy())
