"""badak/functions/normalization.py: gradients to second order, statistics, running stats,
errors."""

import numpy as np
import pytest

import badak
from badak.functions.normalization import normalize
from badak.gradcheck import gradcheck, gradgradcheck
from badak.nn import functional as F


def leaf(*shape, seed=0, scale=1.0):
    data = scale * np.random.default_rng(seed).standard_normal(shape)
    return badak.Tensor(data, requires_grad=True)


def array(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


RUNNING = (array(3, seed=7), np.random.default_rng(8).uniform(0.5, 2.0, 3))

# name, function, input shapes (each a float64 leaf)
NORMS = [
    ("normalize_last_dim", lambda x: normalize(x, (2,)), [(2, 3, 4)]),
    ("normalize_outer_dims", lambda x: normalize(x, (0, 2), eps=0.1), [(2, 3, 4)]),
    ("batch_norm_training_2d", lambda x, w, b: F.batch_norm(x, None, None, w, b, True),
     [(4, 3), (3,), (3,)]),
    ("batch_norm_training_3d_updating_stats",
     lambda x, w, b: F.batch_norm(x, np.zeros(3), np.ones(3), w, b, True, 0.3),
     [(2, 3, 4), (3,), (3,)]),
    ("batch_norm_training_4d_no_affine", lambda x: F.batch_norm(x, None, None, training=True),
     [(2, 3, 2, 2)]),
    ("batch_norm_eval", lambda x, w, b: F.batch_norm(x, *RUNNING, w, b), [(2, 3, 4), (3,), (3,)]),
    ("layer_norm_int_shape", lambda x, w, b: F.layer_norm(x, 4, w, b), [(2, 3, 4), (4,), (4,)]),
    ("layer_norm_tuple_shape_no_affine", lambda x: F.layer_norm(x, (3, 4)), [(2, 3, 4)]),
    ("layer_norm_weight_only_eps", lambda x, w: F.layer_norm(x, [4], w, eps=0.1),
     [(3, 4), (4,)]),
    ("group_norm_2_groups", lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    ("group_norm_1_group_4d", lambda x, w, b: F.group_norm(x, 1, w, b),
     [(2, 2, 2, 3), (2,), (2,)]),
    ("group_norm_a_group_per_channel_no_affine", lambda x: F.group_norm(x, 3), [(2, 3, 4)]),
]  # fmt: skip

CASES = [pytest.param(f, s, id=n) for n, f, s in NORMS]


def leaves(shapes):
    return tuple(leaf(*s, seed=i) for i, s in enumerate(shapes))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_normalization_gradient_matches_finite_differences(fn, shapes):
    assert gradcheck(fn, leaves(shapes))


@pytest.mark.parametrize("fn, shapes", CASES)
def test_normalization_second_derivative(fn, shapes):
    assert gradgradcheck(fn, leaves(shapes))


# --- batch_norm -------------------------------------------------------------------------------
def channel_data(seed=0):
    """(8, 3, 4, 5) values whose channels have different means and spreads."""
    offsets, scales = np.array([-5.0, 0.0, 20.0]), np.array([0.5, 3.0, 10.0])
    return array(8, 3, 4, 5, seed=seed) * scales[:, None, None] + offsets[:, None, None]


def values(stats):
    return stats.numpy() if isinstance(stats, badak.Tensor) else stats


def test_batch_norm_in_training_gives_each_channel_mean_0_and_variance_1():
    out = F.batch_norm(badak.Tensor(channel_data()), None, None, training=True).numpy()
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), np.zeros(3), atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(0, 2, 3)), np.ones(3), rtol=1e-4)


def test_batch_norm_in_training_applies_weight_and_bias_per_channel():
    x, w, b = channel_data(), np.array([2.0, -1.0, 0.5]), np.array([1.0, 2.0, 3.0])
    plain = F.batch_norm(badak.Tensor(x), None, None, training=True).numpy()
    out = F.batch_norm(badak.Tensor(x), None, None, badak.Tensor(w), badak.Tensor(b), True)
    np.testing.assert_allclose(out.numpy(), plain * w[:, None, None] + b[:, None, None])


