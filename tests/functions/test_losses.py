"""badak/functions/cross_entropy.py and losses.py: gradient checks (float64 central differences,
first and second order) for every loss and option family, and properties that need no reference.

The documented improvements over PyTorch (accuracy when confident, float16, ignored positions,
a mean over nothing) are in test_loss_improvements.py; bad input in test_loss_errors.py.
"""

import numpy as np
import pytest

import badak
import badak.nn.functional as F
from badak.gradcheck import gradcheck, gradgradcheck

LAYOUTS = {"unbatched": ((5,), ()), "NC": ((4, 5), (4,)), "NCd": ((3, 5, 2), (3, 2))}
LAYOUTS["NCdd"] = ((2, 5, 2, 2), (2, 2, 2))


def leaf(shape, seed=0, low=None, high=None, scale=1.0):
    """A float64 leaf requiring grad: normal (times scale), or uniform in [low, high)."""
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape) * scale if low is None else rng.uniform(low, high, shape)
    return badak.tensor(data, requires_grad=True)


def class_target(target_shape, seed=0, ignore_index=None):
    """Class indices in [0, 5); with ignore_index, the last position holds it."""
    target = np.random.default_rng(seed + 100).integers(0, 5, target_shape)
    if ignore_index is not None and target.ndim:
        target.flat[-1] = ignore_index
    return badak.tensor(target)


WEIGHT = badak.tensor(np.array([0.5, 1.5, 1.0, 2.0, 0.3]))
each_reduction = pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
each_layout = pytest.mark.parametrize("layout", LAYOUTS)


# ----------------------------------------------------------------------------------------------
# Gradient checks: cross_entropy and nll_loss
# ----------------------------------------------------------------------------------------------
@each_layout
@each_reduction
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25, 1.0])
@pytest.mark.parametrize("ignore_index", [-100, 3, 7])
def test_cross_entropy_gradients_match_finite_differences(
    layout, reduction, weighted, label_smoothing, ignore_index
):
    shape, target_shape = LAYOUTS[layout]
    x = leaf(shape, scale=2.0)
    target = class_target(target_shape, ignore_index=ignore_index)
    weight = WEIGHT if weighted else None

    def loss(x):
        return F.cross_entropy(
            x,
            target,
            weight,
            ignore_index=ignore_index,
            reduction=reduction,
            label_smoothing=label_smoothing,
        )

    assert gradcheck(loss, x)


@each_layout
@each_reduction
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.4])
def test_cross_entropy_with_probability_targets_gradients_match_finite_differences(
    layout, reduction, weighted, label_smoothing
):
    shape = LAYOUTS[layout][0]
    x, target = leaf(shape, scale=2.0), leaf(shape, seed=1, low=0.0, high=1.0)
    weight = WEIGHT if weighted else None

    def loss(x, t):
        return F.cross_entropy(x, t, weight, reduction=reduction, label_smoothing=label_smoothing)

    assert gradcheck(loss, (x, target))


@each_layout
@each_reduction
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_second_derivatives_match_finite_differences(
    layout, reduction, weighted, label_smoothing
):
    shape, target_shape = LAYOUTS[layout]
    x, weight = leaf(shape), WEIGHT if weighted else None
    target = class_target(target_shape, ignore_index=-100)

    def loss(x):
        return F.cross_entropy(
            x, target, weight, reduction=reduction, label_smoothing=label_smoothing
        )

    assert gradgradcheck(loss, x)


@each_layout
@each_reduction
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_with_probability_targets_second_derivatives_match_finite_differences(
    layout, reduction, label_smoothing
):
    shape = LAYOUTS[layout][0]
    x, target = leaf(shape), leaf(shape, seed=1, low=0.0, high=1.0)

    def loss(x, t):
        return F.cross_entropy(x, t, WEIGHT, reduction=reduction, label_smoothing=label_smoothing)

    assert gradgradcheck(loss, (x, target))


