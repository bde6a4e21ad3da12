"""badak.nn loss modules: each equals its function, option for option, values and gradients."""

import itertools

import numpy as np
import pytest
import torch

import badak
from badak import nn
from badak.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]


def leaf(array):
    return badak.tensor(array, requires_grad=True)


def check_same(module, function, input, target, **options):
    """module(input, target) and function(input, target, **options): equal values and grads."""
    a, b = leaf(input), leaf(input)
    ours, theirs = module(a, target), function(b, target, **options)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    upstream = np.random.default_rng(1).standard_normal(ours.shape).astype(ours.dtype)
    ours.backward(badak.tensor(upstream))
    theirs.backward(badak.tensor(upstream))
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.data)
    assert np.abs(a.grad.numpy()).sum() > 0


def logits(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


TARGET = np.array([0, 2, 1, 2, 3, 1])
WEIGHT = np.array([0.5, 2.0, 1.0, 0.25])


@pytest.mark.parametrize(
    "weight, ignore_index, reduction, label_smoothing",
    list(itertools.product([None, WEIGHT], [-100, 2], REDUCTIONS, [0.0, 0.1])),
)
def test_cross_entropy_loss_equals_cross_entropy(weight, ignore_index, reduction, label_smoothing):
    options = {
        "weight": weight,
        "ignore_index": ignore_index,
        "reduction": reduction,
        "label_smoothing": label_smoothing,
    }
    module = nn.CrossEntropyLoss(**options)
    check_same(module, F.cross_entropy, logits((6, 4)), badak.tensor(TARGET), **options)


def test_cross_entropy_loss_with_probability_targets_and_k_dims():
    probs = np.random.default_rng(2).dirichlet(np.ones(4), size=6)
    options = {"weight": badak.tensor(WEIGHT), "label_smoothing": 0.2}
    module = nn.CrossEntropyLoss(**options)
    check_same(module, F.cross_entropy, logits((6, 4)), badak.tensor(probs), **options)
    target = badak.tensor(np.array([[0, 1, 2], [3, 3, 0]]))
    check_same(
        nn.CrossEntropyLoss(reduction="sum"),
        F.cross_entropy,
        logits((2, 4, 3)),
        target,
        reduction="sum",
    )


@pytest.mark.parametrize(
    "weight, ignore_index, reduction",
    list(itertools.product([None, WEIGHT], [-100, 1], REDUCTIONS)),
)
def test_nll_loss_module_equals_nll_loss(weight, ignore_index, reduction):
    options = {"weight": weight, "ignore_index": ignore_index, "reduction": reduction}
    log_probs = np.log(np.random.default_rng(3).dirichlet(np.ones(4), size=6))
    check_same(nn.NLLLoss(**options), F.nll_loss, log_probs, badak.tensor(TARGET), **options)


@pytest.mark.parametrize(
    "weight, pos_weight, reduction",
    list(
        itertools.product(
            [None, np.array([1.0, 0.5, 2.0])], [None, np.array([3.0, 1.0, 0.5])], REDUCTIONS
        )
    ),
)
def test_bce_with_logits_loss_equals_its_function(weight, pos_weight, reduction):
    options = {"weight": weight, "pos_weight": pos_weight, "reduction": reduction}
    target = badak.tensor(np.random.default_rng(4).uniform(0, 1, (5, 3)))
    module = nn.BCEWithLogitsLoss(**options)
    check_same(module, F.binary_cross_entropy_with_logits, logits((5, 3)), target, **options)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mse_loss_module_equals_mse_loss(reduction, dtype):
    target = badak.tensor(logits((4, 3), seed=5, dtype=dtype))
    module = nn.MSELoss(reduction=reduction)
    check_same(module, F.mse_loss, logits((4, 3), dtype=dtype), target, reduction=reduction)


def test_cross_entropy_loss_module_float32_stays_float32():
    out = nn.CrossEntropyLoss()(
        badak.tensor(logits((3, 4), dtype=np.float32)), badak.tensor([0, 1, 2])
    )
    assert out.dtype == np.float32 and out.shape == ()


@pytest.mark.parametrize(
    "ours, theirs, options",
    [
        (
            nn.CrossEntropyLoss,
            torch.nn.CrossEntropyLoss,
            ["ignore_index", "reduction", "label_smoothing"],
        ),
        (nn.NLLLoss, torch.nn.NLLLoss, ["ignore_index", "reduction"]),
        (nn.BCEWithLogitsLoss, torch.nn.BCEWithLogitsLoss, ["reduction", "pos_weight"]),
        (nn.MSELoss, torch.nn.MSELoss, ["reduction"]),
    ],
)
def test_loss_modules_have_pytorchs_defaults_and_repr(ours, theirs, options):
    a, b = ours(), theirs()
    assert {k: getattr(a, k) for k in options} == {k: getattr(b, k) for k in options}
    if hasattr(b, "weight"):
        assert a.weight is None and b.weight is None
    assert repr(a) == repr(b)
    assert list(a.parameters()) == []


def test_a_loss_modules_weight_is_a_buffer_not_a_parameter():
    module = nn.CrossEntropyLoss(weight=badak.tensor(WEIGHT))
    assert list(module.parameters()) == [] and list(module.state_dict()) == ["weight"]


# --- constructors: PyTorch's arguments, in PyTorch's order --------------------------------------
def test_loss_modules_take_pytorchs_positional_order():
    weight = [1.0, 2.0, 3.0]
    ours = nn.CrossEntropyLoss(badak.tensor(weight), None, 1, None, "sum", 0.1)
    theirs = torch.nn.CrossEntropyLoss(torch.tensor(weight), None, 1, None, "sum", 0.1)
    logits, target = np.arange(6, dtype=np.float32).reshape(2, 3) / 4, np.array([1, 2])
    got = ours(badak.tensor(logits), badak.tensor(target)).item()
    want = theirs(torch.tensor(logits), torch.tensor(target)).item()
    assert got == pytest.approx(want, rel=1e-6)


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's deprecation warning
@pytest.mark.parametrize(
    "size_average, reduce", [(False, None), (None, False), (True, True), (False, True)]
)
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "NLLLoss", "BCELoss", "KLDivLoss"])
def test_deprecated_size_average_and_reduce_map_as_in_pytorch(name, size_average, reduce):
    ours = getattr(nn, name)(size_average=size_average, reduce=reduce)
    theirs = getattr(torch.nn, name)(size_average=size_average, reduce=reduce)
    assert ours.reduction == theirs.reduction


def test_pos_weight_is_a_buffer_in_the_state_dict():
    assert list(nn.BCEWithLogitsLoss(pos_weight=badak.tensor([2.0])).state_dict()) == ["pos_weight"]
    assert nn.MSELoss().state_dict() == {}


def test_a_bad_reduction_is_refused_when_the_loss_is_made():
    with pytest.raises(ValueError, match="L1Loss: reduction must be 'none', 'mean' or 'sum'"):
        nn.L1Loss(reduction="avg")
