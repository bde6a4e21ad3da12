"""The engine: backward, grad mode, weak references, the hooks Function and Tensor offer."""

import gc
import weakref

import numpy as np
import pytest

import badak
import badak.functions as F
from tests.tensor_helpers import close, leaf


# --- backward -----------------------------------------------------------------------------------
def test_diamond_where_one_path_passes_through_the_other():
    x = leaf([0.5, -1.0], np.float64)
    a = x * x
    y = (a * a.exp()).sum()  # a reaches y directly and through exp(a)
    y.backward()
    xs = x.numpy()
    close(x.grad, 2 * xs * np.exp(xs**2) * (1 + xs**2), rtol=1e-12)


def test_two_parallel_paths_each_add_their_gradient():
    x = leaf(3.0, np.float64)
    a = x * x
    (a * a + a * a).backward()  # 2 x**4
    close(x.grad, 8 * 27.0)


def test_deep_chain_backward_does_not_recurse():
    x = leaf(1.0)
    h = x
    for _ in range(5000):
        h = h + 1.0
    h.backward()
    close(x.grad, 1.0)


def test_gradients_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    close(x.grad, [3.0 + 2.0, 3.0 + 4.0])


@pytest.mark.parametrize("op, expected", [("mul", [4.0, -6.0]), ("add", [2.0, 2.0])])
def test_tensor_used_twice_gets_both_gradients(op, expected):
    x = leaf([2.0, -3.0])
    y = x * x if op == "mul" else x + x
    y.sum().backward()
    close(x.grad, expected)


@pytest.mark.parametrize("as_tensor", [False, True])
def test_backward_of_a_non_scalar_with_gradient(as_tensor):
    x = leaf([1.0, 2.0, 3.0])
    weights = np.array([1.0, 0.1, 0.01], np.float32)
    (x * x).backward(badak.tensor(weights) if as_tensor else weights)
    close(x.grad, 2 * x.numpy() * weights)


def test_backward_of_a_non_scalar_without_gradient_raises():
    with pytest.raises(RuntimeError, match="gradient"):
        (leaf([1.0, 2.0]) * 2.0).backward()


def test_backward_with_gradient_of_wrong_shape_raises():
    y = leaf([1.0, 2.0, 3.0]) * 2.0
    with pytest.raises(RuntimeError, match="shape"):
        y.backward(np.ones(2, np.float32))


def test_second_backward_through_a_freed_graph_names_retain_graph():
    x = leaf([1.0, 2.0])
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_retain_graph_allows_a_second_backward_and_gradients_add():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    close(x.grad, 4 * x.numpy())


def test_create_graph_gives_a_differentiable_grad():
    x = leaf(2.0, np.float64)
    (x**3).backward(create_graph=True)
    gx = x.grad
    assert gx.requires_grad and gx.grad_fn is not None
    close(gx, 12.0)
    x.grad = None
    gx.backward()
    close(x.grad, 12.0)  # d/dx 3x**2 = 6x


def test_create_graph_retains_the_graph_by_default():
    x = leaf(2.0, np.float64)
    y = x**3
    y.backward(create_graph=True)
    y.backward(create_graph=True)
    close(x.grad, 24.0)


def test_newton_with_second_derivatives_finds_the_minimum():
    x = leaf(2.0, np.float64)
    iterations = 0
    while abs(x.item() - 1.0) >= 1e-10 and iterations < 10:
        iterations += 1
        y = x**4 - 2 * x**2
        x.grad = None
        y.backward(create_graph=True)
        gx = x.grad
        x.grad = None
        gx.backward()
        with badak.no_grad():
            x -= gx / x.grad
    assert abs(x.item() - 1.0) < 1e-10


def test_only_leaves_keep_grad_unless_retain_grad():
    x = leaf([1.0, 2.0])
    kept, dropped = x * 2.0, x * 3.0
    kept.retain_grad()
    y = (kept * dropped).sum()
    y.retain_grad()
    y.backward()
    close(x.grad, 12 * x.numpy())
    close(kept.grad, dropped.numpy())
    close(y.grad, 1.0)
    assert dropped.grad is None


def test_backward_on_a_tensor_not_requiring_grad_raises():
    with pytest.raises(RuntimeError, match="require"):
        badak.tensor([1.0]).sum().backward()