@each_layout
@each_reduction
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("ignore_index", [-100, 3, 7])
def test_nll_loss_gradients_match_finite_differences(layout, reduction, weighted, ignore_index):
    shape, target_shape = LAYOUTS[layout]
    x, weight = leaf(shape), WEIGHT if weighted else None
    target = class_target(target_shape, ignore_index=ignore_index)

    def loss(x):
        return F.nll_loss(x, target, weight, ignore_index=ignore_index, reduction=reduction)

    assert gradcheck(loss, x)
    assert gradgradcheck(loss, x)  # the gradient is constant in x: zero second derivatives
    assert gradgradcheck(lambda x: loss(F.log_softmax(x, 0 if len(shape) == 1 else 1)), x)


# ----------------------------------------------------------------------------------------------
# Gradient checks: binary cross-entropy, mse_loss, kl_div
# ----------------------------------------------------------------------------------------------
@each_reduction
@pytest.mark.parametrize("weight_shape", [None, (3, 4), (4,), (3, 1)], ids=str)
def test_binary_cross_entropy_gradients_match_finite_differences(reduction, weight_shape):
    x, t = leaf((3, 4), low=0.05, high=0.95), leaf((3, 4), seed=1, low=0.0, high=1.0)
    weight = None if weight_shape is None else leaf(weight_shape, seed=2, low=0.2, high=2.0).numpy()
    assert gradcheck(lambda x, t: F.binary_cross_entropy(x, t, weight, reduction=reduction), (x, t))


@each_reduction
@pytest.mark.parametrize("weight_shape", [None, (3, 4), (4,)], ids=str)
@pytest.mark.parametrize("with_pos_weight", [False, True], ids=["plain", "pos_weight"])
def test_binary_cross_entropy_with_logits_gradients_match_finite_differences(
    reduction, weight_shape, with_pos_weight
):
    x, t = leaf((3, 4), scale=3.0), leaf((3, 4), seed=1, low=0.0, high=1.0)
    weight = None if weight_shape is None else leaf(weight_shape, seed=2, low=0.2, high=2.0).numpy()
    pos_weight = leaf((4,), seed=3, low=0.2, high=3.0).data if with_pos_weight else None

    def loss(x, t):
        return F.binary_cross_entropy_with_logits(
            x, t, weight, reduction=reduction, pos_weight=pos_weight
        )

    assert gradcheck(loss, (x, t))
    assert gradgradcheck(loss, (x, t))


@each_reduction
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)], ids=str)
def test_mse_loss_gradients_match_finite_differences(reduction, shape):
    x, t = leaf(shape), leaf(shape, seed=1)
    assert gradcheck(lambda x, t: F.mse_loss(x, t, reduction=reduction), (x, t))
    assert gradgradcheck(lambda x, t: F.mse_loss(x, t, reduction=reduction), (x, t))


@pytest.mark.parametrize("reduction", ["none", "mean", "sum", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True], ids=["probabilities", "log_target"])
def test_kl_div_gradients_match_finite_differences(reduction, log_target):
    x = badak.tensor(np.log(leaf((3, 4), low=0.05, high=1.0).data), requires_grad=True)
    t = leaf((3, 4), seed=1, low=0.05, high=1.0)
    if log_target:
        t = badak.tensor(np.log(t.numpy()), requires_grad=True)

    def loss(x, t):
        return F.kl_div(x, t, reduction=reduction, log_target=log_target)

    assert gradcheck(loss, (x, t))
    assert gradgradcheck(loss, (x, t))