@pytest.mark.parametrize("kind", ["tensor", "ndarray"])
def test_batch_norm_in_training_updates_the_running_stats_in_place(kind):
    x = channel_data()
    mean0, var0 = np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.0, 4.0])
    wrap = badak.Tensor if kind == "tensor" else np.asarray
    running_mean, running_var = wrap(mean0.copy()), wrap(var0.copy())
    F.batch_norm(badak.Tensor(x), running_mean, running_var, training=True, momentum=0.25)
    batch_mean, batch_var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3), ddof=1)
    np.testing.assert_allclose(values(running_mean), 0.75 * mean0 + 0.25 * batch_mean)
    np.testing.assert_allclose(values(running_var), 0.75 * var0 + 0.25 * batch_var)


def test_batch_norm_in_training_ignores_the_running_stats_values():
    x = badak.Tensor(channel_data())
    a = F.batch_norm(x, np.zeros(3), np.ones(3), training=True).numpy()
    b = F.batch_norm(x, np.full(3, 50.0), np.full(3, 9.0), training=True).numpy()
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["tensor", "ndarray"])
def test_batch_norm_in_eval_normalises_with_the_running_stats_and_keeps_them(kind):
    x, (mean, var) = channel_data(), RUNNING
    w, b = np.array([2.0, -1.0, 0.5]), np.array([1.0, 2.0, 3.0])
    wrap = badak.Tensor if kind == "tensor" else np.asarray
    running_mean, running_var = wrap(mean.copy()), wrap(var.copy())
    out = F.batch_norm(badak.Tensor(x), running_mean, running_var, badak.Tensor(w),
                       badak.Tensor(b), eps=1e-3)  # fmt: skip
    view = (3, 1, 1)
    expected = (x - mean.reshape(view)) / np.sqrt(var.reshape(view) + 1e-3) * w.reshape(
        view
    ) + b.reshape(view)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(values(running_mean), mean)
    np.testing.assert_array_equal(values(running_var), var)


def test_batch_norm_in_training_gradient_under_a_plain_sum_is_zero():
    x = leaf(4, 3, 5, scale=3.0)
    F.batch_norm(x, None, None, training=True).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.zeros((4, 3, 5)), atol=1e-12)


def test_batch_norm_in_eval_takes_one_value_per_channel():
    out = F.batch_norm(badak.Tensor(np.array([[1.0, 2.0, 3.0]])), np.ones(3), np.full(3, 4.0),
                       eps=0.0)  # fmt: skip
    np.testing.assert_allclose(out.numpy(), [[0.0, 0.5, 1.0]])


# --- layer_norm / group_norm ------------------------------------------------------------------
def test_layer_norm_gives_each_sample_mean_0_and_variance_1_over_the_normalized_dims():
    out = F.layer_norm(badak.Tensor(channel_data()), (4, 5)).numpy()
    np.testing.assert_allclose(out.mean(axis=(2, 3)), np.zeros((8, 3)), atol=1e-12)
    np.testing.assert_allclose(out.var(axis=(2, 3)), np.ones((8, 3)), rtol=1e-3)


def test_group_norm_with_one_group_is_layer_norm_over_channels_and_positions():
    x = badak.Tensor(channel_data())
    np.testing.assert_allclose(
        F.group_norm(x, 1).numpy(), F.layer_norm(x, (3, 4, 5)).numpy(), rtol=1e-12, atol=1e-14
    )