# --- grad mode ----------------------------------------------------------------------------------
def test_no_grad_context_records_nothing_and_restores():
    x = leaf([1.0])
    with badak.no_grad():
        assert not badak.is_grad_enabled()
        y = x * 2.0
    assert badak.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(ValueError), badak.no_grad():
        raise ValueError
    assert badak.is_grad_enabled()


def test_no_grad_as_decorator():
    @badak.no_grad()
    def double(t):
        assert not badak.is_grad_enabled()
        return t * 2.0

    y = double(leaf([1.0]))
    assert not y.requires_grad and badak.is_grad_enabled()


def test_no_grad_as_bare_decorator_like_torch():
    @badak.no_grad
    def double(t):
        return t * 2.0

    assert not double(leaf([1.0])).requires_grad


def test_set_grad_enabled_as_function_and_context_manager():
    badak.set_grad_enabled(False)
    assert not badak.is_grad_enabled()
    badak.set_grad_enabled(True)
    with badak.set_grad_enabled(False):
        assert not (leaf([1.0]) * 2.0).requires_grad
    assert badak.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with badak.no_grad(), badak.enable_grad():
        y = x * 2.0
    assert y.requires_grad and y.grad_fn is not None


# --- weak references ----------------------------------------------------------------------------
def test_function_holds_its_output_weakly():
    x = leaf([1.0, 2.0])
    y = x.exp()
    fn, ref = y.grad_fn, weakref.ref(y)
    gc.disable()
    try:
        del y
        assert ref() is None  # freed by reference counting alone: no cycle through fn
    finally:
        gc.enable()
    assert fn is not None


def test_create_graph_works_after_intermediate_outputs_were_dropped():
    x = leaf([0.3, -0.2], np.float64)
    z = x.exp().exp().sum()
    z.backward(create_graph=True)
    e = np.exp(x.numpy())
    close(x.grad, np.exp(e) * e, rtol=1e-12)
    gx = x.grad
    x.grad = None
    gx.sum().backward()
    close(x.grad, np.exp(e) * e * (e + 1), rtol=1e-12)


def test_requires_grad_on_an_integer_tensor_raises():
    with pytest.raises(TypeError):
        badak.Tensor(np.arange(3)).requires_grad_()


def _args(*shapes, low=0.5):
    rng = np.random.default_rng(0)
    return [rng.uniform(low, 2.0, s).astype(np.float32) for s in shapes]


OPS = {  # name: (function of the tensors, their values)
    "add": (F.add, _args((2, 3), (3,))),
    "sub": (F.sub, _args((2, 3), (2, 1))),
    "mul": (F.mul, _args((2, 3), (3,))),
    "div": (F.div, _args((2, 3), (3,))),
    "neg": (F.neg, _args((3,))),
    "pow": (F.pow, _args((2, 3), (3,))),
    "pow_scalar": (lambda x: x**2.5, _args((3,))),
    "exp": (F.exp, _args((3,))),
    "log": (F.log, _args((3,))),
    "log1p": (F.log1p, _args((3,))),
    "sqrt": (F.sqrt, _args((3,))),
    "abs": (F.abs, _args((3,), low=-2)),
    "sin": (F.sin, _args((3,))),
    "cos": (F.cos, _args((3,))),
    "maximum": (F.maximum, _args((2, 3), (3,))),
    "minimum": (F.minimum, _args((2, 3), (3,))),
    "clamp": (lambda x: F.clamp(x, 0.8, 1.5), _args((5,))),
    "where": (lambda a, b: F.where(a.numpy() > 1, a, b), _args((4,), (4,))),
    "sum": (lambda x: F.sum(x, 1), _args((2, 3))),
    "mean": (lambda x: F.mean(x, 0), _args((2, 3))),
    "max": (lambda x: F.max(x, 1).values, _args((2, 3))),
    "min": (lambda x: F.min(x, 1).values, _args((2, 3))),
    "amax": (lambda x: F.amax(x, 1), _args((2, 3))),
    "amin": (lambda x: F.amin(x, 0), _args((2, 3))),
    "matmul": (F.matmul, _args((2, 3), (3, 4))),
    "linear": (F.linear, _args((2, 3), (4, 3), (4,))),
    "reshape": (lambda x: F.reshape(x, 3, 2), _args((2, 3))),
    "transpose": (lambda x: F.transpose(x, 0, 1), _args((2, 3))),
    "permute": (lambda x: F.permute(x, 2, 0, 1), _args((2, 3, 4))),
    "squeeze": (lambda x: F.squeeze(x, 1), _args((2, 1, 3))),
    "unsqueeze": (lambda x: F.unsqueeze(x, 0), _args((3,))),
    "flatten": (F.flatten, _args((2, 3))),
    "cat": (lambda a, b: F.cat([a, b], 1), _args((2, 3), (2, 1))),
    "stack": (lambda a, b: F.stack([a, b]), _args((3,), (3,))),
    "broadcast_to": (lambda x: F.broadcast_to(x, 2, 3), _args((3,))),
    "sum_to": (lambda x: F.sum_to(x, 1, 3), _args((2, 3))),
    "get_item": (lambda x: F.get_item(x, [0, 2, 0]), _args((4,))),
    "sigmoid": (F.sigmoid, _args((3,), low=-2)),
    "relu": (F.relu, _args((3,), low=-2)),
    "leaky_relu": (F.leaky_relu, _args((3,), low=-2)),
    "tanh": (F.tanh, _args((3,))),
    "softmax": (lambda x: F.softmax(x, 1), _args((2, 3))),
    "log_softmax": (lambda x: F.log_softmax(x, 1), _args((2, 3))),
    "logsumexp": (lambda x: F.logsumexp(x, 1), _args((2, 3))),
}


