"""In-place changes after use (class 6 of the hardening issue): backward refuses a tensor that an
operation saved and that was changed in place since, as PyTorch's version counter does, and only
then. Each case runs in badak and in torch; both must raise, or neither."""

import numpy as np
import pytest
import torch

import badak


def exp_output_scaled(lib):
    x = lib.ones(3, requires_grad=True)
    y = x.exp()  # backward reads y
    with lib.no_grad():
        y *= 2
    return y.sum()


def sum_output_scaled(lib):
    x = lib.ones(3, requires_grad=True)
    y = x + 1  # backward reads nothing
    with lib.no_grad():
        y *= 2
    return y.sum()


def mul_operand_changed(lib):
    x = lib.ones(3, requires_grad=True)
    w = lib.ones(3)
    y = x * w  # x's gradient is upstream * w
    w.add_(1)
    return y.sum()


def optimizer_step_between_forward_and_backward(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
    loss = model(lib.ones(2, 3)).sum()
    loss.backward(retain_graph=True)
    optimizer.step()  # changes the second layer's weight, which the first backward needed
    return loss


def detached_output_zeroed(lib):
    x = lib.ones(3, requires_grad=True)
    y = x.sigmoid()
    y.detach().zero_()  # detach() shares the array and its version count
    return y.sum()


def data_of_output_zeroed(lib):
    x = lib.ones(3, requires_grad=True)
    y = x.exp()
    y.data.zero_()  # .data does not count: PyTorch's documented escape hatch
    return y.sum()


def input_changed_where_only_output_is_read(lib):
    x = lib.ones(3, requires_grad=True)
    y = x.sqrt() * 1  # sqrt's backward reads its output, not x
    with lib.no_grad():
        x.mul_(3)
    return y.sum()


def input_item_set(lib):
    x = lib.ones(3, requires_grad=True)
    y = x.log()
    with lib.no_grad():
        x[0] = 5
    return y.sum()


def fill_after_matmul(lib):
    a = lib.ones(2, 3, requires_grad=True)
    b = lib.ones(3, 2, requires_grad=True)
    y = a @ b
    with lib.no_grad():
        b.fill_(2)
    return y.sum()


def changed_then_new_graph(lib):
    x = lib.ones(3, requires_grad=True)
    with lib.no_grad():
        x.mul_(3)
    return (x * x).sum()  # the change came before the use: nothing to refuse


CASES = [
    exp_output_scaled,
    sum_output_scaled,
    mul_operand_changed,
    optimizer_step_between_forward_and_backward,
    detached_output_zeroed,
    data_of_output_zeroed,
    input_changed_where_only_output_is_read,
    input_item_set,
    fill_after_matmul,
    changed_then_new_graph,
]


def _raises(lib, case):
    loss = case(lib)
    try:
        loss.backward()
    except RuntimeError as error:
        return str(error)
    return None


@pytest.mark.parametrize("case", CASES, ids=[case.__name__ for case in CASES])
def test_backward_refuses_a_changed_tensor_exactly_where_pytorch_does(case):
    torch_error = _raises(torch, case)
    badak_error = _raises(badak, case)
    assert (badak_error is None) == (torch_error is None), (badak_error, torch_error)
    if badak_error is not None:
        assert "changed in place" in badak_error and "Backward" in badak_error


def test_the_error_names_the_operation_and_what_changed():
    with pytest.raises(RuntimeError, match=r"ExpBackward: .* \(its output\)"):
        exp_output_scaled(badak).backward()
    with pytest.raises(RuntimeError, match=r"MulBackward: .* \(input 1\)"):
        mul_operand_changed(badak).backward()


def test_unrefused_changes_give_pytorchs_gradients():
    for case in (sum_output_scaled, input_changed_where_only_output_is_read):
        loss, torch_loss = case(badak), case(torch)
        loss.backward()
        torch_loss.backward()
        leaf = loss.grad_fn
        assert leaf is not None
    x = badak.ones(3, requires_grad=True)
    y = x.sqrt() * 1
    with badak.no_grad():
        x.mul_(3)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(3, 0.5, np.float32))


def test_in_place_operations_count_versions():
    x = badak.zeros(3)
    assert x._version == 0
    x.add_(1)
    x.mul_(2)
    x[0] = 4
    x.fill_(1)
    assert x._version == 4
    x.data.add_(1)  # not counted, as in PyTorch
    assert x._version == 4
