"""The PyTorch surface added for scripts that run unchanged (issue 14, first step): pieces along
a dim (narrow, split, chunk, unbind), norms and moments (norm, var, std), bool reductions,
mm/bmm, the Tensor methods built on them, and the creation functions (linspace, randperm,
empty, *_like). Each against torch: values, and every gradient in float64 and float32, plus a
numerical gradient check of the new differentiable function, Norm.
"""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import badak
from badak.gradcheck import gradcheck

from .helpers import compare, each_dtype, normal, seeds, shapes

PIECES = {
    "narrow": (lambda t: t.narrow(-1, 1, 2), lambda t: t.narrow(-1, 1, 2)),
    "narrow_negative_start": (lambda t: t.narrow(0, -2, 2), lambda t: t.narrow(0, -2, 2)),
    "split_size": (lambda t: badak.cat(t.split(2, -1), -1) * 1, None),
    "split_sections": (
        lambda t: t.split([1, t.shape[-1] - 1], -1)[1],
        lambda t: t.split([1, t.shape[-1] - 1], -1)[1],
    ),
    "split_first": (lambda t: t.split(2, -1)[0], lambda t: t.split(2, -1)[0]),
    "chunk_last": (lambda t: t.chunk(2, -1)[-1], lambda t: t.chunk(2, -1)[-1]),
    "unbind": (lambda t: t.unbind(-1)[2], lambda t: t.unbind(-1)[2]),
    "t": (lambda t: t[0].t() if t.ndim > 2 else t.t(), lambda t: t[0].t() if t.ndim > 2 else t.t()),
    "mT": (lambda t: t.mT, lambda t: t.mT),
    "view_as": (lambda t: t.view_as(t.reshape(-1)), lambda t: t.view_as(t.reshape(-1))),
    "contiguous": (lambda t: t.mT.contiguous(), lambda t: t.mT.contiguous()),
}


@each_dtype
@pytest.mark.parametrize("name", PIECES)
@given(shape=shapes(min_dims=2, max_dims=3, min_side=3), seed=seeds)
def test_pieces_and_views_match_torch(dtype, name, shape, seed):
    badak_fn, torch_fn = PIECES[name]
    if torch_fn is None:  # split back together: the identity
        torch_fn = lambda t: t * 1  # noqa: E731
    compare(badak_fn, torch_fn, [normal(np.random.default_rng(seed), shape)], dtype, seed=seed)


def test_split_chunk_and_unbind_give_torchs_pieces():
    x = np.arange(14.0).reshape(2, 7)
    for b_pieces, t_pieces in [
        (badak.tensor(x).split(3, 1), torch.tensor(x).split(3, 1)),
        (badak.tensor(x).chunk(3, 1), torch.tensor(x).chunk(3, 1)),
        (badak.tensor(x).chunk(4, 0), torch.tensor(x).chunk(4, 0)),
        (badak.tensor(x).unbind(0), torch.tensor(x).unbind(0)),
        (badak.split(badak.tensor(x), [2, 0, 5], 1), torch.split(torch.tensor(x), [2, 0, 5], 1)),
    ]:
        assert [tuple(p.shape) for p in b_pieces] == [tuple(p.shape) for p in t_pieces]
        for b, t in zip(b_pieces, t_pieces):
            np.testing.assert_array_equal(b.numpy(), t.numpy())


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda x: x.narrow(1, 2, 5), IndexError),
        (lambda x: x.split([1, 1], 1), ValueError),
        (lambda x: x.chunk(0), ValueError),
        (lambda x: badak.tensor(1.0).unbind(), IndexError),
        (lambda x: badak.ones(2, 2, 2).t(), ValueError),
        (lambda x: badak.mm(x, x), ValueError),
        (lambda x: badak.bmm(badak.ones(2, 2, 3), badak.ones(3, 3, 2)), ValueError),
        (lambda x: x.norm(p=-1), ValueError),
    ],
)
def test_bad_arguments_are_refused_naming_the_function(call, error):
    with pytest.raises(error, match=r"^\w+: "):
        call(badak.ones(2, 3))


NORMS = [
    ("fro", None, False),
    (2, 1, False),
    (1, -1, True),
    (3, (0, 1), False),
    (float("inf"), 1, False),
    (0.5, 0, True),
]


@each_dtype
@pytest.mark.parametrize("p, dim, keepdim", NORMS)
@given(shape=shapes(min_dims=2, max_dims=3), seed=seeds)
def test_norm_matches_torch(dtype, p, dim, keepdim, shape, seed):
    x = normal(np.random.default_rng(seed), shape)
    compare(
        lambda t: t.norm(p, dim, keepdim),
        lambda t: t.norm(p, dim, keepdim),
        [x],
        dtype,
        seed=seed + 1,
    )


def test_norm_gradient_is_zero_where_the_norm_is_zero_as_torch():
    x = np.array([[0.0, 0.0], [3.0, 4.0]])
    for p in (2, 3, float("inf")):
        b, t = badak.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        b.norm(p, 1).sum().backward()
        t.norm(p, 1).sum().backward()
        np.testing.assert_allclose(b.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3, 0.5])
def test_norm_passes_a_numerical_gradient_check(p):
    x = badak.tensor(np.random.default_rng(0).uniform(0.5, 2, (3, 4)), requires_grad=True)
    assert gradcheck(lambda t: t.norm(p, 1), x)
    assert gradcheck(lambda t: t.norm(p), x)