@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "create_graph"])
@pytest.mark.parametrize("name", OPS)
def test_float32_stays_float32_through_op_and_gradients(name, create_graph):
    fn, values = OPS[name]
    inputs = [badak.tensor(v, requires_grad=True) for v in values]
    out = fn(*inputs)
    assert out.dtype == np.float32
    weights = np.random.default_rng(1).uniform(0.5, 1.5, out.shape).astype(np.float32)
    (out * badak.tensor(weights)).sum().backward(create_graph=create_graph)
    for x in inputs:
        assert x.grad is not None and x.grad.dtype == np.float32, name


# --- hooks ---------------------------------------------------------------------------------------
class Halve(badak.Function):
    """y = x / 2, with a kernel for its backward on arrays that counts its calls."""

    calls = 0

    def forward(self, x):
        return x / 2

    def backward(self, grad):
        return (grad / 2,)

    def backward_arrays(self, grad):
        type(self).calls += 1
        return None if grad.size > 3 else (grad / 2,)


@pytest.mark.parametrize("size, kernel_calls", [(3, 1), (4, 1)])
def test_the_engine_uses_backward_arrays_and_falls_back_to_the_formula(size, kernel_calls):
    Halve.calls = 0
    x = leaf(np.ones(size))
    Halve()(x).sum().backward()
    assert Halve.calls == kernel_calls
    close(x.grad, np.full(size, 0.5))


def test_under_create_graph_the_engine_runs_the_formula_not_the_kernel():
    Halve.calls = 0
    x = leaf([1.0, 2.0])
    y = Halve()(x * x).sum()
    y.backward(create_graph=True)
    assert Halve.calls == 0 and x.grad.requires_grad
    close(x.grad, [1.0, 2.0])


def test_a_backward_that_does_not_return_a_tuple_is_an_error_naming_the_op():
    class Bad(badak.Function):
        def forward(self, x):
            return x

        def backward(self, grad):
            return [grad]

    with pytest.raises(TypeError, match="BadBackward: backward must return a tuple"):
        Bad()(leaf([1.0])).sum().backward()


def test_backward_order_lists_each_function_before_the_ones_that_made_its_inputs():
    x = leaf([1.0])
    a = x * 2
    b = a + a
    y = b.sum()
    order = badak.autograd.backward_order(y.grad_fn)
    assert order[0] is y.grad_fn and order[-1] is a.grad_fn and len(order) == 3


def test_autograd_backward_takes_several_tensors_sharing_a_graph():
    x = leaf([1.0, 2.0])
    a = x * x
    badak.autograd.backward([a.sum(), (a * 3).sum()], [None, badak.tensor(2.0)])
    close(x.grad, 2 * x.numpy() + 2 * 3 * 2 * x.numpy())


def test_after_create_graph_each_leaf_owns_its_grad_and_the_users_gradient_is_not_one():
    a, b = leaf([1.0]), leaf([2.0])
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.numpy()[...] = 5  # writable, and b's is untouched
    assert b.grad.item() == 1
    x, gradient = leaf([1.0, 2.0]), badak.tensor([1.0, 1.0])
    x.backward(gradient, create_graph=True)
    assert x.grad is not gradient and not np.shares_memory(x.grad.numpy(), gradient.numpy())