def test_group_norm_with_a_group_per_channel_normalises_each_channel_of_each_sample():
    x = channel_data()
    expected = (x - x.mean(axis=(2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(2, 3), keepdims=True) + 1e-5
    )
    np.testing.assert_allclose(F.group_norm(badak.Tensor(x), 3).numpy(), expected, rtol=1e-10)


def test_group_norm_applies_weight_and_bias_per_channel():
    x, w, b = array(2, 4, 3), np.array([1.0, 2.0, -1.0, 0.5]), np.array([0.0, 1.0, 2.0, 3.0])
    plain = F.group_norm(badak.Tensor(x), 2).numpy()
    out = F.group_norm(badak.Tensor(x), 2, badak.Tensor(w), badak.Tensor(b)).numpy()
    np.testing.assert_allclose(out, plain * w[:, None] + b[:, None], rtol=1e-12)


@pytest.mark.parametrize(
    "norm",
    [
        lambda x: F.layer_norm(x, (3, 4)),
        lambda x: F.group_norm(x, 3),
        lambda x: F.batch_norm(x, None, None, training=True),
    ],
    ids=["layer_norm", "group_norm", "batch_norm"],
)
def test_constant_input_normalises_to_zero_without_nan(norm):
    out = norm(badak.Tensor(np.full((2, 3, 4), 7.0))).numpy()
    np.testing.assert_array_equal(out, np.zeros((2, 3, 4)))


@pytest.mark.parametrize(
    "norm",
    [lambda x: F.layer_norm(x, 6), lambda x: F.group_norm(x, 2)],
    ids=["layer_norm", "group_norm"],
)
def test_float16_input_returns_float16_close_to_float64(norm):
    data = (np.random.default_rng(3).standard_normal((2, 4, 6)) * 50 + 300).astype(np.float16)
    x = badak.Tensor(data, requires_grad=True)
    out = norm(x)
    out.sum().backward()
    assert out.dtype == np.float16 and x.grad.dtype == np.float16
    assert np.isfinite(out.numpy()).all()
    expected = norm(badak.Tensor(data.astype(np.float64))).numpy()
    np.testing.assert_allclose(out.numpy().astype(np.float64), expected, atol=5e-3)


def test_normalize_rejects_integer_input():
    with pytest.raises(TypeError, match="^normalize:"):
        normalize(badak.Tensor(np.arange(6).reshape(2, 3)), (1,))


# --- bad input --------------------------------------------------------------------------------
def t(*shape):
    return badak.Tensor(np.zeros(shape))


BAD_CALLS = [
    ("batch_norm", "one_value_per_channel_in_training",
     lambda: F.batch_norm(t(1, 3), None, None, training=True)),
    ("batch_norm", "one_value_per_channel_in_training_4d",
     lambda: F.batch_norm(t(1, 3, 1, 1), np.zeros(3), np.ones(3), training=True)),
    ("batch_norm", "input_rank", lambda: F.batch_norm(t(3), np.zeros(3), np.ones(3))),
    ("batch_norm", "running_mean_shape", lambda: F.batch_norm(t(2, 3), np.zeros(2), np.ones(3))),
    ("batch_norm", "weight_shape", lambda: F.batch_norm(t(2, 3), np.zeros(3), np.ones(3), t(4))),
    ("batch_norm", "eval_without_running_stats", lambda: F.batch_norm(t(2, 3), None, None)),
    ("layer_norm", "shape_mismatch", lambda: F.layer_norm(t(2, 3, 4), (3,))),
    ("layer_norm", "shape_longer_than_input", lambda: F.layer_norm(t(3, 4), (2, 3, 4))),
    ("layer_norm", "weight_shape", lambda: F.layer_norm(t(2, 3, 4), 4, t(3))),
    ("group_norm", "channels_not_divisible", lambda: F.group_norm(t(2, 6, 4), 4)),
    ("group_norm", "zero_groups", lambda: F.group_norm(t(2, 6, 4), 0)),
    ("group_norm", "input_rank", lambda: F.group_norm(t(6), 2)),
    ("group_norm", "bias_shape", lambda: F.group_norm(t(2, 6, 4), 2, None, t(3))),
]  # fmt: skip


@pytest.mark.parametrize(
    "name, call", [pytest.param(n, c, id=f"{n}-{case}") for n, case, c in BAD_CALLS]
)
def test_bad_input_raises_value_error_naming_the_function(name, call):
    with pytest.raises(ValueError, match=f"^{name}:"):
        call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normalize_backward_on_arrays_gives_the_formulas_bits(dtype):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 3, 5)).astype(dtype)
    upstream = badak.tensor(rng.standard_normal((8, 3, 5)).astype(dtype))
    grads = []
    for create_graph in (False, True):  # the kept statistics, then the formula on Tensors
        leaf = badak.tensor(x, requires_grad=True)
        normalize(leaf, (0, 2)).backward(upstream, create_graph=create_graph)
        grads.append(leaf.grad.numpy())
    assert np.array_equal(grads[0], grads[1])
