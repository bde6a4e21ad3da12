"""The indexing, ordering, product, rounding and rearranging functions against torch: values and
every input's gradient in float64 and float32, errors for bad input, and numerical gradient checks
with a random upstream weight (gradcheck)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import badak
import badak.nn.functional as BF
from badak.gradcheck import gradcheck

from .helpers import compare, distinct, each_dtype

RNG = np.random.default_rng(7)
X = distinct(RNG, (3, 4, 5))  # no ties: sort and topk have one answer
IDX = RNG.integers(0, 4, (3, 2, 5))  # repeats: gradients add up
MASK = RNG.random((4, 5)) < 0.4


def _ops():
    def both(name, fn):  # one lambda for both frameworks: fn(module, *args)
        return name, (lambda *a: fn(badak, *a)), (lambda *a: fn(torch, *a))

    return [
        both("gather", lambda m, x, i: m.gather(x, 1, i)),
        both("gather_dim_last", lambda m, x, i: m.gather(x, -1, i[:, :, :3])),
        both("scatter", lambda m, x, i, s: m.scatter(x, 1, i[:, :1], s[:, :1])),
        both("scatter_add", lambda m, x, i, s: m.scatter_add(x, 1, i, s)),
        both("index_select", lambda m, x, i: m.index_select(x, 2, i[0, 0])),
        both("masked_fill", lambda m, x, k: x.masked_fill(k, -1.5)),
        both("masked_select", lambda m, x, k: m.masked_select(x, k)),
        both("sort", lambda m, x: m.sort(x, 1)),
        both("sort_descending", lambda m, x: m.sort(x, -1, descending=True)),
        both("argsort", lambda m, x: x * m.argsort(x, 0)),
        both("topk", lambda m, x: m.topk(x, 3, 2)),
        both("topk_smallest", lambda m, x: m.topk(x, 2, 0, largest=False)),
        both("cumsum", lambda m, x: m.cumsum(x, 1)),
        both("cumprod", lambda m, x: m.cumprod(x, 2)),
        both("prod", lambda m, x: m.prod(x)),
        both("prod_dim", lambda m, x: m.prod(x, 1, keepdim=True)),
        both("flip", lambda m, x: m.flip(x, (0, 2))),
        both("repeat", lambda m, x: x.repeat(2, 1, 1, 3)),
        both("tile", lambda m, x: m.tile(x, (2, 1))),
        both("triu", lambda m, x: m.triu(x, 1)),
        both("tril", lambda m, x: m.tril(x, -1)),
        both("floor", lambda m, x: m.floor(x * 3)),
        both("round", lambda m, x: m.round(x * 3)),
        both("rsqrt", lambda m, x: m.rsqrt(x * x + 0.5)),
        both("erf", lambda m, x: m.erf(x * 2)),
        both("einsum_matmul", lambda m, x: m.einsum("bij,bjk->bik", x, x.transpose(1, 2))),
        both("einsum_sum", lambda m, x: m.einsum("ijk->j", x)),
        both("einsum_outer", lambda m, x: m.einsum("i,j->ij", x[0, 0], x[1, 1])),
        both("einsum_ellipsis", lambda m, x: m.einsum("...jk,...k->...j", x, x[:, 0])),
    ]


OPS = {name: (b, t) for name, b, t in _ops()}
INPUTS = {
    "gather": [X, IDX], "gather_dim_last": [X, IDX], "scatter": [X, IDX, X],
    "scatter_add": [X, IDX, X[:, :2]], "index_select": [X, IDX], "masked_fill": [X, MASK],
    "masked_select": [X, MASK],
}  # fmt: skip


@each_dtype
@pytest.mark.parametrize("name", OPS)
def test_ops_match_torch(name, dtype):
    compare(*OPS[name], INPUTS.get(name, [X]), dtype)


FUNCTIONAL = {
    "gelu": (BF.gelu, TF.gelu),
    "gelu_tanh": (lambda x: BF.gelu(x, "tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    "normalize": (lambda x: BF.normalize(x, dim=-1), lambda x: TF.normalize(x, dim=-1)),
    "normalize_p1": (lambda x: BF.normalize(x, 1, 0), lambda x: TF.normalize(x, 1, 0)),
    "cosine_similarity": (
        lambda x: BF.cosine_similarity(x, x.flip(2)), lambda x: TF.cosine_similarity(x, x.flip(2))
    ),
    "interpolate_size": (
        lambda x: BF.interpolate(x, size=(7, 3)), lambda x: TF.interpolate(x, size=(7, 3))
    ),
    "interpolate_scale": (
        lambda x: BF.interpolate(x[0], scale_factor=2.5),
        lambda x: TF.interpolate(x[0], scale_factor=2.5),
    ),
    "dropout2d_eval": (
        lambda x: BF.dropout2d(x, 0.5, training=False), lambda x: TF.dropout2d(x, 0.5, False)
    ),
}  # fmt: skip


@each_dtype
@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_matches_torch(name, dtype):
    x = X[None] if name.startswith("interpolate") or name.startswith("dropout2d") else X
    compare(*FUNCTIONAL[name], [x], dtype)


@each_dtype
def test_embedding_matches_torch_with_padding_idx(dtype):
    weight = RNG.standard_normal((6, 4))
    indices = np.array([[0, 2, 2, 5], [1, 2, 0, 0]])
    compare(lambda w, i: BF.embedding(i, w, padding_idx=2),
            lambda w, i: TF.embedding(i, w, padding_idx=2), [weight, indices], dtype)  # fmt: skip


def test_embedding_module_state_dict_moves_to_torch():
    ours = badak.nn.Embedding(10, 3, padding_idx=0)
    assert np.all(ours.weight.numpy()[0] == 0)
    theirs = torch.nn.Embedding(10, 3, padding_idx=0)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    idx = np.array([[1, 0, 9]])
    np.testing.assert_array_equal(ours(badak.tensor(idx)).numpy(),
                                  theirs(torch.tensor(idx)).detach().numpy())  # fmt: skip


def test_sort_puts_nan_last_and_keeps_equal_values_in_order_as_torch():
    values = np.array([2.0, np.nan, 1.0, 2.0, -np.inf, 1.0, np.nan])
    for descending in (False, True):
        ours = badak.sort(badak.tensor(values), descending=descending)
        theirs = torch.sort(torch.tensor(values), descending=descending, stable=True)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())


def test_integer_cumsum_and_prod_are_int64_as_torch():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    assert badak.cumsum(badak.tensor(x), 1).dtype == np.int64
    assert badak.prod(badak.tensor(x)).item() == 720


def test_multinomial_draws_by_weight_and_without_repeats():
    badak.manual_seed(0)
    draws = badak.multinomial(badak.tensor([0.0, 1.0, 3.0]), 4000, replacement=True).numpy()
    assert set(np.unique(draws)) == {1, 2}
    assert abs(np.mean(draws == 2) - 0.75) < 0.03
    rows = badak.multinomial(badak.tensor([[1.0, 1, 1, 1]] * 3), 4).numpy()
    assert all(sorted(r) == [0, 1, 2, 3] for r in rows)
    with pytest.raises(ValueError, match="^multinomial: "):
        badak.multinomial(badak.tensor([1.0, 0.0]), 2)


@pytest.mark.parametrize(
    "call, error, words",
    [
        (
            lambda: badak.gather(badak.ones(2, 3), 1, badak.tensor([[3]])),
            IndexError,
            "out of bounds",
        ),
        (lambda: badak.gather(badak.ones(2, 3), 1, badak.tensor([1.0])), TypeError, "integer"),
        (lambda: badak.gather(badak.ones(2, 3), 1, badak.tensor([1])), ValueError, "as many dims"),
        (lambda: badak.index_select(badak.ones(2, 3), 0, badak.tensor([2])), IndexError, "range"),
        (lambda: badak.ones(2).masked_fill(badak.tensor([1, 0]), 0), TypeError, "bool mask"),
        (lambda: BF.embedding(badak.tensor([5]), badak.ones(5, 2)), IndexError, "out of range"),
        (lambda: badak.topk(badak.ones(3), 4), ValueError, "k must be"),
        (lambda: badak.einsum("ij,jk->ik", badak.ones(2, 3), badak.ones(2, 3)), ValueError, "size"),
        (lambda: badak.ones(2, 3).repeat(2), ValueError, "at least 2 sizes"),
        (lambda: badak.triu(badak.ones(3)), ValueError, "at least 2 dims"),
    ],
)
def test_bad_input_is_refused_naming_the_function(call, error, words):
    with pytest.raises(error, match=words):
        call()


GRADCHECKED = {
    "gather": lambda x: badak.gather(x, 1, badak.tensor(IDX[:, :, :2])),
    "scatter_add": lambda x: badak.scatter_add(x, 1, badak.tensor(IDX), x[:, :2] * 2),
    "index_select": lambda x: badak.index_select(x, 0, badak.tensor([2, 0, 2])),
    "sort": lambda x: badak.sort(x, 1).values,
    "topk": lambda x: badak.topk(x, 2).values,
    "cumsum": lambda x: badak.cumsum(x, 0),
    "cumprod": lambda x: badak.cumprod(x, 2),
    "cumprod_with_zeros": lambda x: badak.cumprod(x * badak.tensor([1.0, 0, 1, 0, 1]), 2),
    "prod": lambda x: badak.prod(x, 1),
    "prod_with_zeros": lambda x: badak.prod(x * badak.tensor([1.0, 0, 1, 1, 1]), 2),
    "repeat": lambda x: x.repeat(1, 2, 3),
    "tril": lambda x: badak.tril(x),
    "erf": lambda x: badak.erf(x),
    "gelu": lambda x: BF.gelu(x),
    "einsum": lambda x: badak.einsum("ijk,ilk->jl", x, x),
    "normalize": lambda x: BF.normalize(x),
    "cosine_similarity": lambda x: BF.cosine_similarity(x, x * x),
    "masked_fill": lambda x: x.masked_fill(badak.tensor(MASK), 0.0),
    "embedding": lambda w: BF.embedding(badak.tensor([[0, 1, 1]]), w[0]),
}


@pytest.mark.parametrize("name", GRADCHECKED)
def test_gradients_pass_a_numerical_check(name):
    x = badak.tensor(X.astype(np.float64), requires_grad=True)
    assert gradcheck(GRADCHECKED[name], x)


EDGES = {
    "sort_empty": lambda m, x: m.sort(x[:0], 0)[0],
    "sort_0d": lambda m, x: m.sort(x[0, 0])[0],
    "topk_0": lambda m, x: m.topk(x, 0)[0],
    "cumsum_empty": lambda m, x: m.cumsum(x[:, :0], 1),
    "cumsum_0d": lambda m, x: m.cumsum(x[0, 0], 0),
    "cumprod_0d": lambda m, x: m.cumprod(x[0, 0], 0),
    "prod_empty": lambda m, x: m.prod(x[:0]),
    "prod_dim_empty": lambda m, x: m.prod(x[:0], 0),
    "gather_empty": lambda m, x: m.gather(x, 1, m.zeros(3, 0, dtype=m.long)),
    "index_select_empty": lambda m, x: m.index_select(x, 0, m.zeros(0, dtype=m.long)),
    "repeat_zero": lambda m, x: x.repeat(0, 2),
    "tril_empty": lambda m, x: m.tril(x[:0]),
    "gelu_inf": lambda m, x: m.nn.functional.gelu(x * float("inf")),
    "rsqrt_zero": lambda m, x: m.rsqrt(x * 0),
    "normalize_zero": lambda m, x: m.nn.functional.normalize(x * 0),
    "cosine_similarity_zero": lambda m, x: m.nn.functional.cosine_similarity(x * 0, x),
}


@pytest.mark.parametrize("name", EDGES)
def test_empty_zero_d_and_infinite_inputs_match_torch(name):
    x0 = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 1.5, -2.0, 3.0], [0.1, -0.2, 0.3, 0.4]])
    results = []
    for lib in (badak, torch):
        x = lib.tensor(x0, requires_grad=True)
        y = EDGES[name](lib, x)
        if y.requires_grad and y.numel():
            y.sum().backward()
        grad = np.zeros_like(x0) if x.grad is None else x.grad.numpy()
        results.append((y.detach().numpy(), grad))
    (ours, our_grad), (theirs, their_grad) = results
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, equal_nan=True)
    np.testing.assert_allclose(our_grad, their_grad, equal_nan=True)