MOMENTS = [
    ("var", {}),
    ("var", {"dim": 1}),
    ("var", {"dim": (0, 1), "keepdim": True}),
    ("var", {"dim": 0, "unbiased": False}),
    ("var", {"dim": -1, "correction": 2}),
    ("std", {}),
    ("std", {"dim": 0}),
    ("std", {"dim": 1, "unbiased": False, "keepdim": True}),
]


@each_dtype
@pytest.mark.parametrize("name, kwargs", MOMENTS)
@given(shape=shapes(min_dims=2, max_dims=3, min_side=3), seed=seeds)
def test_var_and_std_match_torch(dtype, name, kwargs, shape, seed):
    x = normal(np.random.default_rng(seed), shape)
    compare(
        lambda t: getattr(t, name)(**kwargs),
        lambda t: getattr(t, name)(**kwargs),
        [x],
        dtype,
        seed=seed + 1,
    )


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch warns of the degrees of freedom
def test_var_of_one_element_is_nan_as_torch():
    b, t = badak.tensor([2.0]).var(), torch.tensor([2.0]).var()
    assert np.isnan(b.item()) and np.isnan(t.item())


@pytest.mark.parametrize("name", ["all", "any", "isnan", "isfinite"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_bool_functions_match_torch(name, dim):
    x = np.array([[0.0, np.nan, 1.0], [np.inf, 2.0, 3.0]])
    if name in ("isnan", "isfinite"):
        got, expected = getattr(badak, name)(badak.tensor(x)), getattr(torch, name)(torch.tensor(x))
    else:
        args = () if dim is None else (dim,)
        got = getattr(badak.tensor(x), name)(*args)
        expected = getattr(torch.tensor(x), name)(*args)
    assert got.dtype == np.bool_ and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@each_dtype
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_mm_and_bmm_match_torch(dtype, n, k, m, seed):
    rng = np.random.default_rng(seed)
    a, b = normal(rng, (n, k)), normal(rng, (k, m))
    compare(badak.mm, torch.mm, [a, b], dtype, seed=seed)
    a, b = normal(rng, (2, n, k)), normal(rng, (2, k, m))
    compare(lambda x, y: x.bmm(y), lambda x, y: x.bmm(y), [a, b], dtype, seed=seed)


def test_tensor_arithmetic_methods_match_the_operators():
    x = badak.tensor([1.0, -2.0, 3.0])
    y = badak.tensor([0.5, 4.0, -1.0])
    tx, ty = torch.tensor([1.0, -2.0, 3.0]), torch.tensor([0.5, 4.0, -1.0])
    pairs = [
        (x.add(y, alpha=2), tx.add(ty, alpha=2)),
        (x.sub(y, alpha=0.5), tx.sub(ty, alpha=0.5)),
        (x.mul(y), tx.mul(ty)),
        (x.div(y), tx.div(ty)),
        (x.neg(), tx.neg()),
        (x.square(), tx.square()),
        (x.clip(-1, 1), tx.clip(-1, 1)),
        (x.eq(y), tx.eq(ty)),
        (x.ge(y), tx.ge(ty)),
        (x.logsumexp(0), tx.logsumexp(0)),
    ]
    for got, expected in pairs:
        assert got.dtype == expected.numpy().dtype
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


def test_new_tensors_take_this_tensors_dtype():
    x = badak.zeros(2, dtype=badak.float64)
    t = torch.zeros(2, dtype=torch.float64)
    for got, expected in [
        (x.new_zeros(2, 3), t.new_zeros(2, 3)),
        (x.new_ones((3,)), t.new_ones((3,))),
        (x.new_full((2,), 7), t.new_full((2,), 7)),
        (x.new_tensor([1, 2]), t.new_tensor([1, 2])),
        (x.new_zeros(2, dtype=badak.int64), t.new_zeros(2, dtype=torch.int64)),
    ]:
        assert got.dtype == expected.numpy().dtype and got.shape == tuple(expected.shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_memory_layout_methods_match_torch():
    x, t = badak.tensor(np.arange(6.0).reshape(2, 3)), torch.arange(6.0).reshape(2, 3)
    assert x.stride() == t.stride() and x.stride(1) == t.stride(1)
    assert x.mT.is_contiguous() == t.mT.is_contiguous() is False
    assert x.mT.contiguous().is_contiguous()
    assert x.element_size() == 8 and x.nbytes == 48


def test_creation_functions_match_torch():
    np.testing.assert_allclose(
        badak.linspace(-3, 3, 7).numpy(), torch.linspace(-3, 3, 7).numpy(), rtol=1e-6
    )
    assert badak.linspace(0, 1, 0).shape == (0,)
    badak.manual_seed(0)
    perm = badak.randperm(10)
    assert perm.dtype == np.int64 and sorted(perm.tolist()) == list(range(10))
    x = badak.ones(2, 3, dtype=badak.float64)
    assert badak.full_like(x, 7).tolist() == [[7.0] * 3] * 2
    assert badak.empty(2, 3).shape == (2, 3) and badak.empty_like(x).dtype == np.float64
    assert badak.randn_like(x).dtype == np.float64 and badak.rand_like(x).shape == (2, 3)
    with pytest.raises(TypeError, match="linspace"):
        badak.linspace(0, 1, 2.5)


def test_tensor_and_module_methods_do_not_copy_on_the_cpu():
    x = badak.ones(2)
    assert x.cpu() is x and x.to("cpu") is x and x.to(badak.device("cpu")) is x
    model = badak.nn.Linear(2, 3)
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(badak.float64).weight.dtype == np.float64
    assert model.to("cpu", badak.float32).weight.dtype == np.float32
    assert model.half().weight.dtype == np.float16
