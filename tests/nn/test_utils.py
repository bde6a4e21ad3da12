"""badak.nn.utils: clip_grad_norm_ and clip_grad_value_ on hand-computed cases."""

import numpy as np
import pytest

import badak
from badak.nn.parameter import Parameter
from badak.nn.utils import clip_grad_norm_, clip_grad_value_


def param(grad, dtype=np.float32):
    p = Parameter(np.zeros(len(grad), dtype=dtype))
    p.grad = badak.Tensor(np.array(grad, dtype=dtype))
    return p


def test_clip_grad_norm_scales_a_3_4_5_gradient_to_max_norm():
    a, b = param([3.0]), param([4.0])
    total = clip_grad_norm_([a, b], max_norm=1.0)
    assert isinstance(total, badak.Tensor) and total.shape == () and total.item() == 5.0
    np.testing.assert_allclose([a.grad.item(), b.grad.item()], [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_alone():
    p = param([0.3, -0.4], dtype=np.float64)
    array = p.grad.numpy()
    total = clip_grad_norm_(p, max_norm=2.0)  # a single Tensor is accepted
    assert p.grad.numpy() is array
    np.testing.assert_array_equal(array, [0.3, -0.4])
    assert total.item() == pytest.approx(0.5, rel=1e-15)


@pytest.mark.parametrize(
    "norm_type, expected", [(1, 10.0), (2.0, 30**0.5), (float("inf"), 4.0), (3, 100 ** (1 / 3))]
)
def test_clip_grad_norm_computes_the_joint_norm_of_each_type(norm_type, expected):
    grads = [param([1.0, -2.0], np.float64), param([3.0, -4.0], np.float64)]
    total = clip_grad_norm_(grads, max_norm=1.0, norm_type=norm_type)
    assert total.item() == pytest.approx(expected, rel=1e-14)
    scaled = np.concatenate([g.grad.numpy() for g in grads])
    np.testing.assert_allclose(scaled, np.array([1, -2, 3, -4]) / (expected + 1e-6), rtol=1e-14)


def test_clip_grad_norm_skips_parameters_without_grad():
    a, b = param([6.0, 8.0]), Parameter(np.ones(2, np.float32))
    assert clip_grad_norm_([a, b], max_norm=5.0).item() == 10.0
    assert b.grad is None


def test_clip_grad_norm_keeps_float32():
    p = param([30.0, 40.0])
    total = clip_grad_norm_([p], max_norm=1.0)
    assert total.dtype == np.float32 and p.grad.dtype == np.float32


def test_clip_grad_norm_of_no_gradients_is_zero():
    total = clip_grad_norm_([Parameter(np.ones(2, np.float32))], max_norm=1.0)
    assert total.item() == 0.0 and total.dtype == np.float32


def test_clip_grad_norm_raises_on_a_non_finite_norm_when_asked():
    p = param([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="^clip_grad_norm_: the total norm of order 2.0"):
        clip_grad_norm_([p], max_norm=1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(p.grad.numpy(), [np.inf, 1.0])


def test_clip_grad_norm_scales_by_a_nan_norm_when_not_asked_to_raise():
    p = param([np.nan, 1.0])
    assert np.isnan(clip_grad_norm_([p], max_norm=1.0).item())
    assert np.isnan(p.grad.numpy()).all()


def test_clip_grad_value_clamps_in_place():
    p = param([-3.0, 0.25, 2.0])
    array = p.grad.numpy()
    clip_grad_value_(p, 0.5)
    assert p.grad.numpy() is array and array.dtype == np.float32
    np.testing.assert_array_equal(array, [-0.5, 0.25, 0.5])


def test_clip_grad_value_skips_parameters_without_grad():
    a, b = param([9.0]), Parameter(np.ones(1, np.float32))
    clip_grad_value_([a, b], 1.0)
    assert a.grad.item() == 1.0 and b.grad is None