# ----------------------------------------------------------------------------------------------
# Properties
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("value", [1e4, -1e4])
def test_cross_entropy_is_finite_for_logits_of_1e4(dtype, value):
    x = badak.tensor(np.array([[value, 0.0, -value], [0.0, value, 1.0]], dtype), requires_grad=True)
    loss = F.cross_entropy(x, badak.tensor([2, 0]), reduction="sum")
    loss.backward()
    expected = 2e4 + 1e4 if value > 0 else np.log1p(np.exp(1.0))  # row 0 exact: 0 or 2e4
    np.testing.assert_allclose(float(loss.numpy()), expected, rtol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_nll_loss_of_log_softmax_equals_cross_entropy(layout, weighted):
    shape, target_shape = LAYOUTS[layout]
    x, target = leaf(shape, scale=3.0), class_target(target_shape, ignore_index=-100)
    weight = WEIGHT if weighted else None
    dim = 0 if len(shape) == 1 else 1
    for reduction in ("none", "mean", "sum"):
        x.grad = None
        F.cross_entropy(x, target, weight, reduction=reduction).sum().backward()
        fused = x.grad.numpy().copy()
        x.grad = None
        via_nll = F.nll_loss(F.log_softmax(x, dim), target, weight, reduction=reduction)
        via_nll.sum().backward()
        direct = F.cross_entropy(x, target, weight, reduction=reduction)
        np.testing.assert_allclose(direct.numpy(), via_nll.numpy(), rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(fused, x.grad.numpy(), rtol=1e-12, atol=1e-15)


def _float32_cases(r):
    """name -> (loss of float32 leaves with reduction r, the leaves' shapes), for every loss."""
    t_class = badak.tensor([1, 0, 3])
    two = [(3, 4), (3, 4)]
    return {
        "cross_entropy": (
            lambda x: F.cross_entropy(x, t_class, WEIGHT, reduction=r, label_smoothing=0.1),
            [(3, 5)],
        ),
        "cross_entropy_probabilities": (lambda x, t: F.cross_entropy(x, t, reduction=r), two),
        "nll_loss": (lambda x: F.nll_loss(x, t_class, reduction=r), [(3, 4)]),
        "binary_cross_entropy": (
            lambda x, t: F.binary_cross_entropy(F.sigmoid(x), t / 4, reduction=r),
            two,
        ),
        "binary_cross_entropy_with_logits": (
            lambda x, t: F.binary_cross_entropy_with_logits(
                x, t / 4, np.ones(4, np.float32), reduction=r, pos_weight=np.full(4, 2, np.float32)
            ),
            two,
        ),
        "mse_loss": (lambda x, t: F.mse_loss(x, t, reduction=r), two),
        "kl_div": (lambda x, t: F.kl_div(x, t, reduction=r), two),
        "kl_div_log_target": (lambda x, t: F.kl_div(x, t, reduction=r, log_target=True), two),
    }


@pytest.mark.parametrize("name", list(_float32_cases("mean")))
@each_reduction
def test_every_loss_keeps_float32_in_value_and_gradients(name, reduction):
    """float32 stays float32, Python scalars and the losses' own constants included."""
    fn, shapes = _float32_cases(reduction)[name]
    rng = np.random.default_rng(0)
    leaves = [
        badak.tensor(rng.uniform(0.1, 3.0, s).astype(np.float32), requires_grad=True)
        for s in shapes
    ]
    loss = fn(*leaves)
    assert loss.dtype == np.float32
    loss.backward(badak.tensor(np.ones(loss.shape, np.float32)))
    for i, x in enumerate(leaves):
        assert x.grad.dtype == np.float32, f"input {i}: gradient dtype {x.grad.dtype}"


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@each_reduction
def test_cross_entropy_gradient_is_the_same_with_create_graph(
    layout, label_smoothing, dtype, reduction
):
    shape, target_shape = LAYOUTS[layout]
    data = leaf(shape, scale=3.0).numpy().astype(dtype)
    target = class_target(target_shape, ignore_index=-100)
    upstream = np.random.default_rng(1).standard_normal(target_shape).astype(dtype)
    grads = []
    for create_graph in (False, True):
        x = badak.tensor(data, requires_grad=True)
        loss = F.cross_entropy(
            x,
            target,
            WEIGHT.numpy().astype(dtype),
            reduction=reduction,
            label_smoothing=label_smoothing,
        )
        loss.backward(
            badak.tensor(upstream if reduction == "none" else np.ones((), dtype)),
            create_graph=create_graph,
        )
        assert x.grad.dtype == dtype
        grads.append(x.grad.numpy())
    tolerance = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(grads[1], grads[0], rtol=tolerance, atol=tolerance)
